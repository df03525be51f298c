"""Spread pure per-page work over the machine's cores.

Markdown, reading grades and page rendering are pure functions of their inputs, so a pool of
forked processes can share them out; results come back in input order, and the output is
byte-identical to a one-process build (a test checks it).
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")
R = TypeVar("R")
# Below this many items, starting processes costs more than the work they would share.
MIN_ITEMS = 64


def default_jobs() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)


def map_items(fn: Callable[[T], R], items: Iterable[T], jobs: int) -> list[R]:
    """[fn(item) for item in items], over `jobs` processes when that is worth it.

    `fn` must be a module-level function (it is pickled by name) and pure. Forked workers
    start in milliseconds and need not import anything again.
    """
    items = list(items)
    if jobs <= 1 or len(items) < MIN_ITEMS:
        return list(map(fn, items))
    jobs = min(jobs, len(items) // (MIN_ITEMS // 2))
    chunk = max(1, len(items) // (jobs * 4))
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        return list(pool.map(fn, items, chunksize=chunk))

