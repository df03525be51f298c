"""Where every page is written, and relative links between them.

Links are relative and name files (never directories), so the site works under any subpath of
a static host and when opened from disk (file://).
"""
from __future__ import annotations

from urllib.parse import urlsplit

# Pages the site always has, addressed from Markdown as `page:NAME`.
BUILTIN_PAGES = {
    "home": "index.html",
    "about": "about.html",
    "sources": "sources.html",
    "articles": "articles/index.html",
    "pain-types": "pain-types/index.html",
    "exercises": "exercises/index.html",
    "people": "people/index.html",
    "checker": "checker/index.html",
    "search": "search.html",
}

# Folder for each kind of page that has one file per slug.
KIND_FOLDERS = {"article": "articles", "pain-type": "pain-types", "exercise": "exercises",
                "person": "people"}


def page_path(kind: str, slug: str) -> str:
    """The output file of a page, relative to the site root."""
    if kind == "page":
        return BUILTIN_PAGES[slug]
    return f"{KIND_FOLDERS[kind]}/{slug}.html"


def checker_step_path(node: str, is_outcome: bool) -> str:
    """The page of one question or outcome of the symptom checker (for use without
    JavaScript): `checker/q-ID.html` or `checker/outcome-ID.html`."""
    return f"checker/{'outcome' if is_outcome else 'q'}-{node}.html"


def target_path(kind: str, slug: str) -> str:
    """The output file a `kind:slug` link points to (sources share one page)."""
    if kind == "source":
        return BUILTIN_PAGES["sources"]
    return page_path(kind, slug)


def relative(from_path: str, to_path: str, anchor: str = "") -> str:
    """A relative URL from one output file to another (or to an anchor on the same page).

    It climbs to the site root and down again ("../exercises/plank.html" even between two
    pages of one folder): simple, and cheap enough to call for every link of every page.
    """
    fragment = f"#{anchor}" if anchor else ""
    if to_path == from_path and fragment:
        return fragment
    return up_to_root(from_path) + to_path + fragment


def up_to_root(from_path: str) -> str:
    """The relative URL of the site root's folder from an output file: "", "../", ..."""
    return "../" * from_path.count("/")


def base_url_problem(url: str) -> str | None:
    """Why `url` cannot be the site's public address, or None if it can."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return "give the full address where the site will live, e.g. https://example.org/guide/"
    if parts.query or parts.fragment:
        return "the address cannot have a ?query or #fragment"
    return None


def with_trailing_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def absolute(base_url: str, path: str) -> str:
    """The public URL of an output file, for canonical links, feeds and sitemaps. It names the
    file, as the site's own links do, so search engines see one address per page."""
    return with_trailing_slash(base_url) + path
