/* The guide's search: header suggestions (an ARIA combobox) and the search page. */
(() => {
"use strict";
const root = new URL("../", document.currentScript.src);
const K1 = 1.2, B = 0.75, SUGGESTIONS = 6, SHOWN = 50, BEFORE = 10, WORDS = 30;
let loading, data, stemOf, stop, pages, records, postings, vocabulary, forms;

// The same split as words() in guidekit/search_terms.py.
const words = (text) => text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
  .replace(/['\u2019]/g, "").match(/[a-z0-9]+/g) || [];
const keep = (text) => words(text).filter((w) => !stop.has(w));
const stem = (word) => stemOf.get(word) || word;
const terms = (text) => keep(text).map(stem);
const add = (map, key, value) => map.set(key, (map.get(key) || 0) + value);

// A script tag, as fetch() fails from file://.
const load = () => loading = loading || new Promise((resolve, reject) => {
  const script = document.createElement("script");
  script.src = new URL("search-index.js", root).href;
  script.onload = () => resolve(prepare(window.guideSearchIndex));
  script.onerror = reject;
  document.head.append(script);
});

// BM25 per field (average lengths from the build), boosted and summed.
function prepare(index) {
  data = index;
  stop = new Set(data.stopWords.split(" "));
  stemOf = new Map();
  for (const [term, list] of Object.entries(data.stems)) {
    for (const form of list.split(" ")) stemOf.set(form[0] === "~" ? term + form.slice(1) : form, term);
  }
  pages = data.pages.map(([title, path, kind, summary, aliases, pains]) => ({
    title, path, kind, summary, aliases, pains, titleTerms: new Set(terms(title)) }));
  // Record i is the head of page i; the sections of every page follow.
  records = pages.map(({ title, aliases, summary, kind, pains }, page) => ({ page, anchor: "", heading: "", text: "",
    fields: { title, aliases, summary, topics: [data.kinds[kind], ...pains.map((s) => data.painTypes[s])].join(" ") } }))
    .concat(data.records.map(([page, anchor, heading, text]) => ({ page, anchor, heading, text, fields: { heading, text } })));
  postings = new Map();
  vocabulary = new Set([...stemOf.keys(), ...Object.keys(data.synonyms)]);
  records.forEach((record, r) => Object.entries(record.fields).forEach(([field, text]) => {
    const found = keep(text), tf = new Map(), norm = K1 * (1 - B + B * found.length / data.averages[field]);
    for (const w of found) { vocabulary.add(w); add(tf, stem(w), 1); }
    for (const [term, f] of tf) add(postings.get(term) || postings.set(term, new Map()).get(term), r, data.boosts[field] * f * (K1 + 1) / (f + norm));
  }));
  for (const scores of postings.values()) {
    const idf = Math.log(1 + (records.length - scores.size + 0.5) / (scores.size + 0.5));
    for (const [r, score] of scores) scores.set(r, score * idf);
  }
  forms = [...vocabulary];
}

// Edit distance (a swap counts as one edit), or max + 1 once over max.
function distance(a, b, max) {
  let before = [], row = [...Array(b.length + 1).keys()];
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] !== b[j - 1]));
      if (a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) next[j] = Math.min(next[j], before[j - 2] + 1);
    }
    if (Math.min(...next) > max) return max + 1;
    [before, row] = [row, next];
  }
  return row[b.length];
}

// [term, weight] pairs for a query word: its stem, words it begins (while typed), words a
// typo away (two from 8 letters), their synonyms.
function alternatives(word, typing) {
  const found = new Map(), put = (term, weight) => found.set(term, Math.max(found.get(term) || 0, weight));
  if (vocabulary.has(word)) put(stem(word), 1);
  else { // a form the guide lacks: try it without its ending ("exercising")
    const bare = word.replace(/(ing|ed|es|s|er|ly)$/, "");
    for (const base of [bare, bare.replace(/(.)\1$/, "$1"), bare + "e"]) {
      if (base.length > 2 && postings.has(stem(base))) put(stem(base), 1);
    }
  }
  if (typing && word.length > 1) for (const form of forms) if (form.startsWith(word)) put(stem(form), 0.8);
  if (!found.size && word.length >= 4) {
    const max = word.length >= 8 ? 2 : 1;
    for (const form of forms) {
      const d = distance(word, form, max);
      if (d <= max) put(stem(form), d === 1 ? 0.7 : 0.5);
    }
  }
  for (const [term, weight] of [...found]) {
    for (const other of data.synonyms[term]?.split(" ") || []) put(other, weight * 0.8);
  }
  return [...found].filter(([term]) => postings.has(term));
}

// Pages matching the most query words first, then by score.
function search(query, filter = {}, limit = Infinity) {
  const typing = /[\p{L}\p{N}]$/u.test(query), list = keep(query);
  const slots = list.map((w, i) => alternatives(w, typing && i === list.length - 1)).filter((alts) => alts.length);
  const exact = slots.map((alts) => alts.filter(([, weight]) => weight === 1));
  const covers = (r, sets) => sets.filter((alts) => alts.some(([term]) => postings.get(term).has(r))).length;
  const matched = new Set(slots.flat().map(([term]) => term)), byPage = new Map();
  if (!slots.length && (filter.kind || filter.pain)) pages.forEach((p, i) => byPage.set(i, new Map()));
  for (const alts of slots) {
    const best = new Map();
    for (const [term, weight] of alts) {
      for (const [r, score] of postings.get(term)) best.set(r, Math.max(best.get(r) || 0, weight * score));
    }
    for (const [r, score] of best) {
      const i = records[r].page;
      add(byPage.get(i) || byPage.set(i, new Map()).get(i), r, score);
    }
  }
  const ranked = [...byPage].filter(([i]) => (!filter.kind || pages[i].kind === filter.kind) && (!filter.pain || pages[i].pains.includes(filter.pain)))
    .map(([i, scores]) => {
      const page = pages[i], found = [...scores.values()], top = Math.max(0, ...found);
      const hit = slots.filter((alts) => [...scores.keys()].some((r) => covers(r, [alts]))).length;
      // Link to the top if the title matches, else to the best section with all the query
      // words the page has (and as many as typed as its head).
      let record = i, best = 0;
      if (!slots.every((alts) => alts.some(([term]) => page.titleTerms.has(term)))) {
        for (const [r, score] of scores) {
          if (r >= pages.length && score > best && covers(r, slots) === hit && covers(r, exact) >= covers(i, exact)) [record, best] = [r, score];
        }
      }
      return { page, record, hit, score: top + 0.2 * (found.reduce((a, b) => a + b, 0) - top) };
    })
    .sort((a, b) => b.hit - a.hit || b.score - a.score);
  return Object.assign(ranked.slice(0, limit).map(({ page, record }) => {
    const { anchor, heading } = records[record];
    return { page, section: heading, title: marked(page.title, matched), snippet: snippet(record, matched),
      href: new URL(page.path + (anchor && "#" + anchor), root).href };
  }), { total: ranked.length });
}

// [text, matched] parts: words, and what lies between them.
const marked = (text, matched) => text.split(/([\p{L}\p{N}\p{M}'\u2019]+)/u)
  .map((part, i) => [part, i % 2 > 0 && terms(part).some((t) => matched.has(t))]);

// The words around a section's first match, or a page head's summary.
function snippet(r, matched) {
  const parts = marked(records[r].text || pages[records[r].page].summary, matched);
  const start = Math.max(0, Math.min(parts.findIndex(([, m]) => m) - 2 * BEFORE, parts.length - 2 * WORDS)) & ~1;
  const end = start + 2 * WORDS;
  return [[start ? "… " : "", false], ...parts.slice(start, end), [end < parts.length ? " …" : "", false]];
}

function element(tag, className = "", attributes = {}, textContent = "") {
  const node = Object.assign(document.createElement(tag), { className, textContent });
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}
const mark = (node, parts) => {
  node.append(...parts.map(([part, m]) => (m ? element("mark", "", {}, part) : part)));
  return node;
};

function describe(result, item, link = item) {
  const where = [data.kinds[result.page.kind], result.section].filter(Boolean).join(" › ");
  link.append(mark(element("span", "result-title"), result.title), " ", element("span", "result-where", {}, where));
  item.append(link === item ? "" : link, " ", mark(element("span", "result-snippet"), result.snippet));
  return item;
}

// Header box: a combobox listing the best matches while typing.
function suggestions(form) {
  const input = form.elements.q, id = `${input.id}-list`;
  const list = element("ul", "suggestions", { id, role: "listbox", "aria-label": "Suggestions" });
  const set = (name, value) => input.setAttribute(name, value);
  set("role", "combobox");
  set("aria-autocomplete", "list");
  set("aria-controls", id);
  input.after(list);
  let results = [], active = -1;
  const show = (open) => { list.hidden = !open; set("aria-expanded", open); };
  const select = (i) => {
    active = i;
    [...list.children].forEach((option, j) => option.setAttribute("aria-selected", i === j));
    if (i < 0) input.removeAttribute("aria-activedescendant");
    else set("aria-activedescendant", `${id}-${i}`);
  };
  show(false);
  input.addEventListener("focus", () => load().catch(() => {}));
  input.addEventListener("blur", () => { show(false); select(-1); });
  input.addEventListener("input", async () => {
    await load();
    results = input.value.trim() ? search(input.value, {}, SUGGESTIONS) : [];
    list.replaceChildren(...results.map((result, i) => {
      const option = describe(result, element("li", "suggestion", { id: `${id}-${i}`, role: "option" }));
      option.addEventListener("mousedown", (event) => event.preventDefault()); // keeps focus in the box
      option.addEventListener("click", () => location.assign(result.href));
      return option;
    }));
    select(-1);
    show(results.length > 0);
  });
  input.addEventListener("keydown", (event) => {
    const n = results.length, down = event.key === "ArrowDown";
    if ((down || event.key === "ArrowUp") && n) {
      show(true);
      select(down ? (active + 1) % n : (active < 1 ? n : active) - 1);
    } else if (event.key === "Enter" && active >= 0) location.assign(results[active].href);
    else if (event.key === "Escape" && !list.hidden) {
      show(false);
      select(-1);
    } else return;
    event.preventDefault();
  });
}

// The search page, its query and filters in the URL (?q=&kind=&pain=).
function searchPage(form) {
  const { q, kind, pain } = form.elements, list = document.getElementById("search-results");
  const status = document.getElementById("search-status"), params = new URLSearchParams(location.search);
  for (const field of [q, kind, pain]) field.value = params.get(field.name) || "";
  document.getElementById("search-nojs").hidden = true;
  const update = async () => {
    await load();
    const filter = { kind: kind.value, pain: pain.value }, query = q.value.trim();
    const results = query || filter.kind || filter.pain ? search(q.value, filter, SHOWN) : [];
    list.replaceChildren(...results.map((result) =>
      describe(result, element("li", "result"), Object.assign(element("a"), { href: result.href }))));
    const n = results.total;
    status.textContent = n || query ? `${n || "No"} result${n === 1 ? "" : "s"}${query ? ` for “${query}”` : ""}${n > SHOWN ? `, the best ${SHOWN} shown` : ""}` : "";
    try {
      history.replaceState(null, "", `?${new URLSearchParams([...new FormData(form)].filter(([, v]) => v))}`);
    } catch { /* some browsers refuse this on file:// */ }
  };
  form.addEventListener("input", update);
  form.addEventListener("submit", (event) => { event.preventDefault(); update(); });
  update().catch(() => { status.textContent = "Sorry: the search index could not be loaded."; });
}

window.guideSearch = { load, search, words, terms }; // for the tests and the benchmark
document.addEventListener("DOMContentLoaded", () => {
  const page = document.getElementById("search-form");
  if (page) searchPage(page);
  document.querySelectorAll("form.site-search").forEach(suggestions);
});
})();
