"""Markdown bodies -> HTML fragments, with the facts the site graph needs.

A pure function of the body text alone (no knowledge of other pages), so results can be cached
by content and computed in a process pool. Internal links stay as `kind:slug#anchor` in the
HTML; the render stage rewrites them to relative URLs once every page's place is known.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .fast_blocks import guard_blocks
from .fast_inline import quick_inline
from .markdown_result import LINK_KINDS, Heading, Link, MarkdownResult, Section

INTERNAL_LINK = re.compile(rf"^({'|'.join(LINK_KINDS)}):([^#]*)(?:#(.*))?$")
_EXTERNAL = ("https://", "http://", "mailto:")
_HEADINGS = {"h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_STASH_MARK = re.compile("\x02[^\x03]*\x03")
_HTML_TAG = re.compile(r"<(?!https?:|mailto:)[A-Za-z!/]")


def slugify(text: str) -> str:
    """Heading text -> anchor id, as documented for editors."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _text(element: ET.Element) -> str:
    return _STASH_MARK.sub("", "".join(element.itertext())).strip()


class _Collector(Treeprocessor):
    """Gives headings ids and records headings, links, sections and unsupported elements."""

    def run(self, root: ET.Element) -> None:
        found = self.md.guide_found
        used: set[str] = set()
        for element in root.iter():
            tag = element.tag
            if tag in ("th", "td") and element.get("style"):
                _align_by_class(element)
            if tag in _HEADINGS:
                text = _text(element)
                anchor = base = slugify(text)
                n = 2
                while anchor in used:
                    anchor, n = f"{base}-{n}", n + 1
                used.add(anchor)
                element.set("id", anchor)
                found["headings"].append(Heading(_HEADINGS[tag], anchor, text))
            elif tag == "h1":
                found["problems"].append(("# " + _text(element), "a top-level heading (`# ...`) "
                                          "is not allowed in the body: the page title is the "
                                          "only one. Use `## ` for sections"))
            elif tag == "a":
                self._link(element.get("href", ""), found)
            elif tag == "img":
                found["problems"].append(("![", "images are not supported yet; describe it "
                                          "in words instead"))
        found["sections"] = _sections(root)

    def _link(self, href: str, found: dict) -> None:
        match = INTERNAL_LINK.match(href)
        if href.startswith("#"):
            found["links"].append(("](" + href, "", "", href[1:]))
        elif match:
            kind, slug, anchor = match.groups()
            found["links"].append(("](" + href, kind, slug, anchor or ""))
        elif not href.startswith(_EXTERNAL):
            found["problems"].append(("](" + href, f"the link `{href}` cannot be checked; link "
                                      "to guide pages as `kind:slug` (e.g. `exercise:plank`), "
                                      "to a section as `#anchor`, or elsewhere with https://"))


def _align_by_class(cell: ET.Element) -> None:
    """Aligned table columns (`|:--|--:|`) come out as style attributes, which the pages'
    Content-Security-Policy blocks; the stylesheet aligns `align-left/center/right` instead."""
    match = re.fullmatch(r"text-align: (left|center|right);", cell.attrib.pop("style"))
    if match:
        cell.set("class", f"align-{match.group(1)}")


def _sections(root: ET.Element) -> list[Section]:
    sections, anchor, heading, parts = [], "", "", []
    for child in root:
        if child.tag in _HEADINGS and _HEADINGS[child.tag] <= 3:
            if parts or heading:
                sections.append(Section(anchor, heading, " ".join(parts)))
            anchor, heading, parts = child.get("id"), _text(child), []
        else:
            parts.append(" ".join(_text(child).split()))
    if parts or heading:
        sections.append(Section(anchor, heading, " ".join(p for p in parts if p)))
    return sections


class _GuideExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Priority 1: after the inline patterns, so links and heading text are final.
        md.treeprocessors.register(_Collector(md), "guide_collector", 1)
        quick = quick_inline(md)
        if quick is not None:  # same output as the stock inline step (priority 20), faster
            md.treeprocessors.register(quick, "inline", 20)


def _new_markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["tables", "sane_lists", "admonition", _GuideExtension()],
                           output_format="html")
    guard_blocks(md)  # same output, faster block tests
    return md


_MD: markdown.Markdown | None = None


def _line_of(body_lines: list[str], needle: str) -> int:
    for i, line in enumerate(body_lines, 1):
        if needle in line:
            return i
    return 1


def render_markdown(body: str) -> MarkdownResult:
    """Render one Markdown body. Pure: the same text always gives the same result."""
    global _MD
    if _MD is None:
        _MD = _new_markdown()
    md = _MD
    md.reset()
    md.guide_found = {"headings": [], "links": [], "problems": [], "sections": []}
    html = md.convert(body)
    found = md.guide_found
    lines = body.split("\n")
    problems = [(_line_of(lines, needle), message) for needle, message in found["problems"]]
    if md.htmlStash.rawHtmlBlocks:
        line = next((i for i, text in enumerate(lines, 1) if _HTML_TAG.search(text)), 1)
        problems.append((line, "raw HTML is not allowed in the guide; use Markdown instead "
                               "(e.g. **bold**, [link](exercise:plank), lists)"))
    links = tuple(Link(kind, slug, anchor, _line_of(lines, needle))
                  for needle, kind, slug, anchor in found["links"])
    return MarkdownResult(html, tuple(found["headings"]), links, tuple(found["sections"]),
                          tuple(problems))
