"""End-to-end builds of the example site: output, links, determinism, atomic writes, CLI."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from guidekit import pipeline, workers, write
from guidekit.problems import BuildFailed

from conftest import ROOT, SITES, build_into
from linkcheck import broken_links, external_requests, parse


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def minimal_site(tmp_path) -> Path:
    build_into(SITES / "minimal", tmp_path / "site")
    return tmp_path / "site"


def test_every_page_kind_is_written(minimal_site):
    files = set(tree(minimal_site))
    assert {"index.html", "about.html", "sources.html", "articles/index.html",
            "articles/warning-signs.html", "pain-types/index.html",
            "pain-types/muscle-related.html", "exercises/index.html", "exercises/plank.html",
            "people/index.html", "people/jane-expert.html", "static/style.css",
            "search.html", "search-index.js", "static/search.js", write.MARKER} <= files


def test_links_resolve_and_nothing_loads_from_elsewhere(minimal_site):
    assert broken_links(minimal_site) == []
    assert external_requests(minimal_site) == []


def test_markdown_links_become_relative_urls(minimal_site):
    home = (minimal_site / "index.html").read_text()
    assert 'href="articles/warning-signs.html#call-999-now"' in home
    pain = (minimal_site / "pain-types/muscle-related.html").read_text()
    assert 'href="../exercises/plank.html#steps"' in pain


def test_cross_links_are_shown_both_ways(minimal_site):
    exercise = (minimal_site / "exercises/plank.html").read_text()
    # The pain type and the home page link to the plank; the plank page lists them back.
    assert '<a href="../pain-types/muscle-related.html">Muscle-related pain</a>' in exercise
    assert '<a href="../index.html">Welcome</a>' not in exercise  # the home page is not listed
    person = (minimal_site / "people/jane-expert.html").read_text()
    assert '<a href="../articles/warning-signs.html">Warning signs</a>' in person


def test_sources_and_review_status_are_on_every_page(minimal_site):
    for name in ("index.html", "articles/warning-signs.html", "exercises/plank.html",
                 "pain-types/muscle-related.html", "about.html"):
        html = (minimal_site / name).read_text()
        assert 'id="sources"' in html and "https://www.nhs.uk/conditions/back-pain/" in html
        assert "Not yet reviewed by a clinician." in html
        assert "Next review due: 25 May 2027." in html
    sources = (minimal_site / "sources.html").read_text()
    assert 'id="nhs-back-pain"' in sources


def test_template_anchors_exist(minimal_site):
    from guidekit.graph import TEMPLATE_ANCHORS
    for name, kind in (("exercises/plank.html", "exercise"),
                       ("pain-types/muscle-related.html", "pain-type"),
                       ("articles/warning-signs.html", "article"),
                       ("people/jane-expert.html", "person"), ("about.html", "about"),
                       ("index.html", "home"), ("checker/index.html", "checker")):
        assert set(TEMPLATE_ANCHORS[kind]) <= parse(minimal_site / name).ids, name


def test_two_builds_are_byte_identical(tmp_path):
    build_into(SITES / "minimal", tmp_path / "a")
    build_into(SITES / "minimal", tmp_path / "b")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_failed_build_leaves_previous_site_byte_identical(copy_site, tmp_path):
    content = copy_site("minimal")
    out = tmp_path / "site"
    build_into(content, out)
    before = tree(out)
    (content / "exercises" / "plank.md").write_text("---\ntitle: [broken\n---\n")
    with pytest.raises(BuildFailed):
        build_into(content, out)
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "site"]  # no leftovers


def test_every_problem_is_reported_in_one_run(copy_site, tmp_path):
    content = copy_site("minimal")
    (content / "exercises" / "plank.md").write_text("---\ntitle: Plank\n---\n")
    (content / "articles" / "warning-signs.md").write_text(
        (content / "articles" / "warning-signs.md").read_text().replace("pain_types",
                                                                        "pain_typos"))
    (content / "sources.yaml").write_text("nhs-back-pain:\n  title: Back pain\n")
    with pytest.raises(BuildFailed) as failure:
        build_into(content, tmp_path / "site")
    paths = {Path(p.path).name for p in failure.value.problems}
    assert paths == {"plank.md", "warning-signs.md", "sources.yaml"}
    assert len(failure.value.problems) >= 12


def test_warnings_do_not_stop_a_build_but_strict_does(copy_site, tmp_path):
    content = copy_site("minimal")
    report = build_into(content, tmp_path / "site")
    messages = {p.message for p in report.warnings}
    assert any("awaiting clinical review" in m for m in messages)
    with pytest.raises(BuildFailed) as failure:
        build_into(content, tmp_path / "site2", strict=True)
    assert all(p.severity.value == "warning" for p in failure.value.problems)
    assert not (tmp_path / "site2").exists()


def test_overdue_review_warns(copy_site, tmp_path):
    content = copy_site("minimal")
    paths = pipeline.Paths(content, ROOT / "templates", tmp_path / "site")
    report = pipeline.build(paths, today=dt.date(2027, 6, 1))
    overdue = [str(p) for p in report.warnings if p.field == "review.next_review"]
    assert len(overdue) == 6  # home, about, an article, a pain type, an exercise, the checker
    assert overdue[0].endswith("review.next_review: the review was due on 2027-05-25; review "
                               "the page and update the date")


def test_output_paths_cannot_escape(tmp_path):
    assert write.unsafe_paths(["index.html", "a/b.html", "../x.html", "/etc/passwd",
                               "a/../../x", "a\\b", write.MARKER, "c:x"]) == \
        ["../x.html", "/etc/passwd", "a/../../x", "a\\b", write.MARKER, "c:x"]
    with write.StagedSite(tmp_path / "out") as site:
        site.add("index.html", b"home")
        site.add("../escape.html", b"")
        site.add("index.html", b"again")
        with pytest.raises(write.OutputError, match="outside .*: ../escape.html"):
            site.publish()
    assert not (tmp_path / "escape.html").exists() and not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == []  # the staging folder is gone too
    with write.StagedSite(tmp_path / "out") as site:
        site.add("index.html", b"home")
        site.add("index.html", b"again")
        with pytest.raises(write.OutputError, match="twice .*: index.html"):
            site.publish()


def test_output_folder_guards(tmp_path):
    stranger = tmp_path / "documents"
    stranger.mkdir()
    (stranger / "thesis.txt").write_text("precious")
    with pytest.raises(write.OutputError, match="was not built by this tool"):
        build_into(SITES / "minimal", stranger)
    assert (stranger / "thesis.txt").read_text() == "precious"
    with pytest.raises(write.OutputError, match="would delete it"):
        write.check_output_folder(SITES, [SITES / "minimal"])


def publish(out: Path, index: bytes) -> None:
    with write.StagedSite(out) as site:
        site.add("index.html", index)
        site.publish()


def test_the_replaced_site_is_deleted_before_the_build_ends(tmp_path, monkeypatch):
    out = tmp_path / "site"
    publish(out, b"first")
    publish(out, b"second")  # deleted before publish returns
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
    with workers.waiting_later():  # ... or before this block ends
        publish(out, b"third")
        assert (out / "index.html").read_bytes() == b"third"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
    monkeypatch.setattr(write, "_REMOVE", ("sh", "-c", "echo no room >&2; exit 1", "sh"))
    with pytest.raises(OSError, match=r"could not delete .*\.site\.old-.*: no room"):
        with workers.waiting_later():
            publish(out, b"fourth")
    assert (out / "index.html").read_bytes() == b"fourth"


def run_cli(*args, cwd=ROOT):
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1795651200"}  # 2026-11-25
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True)


def test_cli_build_check_and_failures(copy_site, tmp_path):
    content = copy_site("minimal")
    ok = run_cli("--content", str(content), "--out", str(tmp_path / "out"))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"Built {tmp_path / 'out'}/ with 20 pages (29 files) in ")
    summary, grades, where = ok.stdout.rstrip().split("\n")[-3:]
    assert where == f"Open {tmp_path / 'out' / 'index.html'} in a browser, or copy " \
                    f"{tmp_path / 'out'}/ to any static host."
    assert summary.endswith("; 6 warnings.")
    assert grades.startswith("Reading grade of 6 pages: at most ")
    check = run_cli("check", "--content", str(content))
    assert check.returncode == 0 and check.stdout.startswith("Checked 20 pages")
    strict = run_cli("check", "--strict", "--content", str(content))
    assert strict.returncode == 1
    (content / "home.md").write_text("no front matter\n")
    bad = run_cli("--content", str(content), "--out", str(tmp_path / "out"))
    assert bad.returncode == 1
    assert f"{content}/home.md:1: front matter: the file must start" in bad.stderr
    assert f"Nothing was written; {tmp_path / 'out'} is unchanged." in bad.stderr


def test_reference_docs_are_current():
    assert run_cli("docs", "--check").returncode == 0


def _site(out: Path, files: dict[str, bytes]) -> None:
    """A site this tool built, holding `files`."""
    with write.StagedSite(out) as site:
        for rel, data in files.items():
            site.add(rel, data)
        site.publish()


def _kept_aside(out: Path, aside: Path) -> dict[str, tuple]:
    """Hard links to every file of `out` in `aside`, and each file's bytes and times: a
    write into any of them shows in these links."""
    seen = {}
    for path in out.rglob("*"):
        if path.is_file():
            link = aside / path.relative_to(out)
            link.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, link)
            seen[str(path.relative_to(out))] = (path.read_bytes(), path.stat().st_mtime_ns)
    return seen


def _as_kept(aside: Path) -> dict[str, tuple]:
    return {str(p.relative_to(aside)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in aside.rglob("*") if p.is_file()}


def test_a_prelinked_site_keeps_reuses_replaces_and_drops_files_as_a_fresh_one(tmp_path):
    """The last build's files, linked into the staging folder beforehand: a file made again
    with the same bytes, or reused with its signature, is kept; one made with other bytes
    is written anew, never into the last build's file; one reused whose signature differs
    is not; one no one makes is gone, with the folders it leaves empty."""
    out = tmp_path / "site"
    _site(out, {"same.html": b"same", "changed.html": b"old", "a/b/gone.html": b"gone",
                "a/kept.html": b"kept", "reused.html": b"reused", "moved.html": b"moved",
                "elsewhere.html": b"elsewhere", "reserved.js": b"old index"})
    known = write.signature(out / "reused.html")
    moved = write.signature(out / "moved.html")
    (out / "moved.html").write_bytes(b"edited by hand")  # in place: a new signature
    before = _kept_aside(out, tmp_path / "aside")
    with write.prelink(out) as prelinked:
        with write.StagedSite(out, prelinked) as site:
            assert site.add("same.html", b"same") == write.signature(out / "same.html")
            site.add("changed.html", b"new")
            site.add("a/kept.html", b"kept")
            assert site.reuse("reused.html", known)
            assert not site.reuse("moved.html", moved)
            site.add("moved.html", b"moved")
            site.made_elsewhere("elsewhere.html")
            with open(site.reserve("reserved.js"), "wb") as f:
                f.write(b"new index")
            site.add("new.html", b"new page")
            site.publish()
    assert {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()} == {
        write.MARKER: write._MARKER_TEXT, "same.html": b"same", "changed.html": b"new",
        "a/kept.html": b"kept", "reused.html": b"reused", "moved.html": b"moved",
        "elsewhere.html": b"elsewhere", "reserved.js": b"new index", "new.html": b"new page"}
    assert not (out / "a" / "b").exists()
    assert _as_kept(tmp_path / "aside") == before  # the last build's files, untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aside", "site"]


def test_a_prelinked_folder_not_taken_is_removed(tmp_path):
    out = tmp_path / "site"
    assert write.prelink(out) is None  # no site yet
    _site(out, {"index.html": b"home"})
    with write.prelink(out):
        pass  # the build failed before it made its staging folder
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
    (out / write.MARKER).unlink()
    assert write.prelink(out) is None  # not a site this tool built


def test_a_build_links_its_files_itself_when_no_process_can_be_started(tmp_path,
                                                                       monkeypatch):
    out = tmp_path / "site"
    _site(out, {"index.html": b"home"})

    def no_fork():
        raise OSError("Resource temporarily unavailable")
    monkeypatch.setattr(os, "fork", no_fork)
    assert write.prelink(out) is None
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_rebuilds_from_the_command_line_never_touch_the_last_site(copy_site, tmp_path):
    """The command line links the last build's files into the next one's staging folder
    beforehand: each rebuild, or a failed one, leaves the files it replaced as they were,
    and builds what a build from scratch builds."""
    content = copy_site("minimal")
    out = tmp_path / "out"
    args = ("--content", str(content), "--out", str(out), "--cache", str(tmp_path / "cache"),
            "--jobs", "2")
    assert run_cli(*args).returncode == 0
    article = content / "articles" / "warning-signs.md"
    (out / "articles" / "warning-signs.html").write_text("edited by hand")
    extra = content / "articles" / "extra.md"
    for step, edit in enumerate([
            lambda: article.write_text(article.read_text() + "\nA new sentence.\n"),
            lambda: extra.write_text(article.read_text().replace("title: Warning signs",
                                                                 "title: Red flags")),
            extra.unlink]):  # its page, made by the last build, is gone from the next
        edit()
        before = _kept_aside(out, tmp_path / f"aside-{step}")
        built = run_cli(*args)
        assert built.returncode == 0, built.stderr
        assert _as_kept(tmp_path / f"aside-{step}") == before
        scratch = tmp_path / f"scratch-{step}"
        assert run_cli("--content", str(content), "--out", str(scratch), "--no-cache",
                       "--jobs", "1").returncode == 0
        assert tree(out) == tree(scratch)
    article.write_text(article.read_text() + "\nSee [a page](article:no-such-page).\n")
    before, kept = tree(out), _kept_aside(out, tmp_path / "aside-failed")
    assert run_cli(*args).returncode == 1
    assert tree(out) == before and _as_kept(tmp_path / "aside-failed") == kept
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("aside")) == \
        ["cache", "content", "out", "scratch-0", "scratch-1", "scratch-2"]
    assert not (out / "articles" / "extra.html").exists()
