"""Sharing the per-page work over processes changes nothing in the output."""
from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path

import jinja2
import pytest

from guidekit import cache, pipeline, render, search_index, workers
from guidekit.problems import BuildFailed

from conftest import FIXED_DAY, ROOT, build_into
from test_build import tree

sys.path.insert(0, str(ROOT / "bench"))
from synthetic import write_corpus  # noqa: E402


def _square(n: int) -> int:
    return n * n


@contextmanager
def _within(seconds: float):
    """Fail instead of hanging."""
    def timed_out(*_):
        raise TimeoutError(f"still waiting after {seconds} s")
    previous = signal.signal(signal.SIGALRM, timed_out)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _results(items, jobs: int, fn=_square) -> tuple[list, bool]:
    with _within(30), workers.Stream(fn, jobs) as stream:
        for item in items:
            stream.add(item)
        return stream.results(), stream.started


def _children() -> set[int]:
    """This process's child processes, running or not yet reaped."""
    children = set()
    for entry in os.listdir("/proc"):
        with suppress(FileNotFoundError, ProcessLookupError):
            stat = Path(f"/proc/{entry}/stat").read_text() if entry.isdigit() else ""
            if stat and int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
                children.add(int(entry))
    return children


@pytest.fixture
def leaves_nothing_behind():
    """The test must leave no new child process (running or a zombie) and no new open file."""
    children, files = _children(), set(os.listdir("/proc/self/fd"))
    yield
    assert (_children() - children, set(os.listdir("/proc/self/fd")) - files) == (set(), set())


def test_stream_keeps_order_with_and_without_processes(leaves_nothing_behind):
    items = list(range(workers.MIN_ITEMS * 3 + 5))  # the last batch is partial
    assert len(items) // workers.BATCH > 6  # several batches for each worker
    for jobs in (2, 3):
        assert _results(items, jobs) == ([n * n for n in items], True)
    assert _results(items, 1) == ([n * n for n in items], False)
    # A few items are not worth starting processes for.
    few = items[:workers.MIN_ITEMS - 1]
    assert _results(few, 2) == ([n * n for n in few], False)


_LOADED: list[str] = []  # what _load (a stand-in for imports) loaded in this process


def _load() -> None:
    _LOADED.append("loaded")


def _with_pid(n: int) -> tuple[int, int, list[str]]:
    return n * n, os.getpid(), list(_LOADED)


def _failing_load() -> None:
    raise ImportError("no such library")


@pytest.mark.parametrize("count", [1, 5, workers.MIN_ITEMS * 2 + 3])
def test_a_prepared_stream_leaves_all_the_work_to_workers_that_loaded_it(
        leaves_nothing_behind, count):
    """With `prepare`, one worker starts at once and loads what fn needs, and every item
    goes to the workers, however few: this process never runs fn or loads its imports."""
    before = _children()
    with _within(30), workers.Stream(_with_pid, 2, prepare=_load) as stream:
        assert len(_children() - before) == 1  # before any item
        for n in range(count):
            stream.add(n)
        assert len(_children() - before) == (2 if count >= workers.MIN_ITEMS else 1)
        results = stream.results()
    assert [square for square, _, _ in results] == [n * n for n in range(count)]
    assert all(pid != os.getpid() and loaded == ["loaded"] for _, pid, loaded in results)
    assert _LOADED == []
    # One process: nothing to prepare beforehand, fn loads what it needs itself.
    with workers.Stream(_square, 1, prepare=_failing_load) as stream:
        stream.add(3)
        assert stream.results() == [9] and not stream.started


def test_a_prepared_stream_still_works_when_preparing_fails(leaves_nothing_behind):
    # Preparing is only a head start: fn raises its own error if it cannot do without.
    with _within(30), workers.Stream(_square, 2, prepare=_failing_load) as stream:
        stream.add(4)
        assert stream.results() == [16]


def test_stream_raises_what_a_worker_raised(leaves_nothing_behind):
    with pytest.raises(TypeError):
        _results(["not a number"] * workers.MIN_ITEMS, 2)


class _TwoPartError(Exception):
    """Pickles, but cannot be rebuilt from its pickle (its __init__ wants two arguments)."""
    def __init__(self, message: str, code: int):
        super().__init__(f"{message} (code {code})")


def _unpicklable_error(n: int) -> int:
    if n == 20:
        raise ValueError("this error cannot travel", lambda: None)
    return n


def _unrebuildable_error(n: int) -> int:
    if n == 20:
        raise _TwoPartError("this error cannot travel", 7)
    return n


@pytest.mark.parametrize("fn", [_unpicklable_error, _unrebuildable_error])
def test_stream_error_that_cannot_be_pickled_arrives_as_its_text(fn, leaves_nothing_behind):
    with pytest.raises(RuntimeError, match="this error cannot travel"):
        _results(range(workers.MIN_ITEMS * 2), 2, fn)  # item 20 is a worker's


@pytest.mark.parametrize("fn", [_unpicklable_error, _unrebuildable_error])
def test_background_error_that_cannot_be_pickled_arrives_as_its_text(fn, leaves_nothing_behind):
    wait = workers.in_background(partial(fn, 20), 2)
    with _within(30), pytest.raises(RuntimeError, match="this error cannot travel"):
        wait()


def _dies_at_20(n: int) -> int:
    if n == 20:
        os._exit(3)
    return n


def _dies_at_120(n: int) -> int:
    if n == 120:
        os._exit(3)
    return n


# Item 20 is in the second batch: the worker may be gone while the parent still sends it
# batches (its pipe then fails). Item 120 is in the last batch: seen only when collecting.
@pytest.mark.parametrize("fn", [_dies_at_20, _dies_at_120])
def test_stream_raises_when_a_worker_dies(fn, leaves_nothing_behind):
    with pytest.raises(RuntimeError, match="worker process died"):
        _results(range(workers.MIN_ITEMS * 2), 2, fn)


def test_stream_leaves_no_process_or_file_when_the_caller_fails(leaves_nothing_behind):
    with pytest.raises(KeyError), workers.Stream(_square, 2) as stream:
        for item in range(workers.MIN_ITEMS * 2):
            stream.add(item)
        assert stream.started and _children()
        raise KeyError("the caller failed half-way")


def _fails() -> None:
    raise ValueError("no index today")


def test_background_work_returns_its_result_or_raises_its_error():
    assert workers.in_background(partial(_square, 7), 1)() == 49
    assert workers.in_background(partial(_square, 7), 2)() == 49
    wait = workers.in_background(_fails, 2)  # in another process: raised when waited for
    with pytest.raises(ValueError, match="no index today"):
        wait()


def test_two_processes_build_byte_identical_output(tmp_path):
    content = write_corpus(tmp_path / "content", 120)
    one = build_into(content, tmp_path / "one", jobs=1)
    two = build_into(content, tmp_path / "two", jobs=2)
    assert one.pages == two.pages > workers.MIN_ITEMS
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert one.reading_grades == two.reading_grades


def _taken(runs: workers.Runs, n: int, pause: float = 0.0) -> list[int]:
    taken = []
    for i in range(n):
        if runs.mine(i):
            taken.append(i)
            time.sleep(pause)
    return taken


@pytest.mark.parametrize("n, size", [(1000, 16), (37, 5), (5, 16), (0, 16)])
def test_runs_give_each_item_to_exactly_one_process(n, size, leaves_nothing_behind):
    runs = workers.Runs(n, size)
    theirs = workers.in_background(partial(_taken, runs, n, 0.0001), 2)
    with _within(30):
        mine = _taken(runs, n)
        runs.close()
        other = theirs()
    assert sorted(mine + other) == list(range(n))
    assert not set(mine) & set(other)
    for run in range(0, n, size):  # whole runs
        items = set(range(run, min(n, run + size)))
        assert items <= set(mine) or items <= set(other)


def test_runs_go_to_the_process_that_is_free(leaves_nothing_behind):
    """One process busy elsewhere first: the other takes what it cannot."""
    runs = workers.Runs(400, 16)
    late = workers.in_background(lambda: (time.sleep(0.3), _taken(runs, 400))[1], 2)
    with _within(30):
        early = _taken(runs, 400)
        runs.close()
        assert (len(early), late()) == (400, [])


def test_the_index_made_before_linking_is_the_index_of_the_graph(tmp_path):
    """The index process is forked before the site is linked: the loaded content gives the
    same index as the graph."""
    content = write_corpus(tmp_path / "content", 20)
    paths = pipeline.Paths(content, ROOT / "templates", tmp_path / "unused")
    loaded = pipeline.load_content(paths, pipeline.BuildReport(), FIXED_DAY)
    graph = pipeline.link_site(loaded, pipeline.BuildReport())
    assert search_index.build_index(loaded) == search_index.build_index(graph)


def test_a_build_failing_at_linking_leaves_no_process_behind(tmp_path, leaves_nothing_behind):
    """The index process, forked before linking, is waited for when linking fails; the
    output folder is left as it was."""
    content = write_corpus(tmp_path / "content", 80)
    out = tmp_path / "out"
    build_into(content, out, jobs=2)
    before = tree(out)
    article = content / "articles" / "article-00002.md"
    article.write_text(article.read_text() + "\nSee [a page](article:no-such-page).\n")
    with _within(60), pytest.raises(BuildFailed) as failure:
        pipeline.build(pipeline.Paths(content, ROOT / "templates", out), today=FIXED_DAY,
                       jobs=2)
    assert any("no-such-page" in p.message for p in failure.value.problems)
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "out"]  # no staging


def test_a_newcomer_takes_only_runs_not_yet_taken(leaves_nothing_behind):
    """A process forked after this one took a run sees the runs as a newcomer: a plain copy
    would hold this one's current run as its own."""
    runs = workers.Runs(64, 16)
    assert runs.mine(0)  # run 0 is this process's
    theirs = workers.in_background(lambda: _taken(runs.newcomer(), 64), 2)
    with _within(30):
        mine = _taken(runs, 64)
        runs.close()
        other = theirs()
    assert sorted(mine + other) == list(range(64)) and not set(mine) & set(other)
    assert set(range(16)) <= set(mine)


def test_a_second_process_renders_pages_only_once_this_one_had_to_render_some(
        tmp_path, monkeypatch):
    """After an edit, taking the pages from the last build costs less than forking a
    helper; a build that renders pages (a first one) gets one."""
    content = write_corpus(tmp_path / "content", 40)
    started = []
    in_background = workers.in_background
    monkeypatch.setattr(workers, "in_background",
                        lambda fn, jobs: started.append(fn.func.__name__) or
                        in_background(fn, jobs))
    memo = cache.Memo(b"generator")
    paths = pipeline.Paths(content, ROOT / "templates", tmp_path / "site")
    pipeline.build(paths, today=FIXED_DAY, memo=memo, jobs=2)
    assert started == ["_index", "_pages"]
    article = content / "articles" / "article-00003.md"
    article.write_text(article.read_text() + "\nA new sentence.\n")
    started.clear()
    memo.next_build()
    pipeline.build(paths, today=FIXED_DAY, memo=memo, jobs=2)
    assert started == ["_index"]
    build_into(content, tmp_path / "scratch")
    assert tree(tmp_path / "site") == tree(tmp_path / "scratch")


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_waiting_later_waits_for_a_process_at_the_end_of_the_block(leaves_nothing_behind):
    """Its result is in at once; its exit is waited for once the block ends (a process that
    failed, too), so none is left behind."""
    before = _children()
    with _within(30), workers.waiting_later():
        assert workers.in_background(lambda: 6 * 7, 2)() == 42
        [pid] = _children() - before
        while _state(pid) != "Z":  # exited, and not reaped yet
            time.sleep(0.001)
        with pytest.raises(ValueError):
            workers.in_background(lambda: int("x"), 2)()
    assert _children() == before


def test_many_items_make_longer_runs_rather_than_overfill_the_pipe(leaves_nothing_behind):
    with _within(30):
        runs = workers.Runs(1_000_000, 16)  # 62500 runs of 16 would block the writer
        assert sum(map(runs.mine, range(1_000_000))) == 1_000_000
        runs.close()


def test_page_count_is_how_many_pages_are_numbered_for_sharing():
    paths = pipeline.Paths(ROOT / "content", ROOT / "templates", ROOT / "unused")
    graph = pipeline.load_site(paths, pipeline.BuildReport(), today=FIXED_DAY)
    numbered = []
    list(render.page_contexts(graph, None, lambda n: numbered.append(n) or True))
    assert numbered == list(range(render.page_count(graph)))


def test_a_build_failing_while_rendering_leaves_no_process_behind(tmp_path, leaves_nothing_behind):
    """The preview builds again after a failed build: the index process must not outlive it."""
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    article = templates / "article.html"
    article.write_text(article.read_text().replace("<article>", "<article>{{ no_such_value }}", 1))
    content = write_corpus(tmp_path / "content", 80)
    paths = pipeline.Paths(content, templates, tmp_path / "out")
    with _within(60), pytest.raises(jinja2.UndefinedError):
        pipeline.build(paths, today=FIXED_DAY, jobs=2)
