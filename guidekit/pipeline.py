"""The build, stage by stage. The only module that touches the disk or sequences stages:

load content -> validate into a typed model -> render Markdown -> check the prose (reading
grades, TODOs left by `new`) -> build the site graph -> render pages -> index for search ->
write atomically. Each output file goes to the staging folder (write.StagedSite) as soon as it
is made, so the site is never in memory whole; the folder is swapped in at the end.

The per-file work of loading and validating, Markdown and reading grades, and rendered pages,
go through a memo (cache.py) that this module reads from and writes to the cache folder, so a
rebuild redoes only what changed. For a page the memo keeps only the signature of its file
(write.signature): the page itself is the previous build's file, checked against the signature
before it is reused.
"""
from __future__ import annotations

import datetime as dt
import gc
import hashlib
import mmap
import os
import pickle
import re
import resource
import sys
import time
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from functools import cache as once, partial
from pathlib import Path
from typing import Callable, Iterable, TypeVar

from . import graph as graph_stage
from . import (cache, feeds, load, readability, render, scaffold, schema, search_index,
               validate, workers, write)
from .cache import Memo, fingerprint
from .markdown_result import MarkdownResult
from .problems import BuildFailed, Problem, errors_in, warnings_in
from .scaffold import ScaffoldError


T = TypeVar("T")


# The stages a build times, in the order they run (--timings lists them so; some work is
# done early, while this process would wait: the templates are compiled during the load).
# The file workers parse, validate and render the files that changed: waiting for them is
# timed as markdown+prose, most of their work; "validate" is what needs every file at once.
STAGES = ("load", "validate", "markdown+prose", "graph", "render", "search", "write")


@dataclass
class BuildReport:
    pages: int = 0
    files: int = 0
    warnings: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    peak_mib: dict[str, float] = field(default_factory=dict)  # this process's peak, by stage
    reading_grades: dict[tuple[str, str], float] = field(default_factory=dict)
    reused: int = 0     # results of per-file work taken from the cache
    computed: int = 0   # ... and worked out afresh
    content_key: bytes = b""  # digest of every content file: keys results of the whole site
    shape_key: bytes = b""    # digest of what the site's shape is made from (see load_content)

    @contextmanager
    def timed(self, stage: str):
        start = time.perf_counter()
        yield
        self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - start
        self.peak_mib[stage] = peak_mib(resource.RUSAGE_SELF)

    def call(self, stage: str, fn: Callable[[], T]) -> T:
        """fn(), timed as part of `stage`."""
        with self.timed(stage):
            return fn()

    def stopwatch(self, stage: str) -> "Stopwatch":
        """A stopwatch timing `stage` from now (see Stopwatch)."""
        return Stopwatch(self, stage)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


class Stopwatch:
    """Times a loop whose steps belong to different stages, for a cheap clock reading at
    each switch: `timed` for each step cost a tenth of the time of taking a page."""

    def __init__(self, report: BuildReport, stage: str):
        self._report, self._stage, self._start = report, stage, time.perf_counter()
        self._stages = {stage}

    def switch(self, stage: str) -> None:
        """The time since the last switch was `stage`'s; what follows is `stage`'s."""
        now = time.perf_counter()
        timings = self._report.timings
        timings[self._stage] = timings.get(self._stage, 0.0) + now - self._start
        self._stage, self._start = stage, now
        self._stages.add(stage)

    def stop(self) -> None:
        self.switch(self._stage)
        for stage in self._stages:
            self._report.peak_mib[stage] = peak_mib(resource.RUSAGE_SELF)


@dataclass(frozen=True)
class Paths:
    content: Path
    templates: Path
    out: Path
    cache: Path | None = None   # the cache folder; None builds from scratch

    def display(self, path: Path) -> str:
        """How to show a path to the editor: relative to the working folder when inside it."""
        relative = os.path.relpath(path.absolute())
        return str(path.absolute()) if relative.startswith("..") else relative


def peak_mib(who: int) -> float:
    """The peak memory (max resident set) of this process (RUSAGE_SELF) or of the largest of
    its finished child processes (RUSAGE_CHILDREN: the pool workers), in MiB."""
    return resource.getrusage(who).ru_maxrss / 1024


def build_date() -> dt.date:
    """Today, or the date in SOURCE_DATE_EPOCH for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.date.today()


def list_tree(root: Path) -> list[str]:
    """Every file below root as a path relative to it (posix), hidden ones skipped."""
    files = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        prefix = Path(folder).relative_to(root).as_posix()
        files += [rel for rel in (name if prefix == "." else f"{prefix}/{name}"
                                  for name in sorted(names)) if not load.is_ignored(rel)]
    return files


def read_tree(root: Path) -> dict[str, bytes]:
    """{path relative to root (posix): bytes} for every file below root, hidden ones skipped."""
    return {rel: (root / rel).read_bytes() for rel in list_tree(root)}


# The libraries that shape cached results: Markdown's HTML, PyYAML's parse, syllapy's reading
# grades, Jinja's compiled templates and pages, MarkupSafe's escaping in them, and the search
# vocabulary's stems from snowballstemmer (or PyStemmer instead, when installed).
_SHAPING = ("markdown", "pyyaml", "syllapy", "jinja2", "markupsafe", "snowballstemmer",
            "PyStemmer")


def _normal(name: str) -> str:
    """A distribution's name as packaging compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_versions(distributions: Iterable[str]) -> dict[str, str]:
    """The installed version of each distribution ("not installed" if none), from the name of
    its metadata folder (name-version.dist-info, or .egg-info) in the first folder of
    sys.path that has one: where importlib.metadata finds it, without importing that
    (15 ms of a 0.3 s rebuild) or the libraries themselves (a rebuild after an edit loads
    neither Markdown nor syllapy)."""
    wanted = {_normal(name): name for name in distributions}
    found: dict[str, str] = {}
    for folder in sys.path:
        with suppress(OSError):
            for entry in sorted(os.listdir(folder or ".")):
                stem, dot, kind = entry.rpartition(".")
                name, _, version = stem.partition("-")
                original = wanted.get(_normal(name)) if kind in ("dist-info", "egg-info") \
                    else None
                if original is not None and original not in found:
                    found[original] = version.partition("-")[0]
    return {name: found.get(name, "not installed") for name in wanted.values()}


def generator_fingerprint() -> bytes:
    """What cached results depend on besides the content: this package's code, Python's and
    pickle's versions and those of the libraries that shape them (see _SHAPING)."""
    package = Path(__file__).resolve().parent
    sources = {p.name: p.read_bytes() for p in package.glob("*.py")}
    versions = {"python": sys.version, "pickle": str(pickle.HIGHEST_PROTOCOL),
                **installed_versions(_SHAPING)}
    return fingerprint(sources, versions)


KEEP_MEMOS = 8


def _cache_file(paths: Paths) -> Path:
    """One file per content folder, so builds of different folders do not evict each other."""
    folder = hashlib.blake2b(str(paths.content.resolve()).encode(), digest_size=8).hexdigest()
    return paths.cache / "guidekit" / f"memo-{folder}.pickle"


@contextmanager
def _without_cycle_collection():
    """A build makes millions of objects that live until it ends and almost no reference
    cycles, so the cycle collector only rescans the growing heap, again and again: at 5000
    articles it cost 0.7 s of 7.6 s and grew faster than the site. Reference counting still
    frees everything else at once."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _journal_file(memo_file: Path) -> Path:
    """Where builds that change little append their changes to a saved memo (see save_memo)."""
    return memo_file.with_suffix(".journal")


def open_memo(paths: Paths) -> Memo:
    """The memo saved by the last build of this content folder (empty if none, or no cache)."""
    entries = {}
    if paths.cache is not None:
        memo_file = _cache_file(paths)
        # Hundreds of thousands of objects at once: collecting garbage while they arrive
        # would more than double the time, and none of them is garbage. They live as long as
        # the build, so they are then frozen out of the collector's way (a fifth of a warm
        # build's time went on walking through them again).
        try:
            with _without_cycle_collection():
                with open(memo_file, "rb") as f, \
                        mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                    entries = cache.unpack(mapped)
                with suppress(FileNotFoundError):
                    cache.replay(entries, _journal_file(memo_file).read_bytes())
        except FileNotFoundError:
            pass
        except Exception:  # noqa: BLE001 - damaged, or pickled by another version: start afresh
            entries = {}
        finally:
            gc.freeze()
    return Memo(generator_fingerprint(), entries if isinstance(entries, dict) else {})


def _last_used(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # pruned by a build running beside this one
        return 0.0


# A build that changes few entries appends them to the memo's journal instead of saving the
# whole memo again (at 1000 articles, 17 MB and 40 ms after one edit), while the journal
# stays below a quarter of the memo file's size. Otherwise the memo is saved whole, and the
# journal deleted; so is it, without making a record first, when every entry changed. (A
# first build's main process journals what came after the memo saved beside it: pages,
# and each page's search terms, about half the entries but a twentieth of the bytes.)
JOURNAL_SHARE = 4


def save_memo(paths: Paths, memo: Memo) -> None:
    """Keep what this build used for the next one: its changes appended to the journal, or
    the whole memo written afresh, then renamed into place."""
    if paths.cache is None:
        return
    target = _cache_file(paths)
    journal = _journal_file(target)
    made, dropped = memo.changes()
    few = target.exists() and len(made) + len(dropped) < memo.kept()
    record = cache.pack_changes(made, dropped) if few and (made or dropped) else b""
    if few and _size(journal) + len(record) <= _size(target) // JOURNAL_SHARE:
        if record:
            # One write, appended: builds beside this one append whole records too.
            fd = os.open(journal, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                os.write(fd, record)
            finally:
                os.close(fd)
        with suppress(FileNotFoundError):  # pruned by a build running beside this one
            os.utime(target)  # used just now, so the oldest memos go first
    else:
        _save_whole(memo.entries(), target)
    # One memo per content folder ever built (tests build many): keep the recent ones.
    memos = sorted(target.parent.glob("memo-*.pickle"), key=_last_used)
    for old in memos[:-KEEP_MEMOS]:
        old.unlink(missing_ok=True)
        _journal_file(old).unlink(missing_ok=True)


def _save_whole(entries: dict, target: Path) -> None:
    """Save a memo's entries afresh (written, then renamed into place), without a journal."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    with open(staging, "wb") as f:
        f.writelines(cache.pack(entries))
    os.replace(staging, target)
    _journal_file(target).unlink(missing_ok=True)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def load_file_work() -> None:
    """Load what _file_work needs: PyYAML, Python-Markdown and syllapy (50 ms). A build
    process that has not loaded them (every `python build.py`) leaves them to the file
    workers, started at once to load them beside its own work (see workers.Stream): after
    an edit, a worker loads the one file changed, and this process, finding everything else
    in the memo, loads none of the three. The preview, which builds again and again, loads
    them once, itself, and then does an edit's few files in its own process."""
    import syllapy  # noqa: F401
    from . import yaml_lines  # noqa: F401
    from .markdown_body import render_markdown
    render_markdown("")  # makes the converter, loading its extensions


def file_stream(jobs: int) -> workers.Stream:
    """The file workers of a build (see load_content). In a process that has not loaded
    what they need they start now, to load it (see load_file_work): started before the
    memo is loaded, they share less memory with this process, which would copy each page of
    it that it writes to while they live (10 ms of a rebuild's load)."""
    prepare = load_file_work if "guidekit.markdown_body" not in sys.modules else None
    return workers.Stream(_file_work, jobs, prepare)


def _markdown_work(body: str) -> tuple[MarkdownResult, readability.Counts]:
    """One body's Markdown, and the counts its reading grade needs."""
    from .markdown_body import render_markdown  # see load_file_work
    result = render_markdown(body)
    return result, readability.body_counts(result.html)


def _file_work(item: tuple[bytes, bytes, str, bytes, str]) -> dict[bytes, object]:
    """The per-file work of one content file, for a file worker, as the memo entries it
    makes, by key of a memo with `generator` (item: generator, the file's memo key (see
    _file_key), path relative to the content folder, bytes, the folder as shown). The file's
    entry (see _entry); its body's Markdown and reading counts, if it has one; and the
    reading counts of its text fields (see _field_prose), if it holds a guide page."""
    generator, key, rel, raw, root = item
    memo = Memo(generator)
    made: dict[bytes, object] = {}
    doc, found = load.parse_file(rel, raw, root)
    checked = body_key = None
    shape = b""
    if doc is not None:
        checked = validate.validate_file(doc)
        shape = memo.key("file-shape", render.shape_of_file(checked))
        if doc.body.strip():
            body_key = memo.key("markdown", doc.body)
            made[body_key] = _markdown_work(doc.body)
        if isinstance(checked.value, schema.PageMeta):  # a guide page: graded
            texts = readability.texts_of(readability.prose_by_field(checked.value))
            made[memo.key("field-counts", *texts)] = readability.counts(texts)
    # Kept pickled, and unpickled even by the build that made it: page keys (render.py) are
    # digests of pickled values, which show the objects a value shares, and an entity made
    # afresh shares other objects than one unpickled: the next build would make every page
    # again. Pickled, the entry is also saved and loaded with the memo as one string of
    # bytes rather than thousands of objects.
    made[key] = (
        body_key, shape,
        pickle.dumps((tuple(found), checked), protocol=pickle.HIGHEST_PROTOCOL))
    return made


# A content file is known by its stat (inode, size, times) only once it had not changed for
# this long when it was read: a change within the file system's clock tick (2 s on FAT)
# can leave the stat as it was (git's "racily clean" files are the same case).
SETTLED_NS = 2 * 10**9


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _file_key(rel: str, path: str, root: str, memo: Memo) -> tuple[bytes, bytes | None]:
    """A content file's memo key (a digest of its bytes, where it is and what it is called)
    and its bytes, or None for them when its stat found the key: a file whose stat is as it
    was when an earlier build read it (and settled then) is not read again. Reading and
    hashing every file took a twentieth of a rebuild at 1000 articles."""
    st = os.stat(path)
    stat_key = memo.key("file-stat", root, rel, repr((st.st_dev, st.st_ino, st.st_size,
                                                      st.st_mtime_ns, st.st_ctime_ns)))
    if stat_key in memo:
        key = memo.get(stat_key)
        if key in memo:
            return key, None
    raw = _read(path)
    key = memo.key("file", root, rel, raw)
    if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) >= SETTLED_NS:
        memo.put(stat_key, key)
    return key, raw


def _entry(memo: Memo, key: bytes) -> tuple:
    """A file's entry (see _file_work) as the build uses it: its load problems, what
    validating it gave, its body's memo key and its part of the site's shape."""
    body_key, shape, loaded = memo.get(key)
    found, checked = pickle.loads(loaded)
    return found, checked, body_key, shape


def _complete(memo: Memo, key: bytes) -> bool:
    """Whether the memo has a file's entry (see _file_work) and its body's Markdown."""
    if key not in memo:
        return False
    body_key = memo.get(key)[0]
    return body_key is None or body_key in memo


def _field_prose(entity, memo: Memo) -> tuple[readability.Counts, list[Problem], bytes]:
    """What a page's grade and prose warnings take from its text fields: their reading
    counts, a warning for each TODO left, and the memo key of the counts. The counts are
    keyed by the texts, so that an edit of the body alone does not count the fields again
    (nor load syllapy to do it)."""
    prose = readability.prose_by_field(entity)
    texts = readability.texts_of(prose)
    counts_key = memo.key("field-counts", *texts)
    counts = memo.cached(counts_key, partial(readability.counts, texts))
    return counts, scaffold.unfinished(entity, prose), counts_key


def _page_prose(entity, fields: tuple[readability.Counts, list[Problem], bytes],
                body: readability.Counts | None) -> tuple[float, list[Problem], bytes]:
    """A page's reading grade, its warnings (a grade above the limit, a TODO left), and the
    memo key of its fields' counts (kept as long as the grade is)."""
    counts, unfinished, counts_key = fields
    grade = readability.grade_of(counts + (body or readability.Counts()))
    return grade, unfinished + list(filter(None, [readability.grade_warning(entity, grade)])), \
        counts_key


def fields_to_grade(pages: dict, memo: Memo, file_keys: dict[str, tuple[bytes, bytes | None]]
                    ) -> dict[tuple[str, str], tuple[bytes, bytes | None, tuple | None]]:
    """For each page: its file's body key (see bodies_and_grades), and, unless the page is a
    person's (not graded), the memo key of its grade and warnings and, when the memo lacks
    them, what its text fields give (see _field_prose: the file workers counted them for
    the files they loaded). `file_keys` holds, by path, each file's memo key and its
    body's. A page's grade and warnings depend on its file alone, so the file's key keys
    them."""
    found = {}
    for page, entity in pages.items():
        file_key, body_key = file_keys[entity.source_path]
        prose_key = memo.key("prose", file_key, *page) if page[0] != "person" else None
        fields = _field_prose(entity, memo) \
            if prose_key is not None and prose_key not in memo else None
        found[page] = (body_key, prose_key, fields)
    return found


def bodies_and_grades(pages: dict, memo: Memo, fields: dict
                      ) -> tuple[dict, dict, list[Problem]]:
    """The rendered Markdown of every page with a body, the reading grade of every guide page
    and the warnings about their prose: each grade worked out from what `fields` (see
    fields_to_grade) holds and the counts of the page's body."""
    bodies, grades, problems = {}, {}, []
    for page, entity in pages.items():
        body_key, prose_key, field_counts = fields[page]
        counts = None
        if body_key is not None:
            bodies[page], counts = memo.get(body_key)
        if prose_key is not None:
            grades[page], found, counts_key = memo.cached(
                prose_key, partial(_page_prose, entity, field_counts, counts))
            memo.keep(counts_key)
            problems += found
    return bodies, grades, problems


def _fail_if_needed(problems: list[Problem], strict: bool) -> None:
    blocking = problems if strict else errors_in(problems)
    if blocking:
        raise BuildFailed(problems if strict else blocking)


@dataclass(frozen=True)
class LoadedContent:
    """What the build knows before it links the site (see load_content): the validated
    content, the entity of every page, their rendered bodies, the day and the problems found
    so far. All the search index needs (see search_index.build_index)."""
    content: object  # schema.Content
    pages: dict
    bodies: dict
    today: dt.date
    problems: list[Problem]


def load_site(paths: Paths, report: BuildReport, strict: bool = False, today=None,
              memo: Memo | None = None, jobs: int = 1):
    """Stages 1-3: read, validate and link the content. Returns the site graph, or raises
    BuildFailed listing every problem found (see load_content and link_site)."""
    return link_site(load_content(paths, report, today, memo, jobs), report, strict)


def link_site(loaded: LoadedContent, report: BuildReport, strict: bool = False):
    """Stage 3: the site graph of the loaded content. Raises BuildFailed listing every problem
    found, the loaded content's too, if any is an error (or, if strict, a warning)."""
    with report.timed("graph"):
        site_graph, found = graph_stage.build_graph(loaded.content, loaded.bodies,
                                                    loaded.today)
    problems = loaded.problems + found
    report.warnings = warnings_in(problems)
    _fail_if_needed(problems, strict)
    return site_graph


def load_content(paths: Paths, report: BuildReport, today=None, memo: Memo | None = None,
                 jobs: int = 1, meanwhile: Callable[[], object] | None = None,
                 file_work: workers.Stream | None = None) -> LoadedContent:
    """Stages 1-2 and the Markdown: read and validate the content, render its bodies and
    grade its prose. Raises BuildFailed when there is no content to link. Per-file work
    found in `memo` is reused; the rest is shared out over `jobs` processes (`file_work`,
    if started already: see file_stream). `meanwhile` is called while they finish: work
    for later that needs no content (this process would otherwise wait)."""
    memo = memo if memo is not None else Memo(b"")
    if not paths.content.is_dir():
        raise BuildFailed([Problem(paths.display(paths.content), 0, "content",
                                   "this content folder does not exist; check --content")])
    root = paths.display(paths.content)
    with file_work or file_stream(jobs) as file_work:
        with report.timed("load"):
            files = list_tree(paths.content)
            problems = load.missing_files(files, root)
            keys, entries = [], []  # each file's memo key, and its entry (None: being made)
            for rel in files:
                path = f"{paths.content}/{rel}"
                key, raw = _file_key(rel, path, root, memo)
                keys.append(key)
                if _complete(memo, key):
                    entries.append(_entry(memo, key))
                else:
                    # To the file workers as soon as it is read (they need nothing else), so
                    # that they work while this process reads the rest. (Also a file whose
                    # body's Markdown the memo lacks: the last build failed before it.)
                    file_work.add((memo.generator, key, rel, raw or _read(path), root))
                    entries.append(None)
            report.content_key = memo.key("content", *keys)
        if meanwhile is not None:
            meanwhile()
        with report.timed("markdown+prose"):
            for made in file_work.results():
                for key, value in made.items():
                    memo.put(key, value)
    with report.timed("load"):
        checked_files, unreadable, shapes, file_keys = [], set(), [], {}
        for rel, key, entry in zip(files, keys, entries):
            found, checked, body_key, shape = entry or _entry(memo, key)
            shapes.append(shape)
            problems += found
            if checked is None:
                if load.page_key(rel):
                    unreadable.add(load.page_key(rel))
                continue
            checked_files.append(checked)
            file_keys[checked.path] = (key, body_key)
    with report.timed("validate"):
        content, found = validate.assemble(checked_files, unreadable)
        problems += found
    if content is None:
        raise BuildFailed(errors_in(problems))
    pages = graph_stage.page_entities(content)
    with report.timed("markdown+prose"):
        fields = fields_to_grade(pages, memo, file_keys)
        bodies, report.reading_grades, found = bodies_and_grades(pages, memo, fields)
        problems += found
    today = today or build_date()
    with report.timed("graph"):
        # What the graph is made from (see render.shape_of_file).
        report.shape_key = memo.key("site-shape", today.isoformat(), *shapes,
                                    cache.value_bytes(sorted(unreadable)),
                                    render.shape_of_bodies(bodies))
    report.reused, report.computed = memo.hits, memo.misses
    return LoadedContent(content, pages, bodies, today, problems)


def new_page(paths: Paths, kind: str, slug: str, today=None) -> Path:
    """Write the skeleton of a new page into the content folder (never over a file); raises
    ScaffoldError saying what to do when it cannot."""
    target = paths.content / scaffold.relative_path(kind, slug)
    if target.exists():
        raise ScaffoldError(f"{paths.display(target)} already exists; edit it, or choose "
                            "another slug")
    sources_file = paths.content / "sources.yaml"
    if not sources_file.is_file():
        raise ScaffoldError(f"{paths.display(sources_file)} does not exist; check --content, "
                            "or add the guide's sources first")
    doc, problems = load.parse_file("sources.yaml", sources_file.read_bytes(),
                                    paths.display(paths.content))
    if doc is None or not doc.data:
        detail = f": {problems[0]}" if problems else ""
        raise ScaffoldError(f"a new page must cite a source, and no source could be read from "
                            f"{paths.display(sources_file)}{detail}")
    text = scaffold.skeleton(kind, slug, today or build_date(), next(iter(doc.data)))
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as f:
        f.write(text)
    return target


# Pages the two processes take at a time (see workers.Runs): 4 ms of rendering at most, a
# few µs to take.
RUN_OF_PAGES = 16


# Pages this process renders (rather than takes from the last build) before a second one
# starts to share them (see _render_into): after an edit it renders one or two, and forking
# a helper would cost more than it saves.
RENDERED_BEFORE_HELP = 4


def _render_into(site: write.StagedSite | write.Discard, memo: Memo | None,
                 pages: Iterable[render.PageJob], report: BuildReport,
                 call_helper: Callable[[], object] | None = None
                 ) -> list[tuple[str, bytes | None, bytes | None, write.Signature | None, bool]]:
    """Stage 4 for some pages (see render.render_pages): each into `site` as it is made, or,
    when the memo knows it, taken from the previous build's output if that file is still the
    page it made (only the file's signature is kept, not the page). `call_helper`, if given,
    is called once RENDERED_BEFORE_HELP pages had to be rendered. Returns, for each page, its
    path, its quick key and key (None without a memo), the signature of the file made (None
    when taken, or when `site` writes nothing) and whether it was taken."""
    done = []
    rendered = 0
    watch = report.stopwatch("render")  # making each job is rendering
    for job in pages:
        taken, key, made = False, None, None
        if memo is not None:
            taken, key = _taken(site, memo, job, watch)
        if not taken:
            rendered += 1
            if rendered == RENDERED_BEFORE_HELP and call_helper is not None:
                call_helper()
            watch.switch("render")
            page = job.render()
            watch.switch("write")
            made = site.add(job.path, page)
        _keep(memo, job.quick_key, key, made, taken)
        done.append((job.path, job.quick_key, key, made, taken))
        watch.switch("render")
    watch.stop()
    return done


def _keep(memo: Memo | None, quick_key: bytes | None, key: bytes | None,
          made: write.Signature | None, taken: bool) -> None:
    """Keep a page's memo entries for the next build: its key, for the signature of the file
    made (or, for a file taken, the one it had), and its quick key, standing for that key."""
    if key is None:
        return
    if taken:
        memo.keep(key)  # the file was checked when taken
    else:
        memo.put(key, made)
    memo.alias(quick_key, key)


def _taken(site, memo: Memo, job: render.PageJob, watch: Stopwatch) -> tuple[bool, bytes]:
    """Whether the page's file was taken from the previous build (the memo knows its key and
    the file is still the one made), and the page's memo key. The quick key is tried first:
    it finds a page when nothing it shows changed but maybe its own body. Then the key of its
    context, which costs making the context (timed as rendering)."""
    reuse = partial(site.reuse, job.path)
    watch.switch("write")
    key = memo.aliased(job.quick_key)
    if key is not None and key in memo and memo.reuse(key, reuse):
        return True, key
    watch.switch("render")
    key = job.key()
    watch.switch("write")
    return memo.reuse(key, reuse), key


def _search_index(loaded: LoadedContent, memo: Memo | None, site, index_file: str | None,
                  content_key: bytes) -> tuple[list[Problem], tuple | None]:
    """Stage 6: the search index of the loaded content (it needs no graph), written to
    `index_file` in pieces (None: only checked), or, when no content file changed, taken
    from the previous build's output if that file is still the index it made. Returns the index's warnings and the memo entry to keep: the
    index depends on the content alone, so the content's digest is its key; the entry holds
    the file's signature, the warnings and the keys of the page terms it used. A new index's
    entry also carries the vocabulary to keep for the next build to start from (see
    _keep_vocabulary): the terms of pages whose sections changed, and the stems if new words
    were stemmed."""
    key = memo.key("search-index", content_key) if memo is not None and content_key else None
    known = memo.get(key) if key is not None and key in memo else None
    if index_file is not None and known and \
            site.reuse_reserved(search_index.INDEX_FILE, index_file, known[0]):
        return known[1], (key, known, True)
    if memo is None:
        index, found = search_index.build_index(loaded)
    else:
        # The words the memo knows, so that only pages whose sections changed are split
        # again: each page's terms are a memo entry of their own, keyed as the memo keys.
        stems_key = memo.key("search-stems")
        stems = memo.get(stems_key) if stems_key in memo else {}
        index, found = search_index.build_index(
            loaded, search_index.Vocabulary(memo, stems), partial(memo.key, "search-terms"))
    if index_file is None:
        return found, None
    with open(index_file, "wb") as f:
        f.writelines(search_index.index_script(index))
    made = write.signature(index_file)
    if key is None:
        return found, None
    terms = index.vocabulary.terms
    return found, (key, (made, found, tuple(terms)), False,
                   {k: value for k, value in terms.items() if k not in memo},
                   index.vocabulary.stems if index.vocabulary.stems != stems else None)


def _save_first(save: tuple[dict, Path] | None, turn: workers.Runs | None) -> bool:
    """Save the memo entries in `save` whole (see link_render_and_index), if this process is
    the first of the build's to be free: `turn` is one turn, which goes to the first that
    asks. Returns whether it saved them."""
    if save is None or turn is None or not turn.mine(0):
        return False
    try:
        _save_whole(*save)
    except OSError:  # the main process saves the memo whole instead
        return False
    return True


def _index(loaded: LoadedContent, memo: Memo | None, site, index_file: str | None,
           content_key: bytes, save: tuple[dict, Path] | None, turn: workers.Runs | None
           ) -> tuple[list[Problem], tuple | None, bool]:
    """The work of the index process: stage 6 (see _search_index), then saving the memo
    entries in `save`, if it is the first free (see _save_first). Returns the index's
    warnings, its memo entry and whether it saved the entries."""
    found, entry = _search_index(loaded, memo, site, index_file, content_key)
    return found, entry, _save_first(save, turn)


def _pages(site_graph, templates: render.Templates, memo: Memo | None, site,
           base_url: str | None, share: Callable[[int], bool], shape: bytes,
           save: tuple[dict, Path] | None, turn: workers.Runs | None) -> tuple[list, bool]:
    """The work of the page process: the pages in `share` (see _render_into), then saving
    the memo entries in `save`, if it is the first free (see _save_first). Returns the
    pages done and whether it saved the entries."""
    pages = render.render_pages(site_graph, templates, memo, base_url, share, shape)
    done = _render_into(site, memo, pages, BuildReport())
    return done, _save_first(save, turn)


def site_templates(paths: Paths, memo: Memo | None) -> render.Templates:
    """The site's templates, compiled (or their code taken from the memo)."""
    return render.Templates({rel: data.decode("utf-8")
                             for rel, data in read_tree(paths.templates).items()
                             if rel.endswith(".html")}, memo)


def link_render_and_index(paths: Paths, loaded: LoadedContent, report: BuildReport,
                          memo: Memo | None, site: write.StagedSite | write.Discard, jobs: int,
                          base_url: str | None = None,
                          templates: render.Templates | None = None) -> list[Problem]:
    """Stages 3, 4 and 6 for the loaded content (see load_content): the site graph (raises
    BuildFailed as link_site does), then every page, static file, data file and feed, and
    the search index, into `site` as each is made. `base_url` is the site's public address
    (for canonical links, Open Graph and the sitemap), or None if unknown. With `jobs` above
    1 a forked process makes the index, which needs no graph, while this one links the site
    (after an edit, the index was what the build waited for); then this one takes or renders
    the pages, and once it has had to render a few, another one, forked then, shares them
    with it, a run at a time, until none is left (see workers.Runs). `templates` are the
    site's (see site_templates), if already made. Returns the index's warnings."""
    with report.timed("render"):  # made before the fork, so both processes share them
        templates = templates or site_templates(paths, memo)
        if memo is not None and not report.shape_key:  # quick keys would find stale pages
            raise ValueError("link_render_and_index needs the report load_content made")
        shape = report.shape_key if memo is not None else b""
    # A build with nothing from an earlier one (a first build, a new guidekit) has its whole
    # memo to save, 20-40 ms at 1000 articles: whichever process is free first (this one,
    # the index process or the page process) saves what there is by now, and this one only
    # appends what comes after to the journal.
    save = (memo.entries(), _cache_file(paths)) \
        if memo is not None and memo.first and paths.cache is not None and jobs > 1 else None
    turn = workers.Runs(1, 1) if save is not None else None
    runs = workers.Runs(render.page_count(loaded), RUN_OF_PAGES) if jobs > 1 else None
    index = pages_beside = None
    try:
        if not errors_in(loaded.problems):  # else linking fails the build: no index needed
            with report.timed("search"):
                index = workers.in_background(partial(
                    _index, loaded, memo, site, site.reserve(search_index.INDEX_FILE),
                    report.content_key, save, turn), jobs)
        site_graph = link_site(loaded, report)

        def helper() -> None:  # forked once pages need rendering: it takes runs not taken
            nonlocal pages_beside
            pages_beside = workers.in_background(partial(
                _pages, site_graph, templates, memo, site, base_url, runs.newcomer().mine,
                shape, save, turn), jobs)
        with report.timed("render"):
            changes = feeds.page_changes(site_graph.pages)
            made = partial(_data_files, site_graph, changes, base_url)
            data = {**{f"static/{rel}": data
                       for rel, data in read_tree(paths.templates / "static").items()},
                    **(memo.cached(memo.key("data-files", shape, base_url or ""), made)
                       if memo is not None else made())}
        with report.timed("write"):
            for rel, data in data.items():
                site.add(rel, data)
        pages = render.render_pages(site_graph, templates, memo, base_url,
                                    runs.mine if runs else lambda n: True, shape)
        mine = _render_into(site, memo, pages, report, helper if runs is not None else None)
        saved = _save_first(save, turn)
    except BaseException:
        for beside in (index, pages_beside):  # no process left behind (the preview builds
            if beside is not None:            # again and again)
                with suppress(Exception):
                    beside()
        raise
    finally:
        for shared in (runs, turn):
            if shared is not None:
                shared.close()
    theirs, saved_there = pages_beside() if pages_beside is not None else ([], False)
    with report.timed("search"):
        found, index_entry, saved_by_index = index()
    if saved or saved_there or saved_by_index:
        memo.saved(save[0])
    _take_over(memo, site, index_entry, theirs)
    if base_url:
        listed = [path for path, *_ in mine + theirs if path != render.NOT_FOUND]
        with report.timed("render"):
            sitemap = feeds.sitemap(listed, changes, base_url)
        with report.timed("write"):
            site.add(feeds.SITEMAP, sitemap)
    report.pages = len(mine) + len(theirs)
    return found


def _data_files(site_graph, changes: list[feeds.PageChange], base_url: str | None
                ) -> dict[str, bytes]:
    """The checker's tree script, the feed and robots.txt: made from what the site's shape
    stands for (see render.shape_of_file) and the base URL, so kept in the memo by them (the
    feed's thousand entries took 7 ms at 1000 articles)."""
    return {**render.render_data(site_graph),
            **feeds.machine_files(site_graph.content.site, changes, base_url)}


def _take_over(memo: Memo | None, site, index_entry: tuple | None, theirs: list) -> None:
    """Keep in this process's memo and site what the others did (see _index and _pages):
    the index's memo entry and vocabulary, and each page made or taken."""
    if index_entry is not None:
        key, value, reused, *vocabulary = index_entry
        if not reused or not memo.keep(key):  # checked over there
            memo.put(key, value)
        _keep_vocabulary(memo, value[2], *vocabulary)
    for path, quick_key, key, made, taken in theirs:
        site.made_elsewhere(path)
        _keep(memo, quick_key, key, made, taken)


def _keep_vocabulary(memo: Memo, used: tuple[bytes, ...], made: dict | None = None,
                     stems: dict | None = None) -> None:
    """Keep the search vocabulary's memo entries (see _search_index): the terms of every page
    the index used, those it made, and the stems, new or as they were."""
    for key, terms in (made or {}).items():
        memo.put(key, terms)
    for key in used:
        memo.keep(key)
    stems_key = memo.key("search-stems")
    memo.keep(stems_key)  # used, in either process; then updated if new words came
    if stems is not None:
        memo.put(stems_key, stems)


def build(paths: Paths, *, strict: bool = False, write_output: bool = True,
          today=None, memo: Memo | None = None, jobs: int = 1,
          base_url: str | None = None, file_work: workers.Stream | None = None,
          prelinked: write.Prelinked | None = None) -> BuildReport:
    """The whole build. Raises BuildFailed (every problem) or OutputError; on failure the
    previous output folder is untouched. `memo` (see open_memo) makes rebuilds fast; the
    output is the same with or without it. `file_work`: see load_content; `prelinked`: the
    last build's files, linked into a staging folder (see write.prelink)."""
    with _without_cycle_collection():
        return _build(paths, strict, write_output, today, memo, jobs, base_url, file_work,
                      prelinked)


def _build(paths: Paths, strict: bool, write_output: bool, today, memo: Memo | None,
           jobs: int, base_url: str | None, file_work: workers.Stream | None,
           prelinked: write.Prelinked | None) -> BuildReport:
    report = BuildReport()
    if write_output:
        write.check_output_folder(paths.out, [paths.content, paths.templates, Path.cwd()])
    # Compiled while the file workers finish: templates need no content.
    templates = once(partial(site_templates, paths, memo))
    # Made first: the index process, forked before linking, writes into it.
    with write.StagedSite(paths.out, prelinked) if write_output \
            else nullcontext(write.Discard()) as site:
        loaded = load_content(paths, report, today, memo, jobs,
                              meanwhile=partial(report.call, "render", templates),
                              file_work=file_work)
        # Errors stop at linking; warnings wait until the search stage has added its own,
        # so that a strict build lists them all at once.
        found = link_render_and_index(paths, loaded, report, memo, site, jobs, base_url,
                                      templates())
        report.warnings += found  # after linking has set the warnings it found
        if memo is not None:
            report.reused, report.computed = memo.hits, memo.misses
        _fail_if_needed(report.warnings, strict)
        report.files = site.files
        if write_output:
            with report.timed("write"):
                site.publish()
    return report
