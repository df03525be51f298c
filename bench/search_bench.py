"""Search benchmark: index and script sizes, and query times in Chromium, for the real guide and
a synthetic site; and Pagefind on the same built guide, for index size and top results.

    python bench/search_bench.py [--content content] [--pages 1000] [--batches 25]

Query time is performance.now() around guideSearch.search() in the page, for each query the
median over batches of back-to-back calls (Chromium rounds performance.now() to 0.1 ms, so one
call is too short to time alone). "Suggestions" asks for the 6 best with their snippets, as the
header box does; "search page" for the best 50, as the search page does. The index loads on
first use: its time is from focusing the header box on a page to the index being ready.
Pagefind 1.6.0 is installed with npm into a temporary folder at run time (benchmark-only, not a
dependency) and driven through its JavaScript API over http.
"""
from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]
from conftest import CHROMIUM, CHROMIUM_ARGS, _QuietHandler  # noqa: E402
from guidekit import pipeline, search_index  # noqa: E402
from search_queries import QUERIES, finds  # noqa: E402
from synthetic import write_corpus  # noqa: E402

PAGEFIND = "pagefind@1.6.0"
# Queries for the synthetic site, whose words come from bench/synthetic.py.
SYNTHETIC_QUERIES = [("plank", {}), ("back pain", {}), ("stre", {}), ("hamstrnig", {}),
                     ("tingling numb leg", {}), ("core", {"kind": "exercise"}),
                     ("gently", {"pain": "pain-03"})]
TIMING = """async ([queries, batches, size, limit]) => {
  await guideSearch.load();
  return queries.map(([query, filter]) => {
    const means = [];
    for (let b = 0; b < batches; b++) {
      const start = performance.now();
      for (let i = 0; i < size; i++) guideSearch.search(query, filter, limit);
      means.push((performance.now() - start) / size);
    }
    return means.sort((a, b) => a - b)[batches >> 1];
  });
}"""
LOADING = """async () => {
  const start = performance.now();
  await guideSearch.load();
  return performance.now() - start;
}"""
# Pagefind needs WebAssembly, which the guide's Content-Security-Policy rightly forbids, so
# it runs from a bare page added to the benchmark's copy of the site.
PAGEFIND_PAGE = "<!DOCTYPE html><title>Pagefind benchmark</title>"
PAGEFIND_RUN = """async ([queries, runs]) => {
  const pagefind = await import("/pagefind/pagefind.js");
  await pagefind.init();
  const top = [], times = [];
  for (const query of queries) {
    const start = performance.now();
    const found = (await pagefind.search(query)).results;
    const first = performance.now() - start;
    const data = found.length ? await found[0].data() : null;
    // Its best section: the sub-result whose matches weigh most.
    const weight = (sub) => sub.weighted_locations.reduce((sum, l) => sum + l.balanced_score, 0);
    const best = data && data.sub_results.reduce((a, b) => (weight(b) > weight(a) ? b : a), data.sub_results[0]);
    top.push(data ? (best || data).url : "");
    const again = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await pagefind.search(query);
      again.push(performance.now() - start);
    }
    times.push([first, again.sort((a, b) => a - b)[runs >> 1]]);
  }
  return [top, times];
}"""


def sizes(files) -> tuple[int, int]:
    """(raw bytes, gzip -9 bytes), each file compressed alone as a server would send it."""
    data = [Path(f).read_bytes() for f in files]
    return sum(map(len, data)), sum(len(gzip.compress(d, 9)) for d in data)


def kib(raw_and_gzip: tuple[int, int]) -> str:
    raw, packed = raw_and_gzip
    return f"{raw / 1024:7.1f} KiB raw, {packed / 1024:6.1f} KiB gzip ({raw} / {packed} bytes)"


def build(content: Path, out: Path) -> Path:
    pipeline.build(pipeline.Paths(content, ROOT / "templates", out))
    return out


class _Server(http.server.ThreadingHTTPServer):
    """A local web server for one folder, in a background thread."""

    def __init__(self, folder: Path):
        super().__init__(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
        threading.Thread(target=self.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server_port}/"


def time_queries(browser, site: Path, queries, batches: int) -> dict:
    server = _Server(site)
    try:
        page = browser.new_page()
        loads = []
        for _ in range(5):
            page.goto(f"{server.url}about.html")  # not the search page, which loads at once
            loads.append(page.evaluate(LOADING))
        times = {name: page.evaluate(TIMING, [queries, batches, 20, limit])
                 for name, limit in (("suggestions", 6), ("search page", 50))}
        page.close()
    finally:
        server.shutdown()
        server.server_close()
    return {"load": statistics.median(loads), **times}


def report_times(label: str, times: dict) -> None:
    print(f"  {label}: index load and preparation in the browser, median of 5: "
          f"{times['load']:.1f} ms")
    for name in ("suggestions", "search page"):
        found = times[name]
        print(f"  {label}: query time ({name}), median over queries {statistics.median(found):.3f} "
              f"ms, slowest query {max(found):.3f} ms")


def our_top_results(browser, site: Path) -> list[str]:
    server = _Server(site)
    try:
        page = browser.new_page()
        page.goto(f"{server.url}search.html")
        page.evaluate("guideSearch.load()")
        hrefs = page.evaluate("qs => qs.map(([q, f]) => (guideSearch.search(q, f, 1)[0] || "
                              "{href: ''}).href)", [[q, f] for _, q, f, _ in QUERIES])
        page.close()
    finally:
        server.shutdown()
        server.server_close()
    return [href.removeprefix(server.url) for href in hrefs]


def install_pagefind(folder: Path) -> Path | None:
    done = subprocess.run(["npm", "install", "--silent", "--prefix", str(folder), PAGEFIND],
                          capture_output=True, text=True)
    binary = folder / "node_modules" / ".bin" / "pagefind"
    if done.returncode or not binary.exists():
        print(f"Pagefind skipped: npm install {PAGEFIND} failed:\n{done.stderr[-2000:]}")
        return None
    return binary


def pagefind_index(binary: Path, site: Path, copy: Path) -> Path:
    """Pagefind's index of a copy of the built site, reading each page's <main> as we do."""
    shutil.copytree(site, copy)
    subprocess.run([str(binary), "--site", str(copy), "--root-selector", "main", "--quiet"],
                   check=True)
    return copy / "pagefind"


def pagefind_files(bundle: Path) -> dict[str, list[Path]]:
    index = [*bundle.glob("pagefind-entry.json"), *bundle.glob("*.pf_meta"),
             *(bundle / "index").iterdir(), *(bundle / "fragment").iterdir()]
    # Pagefind's files are gzip-compressed already, so gzip does not shrink them further.
    return {"index (entry, meta, word index, page fragments)": index,
            "runtime (pagefind.js, wasm.en)": [bundle / "pagefind.js",
                                               *bundle.glob("wasm.en.pagefind")]}


def pagefind_results(browser, copy: Path, runs: int) -> tuple[list[str], list[list[float]]]:
    (copy / "pagefind-bench.html").write_text(PAGEFIND_PAGE)
    server = _Server(copy)
    try:
        page = browser.new_page()
        page.goto(f"{server.url}pagefind-bench.html")
        top, times = page.evaluate(PAGEFIND_RUN, [[q for _, q, _, _ in QUERIES], runs])
        page.close()
    finally:
        server.shutdown()
        server.server_close()
    return [url.lstrip("/") for url in top], times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--pages", type=int, default=1000, help="synthetic articles")
    parser.add_argument("--batches", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        tmp = Path(tmp)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        guide = build(args.content, tmp / "guide")
        synthetic = build(write_corpus(tmp / "synthetic-content", args.pages, 1), tmp / "synth")

        print("Sizes")
        print(f"  search JS (static/search.js):     {kib(sizes([guide / 'static/search.js']))}")
        for label, site in (("guide", guide), (f"{args.pages} synthetic articles", synthetic)):
            index = site / search_index.INDEX_FILE
            print(f"  index, {label}: {kib(sizes([index]))}")

        print("Query times in Chromium (per query: median over batches of 20 calls)")
        report_times("guide", time_queries(browser, guide, [[q, f] for _, q, f, _ in QUERIES],
                                           args.batches))
        report_times(f"{args.pages} articles", time_queries(
            browser, synthetic, [[q, f] for q, f in SYNTHETIC_QUERIES], args.batches))

        ours = our_top_results(browser, guide)
        binary = install_pagefind(tmp / "npm")
        if binary:
            bundle = pagefind_index(binary, guide, tmp / "pagefind-guide")
            print(f"Pagefind ({PAGEFIND}, --root-selector main)")
            for label, files in pagefind_files(bundle).items():
                print(f"  guide, {label}: {kib(sizes(files))}")
            big = pagefind_index(binary, synthetic, tmp / "pagefind-synthetic")
            for label, files in pagefind_files(big).items():
                print(f"  {args.pages} articles, {label}: {kib(sizes(files))}")
            theirs, times = pagefind_results(browser, tmp / "pagefind-guide", 21)
            for n, name in enumerate(("first search of a query (loads its index chunks)",
                                      "same query again (median of 21)")):
                found = [t[n] for t in times]
                print(f"  guide: pagefind.search() time, {name}: median over queries "
                      f"{statistics.median(found):.2f} ms, slowest {max(found):.2f} ms")
        else:
            theirs = [""] * len(QUERIES)
        browser.close()

    print("Top result for each query (+ = the expected page or section)")
    print(f"  {'query':<40} {'ours':<52} Pagefind")
    for (what, query, filters, expected), mine, other in zip(QUERIES, ours, theirs):
        name = query + (f" {json.dumps(filters)}" if filters else "")
        pagefind = "n/a (no filters)" if filters else (("+ " if finds(other, expected) else "- ")
                                                        + (other or "(nothing)"))
        print(f"  {name:<40} {'+' if finds(mine, expected) else '-'} {mine:<50} {pagefind}")
    unfiltered = [i for i, q in enumerate(QUERIES) if not q[2]]
    print(f"  expected first result: ours {sum(finds(m, q[3]) for m, q in zip(ours, QUERIES))}"
          f"/{len(QUERIES)}; on the {len(unfiltered)} queries without filters, ours "
          f"{sum(finds(ours[i], QUERIES[i][3]) for i in unfiltered)}, Pagefind "
          f"{sum(finds(theirs[i], QUERIES[i][3]) for i in unfiltered)}")


if __name__ == "__main__":
    main()
