"""Safe to host anywhere: the built HTML carries nothing executable but the site's own script
files, the Content-Security-Policy really holds in Chromium (over HTTP and from file://), and
unsafe Markdown fails the build instead of reaching a page."""
from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from guidekit.markdown_body import render_markdown

from conftest import BASE_URL, SITES, build_into

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; base-uri 'none'; form-action 'self'")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "srcset", "poster", "data")
BANNED_ELEMENTS = {"iframe", "frame", "object", "embed", "applet", "base", "style"}


class _Audit(HTMLParser):
    """Everything in one page that could run code or load something from elsewhere."""

    def __init__(self, page: str, site: Path, root_path: str):
        super().__init__()
        self.page, self.site, self.root_path = page, site, root_path
        self.problems: list[str] = []
        self.csp: list[str] = []
        self._script = None
        self._seen_resource = False

    def flag(self, message: str) -> None:
        self.problems.append(f"{self.page}: {message}")

    def handle_starttag(self, tag, attrs):
        named = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.flag(f"<{tag} {name}=...>: event-handler attribute")
            if name == "style":
                self.flag(f"<{tag} style=...>: style attribute (blocked by the CSP)")
            if name in URL_ATTRIBUTES and value is not None:
                scheme = urlsplit("".join(value.split()).lower()).scheme
                if scheme not in ("", "https", "http", "mailto", "tel"):
                    self.flag(f"<{tag} {name}={value!r}>: {scheme}: URL")
        if tag in BANNED_ELEMENTS:
            self.flag(f"<{tag}> element")
        if tag == "meta" and named.get("http-equiv") == "Content-Security-Policy":
            self.csp.append(named.get("content", ""))
            if self._seen_resource:
                self.flag("the CSP meta comes after a stylesheet or script")
        if tag in ("link", "script"):
            self._seen_resource = True
        if tag == "script":
            self._script = named
            self._check_script(named)

    def _check_script(self, attrs: dict) -> None:
        if attrs.get("type") == "application/ld+json":
            return
        src = attrs.get("src")
        if not src:
            self.flag("inline <script>")
            return
        parts = urlsplit(src)
        if parts.path.startswith(self.root_path):  # 404.html links from the site's root path
            target = (self.site / parts.path[len(self.root_path):]).resolve()
        else:
            target = (self.site / Path(self.page).parent / parts.path).resolve()
        if parts.scheme or parts.netloc or not target.is_file() or \
                self.site.resolve() not in target.parents:
            self.flag(f"<script src={src!r}>: not one of the site's own files")
        if "defer" not in attrs and attrs.get("type") != "module":
            self.flag(f"<script src={src!r}> blocks rendering: add defer")

    def handle_data(self, data):
        if self._script is not None and self._script.get("src") and data.strip():
            self.flag("<script src> with inline code")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def audit(site: Path, root_path: str = "/") -> list[str]:
    """Every problem in the site built at `root_path` (the path of its base URL, or /)."""
    problems = []
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        auditor = _Audit(path.relative_to(site).as_posix(), site, root_path)
        auditor.feed(path.read_text(encoding="utf-8"))
        if auditor.csp != [CSP]:
            auditor.flag(f"Content-Security-Policy meta: {auditor.csp}")
        problems += auditor.problems
    return problems


def test_the_real_guide_carries_nothing_unsafe(guide_site, guide_site_published):
    assert audit(guide_site) == []
    assert audit(guide_site_published, urlsplit(BASE_URL).path) == []


def test_the_example_site_carries_nothing_unsafe(tmp_path):
    build_into(SITES / "minimal", tmp_path / "site")
    assert audit(tmp_path / "site") == []


def test_the_audit_finds_each_kind_of_problem(tmp_path):
    build_into(SITES / "minimal", tmp_path / "site")
    page = tmp_path / "site/about.html"
    page.write_text(page.read_text().replace("</main>", (
        '<script>alert(1)</script><script src="https://cdn.example/x.js" defer></script>'
        '<img src="../static/x.png" onerror="alert(1)"><a href=" JavaScript:alert(1)">x</a>'
        '<iframe src="https://example.org"></iframe><p style="color:red">x</p></main>')))
    found = [p.split(": ", 1)[1] for p in audit(tmp_path / "site")]
    assert found == [
        "inline <script>",
        "<script src='https://cdn.example/x.js'>: not one of the site's own files",
        "<img onerror=...>: event-handler attribute",
        "<a href=' JavaScript:alert(1)'>: javascript: URL",
        "<iframe> element",
        "<p style=...>: style attribute (blocked by the CSP)"]


UNSAFE_MARKDOWN = {
    "script": "<script>alert(1)</script>",
    "event handler": 'Text <img src="x" onerror="alert(1)"> here.',
    "iframe": '<iframe src="https://example.org"></iframe>',
    "html link": '<a href="javascript:alert(1)">x</a>',
    "javascript link": "[x](javascript:alert(1))",
    "javascript link, spaced": "[x]( JavaScript:alert(1))",
    "javascript link, angle brackets": "[x](<javascript:alert(1)>)",
    "javascript link, entity": "[x](&#106;avascript:alert(1))",
    "javascript reference link": "[x][r]\n\n[r]: javascript:alert(1)",
    "javascript autolink": "<javascript:alert(1)>",
    "data link": "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "style": '<span style="color:red">x</span>',
    "comment": "a <!-- hidden --> b",
    "image": "![x](https://example.org/x.png)",
}


@pytest.mark.parametrize("markdown", UNSAFE_MARKDOWN.values(), ids=UNSAFE_MARKDOWN.keys())
def test_unsafe_markdown_is_rejected_with_a_message(markdown):
    problems = render_markdown(markdown).problems
    assert problems, markdown
    assert all(line >= 1 and message for line, message in problems)


def test_markdown_that_only_looks_unsafe_is_shown_as_text():
    html = render_markdown("Type `<script>` or:\n\n    <script>alert(1)</script>\n").html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_aligned_table_columns_use_classes_not_style_attributes():
    result = render_markdown("| a | b | c |\n|:--|--:|:-:|\n| 1 | 2 | 3 |\n")
    assert result.problems == ()
    assert "style=" not in result.html
    assert '<th class="align-left">a</th>' in result.html
    assert '<td class="align-right">2</td>' in result.html


INJECTED = (
    '<script>document.documentElement.dataset.inline = "ran";</script>'
    '<script src="https://example.org/evil.js" defer></script>'
    '<img id="remote" src="https://example.org/pixel.png" alt="">'
    '<p id="styled" style="color: rgb(255, 0, 0)">styled</p>'
    '<script src="../static/probe.js" defer></script>')


@pytest.fixture
def tampered_site(tmp_path, guide_site) -> Path:
    """A copy of the guide with an attack injected into one page, and a probe script of the
    site's own (static/probe.js) that the policy must still allow."""
    site = tmp_path / "site"
    shutil.copytree(guide_site, site)
    (site / "static/probe.js").write_text('document.documentElement.dataset.own = "ran";\n')
    page = site / "exercises/plank.html"
    page.write_text(page.read_text().replace("</main>", INJECTED + "</main>"))
    return site


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_the_policy_blocks_injected_code_in_chromium(page, tampered_site, serve, scheme):
    responses, failures, violations = [], {}, []
    page.on("response", lambda r: responses.append(r.url))
    page.on("requestfailed", lambda r: failures.update({r.url: r.failure}))
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text else None)
    base = serve(tampered_site) if scheme == "http" else tampered_site.as_uri() + "/"
    page.goto(base + "exercises/plank.html")
    page.wait_for_load_state("load")
    root = page.locator("html")
    assert root.get_attribute("data-own") == "ran"       # the site's own script runs
    assert root.get_attribute("data-inline") is None     # an inline script does not
    assert page.locator("#styled").evaluate("e => getComputedStyle(e).color") != \
        "rgb(255, 0, 0)"                                 # nor a style attribute
    assert page.locator("main.wrap").evaluate(          # the site's stylesheet applies
        "e => getComputedStyle(e).maxWidth") != "none"
    assert [url for url in responses if "example.org" in url] == []
    assert {url: why for url, why in failures.items() if "example.org" in url} == {
        "https://example.org/evil.js": "csp",
        "https://example.org/pixel.png": "csp"}
    assert len(violations) >= 4, violations


def test_json_ld_is_not_blocked_by_the_policy(page, guide_site_published, serve):
    messages = []
    page.on("console", lambda m: messages.append(m.text))
    page.goto(serve(guide_site_published) + "exercises/plank.html")
    data = page.evaluate("JSON.parse(document.querySelector("
                         "'script[type=\"application/ld+json\"]').textContent)")
    assert data["@type"] == "MedicalWebPage" and data["url"] == BASE_URL + "exercises/plank.html"
    assert messages == []
