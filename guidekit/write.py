"""Stage 5, write: put the built files in place atomically.

Everything is written into a staging folder beside the output folder, which is swapped in only
once complete, so a failed build never leaves half a site and never touches the previous one.
Every path is checked first: nothing may be written outside the output folder, or twice.
"""
from __future__ import annotations

import os
import posixpath
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Mapping

# Written into every built site, so we only ever replace a folder that we built.
MARKER = ".guidekit-site"
_MARKER_TEXT = b"Built by guidekit. This folder is replaced on every build.\n"


class OutputError(Exception):
    """The output cannot be written where asked; the message says what to do."""


def unsafe_paths(paths) -> list[str]:
    """Output paths that would escape the output folder or are not plain relative paths."""
    bad = []
    for path in paths:
        normal = posixpath.normpath(path)
        if (not path or path.startswith("/") or "\\" in path or normal != path
                or normal.startswith("../") or normal == ".." or ":" in path
                or path == MARKER):
            bad.append(path)
    return bad


def check_output_folder(out_dir: Path, protected: list[Path]) -> None:
    """Refuse an output folder that holds the sources, or one this tool did not build."""
    out = out_dir.resolve()
    for folder in protected:
        folder = folder.resolve()
        if folder == out or out in folder.parents:
            raise OutputError(f"the output folder {out_dir} contains {folder}; building there "
                              "would delete it. Choose another --out folder, e.g. site")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out_dir} exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise OutputError(f"{out_dir} is not empty and was not built by this tool (it has no "
                          f"{MARKER} file), so it is left alone. Choose an empty or new --out "
                          "folder, or empty this one yourself")


def _reuse(previous: Path, target: Path, data: bytes) -> bool:
    """Hard-link a file of the previous build that is unchanged instead of writing it again:
    a rebuild then writes only what changed, and the disk, not Python, is the slow part."""
    try:
        if not stat.S_ISREG(previous.lstat().st_mode) or previous.read_bytes() != data:
            return False
        os.link(previous, target)
        return True
    except OSError:  # no previous file, or a file system without hard links
        return False


def write_site(out_dir: Path, files: Mapping[str, bytes]) -> None:
    """Write `files` ({relative path: bytes}) as the new contents of out_dir, atomically."""
    bad = unsafe_paths(files)
    if bad:
        raise OutputError(f"refusing to write outside {out_dir}: {', '.join(sorted(bad))}")
    out = out_dir.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    try:
        os.chmod(staging, 0o755)
        for rel, data in sorted(files.items()):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not _reuse(out / rel, target, data):
                target.write_bytes(data)
        (staging / MARKER).write_bytes(_MARKER_TEXT)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rename(out, old / "site")
            os.rename(staging, out)
            shutil.rmtree(old)
        else:
            os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
