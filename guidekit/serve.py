"""The live preview (`python build.py serve`): build, serve the site on 127.0.0.1, watch the
content and the templates (static files included), rebuild when they change and reload the
browser.

- Never a half-built site: each build is written atomically by the pipeline, and builds run
  on the server's only thread, so no request is answered while one is under way.
- A build that fails leaves the last good site in place; every page is then served with an
  overlay listing each problem as `file:line: field: message` (the terminal shows the same),
  until a save fixes them.
- Fast: the build memo stays in memory, so a rebuild redoes only the files that changed,
  on every core (forking is safe: the server has one thread).

livereload supplies the browser side (livereload.js and its websocket) and the file watcher.
Its own script tag is an inline script, which the pages' Content-Security-Policy blocks, so
pages are served with livereload.js as a file instead, and with `connect-src 'self'` added to
their policy for its websocket. Only served pages change: the files in site/ stay as built.
"""
from __future__ import annotations

import html
import logging
import mimetypes
import os
import re
import time
import traceback
from pathlib import Path
from typing import Callable

import jinja2
from livereload import Server
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from livereload.watcher import Watcher
from tornado import ioloop, web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from . import load, pipeline, workers
from .problems import BuildFailed, Problem, format_problems, format_warnings
from .write import OutputError

DEBOUNCE = 0.05   # seconds of quiet after a change before rebuilding
POLL = 0.1        # seconds between looks at the watched files
OVERLAY_CSS = "/__guidekit__/errors.css"
_CSP = re.compile(r'(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(")')


def snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    """{path: (mtime, size, inode)} of every file below root that could be content: a save
    in place changes the first two, a save by renaming a new file over the old the third."""
    found, folders = {}, [str(root)]
    while folders:
        try:
            entries = list(os.scandir(folders.pop()))
        except FileNotFoundError:
            continue
        for entry in entries:
            if load.is_ignored(entry.name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                else:
                    st = entry.stat()
                    found[entry.path] = (st.st_mtime_ns, st.st_size, st.st_ino)
            except FileNotFoundError:
                continue
    return found


class _Watcher(Watcher):
    """livereload's watcher, looking every POLL seconds (not livereload's 0.8 s) and reporting
    every file changed since the last look (livereload's stops at the first). It never asks
    livereload to reload browsers: the server does that once the rebuilt site is in place."""

    def watch(self, path, func=None, delay=None, ignore=None):
        super().watch(path, func, delay, ignore)
        self._tasks[path]["mtimes"] = snapshot(Path(path))

    def is_changed(self, path, ignore=None):
        now = snapshot(Path(path))
        before = self._task_mtimes
        changed = sorted(p for p in now.keys() | before.keys() if now.get(p) != before.get(p))
        before.clear()
        before.update(now)
        self.filepath = changed[0] if changed else None
        return changed

    def examine(self):
        super().examine()
        return None, None

    def start(self, callback):
        ioloop.PeriodicCallback(callback, POLL * 1000).start()
        return True


def problems_for(error: Exception, paths: pipeline.Paths) -> list[Problem]:
    """Any failure of a build, as problems to show the editor."""
    if isinstance(error, BuildFailed):
        return error.problems
    if isinstance(error, jinja2.TemplateError):
        name = getattr(error, "name", None)
        path = paths.display(paths.templates / name if name else paths.templates)
        return [Problem(path, getattr(error, "lineno", 0) or 0, "template", str(error))]
    if isinstance(error, OutputError):
        return [Problem(paths.display(paths.out), 0, "output", str(error))]
    return [Problem("guidekit", 0, "internal error",
                    f"{type(error).__name__}: {error} (the terminal shows where)")]


def overlay(problems: list[Problem], built: bool = True) -> str:
    """The error panel put at the top of every page while the last build failed."""
    items = "\n".join(f"<li><code>{html.escape(str(p))}</code></li>" for p in problems)
    n = len(problems)
    below = ("Below is the last good version of this page." if built
             else "No build has made this page yet.")
    return (f'<section class="guidekit-errors" role="alert" aria-labelledby="guidekit-errors">'
            f'<h2 id="guidekit-errors">The build found {n} problem{"s" if n != 1 else ""} '
            f"to fix</h2>\n<p>{below} Fix the problems and save: the page reloads by "
            f"itself.</p>\n<ol>\n{items}\n</ol></section>")


def for_browser(page: str, problems: list[Problem], built: bool = True) -> str:
    """A page as the preview serves it (`built`: one of the last good build): with
    livereload.js, a policy that lets it connect, and the errors while the last build
    failed."""
    def allow_connect(match: re.Match) -> str:
        policy = match.group(2)
        if "connect-src" in policy:
            policy = re.sub(r"connect-src([^;]*)", r"connect-src\1 'self'", policy, count=1)
        else:
            policy = f"{policy.rstrip('; ')}; connect-src 'self'"
        return match.group(1) + policy + match.group(3)

    page = _CSP.sub(allow_connect, page, count=1)
    head = '<script src="/livereload.js"></script>'
    if problems:
        head += f'<link rel="stylesheet" href="{OVERLAY_CSS}">'
        page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + overlay(problems, built), page,
                      count=1)
    return page.replace("</head>", head + "</head>", 1)


def missing_page(url_path: str) -> str:
    """The page for an address the last good build does not have (it reloads like any other,
    so it turns into the page once a build makes it)."""
    where = html.escape(url_path)
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            'script-src \'self\'; style-src \'self\'">'
            f"<title>Not built: /{where}</title></head><body><main>"
            f"<h1>There is no page at /{where}</h1><p>The last good build did not make it. "
            'Go to the <a href="/">home page</a>.</p></main></body></html>\n')


OVERLAY_STYLE = """\
.guidekit-errors { position: sticky; top: 0; z-index: 2147483647; max-height: 70vh;
  overflow: auto; margin: 0; padding: 1rem 1.5rem; background: #fff1f0; color: #1a1a1a;
  border-bottom: 0.4rem solid #b3261e; box-shadow: 0 0.2rem 1rem rgba(0, 0, 0, 0.3);
  font: 1rem/1.5 system-ui, sans-serif; }
.guidekit-errors h2 { margin: 0 0 0.5rem; color: #8c1d18; font-size: 1.25rem; }
.guidekit-errors ol { margin: 0.5rem 0 0; padding-left: 1.5rem; }
.guidekit-errors code { font: 0.9rem/1.4 ui-monospace, monospace; white-space: pre-wrap;
  overflow-wrap: anywhere; }
"""


class _OverlayStyle(web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/css; charset=utf-8")
        self.write(OVERLAY_STYLE)


class _Site(web.RequestHandler):
    """The last good build in the output folder, as the browser should see it."""

    def initialize(self, preview: "Preview"):
        self.preview = preview

    def get(self, url_path: str):
        self.set_header("Cache-Control", "no-store")
        file = self.preview.file_for(url_path)
        if file is None:
            self.set_status(404)
            body = missing_page(url_path)
        elif file.suffix != ".html":
            self.set_header("Content-Type",
                            mimetypes.guess_type(file.name)[0] or "application/octet-stream")
            self.write(file.read_bytes())
            return
        else:
            body = file.read_text(encoding="utf-8")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.write(for_browser(body, self.preview.problems, built=file is not None))


class _LiveServer(Server):
    """livereload's Server with our handlers in place of its script-injecting file server."""

    def __init__(self, preview: "Preview"):
        super().__init__(watcher=_Watcher())
        self.preview = preview

    def application(self, port, host, liveport=None, debug=None, live_css=True):
        LiveReloadHandler.watcher = self.watcher
        LiveReloadHandler.live_css = live_css
        app = web.Application([
            (r"/livereload", LiveReloadHandler),
            (r"/livereload\.js", LiveReloadJSHandler),
            (re.escape(OVERLAY_CSS), _OverlayStyle),
            (r"/(.*)", _Site, {"preview": self.preview}),
        ])
        sockets = bind_sockets(port, address=host)
        HTTPServer(app).add_sockets(sockets)
        self.preview.listening(host, sockets[0].getsockname()[1])

    def _setup_logging(self):
        """Quiet: the preview reports builds itself."""
        logging.getLogger("tornado.access").setLevel(logging.ERROR)


class Preview:
    """Builds the site, serves it and rebuilds it on change."""

    def __init__(self, paths: pipeline.Paths, *, strict: bool = False,
                 log: Callable[[str], None] = print):
        self.paths = paths
        self.strict = strict
        self.log = log
        self.memo = pipeline.open_memo(paths)
        # Loaded here, once: a rebuild then does an edit's few files itself, rather than
        # start a worker that loads them every time (see pipeline.load_file_work).
        pipeline.load_file_work()
        self.problems: list[Problem] = []
        self.changed: set[str] = set()
        self._timer = None
        self.server = _LiveServer(self)

    def build(self, changed: set[str] | None = None) -> None:
        """Rebuild the site; on failure keep the last good one and remember the problems.
        Warnings are listed for the files that changed (all of them on the first build)."""
        self.memo.next_build()
        start = time.perf_counter()
        try:
            report = pipeline.build(self.paths, strict=self.strict, memo=self.memo,
                                    jobs=workers.default_jobs())
        except Exception as error:  # noqa: BLE001 - the preview must outlive any failed build
            self.problems = problems_for(error, self.paths)
            if self.problems[0].field == "internal error":
                self.log(traceback.format_exc())
            self.log(format_problems(self.problems))
            self.log(f"The last good site is still served from {self.paths.out}/; the browser "
                     "shows these problems until a save fixes them.")
            return
        self.problems = []
        shown = [w for w in report.warnings if changed is None or w.path in changed]
        for line in format_warnings(shown):
            self.log(line)
        n = len(report.warnings)
        self.log(f"Built {report.pages} pages in {time.perf_counter() - start:.2f} s; {n} "
                 f"warning{'s' if n != 1 else ''}.")

    def file_for(self, url_path: str) -> Path | None:
        """The file of the last good build an address names, never one outside it."""
        root = self.paths.out.resolve()
        target = (root / url_path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if root not in target.parents or not target.is_file():
            return None
        return target

    def listening(self, host: str, port: int) -> None:
        folders = ", ".join(f"{self.paths.display(p)}/" for p in self._watched())
        self.log(f"Serving http://{host}:{port}/ (watching {folders}; Ctrl+C stops)")

    def _watched(self) -> list[Path]:
        return [self.paths.content, self.paths.templates]

    def _on_change(self, changed: list[str]) -> None:
        """Called by the watcher: wait for DEBOUNCE seconds of quiet, then rebuild once."""
        self.changed.update(changed)
        loop = ioloop.IOLoop.current()
        if self._timer is not None:
            loop.remove_timeout(self._timer)
        self._timer = loop.call_later(DEBOUNCE, self._settle)

    def _settle(self) -> None:
        self._timer = None
        self.server.watcher.examine()  # a change since the last look re-arms the timer
        if self._timer is not None:
            return
        changed = sorted(self.paths.display(Path(p)) for p in self.changed)
        self.changed = set()
        self.log(f"Changed: {', '.join(changed[:3])}{' and more' if len(changed) > 3 else ''}")
        self.build(set(changed))
        LiveReloadHandler.reload_waiters("*")

    def serve(self, host: str = "127.0.0.1", port: int = 8000) -> None:
        """Build, then serve until interrupted (Ctrl+C)."""
        self.build()
        for folder in self._watched():
            self.server.watch(str(folder), self._on_change, delay="forever")
        try:
            self.server.serve(port=port, host=host, restart_delay=0)
        finally:
            pipeline.save_memo(self.paths, self.memo)
