"""The build, stage by stage. The only module that touches the disk or sequences stages:

load content -> validate into a typed model -> render Markdown -> build the site graph ->
render pages -> index for search -> write atomically.
"""
from __future__ import annotations

import datetime as dt
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import graph as graph_stage
from . import feeds, load, render, search_index, validate, write
from .markdown_body import render_markdown
from .problems import BuildFailed, Problem, errors_in, warnings_in


@dataclass
class BuildReport:
    pages: int = 0
    files: int = 0
    warnings: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, stage: str):
        start = time.perf_counter()
        yield
        self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - start

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


@dataclass(frozen=True)
class Paths:
    content: Path
    templates: Path
    out: Path

    def display(self, path: Path) -> str:
        """How to show a path to the editor: relative to the working folder when inside it."""
        relative = os.path.relpath(path.absolute())
        return str(path.absolute()) if relative.startswith("..") else relative


def build_date() -> dt.date:
    """Today, or the date in SOURCE_DATE_EPOCH for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.date.today()


def read_tree(root: Path) -> dict[str, bytes]:
    """{path relative to root (posix): bytes} for every file below root, hidden ones skipped."""
    files = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            full = Path(folder, name)
            rel = full.relative_to(root).as_posix()
            if not load.is_ignored(rel):
                files[rel] = full.read_bytes()
    return files


def _fail_if_needed(problems: list[Problem], strict: bool) -> None:
    blocking = problems if strict else errors_in(problems)
    if blocking:
        raise BuildFailed(problems if strict else blocking)


def load_site(paths: Paths, report: BuildReport, strict: bool = False, today=None):
    """Stages 1-3: read, validate and link the content. Returns the site graph, or raises
    BuildFailed listing every problem found."""
    if not paths.content.is_dir():
        raise BuildFailed([Problem(paths.display(paths.content), 0, "content",
                                   "this content folder does not exist; check --content")])
    root = paths.display(paths.content)
    with report.timed("load"):
        files = read_tree(paths.content)
        problems = load.missing_files(files, root)
        docs, unreadable = [], set()
        for rel, raw in files.items():
            doc, found = load.parse_file(rel, raw, root)
            problems += found
            if doc is not None:
                docs.append(doc)
            elif load.page_key(rel):
                unreadable.add(load.page_key(rel))
    with report.timed("validate"):
        content, found = validate.validate(docs, unreadable)
        problems += found
    if content is None:
        raise BuildFailed(errors_in(problems))
    with report.timed("markdown"):
        pages = graph_stage.page_entities(content)
        bodies = {key: render_markdown(entity.body) for key, entity in pages.items()
                  if getattr(entity, "body", "").strip()}
    with report.timed("graph"):
        site_graph, found = graph_stage.build_graph(content, bodies, today or build_date())
        problems += found
    report.warnings = warnings_in(problems)
    _fail_if_needed(problems, strict)
    return site_graph


def render_site(paths: Paths, site_graph, report: BuildReport,
                base_url: str | None = None) -> dict[str, bytes]:
    """Stage 4: every output file, {relative path: bytes}. `base_url` is the site's public
    address (for canonical links, Open Graph and the sitemap), or None if unknown."""
    with report.timed("render"):
        templates = {rel: data.decode("utf-8") for rel, data in read_tree(paths.templates).items()
                     if rel.endswith(".html")}
        pages = render.render_pages(site_graph, templates, base_url)
        static = {f"static/{rel}": data
                  for rel, data in read_tree(paths.templates / "static").items()}
        data = render.render_data(site_graph)
        listed = [path for path in pages if path != render.NOT_FOUND]
        machine = feeds.machine_files(site_graph.content.site, site_graph.pages, listed,
                                      base_url)
    report.pages = len(pages)
    return {**pages, **static, **data, **machine}


def build(paths: Paths, *, strict: bool = False, write_output: bool = True,
          today=None, base_url: str | None = None) -> BuildReport:
    """The whole build. Raises BuildFailed (every problem) or OutputError; on failure the
    previous output folder is untouched."""
    report = BuildReport()
    if write_output:
        write.check_output_folder(paths.out, [paths.content, paths.templates, Path.cwd()])
    # Errors stop here; warnings wait until the search stage has added its own, so that a
    # strict build lists them all at once.
    site_graph = load_site(paths, report, strict=False, today=today)
    files = render_site(paths, site_graph, report, base_url)
    with report.timed("search"):
        index, found = search_index.build_index(site_graph)
        files[search_index.INDEX_FILE] = search_index.index_script(index)
    report.warnings += found
    _fail_if_needed(report.warnings, strict)
    report.files = len(files)
    if write_output:
        with report.timed("write"):
            write.write_site(paths.out, files)
    return report
