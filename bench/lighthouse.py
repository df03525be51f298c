"""Lighthouse scores (performance, accessibility, best practices, SEO) of the built guide.

    python bench/lighthouse.py [--content content] [--min 0.95] [--keep DIR]

Builds the guide, serves it on a local HTTP server and runs Lighthouse 12.2.3 (installed on
first use into .cache/lighthouse/, kept out of the normal test install: it is large) with
Debian's chromium on the home page, an article, the symptom checker and search (the last two
once the site has them). Prints the four scores per page and exits 1 if any is below --min.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from guidekit.urls import BUILTIN_PAGES  # noqa: E402

VERSION = "12.2.3"
INSTALL = ROOT / ".cache" / "lighthouse"
CLI = INSTALL / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROME = "/usr/bin/chromium"
CHROME_FLAGS = ("--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                "--disable-background-networking --disable-component-update --disable-sync")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# (label, page): an article, and the checker and search pages when this build has them.
PAGES = [("home", "index.html"), ("article", "articles/warning-signs.html"),
         *((name, BUILTIN_PAGES[name]) for name in ("checker", "search")
           if name in BUILTIN_PAGES)]


def install() -> None:
    if not CLI.exists():
        INSTALL.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(INSTALL), "--save-exact",
                        "--no-audit", "--no-fund", f"lighthouse@{VERSION}"], check=True)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder: Path) -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def scores(url: str, report: Path) -> dict[str, float]:
    subprocess.run(["node", str(CLI), url, "--quiet", "--output=json",
                    f"--output-path={report}", f"--chrome-flags={CHROME_FLAGS}",
                    f"--only-categories={','.join(CATEGORIES)}"],
                   check=True, env={**os.environ, "CHROME_PATH": CHROME})
    result = json.loads(report.read_text())
    failed = [f"{a['id']} ({a['score']})" for a in result["audits"].values()
              if a.get("score") is not None and a["score"] < 1
              and a.get("scoreDisplayMode") == "binary"]
    if failed:
        print(f"  {url}: audits not passed: {', '.join(sorted(failed))}", file=sys.stderr)
    return {c: result["categories"][c]["score"] for c in CATEGORIES}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--min", type=float, default=0.95, help="lowest passing score")
    parser.add_argument("--keep", type=Path, help="keep the JSON reports in this folder")
    args = parser.parse_args()
    install()
    with tempfile.TemporaryDirectory() as tmp:
        site, reports = Path(tmp, "site"), args.keep or Path(tmp)
        reports.mkdir(parents=True, exist_ok=True)
        # At the server's root, as most sites are: Lighthouse reads /robots.txt there.
        server = serve(site)
        base = f"http://127.0.0.1:{server.server_port}/"
        subprocess.run([sys.executable, str(ROOT / "build.py"), "--content", str(args.content),
                        "--out", str(site), "--base-url", base], check=True,
                       capture_output=True)
        print(f"{'page':<10} " + " ".join(f"{c:>14}" for c in CATEGORIES))
        lowest = 1.0
        for label, path in PAGES:
            result = scores(base + path, reports / f"{label}.json")
            lowest = min(lowest, *result.values())
            print(f"{label:<10} " + " ".join(f"{result[c]:>14.2f}" for c in CATEGORIES),
                  flush=True)
        server.shutdown()
    print(f"lowest score {lowest:.2f} (minimum {args.min:.2f})")
    return 0 if lowest >= args.min else 1


if __name__ == "__main__":
    sys.exit(main())
