"""Stage 6, search index: the site graph -> the data the guide's search runs on in the browser.

A pure function of the graph, like Zola's search component. Every page is searched by its head
(title, aliases, summary, and its kind and pain types as "topics") and by each of its sections,
so a result can link to the section that matches best.

What ships is the text, not posting lists: snippets need the text anyway, and the browser
counts terms in it once, when the index loads, which keeps the guide's index under 100 KB
(posting lists would add about half again). The browser needs no stemmer: the index maps every
word form that differs from its Snowball stem ("stretches" -> "stretch"), and the browser
splits text exactly as `search_terms.words` does (a browser test checks both agree on the
whole guide). Ranking is BM25 per field, with the boosts below and the average field lengths
computed here, summed over fields.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Mapping

from . import schema
from .graph import SiteGraph
from .markdown_body import Section
from .problems import Problem, warning
from .render import EVIDENCE_LABELS, KIND_LABELS
from .search_terms import STOP_WORDS, stem, words
from .urls import page_path

# Where the browser finds the index: a script assigning a global, since fetch() fails on file://.
INDEX_FILE = "search-index.js"
INDEX_GLOBAL = "guideSearchIndex"

# How much a match in each field counts, relative to the same match in body text: title and
# alias matches come first.
BOOSTS = {"title": 6, "aliases": 4, "heading": 2, "summary": 1.5, "topics": 0.5, "text": 1}


@dataclass(frozen=True)
class Page:
    title: str
    path: str                     # relative to the site root
    kind: str
    summary: str
    aliases: tuple[str, ...]
    pain_types: tuple[str, ...]   # slugs: the pain-type filter, and "topics" to search

    def head(self, pain_titles: Mapping[str, str]) -> dict[str, str]:
        """The fields of the page's head, as the browser searches them."""
        topics = [KIND_LABELS[self.kind], *(pain_titles[p] for p in self.pain_types)]
        return {"title": self.title, "aliases": " ".join(self.aliases),
                "summary": self.summary, "topics": " ".join(topics)}


@dataclass(frozen=True)
class Record:
    """One section of a page, deep-linked by its anchor ('' for text before any heading)."""
    page: int                     # index in SearchIndex.pages
    anchor: str
    heading: str
    text: str

    def fields(self) -> dict[str, str]:
        return {"heading": self.heading, "text": self.text}


@dataclass(frozen=True)
class SearchIndex:
    pages: tuple[Page, ...]
    records: tuple[Record, ...]
    stems: Mapping[str, str]                 # word form -> its stem, where they differ
    synonyms: Mapping[str, tuple[str, ...]]  # stem -> stems also searched for it
    pain_types: Mapping[str, str]            # slug -> title
    averages: Mapping[str, float]            # field -> average number of words, for BM25


def _pain_types_of(graph: SiteGraph, kind: str, slug: str, entity) -> tuple[str, ...]:
    """The pain types a page is about: its own, those it names, or those that list it."""
    known = graph.content.pain_types
    if kind == "pain-type":
        return (slug,)
    if kind == "exercise":
        return tuple(p for p, pain in known.items() if slug in pain.exercises)
    return tuple(p for p in getattr(entity, "pain_types", ()) if p in known)


def _template_sections(graph: SiteGraph, kind: str, entity) -> list[Section]:
    """The sections templates add to a page (headings as pain_type.html and exercise.html
    show them; a test checks they match)."""
    if kind == "pain-type":
        exercises = [graph.content.exercises[e].title for e in entity.exercises
                     if e in graph.content.exercises]
        return [Section("typical-signs", "Typical signs", " ".join(entity.typical_signs)),
                Section("warning-signs", "Get help now if you have",
                        " ".join(entity.warning_signs)),
                Section("exercises", "Exercises that may help", ", ".join(exercises))]
    if kind == "exercise":
        return [Section("steps", "How to do it", " ".join(entity.steps)),
                Section("dose", "How much", entity.dose),
                Section("progression", "How to progress", entity.progression),
                Section("cautions", "Take care", " ".join(entity.cautions)),
                Section("stop-if", "Stop and get advice if", " ".join(entity.stop_if)),
                Section("evidence", "What the evidence says",
                        f"{EVIDENCE_LABELS[entity.evidence_level]}. {entity.evidence_note}")]
    if kind == "person":
        return [Section("", "", f"{entity.credentials} {entity.affiliation}".strip())]
    return []


def _pages_and_records(graph: SiteGraph) -> tuple[list[Page], list[Record]]:
    pages, records = [], []
    for key, entity in graph.pages.items():
        kind, slug = key
        person = kind == "person"
        body = graph.bodies.get(key)
        sections = _template_sections(graph, kind, entity) + list(body.sections if body else ())
        records += [Record(len(pages), s.anchor, s.heading, s.text) for s in sections
                    if s.text or s.heading]
        pages.append(Page(entity.name if person else entity.title, page_path(kind, slug), kind,
                          entity.about if person else entity.summary,
                          () if person else entity.aliases,
                          _pain_types_of(graph, kind, slug, entity)))
    return pages, records


def _synonyms(settings: schema.SearchSettings, used: set[str], stems: dict[str, str]):
    """stem of each everyday word -> stems of the guide's words, and warnings about words no
    page uses (they could never match)."""
    synonyms: dict[str, set[str]] = defaultdict(set)
    problems = []
    for word, means in settings.synonyms.items():
        (key,) = words(word)  # validate.py allows one word only
        if stem(key) != key:
            stems[key] = stem(key)
        for i, term in enumerate(means):
            target = stem(words(term)[0])
            if target not in used:
                line = settings.lines.get(f"synonyms.{word}.{i}", 0)
                problems.append(warning(settings.source_path, line, f"synonyms.{word}",
                                        f"no page uses the word `{term}`, so it never matches; "
                                        "check the spelling or remove it"))
            elif target != stem(key):
                synonyms[stem(key)].add(target)
    return {k: tuple(sorted(v)) for k, v in sorted(synonyms.items())}, problems


def build_index(graph: SiteGraph) -> tuple[SearchIndex, list[Problem]]:
    """The search index of the whole site, and warnings about content/search.yaml."""
    pages, records = _pages_and_records(graph)
    pain_types = {slug: p.title for slug, p in graph.content.pain_types.items()}
    lengths = defaultdict(list)
    forms = set()
    for fields in [p.head(pain_types) for p in pages] + [r.fields() for r in records]:
        for name, text in fields.items():
            found = [w for w in words(text) if w not in STOP_WORDS]
            forms.update(found)
            if found:
                lengths[name].append(len(found))
    stems = {w: stem(w) for w in forms if stem(w) != w}
    synonyms, problems = _synonyms(graph.content.search, {stem(w) for w in forms}, stems)
    averages = {name: round(sum(found) / len(found), 2) for name, found in lengths.items()}
    return SearchIndex(tuple(pages), tuple(records), dict(sorted(stems.items())), synonyms,
                       pain_types, averages), problems


def _grouped_stems(stems: Mapping[str, str]) -> dict[str, str]:
    """{stem: its forms, space-separated, `~` standing for the stem}: {"stretch": "~es ~ing"}."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for form, term in stems.items():
        grouped[term].append("~" + form[len(term):] if form.startswith(term) else form)
    return {term: " ".join(forms) for term, forms in sorted(grouped.items())}


def index_script(index: SearchIndex) -> bytes:
    """The index as a script that assigns a global (loaded with a <script> tag)."""
    data = {
        "boosts": BOOSTS,
        "averages": index.averages,
        "kinds": KIND_LABELS,
        "painTypes": index.pain_types,
        "pages": [[p.title, p.path, p.kind, p.summary, "|".join(p.aliases), list(p.pain_types)]
                  for p in index.pages],
        "records": [[r.page, r.anchor, r.heading, r.text] for r in index.records],
        "stems": _grouped_stems(index.stems),
        "synonyms": {k: " ".join(v) for k, v in index.synonyms.items()},
        "stopWords": " ".join(sorted(STOP_WORDS)),
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"window.{INDEX_GLOBAL}={text};\n".encode("utf-8")
