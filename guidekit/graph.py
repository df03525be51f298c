"""Stage 3, graph: whole-site facts computed before any page renders.

Resolves every reference in metadata and every link in Markdown (anchors included), and works
out cross-links both ways, citations and review status. Pure: it reads the model only.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Iterator, Mapping

from . import checker as checker_stage
from . import schema
from .markdown_result import MarkdownResult
from .problems import Problem, closest, error, warning
from .urls import BUILTIN_PAGES

PageKey = tuple[str, str]  # (kind, slug): ("exercise", "plank"), ("page", "home")
CHECKER_KEY: PageKey = ("page", "checker")

# Section ids that templates give every page of a kind (or the built-in page of that name),
# so Markdown may link to them; a test checks each one is in the rendered page.
TEMPLATE_ANCHORS = {
    "article": ("sources", "review"),
    "pain-type": ("typical-signs", "warning-signs", "exercises", "sources", "review"),
    "exercise": ("steps", "dose", "progression", "cautions", "stop-if", "evidence", "sources",
                 "review"),
    "person": ("pages",),
    "home": ("sources", "review"),
    "about": ("sources", "review", "page-reviews"),
    "checker": ("checker", "sources", "review"),
}
_REF_KINDS = {"article": "articles", "pain-type": "pain_types", "exercise": "exercises",
              "person": "people", "source": "sources"}


@dataclass(frozen=True)
class SiteGraph:
    """The validated content with every whole-site fact the pages need: what the render and
    search stages read."""

    content: schema.Content
    pages: Mapping[PageKey, object]               # every entity with a page of its own
    bodies: Mapping[PageKey, MarkdownResult]      # rendered Markdown of each page with a body
    links_out: Mapping[PageKey, tuple[PageKey, ...]]
    links_in: Mapping[PageKey, tuple[PageKey, ...]]
    citations: Mapping[PageKey, tuple[str, ...]]  # source slugs each page cites
    cited_by: Mapping[str, tuple[PageKey, ...]]
    today: dt.date
    checker: checker_stage.Tree                   # the symptom checker's decision tree


def page_entities(content: schema.Content) -> dict[PageKey, object]:
    pages: dict[PageKey, object] = {("page", "home"): content.home,
                                    ("page", "about"): content.about,
                                    CHECKER_KEY: content.checker}
    for kind, attr in _REF_KINDS.items():
        if kind != "source":
            pages.update({(kind, slug): e for slug, e in getattr(content, attr).items()})
    return pages


@cache
def _reference_fields(cls) -> tuple[tuple[str, str | None], ...]:
    """(name, kind) of each field of `cls` that holds slugs of that kind, and (name, None) of
    each group of keys, which may hold some: worked out once per class, not per entity."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, f.metadata.get("ref")) for f in schema.editor_fields(cls)
                 if f.metadata.get("ref") or dataclasses.is_dataclass(hints[f.name]))


def _references(entity, prefix: str = "") -> Iterator[tuple[str, str, str, str]]:
    """(field, line key, kind, slug) for every slug the entity's metadata refers to."""
    for name, kind in _reference_fields(type(entity)):
        value = getattr(entity, name)
        dotted = prefix + name
        if kind is None:
            yield from _references(value, dotted + ".")
        elif value:
            if isinstance(value, tuple):
                for i, slug in enumerate(value):
                    yield dotted, f"{dotted}.{i}", kind, slug
            else:
                yield dotted, dotted, kind, value


def _line(entity, key: str) -> int:
    lines = entity.lines
    return lines.get(key) or lines.get(key.rsplit(".", 1)[0]) or getattr(entity, "line", 0)


def _entry_prefix(entity) -> str:
    return f"{entity.slug}." if isinstance(entity, (schema.Person, schema.Source)) else ""


def _anchors(key: PageKey, content: schema.Content, bodies) -> set[str]:
    kind, slug = key
    if key == ("page", "sources"):
        return set(content.sources)
    found = set(TEMPLATE_ANCHORS.get(slug if kind == "page" else kind, ()))
    if key in bodies:
        found.update(h.anchor for h in bodies[key].headings)
    return found


def _exists(kind: str, slug: str, content: schema.Content, pages) -> bool:
    if (kind, slug) in content.broken:
        return True
    if kind == "page":
        return slug in BUILTIN_PAGES
    if kind == "source":
        return slug in content.sources
    return (kind, slug) in pages


def build_graph(content: schema.Content, bodies: Mapping[PageKey, MarkdownResult],
                today: dt.date):
    """Returns (SiteGraph, problems). Errors mean the site must not be published."""
    problems: list[Problem] = []
    pages = page_entities(content)
    out: dict[PageKey, list[PageKey]] = defaultdict(list)
    cites: dict[PageKey, list[str]] = {key: [] for key in pages}

    for key, entity in [*pages.items(), (("page", "site"), content.site)]:
        references = list(_references(entity, _entry_prefix(entity)))
        if key == CHECKER_KEY:
            references += checker_stage.link_references(entity)
        for field, line_key, kind, slug in references:
            if not _exists(kind, slug, content, pages):
                problems.append(error(entity.source_path, _line(entity, line_key), field,
                                      _missing(kind, slug, content, pages)))
            elif (kind, slug) in content.broken:
                continue
            elif kind == "source":
                cites.setdefault(key, []).append(slug)
            elif key in pages:
                out[key].append((kind, slug))

    for key, result in bodies.items():
        entity = pages[key]
        for line, message in result.problems:
            problems.append(error(entity.source_path, entity.body_line + line - 1, "body",
                                  message))
        problems += _heading_clashes(key, entity, result)
        for link in result.links:
            target = (link.kind, link.slug) if link.kind else key
            where = (entity.source_path, entity.body_line + link.line - 1, "body")
            if not _exists(*target, content, pages):
                problems.append(error(*where, _missing(*target, content, pages)))
                continue
            if target in content.broken:
                continue
            if link.kind == "source":
                cites[key].append(link.slug)
            elif link.kind:
                out[key].append(target)
            anchor_page = ("page", "sources") if link.kind == "source" else target
            if link.kind == "source" and link.anchor:
                problems.append(error(*where, "a `source:` link cannot have a #anchor"))
            elif link.anchor and link.anchor not in _anchors(anchor_page, content, bodies):
                known = sorted(_anchors(anchor_page, content, bodies))
                problems.append(error(*where, f"`#{link.anchor}` is not a section of "
                                      f"{_name(target)}; sections there: {', '.join(known)}"))

    problems += _review_problems(pages, content, today)
    tree, found = checker_stage.compile_tree(content.checker)
    problems += found
    links_out = {k: tuple(dict.fromkeys(t for t in v if t != k)) for k, v in out.items()}
    links_in: dict[PageKey, list[PageKey]] = defaultdict(list)
    for source_key, targets in sorted(links_out.items()):
        for target in targets:
            links_in[target].append(source_key)
    citations = {k: tuple(dict.fromkeys(v)) for k, v in cites.items() if k in pages}
    cited_by: dict[str, list[PageKey]] = {slug: [] for slug in content.sources}
    for key, slugs in sorted(citations.items()):
        for slug in slugs:
            cited_by[slug].append(key)
    for slug, citing in cited_by.items():
        if not citing:
            source = content.sources[slug]
            problems.append(warning(source.source_path, source.line, slug,
                                    "no page cites this source; cite it or remove it"))
    graph = SiteGraph(content, pages, dict(bodies), links_out,
                      {k: tuple(v) for k, v in links_in.items()}, citations,
                      {k: tuple(v) for k, v in cited_by.items()}, today, tree)
    return graph, problems


def _reserved_ids(key: PageKey) -> set[str]:
    """Ids the page's template uses itself: its sections, their headings, the main landmark."""
    kind, slug = key
    sections = TEMPLATE_ANCHORS.get(slug if kind == "page" else kind, ())
    return {"main", *sections, *(f"{s}-heading" for s in sections)}


def _heading_clashes(key: PageKey, entity, result: MarkdownResult) -> list[Problem]:
    """A body heading whose id the template already uses would give the page two elements
    with one id, and links to it would land on the wrong one."""
    reserved = _reserved_ids(key)
    clashes = []
    for heading in result.headings:
        if heading.anchor in reserved:
            lines = entity.body.split("\n")
            line = next((i for i, text in enumerate(lines, 1)
                         if text.startswith("#") and heading.text in text), 1)
            clashes.append(error(entity.source_path, entity.body_line + line - 1, "body",
                                 f"the heading `{heading.text}` would get the id "
                                 f"`{heading.anchor}`, which this page already uses for its "
                                 "own section; reword the heading"))
    return clashes


def _name(key: PageKey) -> str:
    return f"`{key[0]}:{key[1]}`"


def _missing(kind: str, slug: str, content: schema.Content, pages) -> str:
    if kind == "page":
        known = list(BUILTIN_PAGES)
    elif kind == "source":
        known = list(content.sources)
    else:
        known = [s for k, s in pages if k == kind]
    close = closest(slug, known)
    listed = ", ".join(sorted(known)[:8]) + (", ..." if len(known) > 8 else "")
    hint = f"did you mean `{close}`?" if close else (
        f"check the spelling; known: {listed}" if known else "there are none yet")
    where = {"source": "content/sources.yaml", "person": "content/people.yaml",
             "page": "the built-in pages"}.get(kind, f"content/{kind}s/")
    return f"there is no {kind} `{slug}` in {where}; {hint}"


def _review_problems(pages, content: schema.Content, today: dt.date) -> list[Problem]:
    problems = []
    for entity in pages.values():
        if isinstance(entity, schema.Person):
            continue
        review, path = entity.review, entity.source_path
        line = _line(entity, "review.status")
        if review.status == "reviewed":
            if not review.reviewer or not review.reviewed_on:
                problems.append(error(path, line, "review", "a reviewed page needs `reviewer:` "
                                      "and `reviewed_on:`; or set `status: awaiting-review`"))
            elif review.reviewer in content.people and "clinical-reviewer" not in \
                    content.people[review.reviewer].roles:
                problems.append(error(path, _line(entity, "review.reviewer"), "review.reviewer",
                                      f"`{review.reviewer}` is not a clinical reviewer of this "
                                      "guide (role `clinical-reviewer` in people.yaml); only "
                                      "name someone who reviewed this page"))
        else:
            if review.reviewer or review.reviewed_on:
                problems.append(error(path, line, "review", "`reviewer:` and `reviewed_on:` go "
                                      "only with `status: reviewed`; remove them"))
            problems.append(warning(path, line, "review", "this page is awaiting clinical "
                                    "review; it is published marked as not yet reviewed"))
        if review.next_review < today:
            problems.append(warning(path, _line(entity, "review.next_review"),
                                    "review.next_review", f"the review was due on "
                                    f"{review.next_review.isoformat()}; review the page and "
                                    "update the date"))
    return problems
