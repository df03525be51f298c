"""Benchmark of the editor's loop: cold vs warm full builds, and edit-to-reload in the preview.

    python bench/rebuild.py [--articles 1000] [--guide content] [--runs 5] [--edits 10]

1. Full `python build.py` of a synthetic guide with --articles articles (bench/synthetic.py):
   cold (empty cache folder) and warm (cache from the previous build, nothing changed), as
   wall-clock time of the whole command. Checks that warm output is byte-identical to cold.
2. Edit-to-reload: `python build.py serve` on the guide (a copy of --guide) and on the
   synthetic guide; each edit appends a sentence to one page, and the time is from the write
   to the rebuilt page being served over HTTP (the browser is told to reload at that moment).

Targets (issue 6): edit-to-reload <= 300 ms for the guide and <= 1 s at 1000 articles; warm
full build at least 3x faster than cold. Results go to bench/out/rebuild.json too.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from build_bench import timed_build
from synthetic import write_corpus

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1795651200"}


def build(content: Path, out: Path, cache: Path) -> float:
    return timed_build(content, out, "--cache", str(cache))[0]


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def full_builds(content: Path, work: Path, runs: int) -> dict:
    cold, warm = [], []
    for run in range(runs):
        cache, out = work / f"cache-{run}", work / "site"
        cold.append(build(content, out, cache))
        cold_digest = digest(out)
        warm.append(build(content, out, cache))
        assert digest(out) == cold_digest, "a warm build differs from the cold one"
        shutil.rmtree(cache)
    return {"cold_s": summary(cold), "warm_s": summary(warm),
            "speedup_of_medians": round(statistics.median(cold) / statistics.median(warm), 2),
            "speedup_of_best": round(min(cold) / min(warm), 2)}


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"median": round(statistics.median(ordered), 3), "min": round(ordered[0], 3),
            "max": round(ordered[-1], 3), "n": len(ordered)}


def page_url(content: Path, page: Path) -> str:
    rel = page.relative_to(content).with_suffix(".html")
    return rel.as_posix()


def edit_to_reload(content: Path, page: Path, work: Path, edits: int) -> dict:
    """Serve `content`, append a sentence to `page` `edits` times, time each until served."""
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "serve", "--port", "0", "--content",
         str(content), "--out", str(work / "served"), "--cache", str(work / "serve-cache")],
        env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in server.stdout:
            match = re.match(r"Serving (http://\S+/)", line)
            if match:
                break
        else:
            raise RuntimeError("the preview did not start")
        # Keep reading what it prints, so a full pipe never blocks it.
        threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
        url = match.group(1) + page_url(content, page)
        times = []
        original = page.read_text()
        for n in range(edits):
            marker = f"Benchmark edit number {n} of this page."
            time.sleep(0.3)  # let the previous rebuild settle, as between two saves
            start = time.perf_counter()
            page.write_text(f"{original}\n{marker}\n")
            while True:
                with urllib.request.urlopen(url, timeout=30) as response:
                    if marker.encode() in response.read():
                        break
                time.sleep(0.002)
            times.append(time.perf_counter() - start)
        page.write_text(original)
        return {"page": str(page.relative_to(content)), "seconds": summary(times)}
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--guide", type=Path, default=ROOT / "content",
                        help="the real guide's content folder (default: content/)")
    parser.add_argument("--runs", type=int, default=5, help="cold/warm build pairs")
    parser.add_argument("--edits", type=int, default=10, help="edits per preview")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="guidekit-bench-") as tmp:
        work = Path(tmp)
        corpus = write_corpus(work / "synthetic", args.articles, seed=1)
        results[f"full_build_{args.articles}_articles"] = full_builds(corpus, work, args.runs)
        print(json.dumps(results, indent=2), flush=True)
        if args.guide.is_dir():
            guide = work / "guide"
            shutil.copytree(args.guide, guide)
            first = sorted((guide / "articles").glob("*.md"))[0]
            results["edit_to_reload_guide"] = edit_to_reload(guide, first, work / "g",
                                                             args.edits)
        else:
            print(f"No guide at {args.guide}; skipping its edit-to-reload.", file=sys.stderr)
        middle = corpus / "articles" / f"article-{args.articles // 2:05d}.md"
        results[f"edit_to_reload_{args.articles}_articles"] = edit_to_reload(
            corpus, middle, work / "s", args.edits)
    print(json.dumps(results, indent=2))
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "rebuild.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
