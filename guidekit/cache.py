"""A memo of pure per-file work (parsing and validating each file, Markdown rendering, reading
grades) and of page keys, carried from one build to the next, so that a rebuild only redoes
the files that changed and the pages that show them.

Every key is a digest of the work's inputs together with the generator's fingerprint (the
guidekit sources and the versions of the libraries whose output we keep), so a stale entry is
never found: it is simply not used, and dropped when the memo is next saved. Pure: the pipeline
reads and writes the memo's file.
"""
from __future__ import annotations

import hashlib
import io
import pickle
import struct
from typing import Callable, Iterable, Iterator, Mapping


def _digest(parts: Iterable[bytes], h=None) -> bytes:
    """The digest of the parts, continuing `h` (a hash of parts before them) if given."""
    # SHA-256 rather than BLAKE2b: OpenSSL computes it with the CPU's SHA instructions (x86
    # since about 2017, ARMv8), at 1.4 times the speed here, and every build hashes every
    # content file and rendered page to find them in the memo.
    h = h or hashlib.sha256()
    _add(h, parts)
    return h.digest()


def _add(h, parts: Iterable[bytes]) -> None:
    for part in parts:
        # The length prefix keeps ("ab", "c") and ("a", "bc") apart.
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def fingerprint(sources: Mapping[str, bytes], versions: Mapping[str, str]) -> bytes:
    """A digest of the generator: its source files and the versions that shape cached values."""
    parts = []
    for name in sorted(sources):
        parts += [_bytes(name), sources[name]]
    for name in sorted(versions):
        parts += [_bytes(name), _bytes(versions[name])]
    return _digest(parts)


def value_bytes(value, dispatch_table: Mapping | None = None) -> bytes:
    """Bytes standing for a value made of plain data and dataclasses, to key work on it: equal
    bytes mean equal values (equal values usually give equal bytes; when not, the work is only
    done again). A `dispatch_table` (see pickle.Pickler) may write some types differently,
    for instance leaving out a field that the key should not depend on."""
    if dispatch_table is None:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = dispatch_table
    pickler.dump(value)
    return out.getvalue()


# Entries per pickle in a saved memo (see pack): 512 loaded no faster, and saving them held
# 10 MiB more at 1000 articles (a chunk's pickle is in memory whole).
CHUNK = 128


_LENGTH = struct.Struct("<Q")  # before each pickle of a run (see frame_header)


def frame_header(data: bytes) -> bytes:
    """What to write before `data` (a pickle) so that unframe finds it among others: its
    length. A saved memo and a file worker's results are runs of such pickles."""
    return _LENGTH.pack(len(data))


def unframe(data) -> list[object]:
    """The pickles of a run (see frame_header), from bytes or any buffer: each is unpickled
    where it lies, so a memory-mapped file is never copied whole (reading a 17 MB memo took
    8 ms of a rebuild at 1000 articles). Raises ValueError if the run is cut short."""
    found = []
    with memoryview(data) as view:
        at = 0
        while at < len(view):
            (length,) = _LENGTH.unpack_from(view, at)
            at += _LENGTH.size
            if at + length > len(view):
                raise ValueError("a run of pickles cut short")
            with view[at:at + length] as piece:
                found.append(pickle.loads(piece))
            at += length
    return found


def pack(entries: Mapping[bytes, object]) -> Iterator[bytes]:
    """A memo's entries as consecutive pickles of CHUNK entries each, each after its length.
    Within a pickle, a string or class already written is written as a reference (the field
    names of thousands of dataclass objects, say), which makes loading 40% faster than
    without; between pickles nothing is remembered, so saving never holds a table of every
    object written (at 5000 articles that table would take 23 MiB)."""
    items = list(entries.items())
    for start in range(0, len(items), CHUNK):
        data = pickle.dumps(dict(items[start:start + CHUNK]), protocol=pickle.HIGHEST_PROTOCOL)
        yield frame_header(data)
        yield data


def pack_changes(made: Mapping[bytes, object], dropped: Iterable[bytes]) -> bytes:
    """A record of one build's changes to a saved memo (see replay)."""
    return pickle.dumps((dict(made), tuple(dropped)), protocol=pickle.HIGHEST_PROTOCOL)


def _pickles(data: bytes) -> Iterator[object]:
    stream = io.BytesIO(data)
    while stream.tell() < len(data):
        yield pickle.load(stream)


def unpack(data) -> dict[bytes, object]:
    """The entries of a saved memo (see pack), from bytes or any buffer (see unframe).
    Raises if the data is damaged."""
    entries: dict[bytes, object] = {}
    for chunk in unframe(data):
        entries.update(chunk)
    return entries


def replay(entries: dict[bytes, object], journal: bytes) -> None:
    """Apply the change records of later builds (see pack_changes), in order, to `entries`. A
    record cut short (a build stopped while appending it) ends the journal: what it and any
    later record would have added is only worked out again."""
    try:
        for made, dropped in _pickles(journal):
            entries.update(made)
            for key in dropped:
                entries.pop(key, None)
    except Exception:  # noqa: BLE001 - the damaged tail of the journal is ignored
        return


class Memo:
    """Values by key. Entries read or stored during this build are the ones kept (`entries`);
    entries from earlier builds that were not used are left behind when the memo is saved."""

    def __init__(self, generator: bytes, entries: Mapping[bytes, object] | None = None):
        self.generator = generator
        self._earlier = dict(entries or {})
        self._loaded = frozenset(self._earlier)
        self._now: dict[bytes, object] = {}
        self._made: set[bytes] = set()  # keys this memo's builds have given a value
        self.hits = self.misses = 0

    def key(self, stage: str, *inputs: str | bytes) -> bytes:
        return _digest([self.generator, _bytes(stage), *map(_bytes, inputs)])

    def keys(self, stage: str, *first: str | bytes) -> Callable[..., bytes]:
        """key(stage, *first, ...) as a function of the inputs after `first`, which are
        hashed once: for many keys that share them (a page's quick key, say)."""
        h = hashlib.sha256()
        _add(h, [self.generator, _bytes(stage), *map(_bytes, first)])
        return lambda *inputs: _digest(map(_bytes, inputs), h.copy())

    def kept(self) -> int:
        """How many entries this build keeps. (Not __len__: a memo with no entry used yet
        would then be false, and `if memo` would take it for no memo.)"""
        return len(self._now)

    def __contains__(self, key: bytes) -> bool:
        return key in self._now or key in self._earlier

    def get(self, key: bytes):
        """The value for a key known to be present (see `in`); it is kept for the next build."""
        if key not in self._now:
            self._now[key] = self._earlier[key]
            self.hits += 1
        return self._now[key]

    def __getitem__(self, key: bytes):
        """As get, so that a memo can stand for a mapping of earlier results (the search
        index looks up each page's terms in it)."""
        return self.get(key)

    def reuse(self, key: bytes, use: Callable[[object], bool]) -> bool:
        """Whether the key is present and `use(value)` succeeds with its value (which is then
        kept for the next build): for values that stand for something outside the memo, which
        may have changed since."""
        if key in self._now:
            return use(self._now[key])
        if key in self._earlier and use(self._earlier[key]):
            self.get(key)
            return True
        return False

    def keep(self, key: bytes) -> bool:
        """Keep the entry `key` for the next build, if there is one: for a value used or
        checked elsewhere (in another process, say). Returns whether there was."""
        if key not in self:
            return False
        self.get(key)
        return True

    def alias(self, name: bytes, key: bytes) -> None:
        """Let `name` stand for `key` in this build and the next (see aliased). An alias is
        not a result: the memo's counts leave it out."""
        if self._now.get(name, self._earlier.get(name)) != key:
            self._made.add(name)
        self._now[name] = key

    def aliased(self, name: bytes) -> bytes | None:
        """The key `name` stands for, kept for the next build, or None if none."""
        key = self._now.get(name) or self._earlier.get(name)
        if key is not None:
            self._now[name] = key
        return key

    def put(self, key: bytes, value) -> None:
        if key not in self._now:
            self.misses += 1
        self._now[key] = value
        self._made.add(key)

    def cached(self, key: bytes, compute: Callable[[], object]):
        if key not in self:
            self.put(key, compute())
        return self.get(key)

    @property
    def first(self) -> bool:
        """Whether nothing from an earlier build is known (a first build, a new guidekit)."""
        return not self._earlier

    def saved(self, entries: Mapping[bytes, object]) -> None:
        """Say that `entries` (a copy of `entries()` taken earlier) were saved: later changes
        are then counted from them. An entry given a new value since is still a change."""
        self._loaded = frozenset(entries)
        self._made = {key for key in self._made
                      if key not in entries or self._now.get(key) is not entries[key]}

    def changes(self) -> tuple[dict[bytes, object], list[bytes]]:
        """How the entries to keep differ from those the memo was made with: the entries its
        builds made (or changed) that are kept, and the keys of the entries not kept."""
        made = {key: self._now[key] for key in self._made if key in self._now}
        return made, [key for key in self._loaded if key not in self._now]

    def entries(self) -> dict[bytes, object]:
        return dict(self._now)

    def next_build(self) -> None:
        """Start another build with this memo (the dev server keeps one in memory). Nothing is
        forgotten in memory, so undoing an edit, or fixing a build that failed half-way, finds
        its results again."""
        self._earlier.update(self._now)
        self._now = {}
        self.hits = self.misses = 0
