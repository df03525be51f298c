"""The search index the build writes: what it holds for each page and section, how words are
normalised, and the warnings about content/search.yaml. (Ranking and the browser's matching
are tested in Chromium by test_search_browser.py.)"""
from __future__ import annotations

import json
import pickle
import random
import re
import unicodedata

import pytest

from guidekit import pipeline, search_index
from guidekit.problems import BuildFailed
from guidekit.search_terms import STOP_WORDS, stem, words

from conftest import FIXED_DAY, ROOT, SITES, build_into


def index_of(content):
    paths = pipeline.Paths(content, ROOT / "templates", content.parent / "unused")
    graph = pipeline.load_site(paths, pipeline.BuildReport(), today=FIXED_DAY)
    return search_index.build_index(graph)


@pytest.fixture(scope="module")
def minimal():
    index, problems = index_of(SITES / "minimal")
    assert problems == []
    return index


def records_of(index, path):
    number = next(i for i, p in enumerate(index.pages) if p.path == path)
    return {r.anchor: r for r in index.records if r.page == number}


def test_every_page_is_indexed_with_its_head(minimal):
    pages = {p.path: p for p in minimal.pages}
    assert set(pages) == {"index.html", "about.html", "articles/warning-signs.html",
                          "pain-types/muscle-related.html", "exercises/plank.html",
                          "people/jane-expert.html", "checker/index.html"}
    article = pages["articles/warning-signs.html"]
    assert (article.title, article.kind, article.summary) == (
        "Warning signs", "article", "When back pain needs help now.")
    assert article.aliases == ("red flags",)
    assert pages["people/jane-expert.html"].title == "Jane Expert, M.D."
    assert article.head(minimal.pain_types) == {
        "title": "Warning signs", "aliases": "red flags",
        "summary": "When back pain needs help now.", "topics": "Article Muscle-related pain"}


def test_pages_carry_their_pain_types_for_the_filter(minimal):
    pains = {p.path: p.pain_types for p in minimal.pages}
    assert pains["pain-types/muscle-related.html"] == ("muscle-related",)
    assert pains["articles/warning-signs.html"] == ("muscle-related",)  # pain_types: in it
    assert pains["exercises/plank.html"] == ("muscle-related",)  # the pain type lists it
    assert pains["index.html"] == ()
    assert minimal.pain_types == {"muscle-related": "Muscle-related pain"}


def test_sections_from_markdown_keep_their_anchors(minimal):
    article = records_of(minimal, "articles/warning-signs.html")
    assert article["call-999-now"].heading == "Call 999 now"
    assert article["call-999-now"].text == ("If you cannot control your bladder, call 999. "
                                            "See the NHS.")
    home = records_of(minimal, "index.html")
    assert list(home) == [""]  # text before any heading belongs to the top of the page
    assert home[""].text.startswith("Start with the warning signs or try the plank.")


def test_sections_made_by_templates_are_indexed(minimal):
    plank = records_of(minimal, "exercises/plank.html")
    assert list(plank) == ["steps", "dose", "progression", "cautions", "stop-if", "evidence"]
    assert plank["steps"].text == "Lie face down. Lift your body onto your forearms and toes."
    assert plank["evidence"].text == "Some research evidence. Core exercise helps some people."
    pain = records_of(minimal, "pain-types/muscle-related.html")
    assert pain["typical-signs"].text == "Pain on one side of the spine"
    assert pain["exercises"].text == "Plank"
    assert pain["how-it-tends-to-feel"].text == "Sore on one side. Try the plank."


def test_template_sections_match_the_rendered_pages(minimal, tmp_path):
    """The index names each template section by the anchor and heading the page shows."""
    build_into(SITES / "minimal", tmp_path / "site")
    checked = 0
    for number, page in enumerate(minimal.pages):
        html = (tmp_path / "site" / page.path).read_text()
        for record in minimal.records:
            if record.page == number and record.anchor:
                section = re.search(rf'id="{record.anchor}"[^>]*>\s*<h2[^>]*>([^<]*)</h2>', html)
                heading = re.search(rf'<h[23] id="{record.anchor}">([^<]*)</h[23]>', html)
                shown = (section or heading).group(1)
                assert shown == record.heading, (page.path, record.anchor)
                checked += 1
    assert checked == 12  # 9 from templates, 3 from Markdown headings


def test_word_forms_map_to_their_stems():
    assert words("Runner's café-stretches, NAÏVE X-ray ﬁbre") == [
        "runners", "cafe", "stretches", "naive", "x", "ray", "fibre"]
    assert {stem(w) for w in ("stretch", "stretches", "stretching", "stretched")} == {"stretch"}
    assert stem("runners") == "runner"


def test_a_number_is_its_own_stem_as_snowball_says():
    """Numbers skip the stemmer (a rebuild after an edit that adds one need not load it)."""
    import snowballstemmer
    snowball = snowballstemmer.stemmer("english")
    for word in [str(n) for n in range(3000)] + ["007", "2026", "99999999"]:
        assert stem(word) == snowball.stemWord(word) == word


def test_words_follow_the_rule_the_browser_follows_for_every_character():
    """search.js splits with this rule (lower case, NFKD, no accents or apostrophes, runs of
    a-z and 0-9); words() takes faster paths to the same words."""
    def rule(text):
        folded = unicodedata.normalize("NFKD", text.lower())
        return re.findall("[a-z0-9]+", re.sub("[\u0300-\u036f'\u2019]", "", folded))

    for code in range(0x10000):
        text = f"Ab{chr(code)}c'd {chr(code)}"
        assert words(text) == rule(text), hex(code)


def test_the_index_ships_only_forms_that_differ_from_their_stem(minimal):
    assert minimal.stems["muscles"] == "muscl"
    assert minimal.stems["spreads"] == "spread"
    assert "plank" not in minimal.stems  # its own stem: the browser uses the word as it is
    assert not STOP_WORDS & set(minimal.stems)
    every_form = {w for p in minimal.pages for text in p.head(minimal.pain_types).values()
                  for w in words(text)}
    every_form |= {w for r in minimal.records for w in words(f"{r.heading} {r.text}")}
    assert {w for w in every_form - STOP_WORDS if stem(w) != w} <= set(minimal.stems)


def test_synonyms_map_stems_to_stems(minimal):
    # tests/sites/minimal/search.yaml: pee: [bladder], abs: [core, plank]
    assert minimal.synonyms == {"ab": ("core", "plank"), "pee": ("bladder",)}
    assert minimal.stems["abs"] == "ab"  # so the browser finds the word a reader types


def averages_by_hand(index):
    """Each field's average words but stop words over the fields that have any, by name in
    the order first met: every page's head, then every section."""
    fields = [head.items() for head in (p.head(index.pain_types) for p in index.pages)]
    fields += [r.fields().items() for r in index.records]
    counts = {}
    for name, text in (pair for pairs in fields for pair in pairs):
        count = len([w for w in words(text) if w not in STOP_WORDS])
        if count:
            counts.setdefault(name, []).append(count)
    return {name: round(sum(found) / len(found), 2) for name, found in counts.items()}


def test_field_averages_count_words_without_stop_words(minimal):
    titles = [len([w for w in words(p.title) if w not in STOP_WORDS]) for p in minimal.pages]
    assert minimal.averages["title"] == round(sum(titles) / len(titles), 2)
    assert set(minimal.averages) == set(search_index.BOOSTS)
    assert list(minimal.averages.items()) == list(averages_by_hand(minimal).items())


def test_pages_with_the_same_sections_each_count_in_the_averages(copy_site):
    content = copy_site("minimal")
    article = (content / "articles" / "warning-signs.md").read_text()
    (content / "articles" / "warning-signs-2.md").write_text(
        article.replace("title: Warning signs", "title: Warning signs again")
        .replace("aliases: [red flags]", "aliases: []"))
    index, _ = index_of(content)
    assert list(index.averages.items()) == list(averages_by_hand(index).items())


def script_of(index) -> bytes:
    return b"".join(search_index.index_script(index))


def test_an_earlier_vocabulary_gives_the_same_index_splitting_only_what_changed(
        copy_site, monkeypatch):
    content = copy_site("minimal")
    earlier, _ = index_of(content)
    article = content / "articles" / "warning-signs.md"
    article.write_text(article.read_text() + "\nSciatica flares when sitting.\n")
    fresh, fresh_problems = index_of(content)

    split, stemmed = [], []
    terms_of, stem_of = search_index._terms_of, search_index.stem
    monkeypatch.setattr(search_index, "_terms_of", lambda f: split.append(f) or terms_of(f))
    monkeypatch.setattr(search_index, "stem", lambda w: stemmed.append(w) or stem_of(w))
    paths = pipeline.Paths(content, ROOT / "templates", content.parent / "unused")
    graph = pipeline.load_site(paths, pipeline.BuildReport(), today=FIXED_DAY)
    again, problems = search_index.build_index(graph, earlier.vocabulary)

    assert (again, problems) == (fresh, fresh_problems)
    assert script_of(again) == script_of(fresh)
    # Split: the edited article's sections only (the heads are as they were).
    assert split == [[("heading", "Call 999 now"), (
        "text", "If you cannot control your bladder, call 999. See the NHS. Sciatica flares "
                "when sitting.")]]
    assert sorted(stemmed) == ["flares", "sciatica", "sitting"]  # only words not met before
    # The vocabulary keeps only what this index has: the article's old sections are gone.
    assert again.vocabulary == fresh.vocabulary
    assert len(again.vocabulary.terms) == len(earlier.vocabulary.terms)

    # A title changed: the heads are split again, and nothing else.
    article.write_text(article.read_text().replace("title: Warning signs", "title: Red flags"))
    retitled, _ = index_of(content)
    split.clear()
    graph = pipeline.load_site(paths, pipeline.BuildReport(), today=FIXED_DAY)
    assert search_index.build_index(graph, again.vocabulary)[0] == retitled
    [heads] = split
    assert ("title", "Red flags") in heads and len(heads) == 4 * len(retitled.pages)


def test_the_vocabulary_pickles_for_the_memo(minimal):
    assert pickle.loads(pickle.dumps(minimal.vocabulary)) == minimal.vocabulary


def test_index_script_assigns_a_global(minimal):
    script = b"".join(search_index.index_script(minimal)).decode()
    prefix = f"window.{search_index.INDEX_GLOBAL}="
    assert script.startswith(prefix) and script.endswith(";\n")
    data = json.loads(script[len(prefix):-2])
    assert data["synonyms"] == {"ab": "core plank", "pee": "bladder"}
    assert data["stems"]["spread"] == "~s"
    assert ["Plank", "exercises/plank.html", "exercise",
            "A hold that trains the muscles around your spine.", "",
            ["muscle-related"]] in data["pages"]
    plank = [page[1] for page in data["pages"]].index("exercises/plank.html")
    assert [plank, "steps", "How to do it",
            "Lie face down. Lift your body onto your forearms and toes."] in data["records"]
    assert data["records"] == [[r.page, r.anchor, r.heading, r.text] for r in minimal.records]


def test_the_build_writes_the_index(tmp_path):
    build_into(SITES / "minimal", tmp_path / "site")
    script = (tmp_path / "site" / search_index.INDEX_FILE).read_text()
    assert "Warning signs" in script and "call-999-now" in script


def test_synonyms_no_page_uses_are_warnings_and_strict_lists_them_with_the_rest(copy_site,
                                                                             tmp_path):
    content = copy_site("minimal")
    (content / "search.yaml").write_text("synonyms:\n  disk: [disc, spine]\n  tylenol: "
                                         "[paracetamol]\n")
    report = build_into(content, tmp_path / "site")
    found = [str(p).replace(str(content), "content") for p in report.warnings
             if p.path.endswith("search.yaml")]
    assert found == [
        "content/search.yaml:2: warning: synonyms.disk: no page uses the word `disc`, so it "
        "never matches; check the spelling or remove it",
        "content/search.yaml:3: warning: synonyms.tylenol: no page uses the word "
        "`paracetamol`, so it never matches; check the spelling or remove it"]
    with pytest.raises(BuildFailed) as failure:
        build_into(content, tmp_path / "strict", strict=True)
    fields = {p.field for p in failure.value.problems}
    assert {"synonyms.disk", "synonyms.tylenol", "review"} <= fields


def test_strings_are_written_as_json_writes_them():
    """The index writes most strings without escaping them; whatever the text, the bytes are
    json.dumps's."""
    rng = random.Random(5)
    alphabet = ['"', "\\", "\n", "\t", "\x00", "\x1f", " ", "\x7f", "é", "’", "\u2028",
                "\ud800", "😀", "a", "Z", "<", "/", "'"]
    cases = ["", "plain text", *("".join(rng.choices(alphabet, k=rng.randint(1, 12)))
                                 for _ in range(3000))]
    for text in cases:
        assert search_index._json_string(text) == json.dumps(text, ensure_ascii=False), text
    records = [search_index.Record(n, a, b, c) for n, (a, b, c)
               in enumerate(zip(cases, cases[1:], cases[2:]))]
    expected = json.dumps([[r.page, r.anchor, r.heading, r.text] for r in records],
                          ensure_ascii=False, separators=(",", ":"))
    assert "".join(search_index._record_rows(records, per_piece=7)) == expected
