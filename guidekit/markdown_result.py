"""What rendering a Markdown body gives the build (see markdown_body): its HTML and the facts
the site graph needs. The types alone, without Python-Markdown: a build that takes every
body from the memo (a rebuild after an edit, whose bodies a worker renders) reads them
without loading Markdown (20 ms)."""
from __future__ import annotations

from dataclasses import dataclass

LINK_KINDS = ("article", "pain-type", "exercise", "person", "source", "page")


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Link:
    kind: str      # one of LINK_KINDS, or '' for an anchor on the same page
    slug: str
    anchor: str    # '' when the link has none
    line: int      # line within the body


@dataclass(frozen=True)
class Section:
    """A stretch of the body under one heading (anchor '' before the first heading)."""
    anchor: str
    heading: str
    text: str


@dataclass(frozen=True)
class MarkdownResult:
    html: str
    headings: tuple[Heading, ...]
    links: tuple[Link, ...]
    sections: tuple[Section, ...]
    problems: tuple[tuple[int, str], ...]  # (line within body, message)
