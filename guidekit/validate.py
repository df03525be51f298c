"""Stage 2, validate: check raw documents against the schema and build the typed model.

In two parts: each file on its own (validate_file), which a rebuild keeps for the files that
did not change, then the whole site from those results (assemble). Every problem is collected
(never raised one at a time), each naming file, line and field, and what to do about it.
Cross-references between entities are checked later, in the graph stage.
"""
from __future__ import annotations

import collections.abc
import dataclasses
import datetime as dt
import re
import types
import typing
from dataclasses import dataclass
from functools import cache

from . import schema
from .load import RawDocument
from .problems import Problem, closest, error
from .search_terms import STOP_WORDS, words
from .yaml_values import LineList, LineMap

SLUG_RE = re.compile(rf"^{schema.SLUG_PATTERN}$")
_KIND_CLASS = {"article": schema.Article, "pain-type": schema.PainType,
               "exercise": schema.Exercise, "home": schema.Article, "about": schema.Article,
               "checker": schema.Checker}
_SLUG_FROM_FILE = ("article", "pain-type", "exercise")


@cache
def _fields(cls) -> dict[str, tuple[dataclasses.Field, object, bool]]:
    """name -> (field, type, required) of each key an editor writes for `cls`, worked out once
    per class rather than for every entry."""
    hints = typing.get_type_hints(cls)
    return {f.name: (f, hints[f.name], schema.is_required(f)) for f in schema.editor_fields(cls)}


@cache
def _shape(hint) -> tuple[str, object]:
    """What a schema type asks for, worked out once per type rather than for every value:
    ("optional", the type when given), ("choice", the choices), ("list", the item type),
    ("mapping", the value type), ("group", the dataclass) or ("scalar", the type)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return "optional", next(a for a in args if a is not type(None))
    if origin is typing.Literal:
        return "choice", args
    if origin is tuple:
        return "list", args[0]
    if origin is collections.abc.Mapping:
        return "mapping", args[1]
    if dataclasses.is_dataclass(hint):
        return "group", hint
    return "scalar", hint


def _describe(value) -> str:
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a group of keys"
    if value is None:
        return "empty"
    if isinstance(value, dt.date):
        return "a date"
    return "text"


class _Checker:
    """Converts YAML values to the schema's types, collecting problems for one file."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []
        self.lines: dict[str, int] = {}

    def fail(self, line: int, field: str, message: str) -> None:
        self.problems.append(error(self.path, line, field, message))

    def entity(self, cls, data: LineMap, prefix: str = "", **fixed):
        """Build `cls` from a YAML mapping, or return None (with problems) if it cannot be.
        `fixed` holds the values not written by editors, such as `lines=self.lines`: the dict
        is filled in as the keys are read, and ends up complete before the entity is made."""
        fields = _fields(cls)
        ok = True
        for key in data:
            if key not in fields:
                ok = False
                close = closest(key, fields)
                hint = (f"did you mean `{close}`?" if close
                        else f"the keys allowed here are: {', '.join(fields)}")
                self.fail(data.key_lines[key], prefix + key, f"unknown key; {hint}")
        values = {}
        for name, (f, hint, required) in fields.items():
            dotted = prefix + name
            if name not in data:
                if required:
                    ok = False
                    self.fail(data.line, dotted, f"required key is missing; add `{name}:` "
                                                 f"({f.metadata['doc']})")
                continue
            line = data.key_lines[name]
            self.lines[dotted] = line
            converted = self.value(data[name], hint, line, dotted, f)
            if converted is _INVALID:
                ok = False
            else:
                values[name] = converted
        if not ok:
            return None
        return cls(**values, **fixed)

    def value(self, value, hint, line: int, field: str, f: dataclasses.Field):
        shape, detail = _shape(hint)
        if shape == "optional":
            return None if value is None else self.value(value, detail, line, field, f)
        if shape == "choice":
            if value in detail:
                return value
            close = closest(str(value), [str(a) for a in detail])
            hint_text = f"did you mean `{close}`?" if close else "use one of"
            self.fail(line, field, f"`{value}` is not allowed; {hint_text} "
                                   f"({', '.join(f'`{a}`' for a in detail)})")
            return _INVALID
        if shape == "list":
            return self.sequence(value, detail, line, field, f)
        if shape == "mapping":
            return self.mapping(value, detail, line, field, f)
        if shape == "group":
            if not isinstance(value, LineMap):
                self.fail(line, field, f"should be a group of keys, not {_describe(value)} "
                                       f"(see the example in docs/content-reference.md)")
                return _INVALID
            result = self.entity(detail, value, prefix=field + ".")
            return _INVALID if result is None else result
        return self.scalar(value, detail, line, field)

    def sequence(self, value, item_hint, line, field, f):
        if not isinstance(value, LineList):
            self.fail(line, field, f"should be a list (one `- item` per line), not "
                                   f"{_describe(value)}")
            return _INVALID
        if not value and schema.is_required(f):
            self.fail(line, field, "the list is empty; add at least one item")
            return _INVALID
        items = []
        groups = dataclasses.is_dataclass(item_hint)
        for i, (item, item_line) in enumerate(zip(value, value.item_lines)):
            item_field = field
            if groups:
                # A group of keys in a list is named by its position, counted from 1 as
                # editors count: `questions.3.text`.
                item_field = f"{field}.{i + 1}"
                self.lines[item_field] = item_line
            else:
                self.lines[f"{field}.{i}"] = item_line
            items.append(self.value(item, item_hint, item_line, item_field, f))
        if any(item is _INVALID for item in items):
            return _INVALID
        if f.metadata.get("ref"):
            seen = set()
            for item, item_line in zip(items, value.item_lines):
                if item in seen:
                    self.fail(item_line, field, f"`{item}` is listed twice; keep one")
                    return _INVALID
                seen.add(item)
        return tuple(items)

    def mapping(self, value, item_hint, line, field, f):
        if not isinstance(value, LineMap):
            self.fail(line, field, f"should be a group of `name: value` lines, not "
                                   f"{_describe(value)}")
            return _INVALID
        # Entries that fail are reported and left out, so the rules for the others still run.
        result = {}
        for key, item in value.items():
            dotted = f"{field}.{key}"
            self.lines[dotted] = value.key_lines[key]
            converted = self.value(item, item_hint, value.key_lines[key], dotted, f)
            if converted is not _INVALID:
                result[key] = converted
        return result

    def scalar(self, value, hint, line, field):
        if hint is str:
            if isinstance(value, str) and value.strip():
                return value.strip()
            if isinstance(value, str) or value is None:
                self.fail(line, field, "is empty; write the text after the colon")
            else:
                self.fail(line, field, f"should be text, not {_describe(value)}; "
                                       "put the value in quotes")
            return _INVALID
        if hint is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            self.fail(line, field, f"should be a whole number, not {_describe(value)}")
            return _INVALID
        if hint is dt.date:
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                return value
            if isinstance(value, str) and _DATE_SHAPE.fullmatch(value):
                self.fail(line, field, f"`{value}` is not a day on the calendar; check the month "
                                       "(01 to 12) and the day")
            else:
                self.fail(line, field, f"should be a date written YYYY-MM-DD (e.g. 2026-11-25), "
                                       f"not `{value}`")
            return _INVALID
        raise TypeError(f"schema type {hint!r} has no converter")  # a bug in schema.py


_INVALID = object()
_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")  # YAML reads it as a date if it can


def _page(doc: RawDocument):
    checker = _Checker(doc.path)
    if doc.kind in _SLUG_FROM_FILE and not SLUG_RE.match(doc.slug):
        checker.fail(0, "slug", f"the file name `{doc.slug}` is not a valid slug; use lower-case "
                                f"letters, digits and single hyphens, e.g. `side-plank.md`")
        return None, checker.problems
    cls = _KIND_CLASS[doc.kind]
    page = checker.entity(cls, doc.data, slug=doc.slug, source_path=doc.path,
                          body=doc.body, body_line=doc.body_line, lines=checker.lines)
    return page, checker.problems


def _entries(doc: RawDocument, cls, kind: str):
    """Entries of a YAML file keyed by slug (people.yaml, sources.yaml), and (kind, slug) of
    the entries that are present but invalid."""
    checker = _Checker(doc.path)
    entries, broken = {}, []
    for slug, data in doc.data.items():
        line = doc.data.key_lines[slug]
        if not SLUG_RE.match(slug):
            checker.fail(line, slug, "is not a valid slug; use lower-case letters, digits and "
                                     "single hyphens, e.g. `nice-ng59`")
            continue
        checker.lines = {}
        entry = None
        if isinstance(data, LineMap):
            entry = checker.entity(cls, data, prefix=f"{slug}.", slug=slug,
                                   source_path=doc.path, line=line, lines=checker.lines)
        else:
            checker.fail(line, slug, f"should be a group of keys, not {_describe(data)}")
        if entry is None:
            broken.append((kind, slug))
        else:
            entries[slug] = entry
    return entries, checker.problems, broken


def _source_rules(sources: dict) -> list[Problem]:
    problems = []
    for s in sources.values():
        if not s.url and not s.doi:
            problems.append(error(s.source_path, s.line, f"{s.slug}.url",
                                  "a source needs a `url:` or a `doi:` so readers can find it"))
        if s.url and not s.url.startswith("https://"):
            problems.append(error(s.source_path, s.lines.get(f"{s.slug}.url", s.line),
                                  f"{s.slug}.url", "use a full https:// address"))
    return problems


def _search_rules(settings: schema.SearchSettings) -> list[Problem]:
    """Synonyms work word by word, with the same words the index is made of."""
    problems = []
    for word, means in settings.synonyms.items():
        field = f"synonyms.{word}"
        line = settings.lines.get(field, 0)
        found = words(word)
        if len(found) != 1:
            problems.append(error(settings.source_path, line, field, "write one word here; for "
                                  "a phrase readers use, add it to the `aliases:` of its page"))
        elif found[0] in STOP_WORDS:
            problems.append(error(settings.source_path, line, field, f"`{word}` is too common "
                                  "a word for search to use; remove it"))
        if not means:
            problems.append(error(settings.source_path, line, field, "add the words the guide "
                                  "uses for it, e.g. `disk: [disc]`"))
        for i, term in enumerate(means):
            if len(words(term)) != 1 or words(term)[0] in STOP_WORDS:
                problems.append(error(settings.source_path,
                                      settings.lines.get(f"{field}.{i}", line), field,
                                      f"`{term}` is not a word search can use; list single "
                                      "words that are not too common, e.g. `[disc, nerve]`"))
    return problems


@dataclass(frozen=True)
class ValidatedFile:
    """What one file gives the model, worked out from that file alone: a rebuild keeps it for
    every file that did not change, and only `assemble` runs again."""

    path: str
    kind: str      # as in load.RawDocument
    slug: str
    value: object  # the page, SiteConfig or SearchSettings, or the entries by slug (people,
                   # sources); None if the file is invalid
    problems: tuple[Problem, ...]
    broken: tuple[tuple[str, str], ...]  # (kind, slug) of the pages and entries left out


def validate_file(doc: RawDocument) -> ValidatedFile:
    """Check one document against the schema: the first, per-file part of this stage."""
    broken = []
    if doc.kind in ("site", "search"):
        checker = _Checker(doc.path)
        cls = schema.SiteConfig if doc.kind == "site" else schema.SearchSettings
        value = checker.entity(cls, doc.data, source_path=doc.path, lines=checker.lines)
        problems = checker.problems
        if doc.kind == "search" and value is not None:
            problems += _search_rules(value)
    elif doc.kind in ("people", "sources"):
        cls, kind = (schema.Person, "person") if doc.kind == "people" else \
            (schema.Source, "source")
        value, problems, broken = _entries(doc, cls, kind)
    else:
        value, problems = _page(doc)
        if value is None and doc.kind in _SLUG_FROM_FILE:
            broken = [(doc.kind, doc.slug)]
    return ValidatedFile(doc.path, doc.kind, doc.slug, value, tuple(problems), tuple(broken))


def assemble(files: list[ValidatedFile], unreadable: set[tuple[str, str]] = frozenset()):
    """The second, whole-site part of this stage: build the Content model from the files that
    loaded (see validate_file), checking what no single file can (a slug used twice, the
    files the site needs). `unreadable` names the pages whose files could not be loaded.
    Returns (Content or None, problems): None when a file the whole site needs is missing or
    invalid. Invalid pages and entries are left out of the model and named in
    `Content.broken`, so that references to them are not reported again."""
    problems: list[Problem] = []
    singles = {}
    pages = {"article": {}, "pain-type": {}, "exercise": {}}
    page_paths: dict[tuple[str, str], str] = {}
    broken = set(unreadable)
    for file in sorted(files, key=lambda f: f.path):
        if file.kind in pages:
            key = (file.kind, file.slug)
            if key in page_paths:  # its own problems wait until it is renamed
                problems.append(error(file.path, 0, "slug", f"the slug `{file.slug}` is "
                                      f"already used by {page_paths[key]}; rename one file"))
                pages[file.kind].pop(file.slug, None)
                broken.add(key)
                continue
            page_paths[key] = file.path
            if file.value is not None:
                pages[file.kind][file.slug] = file.value
        else:
            singles[file.kind] = file.value
        problems += file.problems
        broken.update(file.broken)
    problems += _source_rules(singles.get("sources") or {})
    if any(singles.get(k) is None for k in ("site", "home", "about", "people", "sources",
                                            "checker")):
        return None, problems
    content = schema.Content(
        site=singles["site"], home=singles["home"], about=singles["about"],
        articles=dict(sorted(pages["article"].items())),
        pain_types=dict(sorted(pages["pain-type"].items())),
        exercises=dict(sorted(pages["exercise"].items())),
        people=dict(sorted(singles["people"].items())),
        sources=dict(sorted(singles["sources"].items())),
        checker=singles["checker"],
        search=singles.get("search") or schema.SearchSettings(),
        broken=frozenset(broken))
    return content, problems
