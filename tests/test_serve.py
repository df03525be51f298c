"""The live preview, as an editor uses it: `python build.py serve` on a free port, then edits
to the content and the templates, seen over HTTP and in Chromium after the automatic reload;
a broken file shows every problem over the page until a save fixes it."""
from __future__ import annotations

import html
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from guidekit import serve as serve_module
from guidekit.problems import BuildFailed

from conftest import ROOT, build_into
from test_build import tree

WAIT = 15  # seconds to wait for a rebuild before failing (never a speed target)
BROKEN_DOSE = "dose: [3 holds"


class Preview:
    """A running `python build.py serve`, its address and what it printed."""

    def __init__(self, content: Path, out: Path, *extra: str):
        self.content, self.out = content, out
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "serve", "--port", "0", "--no-cache",
             "--content", str(content), "--out", str(out), *extra],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        started = self.wait_for_line(r"^Serving (http://\S+/)")
        self.url = started.group(1)

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for_line(self, pattern: str) -> re.Match:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                assert self.process.poll() is None, "\n".join(self.output)
                continue
            self.output.append(line)
            if match := re.search(pattern, line):
                return match
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.output))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=WAIT) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8")

    def wait_for_page(self, path: str, predicate) -> str:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            status, body = self.get(path)
            if predicate(status, body):
                return body
            time.sleep(0.02)
        raise AssertionError(f"{path} never matched; last response {status}:\n{body[:2000]}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def preview(copy_site, tmp_path):
    content = copy_site("minimal")
    running = Preview(content, tmp_path / "site")
    yield running
    running.stop()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_an_edit_is_served_after_a_rebuild(preview):
    status, body = preview.get("exercises/plank.html")
    assert status == 200 and "Hold for longer." in body
    edit(preview.content / "exercises" / "plank.md", "Hold for longer.", "Hold 10 s longer.")
    preview.wait_for_page("exercises/plank.html", lambda s, b: "Hold 10 s longer." in b)
    assert "Hold 10 s longer." in (preview.out / "exercises" / "plank.html").read_text()
    preview.wait_for_line(r"^Changed: .*exercises/plank\.md$")


def test_a_broken_file_shows_its_problems_until_fixed(preview):
    plank = preview.content / "exercises" / "plank.md"
    built = tree(preview.out)
    edit(plank, "dose: 3 holds of 20 seconds.", BROKEN_DOSE)
    edit(preview.content / "articles" / "warning-signs.md", "[red flags]", "[red flags")
    body = preview.wait_for_page("exercises/plank.html",
                                 lambda s, b: b.count("<li><code>") == 2)
    with pytest.raises(BuildFailed) as failure:
        build_into(preview.content, preview.out.parent / "check")
    expected = [str(p) for p in failure.value.problems]
    assert [p.field for p in failure.value.problems] == ["yaml", "yaml"]
    assert re.findall(r"<li><code>(.*?)</code></li>", html.unescape(body)) == expected
    assert "Below is the last good version of this page." in body
    assert "Hold for longer." in body
    # Every page shows it, and one the last good build lacks says so too.
    assert "guidekit-errors" in preview.get("index.html")[1]
    status, missing = preview.get("exercises/side-plank.html")
    assert status == 404 and "No build has made this page yet." in missing
    # The site on disk is the last good one, untouched.
    assert tree(preview.out) == built
    # The terminal lists the same problems.
    preview.wait_for_line(r"^The build found 2 problems to fix:$")
    assert preview.wait_for_line(r"^  1\. ").string == f"  1. {expected[0]}"
    assert preview.wait_for_line(r"^  2\. ").string == f"  2. {expected[1]}"

    edit(plank, BROKEN_DOSE, "dose: 4 holds of 20 seconds.")
    edit(preview.content / "articles" / "warning-signs.md", "[red flags", "[red flags]")
    body = preview.wait_for_page("exercises/plank.html",
                                 lambda s, b: "4 holds of 20 seconds." in b)
    assert "guidekit-errors" not in body


def test_templates_and_static_files_are_watched(copy_site, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    running = Preview(copy_site("minimal"), tmp_path / "site", "--templates", str(templates))
    try:
        with open(templates / "static" / "style.css", "a") as f:
            f.write("\n.preview-test { color: #123456; }\n")
        running.wait_for_page("static/style.css", lambda s, b: "#123456" in b)
        edit(templates / "base.html", "Skip to main content", "Skip to the page")
        running.wait_for_page("about.html", lambda s, b: "Skip to the page" in b)
    finally:
        running.stop()


def test_a_new_page_appears_where_it_was_missing(preview):
    status, body = preview.get("exercises/side-plank.html")
    assert status == 404 and "There is no page at /exercises/side-plank.html" in body
    assert '<script src="/livereload.js"></script>' in body  # so it turns into the page
    made = subprocess.run([sys.executable, str(ROOT / "build.py"), "new", "exercise",
                           "side-plank", "--content", str(preview.content)], cwd=ROOT)
    assert made.returncode == 0
    preview.wait_for_page("exercises/side-plank.html", lambda s, b: s == 200)


def test_only_the_site_folder_is_served(preview):
    for path in ("../content/home.md", "%2e%2e/content/home.md", "..%2fcontent%2fhome.md"):
        status, body = preview.get(path)
        assert status == 404, path


def test_served_pages_allow_the_reload_script_and_nothing_else():
    page = ('<head><meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            'script-src \'self\'"></head><body><p>x</p></body>')
    served = serve_module.for_browser(page, [])
    assert "content=\"default-src 'none'; script-src 'self'; connect-src 'self'\"" in served
    assert served.count("<script") == 1 and '<script src="/livereload.js"></script>' in served
    with_connect = page.replace("script-src 'self'", "connect-src https://example.org")
    assert "connect-src https://example.org 'self'\"" in serve_module.for_browser(with_connect, [])


def connect(page, url: str, blocked: list[str]) -> None:
    """Open a page and wait until livereload has shaken hands with the server."""
    page.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.goto(url)
    page.wait_for_function("() => window.LiveReload && window.LiveReload.connector.protocol > 0")


def test_the_browser_reloads_by_itself(preview, page):
    blocked: list[str] = []
    connect(page, preview.url + "exercises/plank.html", blocked)
    page.evaluate("window.notReloadedYet = true")
    edit(preview.content / "exercises" / "plank.md", "Hold for longer.", "Hold 10 s longer.")
    expect(page.locator("#main")).to_contain_text("Hold 10 s longer.", timeout=WAIT * 1000)
    assert page.evaluate("window.notReloadedYet") is None
    assert blocked == []


def test_the_browser_shows_problems_over_the_page_until_fixed(preview, page):
    from axe_playwright_python.sync_playwright import Axe

    blocked: list[str] = []
    connect(page, preview.url + "exercises/plank.html", blocked)
    plank = preview.content / "exercises" / "plank.md"
    edit(plank, "dose: 3 holds of 20 seconds.", BROKEN_DOSE)
    panel = page.locator(".guidekit-errors")
    expect(panel).to_be_visible(timeout=WAIT * 1000)
    expect(panel.get_by_role("heading")).to_have_text("The build found 1 problem to fix")
    expect(panel.locator("li")).to_have_text(re.compile(
        rf"^{re.escape(str(plank))}:14: yaml: YAML syntax error"))
    assert Axe().run(page, context=".guidekit-errors").violations_count == 0

    page.wait_for_function("() => window.LiveReload.connector.protocol > 0")
    edit(plank, BROKEN_DOSE, "dose: 4 holds of 20 seconds.")
    expect(panel).to_have_count(0, timeout=WAIT * 1000)
    expect(page.locator("#main")).to_contain_text("4 holds of 20 seconds.")
    assert blocked == []


def test_a_preview_rebuild_after_an_edit_starts_no_worker(copy_site, tmp_path):
    """The preview loads what the file workers need once, itself: a rebuild then does the
    edited file in its own process (a worker started for it would load it all again). Run
    in a fresh interpreter, where nothing is loaded yet."""
    content = copy_site("minimal")
    probe = f"""
import os, sys
from pathlib import Path
sys.path.insert(0, {str(ROOT)!r})
from guidekit import pipeline, serve
preview = serve.Preview(pipeline.Paths(Path(sys.argv[1]), Path({str(ROOT / "templates")!r}),
                                       Path(sys.argv[2]), None), log=lambda line: None)
preview.build()
article = Path(sys.argv[1]) / "articles" / "warning-signs.md"
article.write_text(article.read_text() + "\\nA new sentence.\\n")
forks, fork = [], os.fork
os.fork = lambda: forks.append(1) or fork()
preview.build({{str(article)}})
print(len(forks), preview.problems)
"""
    run = subprocess.run([sys.executable, "-c", probe, str(content), str(tmp_path / "site")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    # The index process only: no file worker.
    assert run.stdout.split() == ["1", "[]"]
