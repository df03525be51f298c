"""Shared fixtures: example sites, a built copy of the real guide, a local web server, and
Playwright driving Debian's chromium (browsers cannot be downloaded here)."""
from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from guidekit import pipeline

ROOT = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
FIXED_DAY = pipeline.dt.date(2026, 11, 25)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True,
            "args": CHROMIUM_ARGS}


def build_into(content: Path, out: Path, **kwargs) -> pipeline.BuildReport:
    paths = pipeline.Paths(content=content, templates=ROOT / "templates", out=out)
    return pipeline.build(paths, today=FIXED_DAY, **kwargs)


@pytest.fixture
def copy_site(tmp_path):
    """Copy an example site (tests/sites/NAME or the real content/) to edit it in a test."""
    def copy(name: str = "minimal") -> Path:
        source = ROOT / "content" if name == "guide" else SITES / name
        target = tmp_path / "content"
        shutil.copytree(source, target)
        return target
    return copy


@pytest.fixture(scope="session")
def guide_site(tmp_path_factory) -> Path:
    """The real guide in content/, built once for the whole test session."""
    out = tmp_path_factory.mktemp("guide") / "site"
    build_into(ROOT / "content", out)
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def serve():
    """serve(folder) -> base URL of a local web server for that folder (stopped at the end)."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


BASE_URL = "https://example.org/guide/"


@pytest.fixture(scope="session")
def guide_site_published(tmp_path_factory) -> Path:
    """The real guide built as for publishing at BASE_URL (canonical links, sitemap...)."""
    out = tmp_path_factory.mktemp("guide-published") / "site"
    build_into(ROOT / "content", out, base_url=BASE_URL)
    return out
