"""Sharing the per-page work over processes changes nothing in the output."""
from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import pytest

from guidekit import workers

from conftest import ROOT, build_into
from test_build import tree

sys.path.insert(0, str(ROOT / "bench"))
from synthetic import write_corpus  # noqa: E402


def _square(n: int) -> int:
    return n * n


def _results(items, jobs: int) -> tuple[list, bool]:
    with workers.Stream(_square, jobs) as stream:
        for item in items:
            stream.add(item)
        return stream.results(), stream._pool is not None


def test_stream_keeps_order_with_and_without_processes():
    items = list(range(workers.MIN_ITEMS * 3 + 5))  # the last batch is partial
    assert _results(items, 2) == ([n * n for n in items], True)
    assert _results(items, 1) == ([n * n for n in items], False)
    # A few items are not worth starting processes for.
    few = items[:workers.MIN_ITEMS - 1]
    assert _results(few, 2) == ([n * n for n in few], False)


def test_stream_raises_what_a_worker_raised():
    with pytest.raises(TypeError):
        _results(["not a number"] * workers.MIN_ITEMS, 2)


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
