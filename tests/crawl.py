"""Crawls a site over HTTP from one start page, as a visitor's browser and a search engine
would: every link, stylesheet, script, icon, CSS url(), feed and sitemap entry, and every
#fragment. Reports broken addresses, missing fragments and requests that leave the site."""
from __future__ import annotations

import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

# Elements whose URL the browser loads by itself (not a link the reader may follow).
_LOADED = {("link", "stylesheet"), ("link", "icon"), ("script", None), ("img", None)}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []    # followed when on the site; may point elsewhere
        self.loads: list[str] = []    # fetched by the browser: must be on the site

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        url = attrs.get("href") or attrs.get("src")
        if not url:
            return
        rel = attrs.get("rel") if tag == "link" else None
        (self.loads if (tag, rel) in _LOADED else self.links).append(url)


@dataclass
class Crawl:
    pages: dict[str, int] = field(default_factory=dict)        # URL -> HTTP status
    content_types: dict[str, str] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    external_links: set[str] = field(default_factory=set)


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read()


def _references(url: str, kind: str, body: bytes) -> tuple[list[str], list[str], set[str]]:
    """(links, loads, ids) found in one response."""
    if kind == "text/html":
        page = _Page()
        page.feed(body.decode("utf-8"))
        return page.links, page.loads, page.ids
    if kind == "text/css":
        return [], re.findall(r"url\(\s*['\"]?([^'\")]+)", body.decode("utf-8")), set()
    if kind in ("application/atom+xml", "application/xml", "text/xml") or url.endswith(".xml"):
        root = ET.fromstring(body)
        hrefs = [e.get("href") for e in root.iter("{http://www.w3.org/2005/Atom}link")]
        locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
        return [*hrefs, *locs], [], set()
    if url.endswith("/robots.txt"):
        return re.findall(r"(?m)^Sitemap:\s*(\S+)", body.decode("utf-8")), [], set()
    return [], [], set()


def crawl(start: str, root: str, extra: tuple[str, ...] = ()) -> Crawl:
    """Everything reachable from `start` (and `extra` URLs) that lies under `root`."""
    host = urlsplit(root).netloc
    result = Crawl()
    ids: dict[str, set[str]] = {}
    fragments: list[tuple[str, str, str]] = []   # (from page, target, fragment)
    queue = [(start, "start"), *((url, "start") for url in extra)]
    while queue:
        url, referrer = queue.pop()
        if url in result.pages:
            continue
        status, kind, body = fetch(url)
        result.pages[url] = status
        result.content_types[url] = kind
        if status != 200:
            result.broken.append(f"{url} ({status}), linked from {referrer}")
            continue
        links, loads, found_ids = _references(url, kind, body)
        ids[url] = found_ids
        for ref, must_stay in [*((r, False) for r in links), *((r, True) for r in loads)]:
            target, fragment = urldefrag(urljoin(url, ref))
            parts = urlsplit(target)
            if parts.scheme in ("tel", "mailto") and not must_stay:
                result.external_links.add(target)
            elif parts.scheme not in ("http", "https"):
                result.outside.append(f"{url}: {ref}")
            elif parts.netloc != host:
                if must_stay:
                    result.outside.append(f"{url}: loads {ref}")
                else:
                    result.external_links.add(target)
            elif not target.startswith(root):
                result.outside.append(f"{url}: {ref} is outside {root}")
            else:
                queue.append((target, url))
                if fragment:
                    fragments.append((url, target, fragment))
    for page, target, fragment in fragments:
        if target in ids and ids[target] and fragment not in ids[target]:
            result.broken.append(f"{page}: #{fragment} is not an id in {target}")
    return result
