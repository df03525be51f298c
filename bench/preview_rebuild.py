"""Time the preview's rebuild after one edit, in its own process (as `build.py serve` does it:
the memo stays in memory between builds). Used by build_bench.py; prints JSON.

    python bench/preview_rebuild.py CONTENT OUT --edits 5
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from guidekit import pipeline, serve  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("content", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    paths = pipeline.Paths(content=args.content, templates=ROOT / "templates", out=args.out,
                           cache=None)
    preview = serve.Preview(paths, log=lambda line: None)
    preview.build()  # the first build, as when the preview starts
    page = sorted((args.content / "articles").glob("*.md"))[len(list(
        (args.content / "articles").glob("*.md"))) // 2]
    original, seconds = page.read_text(), []
    for n in range(args.edits):
        page.write_text(f"{original}\nBenchmark edit number {n} of this page.\n")
        start = time.perf_counter()
        preview.build({str(page)})
        seconds.append(time.perf_counter() - start)
        if preview.problems:
            raise SystemExit(f"the rebuild failed: {preview.problems[0]}")
    page.write_text(original)
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    main()
