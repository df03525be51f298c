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
from functools import partial
from pathlib import Path
from typing import Callable

from . import workers

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


def _same(data: bytes, path: str) -> bool:
    """Whether the file at `path` holds `data` (False if it cannot be read)."""
    try:
        return _holds(data, path)
    except OSError:
        return False


def _signature_if_any(path: str) -> Signature | None:
    try:
        return signature(path)
    except OSError:
        return None


def _new_staging(out: Path) -> Path:
    """A new, empty staging folder beside the (resolved) output folder."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    os.chmod(staging, 0o755)
    return staging


def _link_tree(out: str, staging: str) -> list[str]:
    """Hard-link every file below `out` (but the marker) to the same place below `staging`,
    making its folders; returns the files' paths relative to `out` (posix)."""
    linked = []
    for folder, dirs, names in os.walk(out):
        rel = os.path.relpath(folder, out)
        prefix = "" if rel == "." else f"{rel}/"
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
        for name in dirs:
            os.mkdir(f"{staging}/{prefix}{name}")
        for name in names:
            if prefix or name != MARKER:
                os.link(f"{out}/{prefix}{name}", f"{staging}/{prefix}{name}")
                linked.append(f"{prefix}{name}")
    return linked


class Prelinked:
    """The last build's files, hard-linked into a new staging folder by a forked process
    (see prelink) while the build process loads its modules, on a core that is otherwise
    idle: a rebuild then takes each unchanged page as it already lies in the staging folder
    (see StagedSite), rather than linking it there itself (a third of taking a page). Use it
    as a context manager: on leaving, a folder no StagedSite took is removed."""

    def __init__(self, out: Path, staging: Path, pid: int, listing: int):
        self.out, self.staging = out, staging
        self._pid, self._listing = pid, listing
        self.taken = False

    def wait(self) -> set[str] | None:
        """The files linked, or None if linking failed (nothing in the folder can be used)."""
        with os.fdopen(self._listing, "rb") as pipe:
            listing = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        if status != 0:
            return None
        return set(listing.decode("utf-8", "surrogateescape").split("\0")) - {""}

    def __enter__(self) -> "Prelinked":
        return self

    def __exit__(self, *exc) -> None:
        if not self.taken:
            self.wait()
            shutil.rmtree(self.staging, ignore_errors=True)


def prelink(out_dir: Path) -> Prelinked | None:
    """Start hard-linking the files of the last build in `out_dir` into a new staging folder
    beside it, in a forked process (see Prelinked); None if `out_dir` holds no site this tool
    built."""
    out = out_dir.resolve()
    if not (out / MARKER).is_file():
        return None
    try:
        staging = _new_staging(out)
    except OSError:  # the build says why, if it cannot write there either
        return None
    listing, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # no process to spare: the build links its files itself
        os.close(listing)
        os.close(write)
        shutil.rmtree(staging, ignore_errors=True)
        return None
    if pid == 0:  # the child: never return into the caller's code
        code = 1
        try:
            os.close(listing)
            linked = _link_tree(str(out), str(staging))
            with os.fdopen(write, "wb") as pipe:
                pipe.write("\0".join(linked).encode("utf-8", "surrogateescape"))
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    return Prelinked(out, staging, pid, listing)


class StagedSite:
    """The next contents of an output folder, written file by file as the build makes them
    into a staging folder beside it, and swapped in by `publish` once complete: a failed build
    never leaves half a site and never touches the previous one. Every path is checked as it
    comes, and the build fails before the swap if any would land outside the folder or was
    written twice. Leaving the `with` block without publishing removes the staging folder.
    (Paths inside are strings: pathlib took a tenth of the time of taking a page.)

    Given a Prelinked for the same folder, it starts from that staging folder, which holds
    the previous build's files as hard links (`_prelinked`): a file made again is kept if it
    holds the same bytes, else unlinked before it is written (a write into the link would
    change the previous build's file); a file reused is kept if it has the signature known;
    the files no one made are deleted before the swap."""

    def __init__(self, out_dir: Path, prelinked: Prelinked | None = None):
        self.out_dir = out_dir
        self._out = out_dir.resolve()
        linked = None
        if prelinked is not None and prelinked.out == self._out:
            prelinked.taken = True
            linked = prelinked.wait()
            if linked is None:  # linking failed
                shutil.rmtree(prelinked.staging, ignore_errors=True)
        self._staging = prelinked.staging if linked is not None else _new_staging(self._out)
        self._prelinked: set[str] = linked or set()
        self._previous_in, self._staged_in = f"{self._out}/", f"{self._staging}/"
        self._written: set[str] = set()
        self._folders = {""} | {posixpath.dirname(rel) for rel in self._prelinked}
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
        if rel in self._prelinked:
            self._prelinked.discard(rel)
            if _same(data, target):
                return signature(target)
            os.unlink(target)
        elif _link(self._previous_in + rel, target, partial(_holds, data)):
            return signature(target)
        with open(target, "wb") as f:
            f.write(data)
        return signature(target)

    def reserve(self, rel: str) -> str | None:
        """Where to write the file `rel` (another process may): None when it is refused."""
        target = self._target(rel)
        if target is not None and rel in self._prelinked:
            self._prelinked.discard(rel)
            os.unlink(target)
        return target

    def made_elsewhere(self, rel: str) -> None:
        """The file `rel` was made or reused by another process, in its copy of this site:
        checked and counted here."""
        if self._target(rel) is not None:
            self._prelinked.discard(rel)

    def reuse(self, rel: str, known: Signature | None) -> bool:
        """Take the file `rel` from the previous build if it still has the signature `known`,
        so it need not be made again; False (nothing done) if it cannot be."""
        if rel in self._written or unsafe_paths([rel]):
            return False  # add() reports it
        target = self._staged(rel)
        if rel in self._prelinked:
            if not known or _signature_if_any(target) != known:
                return False  # add() replaces it
            self._prelinked.discard(rel)
        elif not self.reuse_reserved(rel, target, known):
            return False
        self._written.add(rel)
        return True

    def reuse_reserved(self, rel: str, target: str, known: Signature | None) -> bool:
        """reuse() for a file already reserved (see reserve), into its `target`."""
        return bool(known) and _link(self._previous_in + rel, target,
                                     lambda previous: signature(previous) == known)

    def _drop_unmade(self) -> None:
        """Delete the previous build's files linked beforehand that this build did not make,
        and the folders left empty."""
        for rel in self._prelinked:
            os.unlink(self._staged_in + rel)
        emptied = {posixpath.dirname(rel) for rel in self._prelinked} - {""}
        for folder in sorted(emptied, key=lambda f: -f.count("/")):  # deepest first
            while folder:
                try:
                    os.rmdir(self._staged_in + folder)
                except OSError:  # not empty
                    break
                folder = posixpath.dirname(folder)
        self._prelinked = set()

    def publish(self) -> None:
        """Swap the staging folder in as the output folder, unless a path was refused, and
        delete the previous one (see _remove)."""
        if self._unsafe:
            raise OutputError(f"refusing to write outside {self.out_dir}: "
                              f"{', '.join(sorted(self._unsafe))}")
        if self._twice:
            raise OutputError(f"refusing to write a file twice in {self.out_dir}: "
                              f"{', '.join(sorted(set(self._twice)))}")
        self._drop_unmade()
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


def _remove(folder: Path) -> None:
    """Delete a folder, by another process, waited for at once or, within
    workers.waiting_later, at the end of that block (raising OSError if it could not be
    deleted). `rm` is a process of its own rather than a forked copy of this one: writing to
    memory shared with a fork (as saving the memo does) copies it page by page, and that was
    slower than not overlapping."""
    process = subprocess.Popen([*_REMOVE, str(folder)], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait() -> None:
        _, error = process.communicate()
        if process.returncode != 0:
            raise OSError(f"could not delete {folder}, the previous site: "
                          f"{error.decode(errors='replace').strip()}")
    workers.wait_now_or_later(wait)


class Discard:
    """Where a build that only checks the content sends its files: nowhere. A file it could
    reuse is not made at all."""
    files = 0

    def add(self, rel: str, data: bytes) -> None:
        self.files += 1

    def reserve(self, rel: str) -> None:
        self.files += 1

    made_elsewhere = reserve

    def reuse(self, rel: str, known: Signature | None) -> bool:
        self.files += 1
        return True
