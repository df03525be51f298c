"""Size of what the symptom checker ships: its script (budget 10 KB unminified), the compiled
tree data and the stylesheet, raw and gzipped, and the shape of the tree.

    python bench/checker_size.py [--content content]
"""
from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from guidekit import checker, pipeline  # noqa: E402

SCRIPT_BUDGET = 10 * 1024


def sizes(data: bytes) -> str:
    return f"{len(data):>7,} B raw {len(gzip.compress(data, 9)):>7,} B gzip"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "site"
        paths = pipeline.Paths(content=args.content, templates=ROOT / "templates", out=out)
        pipeline.build(paths)
        files = {"checker.js (client)": out / "static" / "checker.js",
                 "tree.js (compiled tree)": out / "checker" / "tree.js",
                 "checker.css": out / "static" / "checker.css"}
        data = {label: path.read_bytes() for label, path in files.items()}
        pages = len(list((out / "checker").glob("*.html")))
    for label, raw in data.items():
        print(f"{label:<26}{sizes(raw)}")
    script = len(data["checker.js (client)"])
    print(f"checker.js budget: {SCRIPT_BUDGET:,} B unminified, "
          f"{'within' if script <= SCRIPT_BUDGET else 'OVER'} ({script / SCRIPT_BUDGET:.0%})")
    tree = pipeline.load_site(paths, pipeline.BuildReport()).checker
    walks = list(checker.paths(tree))
    print(f"tree: {len(tree.steps)} questions, {len(tree.outcomes)} outcomes, {len(walks)} "
          f"paths (longest {max(len(p.answers) for p in walks)} answers), {pages} static pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
