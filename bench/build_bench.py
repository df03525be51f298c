"""Build benchmark: whole-process cold builds of a synthetic guide (bench/synthetic.py), and
rebuilds after editing one article.

    python bench/build_bench.py --sizes 100 1000 --runs 5

Reports, per size, the median wall time of `python build.py` over the runs, the time per
page, the peak memory (max RSS) of the build process and, apart, of its largest forked worker
(both as the build reads them from getrusage and prints them with --timings; a forked
worker's RSS counts the pages it still shares with the build process); and, when Debian's
`hugo` is installed, Hugo's median time building the same Markdown bodies in the same run
(runs interleaved), and our time as a ratio of Hugo's.

Rebuilds after one article is edited (a sentence appended), as ratios of Hugo's cold build:
`edit s` is a whole `python build.py` process with the cache the cold build left; `preview s`
is the rebuild inside `build.py serve` (bench/preview_rebuild.py: the process, its imports and
its memo are already there, as when an editor saves a file).
"""
from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hugo_site import write_hugo_site  # noqa: E402
from synthetic import write_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def run_measured(command: list[str], **kwargs) -> tuple[float, str]:
    """(wall seconds, standard output) of one process."""
    with tempfile.TemporaryFile() as stdout:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE, **kwargs)
        err = process.communicate()[1]
        seconds = time.perf_counter() - start
        if process.returncode != 0:
            raise SystemExit(f"{command[:3]} failed:\n{err.decode()[-3000:]}")
        stdout.seek(0)
        return seconds, stdout.read().decode()


PEAKS = re.compile(r"peak memory: build process ([\d.]+) MiB, largest worker ([\d.]+) MiB")


def timed_build(content: Path, out: Path, *extra: str) -> tuple[float, float, float]:
    """(seconds, peak MiB of the build process, peak MiB of its largest pool worker) of one
    whole `build.py --timings` process, the peaks as the build reads them from getrusage."""
    seconds, printed = run_measured(
        [sys.executable, str(ROOT / "build.py"), "--content", str(content), "--out", str(out),
         "--timings", *extra], cwd=ROOT, env={**os.environ, "SOURCE_DATE_EPOCH": "1795651200"})
    main, worker = map(float, PEAKS.search(printed).groups())
    return seconds, main, worker


def hugo_build(site: Path) -> float:
    return run_measured(["hugo", "--quiet", "-s", str(site), "-d", str(site / "public")])[0]


def edited_build(content: Path, out: Path, run: int) -> float:
    """Seconds of a whole build after appending a sentence to one article (cache kept)."""
    page = content / "articles" / "article-00001.md"
    original = page.read_text()
    page.write_text(f"{original}\nBenchmark edit number {run}.\n")
    try:
        return timed_build(content, out)[0]
    finally:
        page.write_text(original)


def preview_rebuilds(content: Path, out: Path, edits: int) -> list[float]:
    printed = run_measured([sys.executable, str(ROOT / "bench" / "preview_rebuild.py"),
                            str(content), str(out), "--edits", str(edits)], cwd=ROOT,
                           env={**os.environ, "SOURCE_DATE_EPOCH": "1795651200"})[1]
    return json.loads(printed)["seconds"]


def bench_size(n: int, runs: int, work: Path) -> dict:
    content = write_corpus(work / f"content-{n}", n)
    hugo = write_hugo_site(content, work / f"hugo-{n}") if shutil.which("hugo") else None
    out = work / f"site-{n}"
    times, edits, hugo_times, peaks, worker_peaks = [], [], [], [], []
    for run in range(runs):
        shutil.rmtree(ROOT / ".cache", ignore_errors=True)  # cold: no parse cache
        seconds, peak, worker_peak = timed_build(content, out)
        times.append(seconds)
        peaks.append(peak)
        worker_peaks.append(worker_peak)
        edits.append(edited_build(content, out, run))
        if hugo:
            hugo_times.append(hugo_build(hugo))
    previews = preview_rebuilds(content, work / f"preview-{n}", runs)
    pages = sum(1 for _ in out.rglob("*.html"))
    median = statistics.median(times)
    hugo_median = statistics.median(hugo_times) if hugo_times else float("nan")
    edit, preview = statistics.median(edits), statistics.median(previews)
    return {"articles": n, "pages": pages, "median_s": median, "min_s": min(times),
            "ms_per_page": 1000 * median / pages, "peak_mib": max(peaks),
            "worker_mib": max(worker_peaks), "hugo_s": hugo_median, "ratio": median / hugo_median,
            "edit_s": edit, "edit_ratio": edit / hugo_median,
            "preview_s": preview, "preview_ratio": preview / hugo_median}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{'articles':>8} {'pages':>6} {'median s':>9} {'min s':>7} {'ms/page':>8} "
          f"{'peak MiB':>9} {'worker MiB':>10} {'hugo s':>7} {'x hugo':>7} "
          f"{'edit s':>7} {'x hugo':>7} {'preview s':>9} {'x hugo':>7}")
    # Python caches each module's bytecode on its first import, so builds after the first do
    # not compile the generator's code again; where PYTHONDONTWRITEBYTECODE stops that (this
    # sandbox sets it), every timed process would. Compile it once first, as a first run would.
    compileall.compile_dir(ROOT / "guidekit", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            r = bench_size(n, args.runs, Path(tmp))
            print(f"{r['articles']:>8} {r['pages']:>6} {r['median_s']:>9.2f} {r['min_s']:>7.2f} "
                  f"{r['ms_per_page']:>8.2f} {r['peak_mib']:>9.1f} {r['worker_mib']:>10.1f} "
                  f"{r['hugo_s']:>7.2f} {r['ratio']:>7.2f} {r['edit_s']:>7.2f} "
                  f"{r['edit_ratio']:>7.2f} {r['preview_s']:>9.2f} {r['preview_ratio']:>7.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
