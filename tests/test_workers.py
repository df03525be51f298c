"""Sharing the per-page work over processes changes nothing in the output."""
from __future__ import annotations

import sys
from pathlib import Path

from guidekit import workers

from conftest import ROOT, build_into
from test_build import tree

sys.path.insert(0, str(ROOT / "bench"))
from synthetic import write_corpus  # noqa: E402


def _square(n: int) -> int:
    return n * n


def test_map_items_keeps_order_with_and_without_a_pool():
    items = list(range(workers.MIN_ITEMS * 3))
    assert workers.map_items(_square, items, 2) == [n * n for n in items]
    assert workers.map_items(_square, items[:3], 2) == [0, 1, 4]


def test_two_processes_build_byte_identical_output(tmp_path):
    content = write_corpus(tmp_path / "content", 120)
    one = build_into(content, tmp_path / "one", jobs=1)
    two = build_into(content, tmp_path / "two", jobs=2)
    assert one.pages == two.pages > workers.MIN_ITEMS
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert one.reading_grades == two.reading_grades
