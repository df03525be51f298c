"""Light pages: a size check, not a timing. Every guide page with its stylesheet stays within
50 KB uncompressed, fetches no fonts or images from elsewhere and loads no script it does not
use (bench/page_weight.py reports the sizes)."""
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


def test_reading_pages_load_no_javascript(guide_site):
    with_scripts = [p.relative_to(guide_site).as_posix() for p in guide_site.rglob("*.html")
                    if re.search(r"<script(?![^>]*application/ld\+json)", p.read_text())]
    assert with_scripts == []
