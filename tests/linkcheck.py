"""Walks a built site and lists every internal link or asset that does not resolve."""
from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name) is not None:
                self.refs.append(attrs[name])


def parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def broken_links(site: Path) -> list[str]:
    pages = {p.relative_to(site).as_posix(): parse(p) for p in site.rglob("*.html")}
    broken = []
    for page, found in sorted(pages.items()):
        for ref in found.refs:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc:
                continue
            # Root-relative links (404.html's, built without a base URL) start at the site.
            target = (posixpath.normpath(posixpath.join(posixpath.dirname(page),
                                                        unquote(parts.path))).lstrip("/")
                      if parts.path else page)
            if not (site / target).is_file():
                broken.append(f"{page}: {ref} (no file {target})")
            elif parts.fragment and target in pages and \
                    parts.fragment not in pages[target].ids:
                broken.append(f"{page}: {ref} (no id #{parts.fragment})")
    return broken


def external_requests(site: Path) -> list[str]:
    """src attributes and stylesheet links that would load something from another host."""
    found = []
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(r'(?:src|href)="(https?:)?//[^"]*"', text):
            tag_start = text.rfind("<", 0, match.start())
            tag = text[tag_start:match.start()]
            if not tag.startswith("<a "):
                found.append(f"{page.relative_to(site)}: {match.group(0)}")
    return found
