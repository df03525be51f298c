"""Each folder in tests/sites/invalid/ is a change to the minimal site that must fail the build
with exactly the messages in its expected.txt ({content} stands for the content folder)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from guidekit.problems import BuildFailed

from conftest import SITES, build_into

CASES = sorted(p.name for p in (SITES / "invalid").iterdir() if p.is_dir())


def apply_case(case: Path, content: Path) -> None:
    """Overlay the case's files on the copied site; __delete__ lists files to remove."""
    for file in case.rglob("*"):
        rel = file.relative_to(case)
        if file.is_dir() or rel.name == "expected.txt":
            continue
        if rel.name == "__delete__":
            for name in file.read_text().split():
                (content / name).unlink()
            continue
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, content / rel)


def failure_lines(content: Path, out: Path) -> list[str]:
    with pytest.raises(BuildFailed) as failure:
        build_into(content, out)
    return [str(p).replace(str(content.absolute()), "{content}")
            for p in failure.value.problems]


@pytest.mark.parametrize("name", CASES)
def test_invalid_site_fails_with_exact_messages(name, copy_site, tmp_path):
    content = copy_site("minimal")
    apply_case(SITES / "invalid" / name, content)
    expected = (SITES / "invalid" / name / "expected.txt").read_text().splitlines()
    assert failure_lines(content, tmp_path / "site") == expected
    assert not (tmp_path / "site").exists()
