"""Light pages: a size check, not a timing. Every guide page with its stylesheet stays within
50 KB uncompressed, fetches no fonts or images from elsewhere, and loads a script only if the
page has an element that script works on (bench/page_weight.py reports the sizes)."""
from __future__ import annotations

import re
import sys
from pathlib import Path

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from page_weight import LIMIT, page_weights  # noqa: E402


def test_every_page_with_its_stylesheet_is_at_most_50_kb(guide_site):
    weights = page_weights(guide_site)
    assert len(weights) > 10
    assert {w.page: w.total for w in weights if w.total > LIMIT} == {}


def test_the_weight_counts_every_stylesheet_and_script(tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static/a.css").write_bytes(b"x" * 50_000)
    (tmp_path / "static/b.js").write_bytes(b"y" * 25_000)
    (tmp_path / "page.html").write_text('<link rel="stylesheet" href="static/a.css">'
                                        '<script src="static/b.js" defer></script>')
    weight, = page_weights(tmp_path)
    assert (weight.html, weight.css, weight.js) == (84, 50_000, 25_000)
    assert weight.total > LIMIT


def test_no_fonts_images_or_imports_from_anywhere(guide_site):
    for css in guide_site.rglob("*.css"):
        text = css.read_text()
        assert "@font-face" not in text and "@import" not in text, css
        assert re.findall(r"url\(", text) == [], css


_LOOKUP = re.compile(r"""document\.(getElementById|querySelectorAll|querySelector)\(\s*(["'])(.+?)\2""")


def script_targets(script: str) -> list[str]:
    """CSS selectors of the elements a script looks up in the document."""
    return [("#" + target if how == "getElementById" else target)
            for how, _, target in _LOOKUP.findall(script)]


_GLOBAL = re.compile(r"\bwindow\.(\w+)\s*=")


def scripts_without_work(page, site: Path, base: str) -> list[str]:
    """'page: script' wherever a page loads a script that has nothing to do there: none of the
    elements it looks up is on the page, and no other script there reads what it defines (a
    data script such as the checker's tree)."""
    idle = []
    for path in sorted(site.rglob("*.html")):
        name = path.relative_to(site).as_posix()
        sources = re.findall(r'<script[^>]* src="([^"]+)"', path.read_text())
        if not sources:
            continue
        page.goto(base + name)
        # Root-relative (404.html built without a base URL): from the site's root.
        scripts = {src: (site / src[1:] if src.startswith("/") else path.parent / src)
                   .read_text() for src in sources}
        for src, script in scripts.items():
            others = " ".join(text for other, text in scripts.items() if other != src)
            read = any(re.search(rf"\b{name}\b", others) for name in _GLOBAL.findall(script))
            if not read and not any(page.query_selector(s) for s in script_targets(script)):
                idle.append(f"{name}: {src}")
    return idle


def test_javascript_only_on_pages_that_use_it(page, guide_site, serve):
    assert scripts_without_work(page, guide_site, serve(guide_site)) == []


def test_a_script_on_a_page_without_its_elements_is_found(page, serve, tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static/widget.js").write_text(
        'const w = document.getElementById("widget");\n'
        'document.querySelectorAll("form.finder").forEach(f => f.hidden = false);\n')
    (tmp_path / "static/data.js").write_text("window.widgetData = [1, 2];\n")
    script = '<script src="static/widget.js" defer></script>'
    data = '<script src="static/data.js" defer></script>'
    (tmp_path / "uses.html").write_text(f'<form class="finder"></form>{data}{script}')
    (tmp_path / "idle.html").write_text(f"<p>Nothing here.</p>{data}{script}")
    (tmp_path / "static/widget.js").write_text(
        (tmp_path / "static/widget.js").read_text() + "render(window.widgetData);\n")
    assert script_targets((tmp_path / "static/widget.js").read_text()) == ["#widget",
                                                                          "form.finder"]
    assert scripts_without_work(page, tmp_path, serve(tmp_path)) == [
        "idle.html: static/widget.js"]
    # Once nothing reads the data script's global, it is idle everywhere.
    (tmp_path / "static/widget.js").write_text('document.querySelector("form.finder");\n')
    assert scripts_without_work(page, tmp_path, serve(tmp_path)) == [
        "idle.html: static/data.js", "idle.html: static/widget.js",
        "uses.html: static/data.js"]
