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

Splitting every section into words and stemming them is most of the work, so an index also
carries its vocabulary (not shipped): each page's words found by a digest of its sections, and
every word's stem. Given the last build's vocabulary, build_index splits only the pages whose
sections changed and stems only words it has not met.
"""
from __future__ import annotations

import hashlib
import json
from json.encoder import encode_basestring
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from . import schema
from .cache import value_bytes
from .graph import SiteGraph
from .markdown_result import Section
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
class Terms:
    """What the index needs from the words of some fields (a page's sections, say)."""
    forms: str  # every word form but stop words, space-separated: one string keeps memos small
    # (field name, its words but stop words, how many of its fields have any), names in the
    # order first met
    lengths: tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class Vocabulary:
    """What one index build learnt about words, for the next to reuse: the terms of each
    page's sections, by the key of their fields (see build_index: sections that change are
    not found), and the stem of every word it stemmed. Pure data; a build keeps each page's
    terms as a memo entry of its own, so that an edit stores only what it changed."""
    terms: Mapping[bytes, Terms] = field(default_factory=dict)
    stems: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchIndex:
    pages: tuple[Page, ...]
    records: tuple[Record, ...]
    stems: Mapping[str, str]                 # word form -> its stem, where they differ
    synonyms: Mapping[str, tuple[str, ...]]  # stem -> stems also searched for it
    pain_types: Mapping[str, str]            # slug -> title
    averages: Mapping[str, float]            # field -> average number of words, for BM25
    # Not shipped: for the next build_index, to redo only what changed.
    vocabulary: Vocabulary = field(repr=False, compare=False)


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


def _synonym_words(settings: schema.SearchSettings) -> set[str]:
    """The words of content/search.yaml's synonyms, everyday words and guide words alike."""
    return {words(w)[0] for word, means in settings.synonyms.items() for w in (word, *means)}


def _synonyms(settings: schema.SearchSettings, used: set[str], stem_of: Mapping[str, str],
              stems: dict[str, str]):
    """stem of each everyday word -> stems of the guide's words, and warnings about words no
    page uses (they could never match). Adds the everyday words to `stems`, so the browser
    finds the word a reader types."""
    synonyms: dict[str, set[str]] = defaultdict(set)
    problems = []
    for word, means in settings.synonyms.items():
        (key,) = words(word)  # validate.py allows one word only
        if stem_of[key] != key:
            stems[key] = stem_of[key]
        for i, term in enumerate(means):
            target = stem_of[words(term)[0]]
            if target not in used:
                line = settings.lines.get(f"synonyms.{word}.{i}", 0)
                problems.append(warning(settings.source_path, line, f"synonyms.{word}",
                                        f"no page uses the word `{term}`, so it never matches; "
                                        "check the spelling or remove it"))
            elif target != stem_of[key]:
                synonyms[stem_of[key]].add(target)
    return {k: tuple(sorted(v)) for k, v in sorted(synonyms.items())}, problems


def _tally(lengths: dict[str, list[int]], name: str, count: int, having: int) -> None:
    """Add to a field's words but stop words, and to how many of its fields have any."""
    total = lengths.setdefault(name, [0, 0])
    total[0] += count
    total[1] += having


def _terms_of(fields: Sequence[tuple[str, str]]) -> Terms:
    """The terms of some fields, given as (field name, text)."""
    forms: set[str] = set()
    lengths: dict[str, list[int]] = {}
    for name, text in fields:
        found = words(text)
        forms.update(found)
        count = len(found) - sum(map(STOP_WORDS.__contains__, found))  # faster than filtering
        if count:
            _tally(lengths, name, count, 1)
    forms -= STOP_WORDS
    return Terms(" ".join(forms),
                 tuple((name, count, having) for name, (count, having) in lengths.items()))


def digest(data: bytes) -> bytes:
    """The default key of some fields' terms (see build_index)."""
    return hashlib.sha256(data).digest()  # faster than blake2b, with SHA-NI


def _section_terms(records: list[Record], known: Mapping[bytes, Terms],
                   key_of: Callable[[bytes], bytes]) -> tuple[list[Terms], dict[bytes, Terms]]:
    """The terms of each page's sections, worked out unless `known`; and all of them by the
    key of their fields."""
    found, by_digest = [], {}
    for _, sections in groupby(records, attrgetter("page")):
        fields = [pair for record in sections for pair in record.fields().items()]
        key = key_of(value_bytes(fields))
        if key not in by_digest:
            by_digest[key] = known[key] if key in known else _terms_of(fields)
        found.append(by_digest[key])
    return found, by_digest


def _combined(terms: list[Terms]) -> tuple[set[str], dict[str, float]]:
    """The word forms of all the terms, and the average words of each field that has any, by
    field name in the order first met (the order the index's JSON has always had)."""
    forms: set[str] = set()
    lengths: dict[str, list[int]] = {}
    for some in terms:
        forms.update(some.forms.split())
        for name, count, having in some.lengths:
            _tally(lengths, name, count, having)
    return forms, {name: round(count / having, 2) for name, (count, having) in lengths.items()}


def build_index(graph: SiteGraph, known: Vocabulary = Vocabulary(),
                key_of: Callable[[bytes], bytes] = digest) -> tuple[SearchIndex, list[Problem]]:
    """The search index of the whole site, and warnings about content/search.yaml. It reads
    the graph's content, pages and bodies only (not the links: a build makes the index from
    the loaded content, pipeline.LoadedContent, while it links the site). `known`
    is an earlier index's vocabulary: the words of pages' sections it has seen are not split
    again, and words it has stemmed not stemmed again. `key_of` turns the bytes of a page's
    section fields into the key of their terms (a digest; a build uses its memo's keys)."""
    pages, records = _pages_and_records(graph)
    pain_types = {slug: p.title for slug, p in graph.content.pain_types.items()}
    sections, by_digest = _section_terms(records, known.terms, key_of)
    # All the heads' terms are one entry: they change with any page's title, but an edit of
    # a body leaves them as they were, and splitting them took 5 ms at 1000 pages.
    head_fields = [pair for page in pages for pair in page.head(pain_types).items()]
    heads_key = key_of(value_bytes(head_fields))
    heads = by_digest[heads_key] = known.terms[heads_key] if heads_key in known.terms \
        else _terms_of(head_fields)
    forms, averages = _combined([heads, *sections])
    stem_of = {w: known.stems[w] if w in known.stems else stem(w)
               for w in forms | _synonym_words(graph.content.search)}
    stems = {w: stem_of[w] for w in forms if stem_of[w] != w}
    synonyms, problems = _synonyms(graph.content.search, {stem_of[w] for w in forms}, stem_of,
                                   stems)
    return SearchIndex(tuple(pages), tuple(records), dict(sorted(stems.items())), synonyms,
                       pain_types, averages, Vocabulary(by_digest, stem_of)), problems


def _grouped_stems(stems: Mapping[str, str]) -> dict[str, str]:
    """{stem: its forms, space-separated, `~` standing for the stem}: {"stretch": "~es ~ing"}."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for form, term in stems.items():
        grouped[term].append("~" + form[len(term):] if form.startswith(term) else form)
    return {term: " ".join(forms) for term, forms in sorted(grouped.items())}


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# The characters _json escapes in a string: control characters, the quote and the backslash.
# They are ASCII, and UTF-8 encodes every other character in bytes above 0x7F.
_ESCAPED = bytes(range(32)) + b'"\\'


def _json_string(text: str) -> str:
    """_json(text), sooner for the text that needs no escape (nearly all): finding that out
    takes a fifth of the time of escaping character by character, which was 40% of the
    index's time."""
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw.translate(None, _ESCAPED)) == len(raw):
        return f'"{text}"'
    return encode_basestring(text)


def _array(pieces: Iterable[str]) -> Iterator[str]:
    """A JSON array, a piece at a time, each piece some of its items, comma-separated."""
    yield "["
    for i, piece in enumerate(pieces):
        yield f",{piece}" if i else piece
    yield "]"


def _runs(items: Sequence, size: int) -> Iterator[Sequence]:
    return (items[start:start + size] for start in range(0, len(items), size))


def _record_rows(records: Sequence[Record], per_piece: int = 256) -> Iterator[str]:
    """_json_rows of the records' [page, anchor, heading, text], strings by _json_string."""
    return _array(",".join(f"[{r.page},{_json_string(r.anchor)},{_json_string(r.heading)},"
                           f"{_json_string(r.text)}]" for r in run)
                  for run in _runs(records, per_piece))


def _json_rows(rows: Sequence[list], per_piece: int = 256) -> Iterator[str]:
    """A JSON array of rows, a few at a time."""
    return _array(_json(list(run))[1:-1] for run in _runs(rows, per_piece))


def index_script(index: SearchIndex) -> Iterator[bytes]:
    """The index as a script that assigns a global (loaded with a <script> tag), in pieces:
    at 5000 pages its text is 25 MB, which need never be in memory whole. The pieces join to
    `window.guideSearchIndex={...JSON...};`."""
    data = {
        "boosts": BOOSTS,
        "averages": index.averages,
        "kinds": KIND_LABELS,
        "painTypes": index.pain_types,
        "pages": _json_rows([[p.title, p.path, p.kind, p.summary, "|".join(p.aliases),
                              list(p.pain_types)] for p in index.pages]),
        "records": _record_rows(index.records),
        "stems": _grouped_stems(index.stems),
        "synonyms": {k: " ".join(v) for k, v in index.synonyms.items()},
        "stopWords": " ".join(sorted(STOP_WORDS)),
    }
    opening = f"window.{INDEX_GLOBAL}={{"
    for name, value in data.items():
        yield f"{opening}{_json(name)}:".encode("utf-8")
        opening = ","
        for part in value if isinstance(value, Iterator) else [_json(value)]:
            yield part.encode("utf-8")
    yield b"};\n"
