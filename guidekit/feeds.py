"""Files for machines: the Atom feed of guidance changes, sitemap.xml and robots.txt.

Deterministic: nothing depends on the build time. The feed is dated by the newest page change
and every entry by its page's `updated` date, so rebuilding unchanged content gives the same
bytes. Pure: page facts in, file bytes out.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape as _escape

from . import schema
from .urls import absolute, page_path

FEED = "feed.xml"
SITEMAP = "sitemap.xml"


# html.escape rather than xml.sax.saxutils: the same XML, without importing urllib and email
# into every build (about 12 ms).
def escape(text: str) -> str:
    return _escape(text, quote=False)


def quoteattr(text: str) -> str:
    return f'"{_escape(text)}"'



@dataclass(frozen=True)
class PageChange:
    """One page's latest change, as the feed and the sitemap see it."""
    path: str           # output file, relative to the site root
    title: str
    updated: dt.date
    change_note: str


def page_changes(pages) -> list[PageChange]:
    """The latest change of every guide page ({(kind, slug): entity}, people left out)."""
    return [PageChange(page_path(kind, slug), entity.title, entity.updated, entity.change_note)
            for (kind, slug), entity in pages.items() if isinstance(entity, schema.PageMeta)]


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _urn(name: str) -> str:
    """The name-based (SHA-1) UUID of a name, as a URN."""
    import uuid  # only when a feed is made: a build whose site's shape is unchanged keeps it
    return uuid.uuid5(uuid.NAMESPACE_URL, name).urn


def _entry_id(site_title: str, change: PageChange) -> str:
    # Stable across rebuilds and hosts, and new for each change of a page, so feed readers
    # show a change once.
    name = f"guidekit:{site_title}:{change.path}:{change.updated.isoformat()}"
    return _urn(name)


def atom_feed(site_title: str, publisher: str, language: str, changes: list[PageChange],
              base_url: str | None) -> bytes:
    """The Atom feed (RFC 4287), newest change first (there is always one: the home page).
    Without a base URL its links are relative to the feed, which sits at the site root."""
    def link(path: str) -> str:
        return absolute(base_url, path) if base_url else path

    ordered = sorted(changes, key=lambda c: (-c.updated.toordinal(), c.title, c.path))
    feed_id = _urn(f"guidekit:{site_title}")
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(language)}>',
             f"  <title>{escape(site_title)}: changes to the guidance</title>",
             f"  <id>{feed_id}</id>",
             f"  <updated>{_stamp(ordered[0].updated)}</updated>",
             f"  <author><name>{escape(publisher)}</name></author>",
             f'  <link rel="alternate" type="text/html" href={quoteattr(link("index.html"))}/>']
    if base_url:
        lines.append(f'  <link rel="self" type="application/atom+xml" '
                     f'href={quoteattr(absolute(base_url, FEED))}/>')
    for change in ordered:
        lines += ["  <entry>",
                  f"    <title>{escape(change.title)}</title>",
                  f"    <id>{_entry_id(site_title, change)}</id>",
                  f"    <updated>{_stamp(change.updated)}</updated>",
                  f'    <link rel="alternate" type="text/html" '
                  f'href={quoteattr(link(change.path))}/>',
                  f"    <summary>{escape(change.change_note)}</summary>",
                  "  </entry>"]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def sitemap(paths: list[str], changes: list[PageChange], base_url: str) -> bytes:
    """sitemap.xml: every page by its absolute URL, with the date its guidance last changed."""
    updated = {change.path: change.updated for change in changes}
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path in sorted(paths):
        lastmod = f"<lastmod>{updated[path].isoformat()}</lastmod>" if path in updated else ""
        lines.append(f"  <url><loc>{escape(absolute(base_url, path))}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots_txt(base_url: str | None) -> bytes:
    """Every page may be indexed; the sitemap is named when its address is known."""
    text = "User-agent: *\nAllow: /\n"
    if base_url:
        text += f"\nSitemap: {absolute(base_url, SITEMAP)}\n"
    return text.encode("utf-8")


def machine_files(site: schema.SiteConfig, changes: list[PageChange],
                  base_url: str | None) -> dict[str, bytes]:
    """feed.xml and robots.txt. The sitemap lists every page made, so it comes once they are
    (see sitemap); it must list absolute URLs, so without a base URL there is none."""
    return {FEED: atom_feed(site.title, site.publisher, site.language, changes, base_url),
            "robots.txt": robots_txt(base_url)}
