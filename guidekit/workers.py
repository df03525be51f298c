"""Spread pure per-page work over the machine's cores.

Markdown, reading grades and page rendering are pure functions of their inputs, so a pool of
forked processes can share them out; results come back in input order, and the output is
byte-identical to a one-process build (a test checks it). A whole stage that needs nothing
from the others (the search index) can run beside them in a forked process of its own.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import traceback
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



def in_background(fn: Callable[[], R], jobs: int) -> Callable[[], R]:
    """Start fn() now in a forked process (if `jobs` allows a second one) and return a
    function that waits for its result, or raises what it raised. The process starts with a
    copy of this one's memory, so fn needs no arguments pickled; only its result comes back,
    so it should be small."""
    if jobs <= 1:
        result = fn()
        return lambda: result
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into the caller's code
        try:
            os.close(read)
            try:
                outcome = pickle.dumps((True, fn()))
            except BaseException as error:  # noqa: BLE001 - handed to the parent
                try:
                    outcome = pickle.dumps((False, error))
                except Exception:  # noqa: BLE001 - an error that cannot be pickled
                    outcome = pickle.dumps((False, RuntimeError(traceback.format_exc())))
            with os.fdopen(write, "wb") as pipe:
                pipe.write(outcome)
        finally:
            os._exit(0)
    os.close(write)

    def wait() -> R:
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
        os.waitpid(pid, 0)
        if not data:
            raise RuntimeError("a background build process died without a result")
        ok, value = pickle.loads(data)
        if not ok:
            raise value
        return value
    return wait
