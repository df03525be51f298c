"""Hosting: the built guide served by a real web server (Debian's nginx, started here with a
generated configuration) under the subpath /guide/, crawled from the home page, then loaded in
Chromium. No broken link, no missing asset, no request that leaves /guide/."""
from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ROOT, build_into
from crawl import crawl, fetch

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SUBPATH = "/guide/"

CONFIG = """\
{user}worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections 64; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log {work}/access.log;
  client_body_temp_path {work}/client_body;
  proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fastcgi;
  uwsgi_temp_path {work}/uwsgi;
  scgi_temp_path {work}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location {subpath} {{
      alias {site}/;
      index index.html;
      error_page 404 {subpath}404.html;
    }}
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"nginx stopped: {log.read_text() if log.exists() else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail("nginx did not start listening within 10 s")


@pytest.fixture(scope="module")
def nginx(tmp_path_factory):
    """(root URL of the guide under /guide/, site folder), served by nginx."""
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed: `apt-get install nginx` (scripts/test.sh does)")
    work = tmp_path_factory.mktemp("nginx")
    port = free_port()
    root = f"http://127.0.0.1:{port}{SUBPATH}"
    site = work / "site"
    build_into(ROOT / "content", site, base_url=root)
    # Run as root, nginx would hand requests to an unprivileged worker that cannot read the
    # test's private temp folder; the worker keeps the test's own user instead.
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    config = work / "nginx.conf"
    config.write_text(CONFIG.format(user=user, work=work, port=port, subpath=SUBPATH,
                                    site=site))
    process = subprocess.Popen([NGINX, "-p", str(work), "-e", str(work / "error.log"),
                                "-c", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        wait_for(port, process, work / "error.log")
        yield root, site
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_nginx_serves_the_site_under_a_subpath(nginx):
    root, _ = nginx
    status, kind, body = fetch(root)
    assert (status, kind) == (200, "text/html") and b"<h1>" in body
    assert fetch(f"http://{root.split('/')[2]}/index.html")[0] == 404  # nothing outside it


def test_crawl_from_the_home_page_finds_nothing_broken_or_outside(nginx):
    root, site = nginx
    result = crawl(root + "index.html", root, extra=(root + "robots.txt",))
    assert result.broken == []
    assert result.outside == []
    reached = {url[len(root):] for url, status in result.pages.items() if status == 200}
    built = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    # Every page and asset is reachable from the home page (the 404 page only by a miss).
    # The 404 page is reached by a miss, the search index by search.js (see the browser test).
    assert built - reached == {"404.html", ".guidekit-site", "search-index.js"}
    assert any(url.startswith("https://www.nhs.uk/") for url in result.external_links)


def test_every_file_is_served_with_its_type(nginx):
    root, _ = nginx
    expected = {"index.html": "text/html", "static/style.css": "text/css",
                "static/favicon.svg": "image/svg+xml", "feed.xml": "text/xml",
                "sitemap.xml": "text/xml", "robots.txt": "text/plain"}
    assert {name: fetch(root + name)[1] for name in expected} == expected


def test_a_missing_page_gets_the_404_page_and_its_links_work(nginx):
    root, _ = nginx
    missing = root + "exercises/deep/no-such-page.html"
    status, kind, body = fetch(missing)
    assert status == 404 and b"Page not found" in body
    result = crawl(missing, root)
    assert result.broken == [f"{missing} (404), linked from start"]
    result = crawl(root + "404.html", root)
    assert result.broken == [] and result.outside == []


def test_browser_requests_stay_on_the_site(nginx, page):
    """Every page loaded in Chromium: each request goes to /guide/ on this server and
    succeeds, and nothing is logged to the console (no CSP violation, no error)."""
    root, site = nginx
    requests, failed, console = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    # ERR_ABORTED: a request (the favicon) cut short by the next navigation, not a failure.
    page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}")
            if r.failure != "net::ERR_ABORTED" else None)
    page.on("response", lambda r: failed.append(f"{r.url}: {r.status}")
            if r.status >= 400 else None)
    page.on("console", lambda m: console.append(f"{page.url}: {m.type}: {m.text}"))
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                   if p.name != "404.html")
    for name in pages:
        page.goto(root + name)
    page.goto(root + "search.html?q=plank")  # search.js loads the index and lists results
    page.locator("#search-results li").first.wait_for()
    assert root + "search-index.js" in requests
    assert console == []
    page.goto(root + "articles/deep/missing.html")  # the 404 page, styled, at any depth
    assert page.locator("main.wrap").evaluate("e => getComputedStyle(e).maxWidth") != "none"
    assert [url for url in requests if not url.startswith(root)] == []
    assert failed == [root + "articles/deep/missing.html: 404"]
    assert len(requests) >= 2 * len(pages)  # each page and its stylesheet at least


def test_the_crawl_reports_broken_and_outside_references(serve, tmp_path):
    site = tmp_path / "guide"
    site.mkdir()
    (site / "index.html").write_text(
        '<link rel="stylesheet" href="https://cdn.example/x.css"><p id="here">'
        '<a href="gone.html">gone</a> <a href="index.html#nowhere">anchor</a> '
        '<a href="../elsewhere.html">up</a> <a href="https://www.nhs.uk/">NHS</a>')
    root = serve(tmp_path) + "guide/"
    result = crawl(root + "index.html", root)
    assert sorted(result.broken) == [
        f"{root}gone.html (404), linked from {root}index.html",
        f"{root}index.html: #nowhere is not an id in {root}index.html"]
    assert sorted(result.outside) == [
        f"{root}index.html: ../elsewhere.html is outside {root}",
        f"{root}index.html: loads https://cdn.example/x.css"]
    assert result.external_links == {"https://www.nhs.uk/"}
