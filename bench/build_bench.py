"""Build benchmark: whole-process cold builds of a synthetic guide (bench/synthetic.py).

    python bench/build_bench.py --sizes 100 1000 --runs 3

Reports, per size, the median wall time of `python build.py` over the runs, the time per
page and the peak memory (max RSS) of the build process.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import write_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def timed_build(content: Path, out: Path, *extra: str) -> tuple[float, float]:
    """(seconds, peak MiB) of one whole `build.py` process."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--content", str(content),
                             "--out", str(out), *extra], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, "SOURCE_DATE_EPOCH": "1795651200"})
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"build failed:\n{result.stderr[-3000:]}")
    # ru_maxrss of children is the largest of any child so far; each size runs in a fresh
    # helper process (see main), so it is this size's peak.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak


def bench_size(n: int, runs: int, work: Path) -> dict:
    content = write_corpus(work / f"content-{n}", n)
    out = work / f"site-{n}"
    times = []
    for _ in range(runs):
        shutil.rmtree(ROOT / ".cache", ignore_errors=True)  # cold: no parse cache
        seconds, peak = timed_build(content, out)
        times.append(seconds)
    pages = sum(1 for _ in out.rglob("*.html"))
    median = statistics.median(times)
    return {"articles": n, "pages": pages, "median_s": median, "min_s": min(times),
            "ms_per_page": 1000 * median / pages, "peak_mib": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: one size
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.one:
            row = bench_size(args.one, args.runs, Path(tmp))
            print("\t".join(str(row[k]) for k in ("articles", "pages", "median_s", "min_s",
                                                   "ms_per_page", "peak_mib")))
            return
    print(f"{'articles':>8} {'pages':>6} {'median s':>9} {'min s':>7} {'ms/page':>8} "
          f"{'peak MiB':>9}")
    for n in args.sizes:
        # A fresh process per size, so that the children's peak memory is this size's.
        line = subprocess.run([sys.executable, __file__, "--one", str(n), "--runs",
                               str(args.runs)], capture_output=True, text=True, check=True)
        a, p, med, mn, per, peak = line.stdout.split()
        print(f"{a:>8} {p:>6} {float(med):>9.2f} {float(mn):>7.2f} {float(per):>8.2f} "
              f"{float(peak):>9.1f}")


if __name__ == "__main__":
    main()
