"""Page weight: the bytes each built page needs (HTML + its stylesheets, and its scripts),
uncompressed and gzipped. A guide page must stay within LIMIT (HTML + CSS, uncompressed).

    python bench/page_weight.py [SITE]        (default: builds content/ into a temporary folder)
"""
from __future__ import annotations

import gzip
import posixpath
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

LIMIT = 50_000
ROOT = Path(__file__).resolve().parent.parent
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
_SCRIPT = re.compile(r'<script[^>]* src="([^"]+)"')


@dataclass(frozen=True)
class Weight:
    page: str
    html: int
    css: int
    js: int
    gzipped: int   # HTML + CSS + JS, each gzipped as a server would send it

    @property
    def total(self) -> int:
        """HTML + CSS, uncompressed: what LIMIT bounds."""
        return self.html + self.css


def _local(site: Path, page: str, href: str) -> Path:
    # Root-relative links (404.html built without a base URL) start at the site's root.
    return site / posixpath.normpath(posixpath.join(posixpath.dirname(page), href)).lstrip("/")


def page_weights(site: Path) -> list[Weight]:
    weights = []
    for path in sorted(site.rglob("*.html")):
        page = path.relative_to(site).as_posix()
        html = path.read_bytes()
        text = html.decode("utf-8")
        css = [_local(site, page, h).read_bytes() for h in _STYLESHEET.findall(text)]
        js = [_local(site, page, h).read_bytes() for h in _SCRIPT.findall(text)]
        gzipped = sum(len(gzip.compress(data, 9)) for data in [html, *css, *js])
        weights.append(Weight(page, len(html), sum(map(len, css)), sum(map(len, js)), gzipped))
    return weights


def report(site: Path) -> None:
    weights = page_weights(site)
    print(f"{'page':<48} {'HTML':>7} {'CSS':>6} {'JS':>6} {'HTML+CSS':>9} {'gzip all':>9}")
    for w in sorted(weights, key=lambda w: -w.total):
        print(f"{w.page:<48} {w.html:>7} {w.css:>6} {w.js:>6} {w.total:>9} {w.gzipped:>9}")
    heaviest = max(weights, key=lambda w: w.total)
    over = [w.page for w in weights if w.total > LIMIT]
    print(f"\n{len(weights)} pages; heaviest {heaviest.page}: {heaviest.total} bytes HTML+CSS "
          f"(limit {LIMIT}); {'over the limit: ' + ', '.join(over) if over else 'all within'}")


def main() -> None:
    if len(sys.argv) > 1:
        report(Path(sys.argv[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", f"{tmp}/site"],
                       cwd=ROOT, check=True, capture_output=True)
        report(Path(tmp, "site"))


if __name__ == "__main__":
    main()
