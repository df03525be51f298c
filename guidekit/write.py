"""Stage 5, write: put the built files in place atomically.

Every file is written, as soon as it is made, into a staging folder beside the output folder,
which is swapped in only once complete, so a failed build never leaves half a site and never
touches the previous one. Every path is checked: nothing may be written outside the output
folder, or twice.
"""
from __future__ import annotations

import os
import posixpath
import shutil
import stat
import subprocess
import tempfile
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from functools import partial
from pathlib import Path
from typing import Callable

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


Signature = tuple  # (device, inode, size, modification time in ns) of a built file


def signature(path: str | Path) -> Signature:
    """What a built file is known by between builds (see StagedSite.reuse): a file with the
    same signature is the same file, unchanged, so a rebuild need not read it, as git need not
    read files whose stat is unchanged. A file replaced gets a new inode, and one written in
    place a new modification time; only a same-size write within the file system's clock
    tick (a few ms) of the build's own write would go unseen."""
    st = os.lstat(path)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) \
        else ()


def _link(previous: str, target: str, same: Callable[[str], bool]) -> bool:
    """Hard-link a file of the previous build instead of writing it again, if it passes
    `same`: a rebuild then writes only what changed, and the disk, not Python, is the slow
    part."""
    try:
        if not same(previous):
            return False
        os.link(previous, target)
        return True
    except OSError:  # no previous file, or a file system without hard links
        return False


def _holds(data: bytes, path: str) -> bool:
    st = os.lstat(path)  # a file of another size is not read
    if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
        return False
    with open(path, "rb") as f:
        return f.read() == data


class StagedSite:
    """The next contents of an output folder, written file by file as the build makes them
    into a staging folder beside it, and swapped in by `publish` once complete: a failed build
    never leaves half a site and never touches the previous one. Every path is checked as it
    comes, and the build fails before the swap if any would land outside the folder or was
    written twice. Leaving the `with` block without publishing removes the staging folder.
    (Paths inside are strings: pathlib took a tenth of the time of taking a page.)"""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self._out = out_dir.resolve()
        self._out.parent.mkdir(parents=True, exist_ok=True)
        self._staging = Path(tempfile.mkdtemp(prefix=f".{self._out.name}.staging-",
                                              dir=self._out.parent))
        os.chmod(self._staging, 0o755)
        self._previous_in, self._staged_in = f"{self._out}/", f"{self._staging}/"
        self._written: set[str] = set()
        self._folders = {""}
        self._unsafe: list[str] = []
        self._twice: list[str] = []

    def __enter__(self) -> "StagedSite":
        return self

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self._staging, ignore_errors=True)  # gone already once published

    @property
    def files(self) -> int:
        return len(self._written)

    def _target(self, rel: str) -> str | None:
        """Where `rel` goes in the staging folder, or None when it is refused."""
        if unsafe_paths([rel]):
            self._unsafe.append(rel)
            return None
        if rel in self._written:
            self._twice.append(rel)
            return None
        self._written.add(rel)
        return self._staged(rel)

    def _staged(self, rel: str) -> str:
        folder = posixpath.dirname(rel)
        if folder not in self._folders:
            os.makedirs(self._staged_in + folder, exist_ok=True)
            self._folders.add(folder)
        return self._staged_in + rel

    def add(self, rel: str, data: bytes) -> Signature | None:
        """The file `rel` holds `data`. Returns its signature (None when refused)."""
        target = self._target(rel)
        if target is None:
            return None
        if not _link(self._previous_in + rel, target, partial(_holds, data)):
            with open(target, "wb") as f:
                f.write(data)
        return signature(target)

    def reserve(self, rel: str) -> str | None:
        """Where to write the file `rel` (another process may): None when it is refused."""
        return self._target(rel)

    def reuse(self, rel: str, known: Signature | None) -> bool:
        """Take the file `rel` from the previous build if it still has the signature `known`,
        so it need not be made again; False (nothing done) if it cannot be."""
        if rel in self._written or unsafe_paths([rel]):
            return False  # add() reports it
        if not self.reuse_reserved(rel, self._staged(rel), known):
            return False
        self._written.add(rel)
        return True

    def reuse_reserved(self, rel: str, target: str, known: Signature | None) -> bool:
        """reuse() for a file already reserved (see reserve), into its `target`."""
        return bool(known) and _link(self._previous_in + rel, target,
                                     lambda previous: signature(previous) == known)

    def publish(self) -> None:
        """Swap the staging folder in as the output folder, unless a path was refused, and
        delete the previous one (see removing_in_background)."""
        if self._unsafe:
            raise OutputError(f"refusing to write outside {self.out_dir}: "
                              f"{', '.join(sorted(self._unsafe))}")
        if self._twice:
            raise OutputError(f"refusing to write a file twice in {self.out_dir}: "
                              f"{', '.join(sorted(set(self._twice)))}")
        (self._staging / MARKER).write_bytes(_MARKER_TEXT)
        out = self._out
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rename(out, old / "site")
            os.rename(self._staging, out)
            _remove(old)
        else:
            os.rename(self._staging, out)


# Deletes the folder named after it; replaced in a test by a command that fails.
_REMOVE = ("rm", "-rf", "--")
# The waits for the folders being deleted in the background (see removing_in_background).
_removing: ContextVar[list[Callable[[], None]] | None] = ContextVar("removing", default=None)


@contextmanager
def removing_in_background():
    """Within this block, the site that `publish` replaces is deleted by another process while
    this one goes on (disk work, 10-70 ms at 1000 articles, done while the memo is saved); the
    block ends once it is gone, and raises OSError if it could not be deleted. Elsewhere
    `publish` waits for it."""
    waits: list[Callable[[], None]] = []
    token = _removing.set(waits)
    try:
        yield
    finally:
        _removing.reset(token)
        with ExitStack() as every:  # each waited for, even after one failed
            for wait in waits:
                every.callback(wait)


def _remove(folder: Path) -> None:
    """Delete a folder, in the background within removing_in_background. `rm` is a process of
    its own rather than a forked copy of this one: writing to memory shared with a fork (as
    saving the memo does) copies it page by page, and that was slower than not overlapping."""
    process = subprocess.Popen([*_REMOVE, str(folder)], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait() -> None:
        _, error = process.communicate()
        if process.returncode != 0:
            raise OSError(f"could not delete {folder}, the previous site: "
                          f"{error.decode(errors='replace').strip()}")
    waits = _removing.get()
    if waits is None:
        wait()
    else:
        waits.append(wait)


class Discard:
    """Where a build that only checks the content sends its files: nowhere. A file it could
    reuse is not made at all."""
    files = 0

    def add(self, rel: str, data: bytes) -> None:
        self.files += 1

    def reserve(self, rel: str) -> None:
        self.files += 1

    def reuse(self, rel: str, known: Signature | None) -> bool:
        self.files += 1
        return True
