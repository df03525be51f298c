"""New pages (`python build.py new KIND SLUG`): a skeleton with every key of the schema, each
under a comment taken from its `doc`, so the skeleton cannot drift from schema.py. Required
keys get a value that builds (TODO where only the editor can write it); optional keys are
written as comments to uncomment. The build warns about any TODO left, so an unfinished page
cannot pass `--strict`. Pure: the pipeline writes the file.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import textwrap
import typing
import unicodedata
from calendar import monthrange

from . import schema
from .problems import Problem, warning

KINDS = {"article": (schema.Article, "articles"), "pain-type": (schema.PainType, "pain-types"),
         "exercise": (schema.Exercise, "exercises")}
TODO = "TODO"
_TODO_RE = re.compile(rf"\b{TODO}\b")
_WIDTH = 95
_BODIES = {
    "article": f"{TODO} write the article here in plain words. Start each section with a "
               "heading line such as `## What helps`.",
    "pain-type": f"{TODO} say how this pain feels, who it affects, what helps and when to see a "
                 "doctor, each under a heading such as `## What helps`.",
    "exercise": "",
}
REVIEW_CYCLE_MONTHS = 6


class ScaffoldError(Exception):
    """The page cannot be created; the message says why and what to do."""


def relative_path(kind: str, slug: str) -> str:
    """Where the page lives in the content folder, e.g. exercises/side-plank.md."""
    if kind not in KINDS:
        raise ScaffoldError(f"`{kind}` is not a kind of page; use one of {', '.join(KINDS)}")
    if not re.fullmatch(schema.SLUG_PATTERN, slug):
        plain = unicodedata.normalize("NFKD", slug).encode("ascii", "ignore").decode()
        suggestion = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "side-plank"
        raise ScaffoldError(f"`{slug}` is not a valid slug; use lower-case letters, digits and "
                            f"single hyphens, e.g. `{suggestion}`")
    return f"{KINDS[kind][1]}/{slug}.md"


def _months_later(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))


def _yaml(value) -> str:
    if isinstance(value, (list, tuple)):
        return f"[{', '.join(map(str, value))}]"
    return str(value)


def _comment(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, _WIDTH, initial_indent=f"{indent}# ",
                         subsequent_indent=f"{indent}# ")


def _first_values(slug: str, today: dt.date, source: str) -> dict:
    """What a new page starts with where TODO would not build or would say too much."""
    return {
        "title": slug.replace("-", " ").capitalize(),
        "sources": [source],
        "updated": today,
        "change_note": "First version.",
        "status": "awaiting-review",
        "next_review": _months_later(today, REVIEW_CYCLE_MONTHS),
        # The weakest claim, until the editor states the evidence.
        "evidence_level": "expert-opinion",
    }


def _keys(cls, first: dict, indent: str = "") -> list[str]:
    lines = []
    hints = typing.get_type_hints(cls)
    for f in schema.editor_fields(cls):
        doc, required = f.metadata["doc"], f.default is dataclasses.MISSING
        lines += _comment(doc if required else f"(optional) {doc}", indent)
        if f.name == "sources":
            lines += _comment(f"Replace `{first['sources'][0]}` with the sources this page "
                              "relies on.", indent)
        if dataclasses.is_dataclass(hints[f.name]):
            lines += [f"{indent}{f.name}:", *_keys(hints[f.name], first, indent + "  ")]
        elif not required:
            lines.append(f"{indent}# {f.name}: {_yaml(f.metadata['example'] or TODO)}")
        elif f.name in first:
            lines.append(f"{indent}{f.name}: {_yaml(first[f.name])}")
        elif typing.get_origin(hints[f.name]) is tuple:
            lines += [f"{indent}{f.name}:", f"{indent}  - {TODO}"]
        else:
            lines.append(f"{indent}{f.name}: {TODO}")
    return lines


def skeleton(kind: str, slug: str, today: dt.date, source: str) -> str:
    """The text of a new page of `kind`, citing `source` until the editor says otherwise."""
    relative_path(kind, slug)
    cls = KINDS[kind][0]
    head = (f"A new {kind} page. Replace every {TODO}, then preview it with "
            "`python build.py serve`. Every key is explained in docs/content-reference.md; "
            "how to write a page is in docs/editing.md.")
    lines = ["---", *_comment(head, ""), "",
             *_keys(cls, _first_values(slug, today, source)), "---"]
    body = textwrap.fill(_BODIES[kind], _WIDTH) + "\n" if _BODIES[kind] else ""
    return "\n".join(lines) + "\n" + body


def unfinished(page, prose: dict[str, list[str]]) -> list[Problem]:
    """A warning for each TODO left in a page's text or body; `prose` is the page's
    readability.prose_by_field."""
    problems = []
    lines = page.lines
    for name, texts in prose.items():
        value = getattr(page, name)
        listed = isinstance(value, tuple) and all(isinstance(v, str) for v in value)
        for i, text in enumerate(texts):
            if _TODO_RE.search(text):
                line = lines.get(f"{name}.{i}" if listed else name, lines.get(name, 0))
                problems.append(_todo_warning(page.source_path, line, name))
    if TODO in page.body:
        for i, text in enumerate(page.body.split("\n")):
            if _TODO_RE.search(text):
                problems.append(_todo_warning(page.source_path, page.body_line + i, "body"))
    return problems


def _todo_warning(path: str, line: int, field: str) -> Problem:
    return warning(path, line, field, f"still says {TODO}; write the real text here (the page "
                                      "was started with `python build.py new`)")
