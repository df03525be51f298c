"""Spread pure per-page work over the machine's cores.

Markdown, reading grades and page rendering are pure functions of their inputs, so forked
processes can share them out; results come back in input order, and the output is
byte-identical to a one-process build (a test checks it). A whole stage that needs nothing
from the others (the search index) can run beside them in a forked process of its own, and
forked processes can take turns at a list of work (Runs), each taking more while it is free.
"""
from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import tempfile
import traceback
from contextlib import ExitStack, contextmanager, suppress
from contextvars import ContextVar
from functools import partial
from typing import Callable, TypeVar

from .cache import frame_header, unframe

T = TypeVar("T")
R = TypeVar("R")
# Below this many items, starting processes costs more than the work they would share (a
# small guide, or a rebuild after one edit); above it, items go out in batches of BATCH.
MIN_ITEMS = 64
BATCH = 16
_MESSAGE = struct.Struct("<QQ")  # where a batch is in the task file: offset, length
_DIED = "a worker process died before finishing its work"
_RUN = struct.Struct("<I")  # a run's number (see Runs)
_MAX_RUNS = 4096


def default_jobs() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)


def _sendable(error: BaseException) -> BaseException:
    """An error for a forked process to hand to its parent: the error itself if it survives
    pickling (some pickle but cannot be rebuilt: a different __init__), else a RuntimeError
    carrying the traceback. Called while handling the error, so that the traceback names it."""
    try:
        pickle.loads(pickle.dumps(error, pickle.HIGHEST_PROTOCOL))
        return error
    except Exception:  # noqa: BLE001 - an error that cannot be pickled
        return RuntimeError(traceback.format_exc())


def _error_record(sequence: int, error: Exception) -> bytes:
    """A batch's error and its traceback's text (none when the error is that text already),
    pickled for the parent; called while handling the error."""
    sent = _sendable(error)
    text = traceback.format_exc() if sent is error else ""
    return pickle.dumps((sequence, False, (sent, text)), pickle.HIGHEST_PROTOCOL)


def _serve(fn: Callable[[T], R], tasks: int, control: int, out: int) -> None:
    """A worker's loop: each message names a batch in the task file; its results (or its
    error) go to this worker's results file, a run of pickles (see cache.frame_header). EOF
    on `control` ends it."""
    with open(control, "rb") as messages, open(out, "wb", closefd=False) as results:
        while len(message := messages.read(_MESSAGE.size)) == _MESSAGE.size:
            offset, length = _MESSAGE.unpack(message)
            sequence, batch = pickle.loads(os.pread(tasks, length, offset))
            try:
                record = pickle.dumps((sequence, True, [fn(item) for item in batch]),
                                      pickle.HIGHEST_PROTOCOL)
            except Exception as error:  # noqa: BLE001 - handed to the parent
                record = _error_record(sequence, error)
            results.write(frame_header(record))
            results.write(record)


def _records(results) -> dict[int, tuple[bool, object]]:
    """What a worker wrote to its results file: (ok, results or error) by batch number."""
    results.seek(0)
    return {sequence: (ok, value) for sequence, ok, value in unframe(results.read())}


class _Worker:
    """A forked worker as the parent sees it: its process, the write end of its control
    pipe and its results file."""
    __slots__ = ("pid", "control", "results")

    def __init__(self, results):
        self.pid: int | None = None
        self.control: int | None = None
        self.results = results


class Stream:
    """fn(item) for items handed in one at a time, while the caller goes on with other work:
    items go in batches to `jobs` forked processes, started once MIN_ITEMS have come (so a
    few items never start a process). `results()` gives them back in the order given.

    `fn` must be pure; the workers are forks, so it needs no pickling and they import
    nothing again. The parent runs no threads for them (every CPU millisecond it spends
    here is taken from its own work): each batch is pickled once into a shared task file,
    and the worker it goes to (round-robin) gets a 16-byte message naming it on a pipe of
    its own; messages that small are written atomically and a pipe holds thousands, so
    sending does not block (were a pipe full, the parent would only wait for that worker,
    which never waits for it). Workers write their results to files of their own, so they
    never wait on the parent to read a pipe; the parent reads them when all have finished.
    Use it as a context manager, so that the processes end even when the caller fails
    half-way.

    `prepare`, if given, loads what fn needs (its imports) and is not yet loaded here: one
    worker then starts at once (if `jobs` allows any) and loads it while the caller goes on,
    the others once MIN_ITEMS have come, and every item goes to them, however few (the first
    ones at once), so that this process never loads it. (Only one at once: on two cores, a
    second one loading beside this process slowed both.)
    """

    def __init__(self, fn: Callable[[T], R], jobs: int,
                 prepare: Callable[[], object] | None = None):
        self._fn, self._jobs = fn, jobs
        self._pending: list[T] = []
        self.started = False  # whether worker processes were started
        self._tasks = None  # the task file, while workers run
        self._workers: list[_Worker] = []
        self._sent = 0  # batches sent: the next one's sequence number
        self._added = 0  # items added
        self._prepare = prepare if jobs > 1 else None
        if self._prepare is not None:
            self._start(1)

    def add(self, item: T) -> None:
        self._pending.append(item)
        self._added += 1
        if self._jobs > 1 and self._added >= MIN_ITEMS and len(self._workers) < self._jobs:
            self._start(self._jobs - len(self._workers))
        # A prepared worker gets each of the first items at once: the few bodies of a rebuild
        # are then done by the time they are asked for.
        if self.started and (len(self._pending) >= BATCH or self._added < MIN_ITEMS):
            for start in range(0, len(self._pending), BATCH):
                self._send(self._pending[start:start + BATCH])
            self._pending = []

    def _start(self, count: int) -> None:
        """Fork `count` more workers."""
        prepare = self._prepare
        if not self.started:
            self._tasks = tempfile.TemporaryFile()  # before forking: the workers share it
        self.started = True
        for _ in range(count):
            self._workers.append(worker := _Worker(tempfile.TemporaryFile()))
            read, worker.control = os.pipe()
            try:
                pid = os.fork()
            except BaseException:
                os.close(read)
                raise
            if pid == 0:  # the worker: never return into the caller's code
                code = 1
                try:
                    # Without the write ends of the pipes (its own and its elder siblings'),
                    # so that it sees EOF once the parent closes its own.
                    for each in self._workers:
                        os.close(each.control)
                    if prepare is not None:
                        # Only a head start: fn loads what it needs itself, and raises its
                        # own error for the parent if it cannot.
                        with suppress(Exception):
                            prepare()
                    _serve(self._fn, self._tasks.fileno(), read, worker.results.fileno())
                    code = 0
                finally:
                    os._exit(code)
            worker.pid = pid
            os.close(read)  # only the worker reads it: a write to a dead one fails at once

    def _send(self, batch: list[T]) -> None:
        task = pickle.dumps((self._sent, batch), pickle.HIGHEST_PROTOCOL)
        offset = self._tasks.tell()
        self._tasks.write(task)
        self._tasks.flush()
        worker = self._workers[self._sent % len(self._workers)]
        try:
            os.write(worker.control, _MESSAGE.pack(offset, len(task)))
        except BrokenPipeError:
            raise RuntimeError(_DIED) from None
        self._sent += 1

    def results(self) -> list[R]:
        # The last, partial batch is done here while the processes finish theirs (or by them,
        # when this process has not loaded what fn needs).
        if self._prepare is not None and self._pending:
            self._send(self._pending)
            self._pending = []
        last = [self._fn(item) for item in self._pending]
        self._pending = []
        if not self._workers:
            return last
        try:
            for worker in self._workers:  # EOF: each worker finishes what it has and leaves
                os.close(worker.control)
                worker.control = None
            died = False
            for worker in self._workers:
                _, status = os.waitpid(worker.pid, 0)
                worker.pid = None
                died = died or status != 0
            # A worker exits with 0 only once it has written the results of every batch it
            # was sent; one that died may have left a record cut short.
            if died:
                raise RuntimeError(_DIED)
            found = {}
            for worker in self._workers:
                found.update(_records(worker.results))
            done = []
            for sequence in range(self._sent):
                ok, value = found[sequence]
                if not ok:
                    error, text = value
                    cause = RuntimeError(f"in a worker process:\n{text}") if text else None
                    raise error from cause
                done += value
            return done + last
        finally:
            self._close()

    def _close(self) -> None:
        """End the workers still running (the caller failed half-way) and close every file."""
        for worker in self._workers:
            if worker.control is not None:
                os.close(worker.control)
            if worker.pid is not None:
                os.kill(worker.pid, signal.SIGKILL)
                os.waitpid(worker.pid, 0)
            worker.results.close()
        self._workers = []
        if self._tasks is not None:
            self._tasks.close()
            self._tasks = None

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, *exc) -> None:
        self._close()


class Runs:
    """Items 0..n-1 shared between forked processes in runs of `size`, each run taken by the
    first process to come to it, so that the one with less else to do does more. Make it
    before forking; each process then asks `mine(i)` for every i in order. The run numbers
    wait in a pipe that every process reads: a read of a few bytes from a pipe is atomic, so
    each run goes to exactly one process. A process that ends early takes no more runs, and
    none is left waiting for it."""

    def __init__(self, n: int, size: int):
        # Runs longer than `size` if need be, so that all their numbers fit in what any pipe
        # holds (16 KiB) before a write would block: nothing reads them yet.
        self._size = max(size, -(-n // _MAX_RUNS))
        self._run = -1
        self._read, write = os.pipe()
        try:
            numbers = b"".join(_RUN.pack(run) for run in range(-(-n // self._size)))
            while numbers:
                numbers = numbers[os.write(write, numbers):]
        finally:
            os.close(write)

    def mine(self, i: int) -> bool:
        """Whether item i is this process's (taking the next run if i is past its own)."""
        run = i // self._size
        while self._run < run:
            taken = os.read(self._read, _RUN.size)
            self._run = _RUN.unpack(taken)[0] if taken else sys.maxsize  # none left
        return self._run == run

    def newcomer(self) -> "Runs":
        """The runs as a process forked after this one took some sees them: it takes only
        runs not yet taken (a copy of this one would hold this one's current run)."""
        other = object.__new__(Runs)
        other._size, other._read, other._run = self._size, self._read, -1
        return other

    def close(self) -> None:
        os.close(self._read)


# What is waited for at the end of a waiting_later() block.
_later: ContextVar[list[Callable[[], object]] | None] = ContextVar("later", default=None)


@contextmanager
def waiting_later():
    """Within this block, waiting for work done beside this process is put off to the end of
    the block (see wait_now_or_later), and this process goes on meanwhile: the exit of a
    process started by in_background, once its result is in (with a copy of a build's
    memory it takes 3-6 ms to go), and the deletion of the site that write.StagedSite's
    publish replaced (10-70 ms of disk work at 1000 articles, done while the memo is saved).
    At the end, each is waited for, even after one failed."""
    waits: list[Callable[[], object]] = []
    token = _later.set(waits)
    try:
        yield
    finally:
        _later.reset(token)
        with ExitStack() as every:
            for wait in waits:
                every.callback(wait)


def wait_now_or_later(wait: Callable[[], object]) -> None:
    """wait() now, or at the end of the waiting_later() block this runs in."""
    waits = _later.get()
    if waits is None:
        wait()
    else:
        waits.append(wait)


def in_background(fn: Callable[[], R], jobs: int) -> Callable[[], R]:
    """Start fn() now in a forked process (if `jobs` allows a second one) and return a
    function that waits for its result, or raises what it raised (the process's exit is
    waited for then, or later: see waiting_later). The process starts with a copy of this one's memory, so fn needs
    no arguments pickled; only its result comes back, so it should be small."""
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
                outcome = pickle.dumps((False, _sendable(error)))
            with os.fdopen(write, "wb") as pipe:
                pipe.write(outcome)
        finally:
            os._exit(0)
    os.close(write)

    def wait() -> R:
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
        if not data:
            os.waitpid(pid, 0)
            raise RuntimeError("a background build process died without a result")
        wait_now_or_later(partial(os.waitpid, pid, 0))
        ok, value = pickle.loads(data)
        if not ok:
            raise value
        return value
    return wait
