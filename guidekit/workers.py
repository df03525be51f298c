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
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Callable, TypeVar

T = TypeVar("T")
R = TypeVar("R")
# Below this many items, starting processes costs more than the work they would share (a
# small guide, or a rebuild after one edit); above it, items go out in batches of BATCH.
MIN_ITEMS = 64
BATCH = 16


def default_jobs() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)


def _apply_all(fn: Callable[[T], R], items: list[T]) -> list[R]:
    return [fn(item) for item in items]


class Stream:
    """fn(item) for items handed in one at a time, while the caller goes on with other work:
    items go in batches to `jobs` forked processes, started once MIN_ITEMS have come (so a
    few items never start a process). `results()` gives them back in the order given.

    `fn` must be a module-level function (it is pickled by name) and pure. Forked workers
    start in milliseconds and need not import anything again. Use it as a context manager, so
    that the processes end even when the caller fails half-way.
    """

    def __init__(self, fn: Callable[[T], R], jobs: int):
        self._fn, self._jobs = fn, jobs
        self._pool: ProcessPoolExecutor | None = None
        self._sent: list[Future] = []
        self._pending: list[T] = []

    def add(self, item: T) -> None:
        self._pending.append(item)
        if self._jobs <= 1 or len(self._pending) < (BATCH if self._pool else MIN_ITEMS):
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self._jobs, mp_context=multiprocessing.get_context("fork"))
        for start in range(0, len(self._pending), BATCH):
            batch = self._pending[start:start + BATCH]
            self._sent.append(self._pool.submit(_apply_all, self._fn, batch))
        self._pending = []

    def results(self) -> list[R]:
        # The last, partial batch is done here while the processes finish theirs.
        last = _apply_all(self._fn, self._pending)
        done = [result for batch in self._sent for result in batch.result()] + last
        self._sent, self._pending = [], []
        return done

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


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
