"""The build cache: rebuilds reuse per-file work, and their output is byte for byte what a
build from scratch gives, before and after edits."""
from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys

import pytest

from guidekit import cache, feeds, pipeline, render, search_index, workers, write
from guidekit.problems import BuildFailed

from conftest import FIXED_DAY, ROOT, SITES, build_into
from test_build import run_cli, tree
from test_invalid_sites import CASES, apply_case

sys.path.insert(0, str(ROOT / "bench"))
from synthetic import write_corpus  # noqa: E402


def cached_build(content, out, cache_dir, templates=ROOT / "templates",
                 jobs=1) -> pipeline.BuildReport:
    """What `python build.py` does: load the memo, build, save the memo."""
    paths = pipeline.Paths(content, templates, out, cache=cache_dir)
    memo = pipeline.open_memo(paths)
    report = pipeline.build(paths, today=FIXED_DAY, memo=memo, jobs=jobs)
    pipeline.save_memo(paths, memo)
    return report


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "content", 30, seed=7)


@pytest.mark.parametrize("jobs", [1, 2])
def test_cold_warm_and_edited_builds_match_builds_from_scratch(corpus, tmp_path, jobs):
    cache_dir = tmp_path / "cache"
    unfinished = corpus / "articles" / "article-00001.md"
    unfinished.write_text(unfinished.read_text() + "\nTODO: say more.\n")
    cold = cached_build(corpus, tmp_path / "site", cache_dir, jobs=jobs)
    assert cold.reused == 0 and cold.computed > 60
    assert any("TODO" in w.message for w in cold.warnings)
    build_into(corpus, tmp_path / "scratch")
    assert tree(tmp_path / "site") == tree(tmp_path / "scratch")

    warm = cached_build(corpus, tmp_path / "site", cache_dir, jobs=jobs)
    assert warm.computed == 0 and warm.reused == cold.computed
    assert [str(w) for w in warm.warnings] == [str(w) for w in cold.warnings]
    assert tree(tmp_path / "site") == tree(tmp_path / "scratch")

    article = corpus / "articles" / "article-00003.md"
    text = article.read_text()
    article.write_text(text.replace("title: Synthetic article 3", "title: Renamed article")
                       .replace("## Part 2", "## Part 2\n\nA new paragraph.", 1))
    edited = cached_build(corpus, tmp_path / "site", cache_dir, jobs=jobs)
    build_into(corpus, tmp_path / "scratch-edited")
    assert tree(tmp_path / "site") == tree(tmp_path / "scratch-edited")
    before, after = tree(tmp_path / "scratch"), tree(tmp_path / "site")
    changed_pages = [p for p in after if p.endswith(".html") and after[p] != before[p]]
    assert "articles/article-00003.html" in changed_pages
    # Worked out again: the file's front matter, Markdown body, reading counts of its text
    # fields (the title changed) and reading grade, the pages
    # that show what changed (the article, and the pages listing or linking to it), the
    # search index (made again whenever any content file changes, from the terms of every
    # other page, each a memo entry of its own, reused), the terms of the article's changed
    # sections and those of the pages' heads (a title changed; the stems are updated, not
    # made: new words are added to them), and the feed with the other data files.
    assert edited.computed == 4 + len(changed_pages) + 1 + 1 + 1 + 1 < cold.computed / 4


def test_an_edit_of_the_body_alone_renders_the_page_again(corpus, tmp_path):
    # Page keys leave the rendered body out: it is the page's own Markdown, which they hold.
    cache_dir, site = tmp_path / "cache", tmp_path / "site"
    cached_build(corpus, site, cache_dir)
    article = corpus / "articles" / "article-00002.md"
    article.write_text(article.read_text() + "\nA sentence only the body has.\n")
    # As above, but the text fields' counts are the same ones, counted again by the worker
    # that loads the file.
    assert cached_build(corpus, site, cache_dir).computed == 4 + 1 + 1 + 1
    assert "A sentence only the body has." in (site / "articles/article-00002.html").read_text()


def test_when_only_a_body_changed_no_other_page_makes_its_context(corpus, tmp_path,
                                                                   monkeypatch):
    """Quick keys (the site's shape and a page's own body) find every other page at once."""
    cache_dir, site = tmp_path / "cache", tmp_path / "site"
    cached_build(corpus, site, cache_dir)
    article = corpus / "articles" / "article-00002.md"
    article.write_text(article.read_text() + "\nA sentence only the body has.\n")
    made = []
    page_context = render._page_context
    monkeypatch.setattr(render, "_page_context",
                        lambda build, key: made.append(key) or page_context(build, key))
    feeds_made = []
    atom_feed = feeds.atom_feed
    monkeypatch.setattr(feeds, "atom_feed", lambda *a: feeds_made.append(a) or atom_feed(*a))
    cached_build(corpus, site, cache_dir)
    # The article, and the checker's pages (made together, as one); the feed and the other
    # data files show only what the site's shape stands for, and are kept.
    assert sorted(made) == [("article", "article-00002"), ("page", "checker")]
    assert feeds_made == []
    build_into(corpus, tmp_path / "scratch")
    assert tree(site) == tree(tmp_path / "scratch")


def _link_elsewhere(corpus):
    article = corpus / "articles" / "article-00004.md"
    article.write_text(article.read_text() + "\nSee [the plank](exercise:exercise-05).\n")


def _retitle(file, old, new):
    def edit(corpus):
        path = corpus / file
        path.write_text(path.read_text().replace(old, new, 1))
    return edit


@pytest.mark.parametrize("edit", [
    _link_elsewhere,  # the exercise's page lists the article among the pages linking to it
    _retitle("articles/article-00006.md", "summary: ", "summary: New summary. "),
    _retitle("sources.yaml", "title: Source 2", "title: A renamed source"),
    _retitle("people.yaml", "name: Test Person", "name: Renamed Person"),
    _retitle("site.yaml", "title: Synthetic guide", "title: Renamed guide"),
    _retitle("exercises/exercise-03.md", "## ", "## A new heading\n\nText.\n\n## "),
], ids=["link", "summary", "source", "person", "site", "heading"])
@pytest.mark.parametrize("jobs", [1, 2])
def test_every_kind_of_edit_rebuilds_what_a_build_from_scratch_makes(corpus, tmp_path, edit,
                                                                      jobs):
    cache_dir, site = tmp_path / "cache", tmp_path / "site"
    cached_build(corpus, site, cache_dir, jobs=jobs)
    edit(corpus)
    cached_build(corpus, site, cache_dir, jobs=jobs)
    build_into(corpus, tmp_path / "scratch")
    assert tree(site) == tree(tmp_path / "scratch")


def _shapes(paths: pipeline.Paths, memo) -> tuple[bytes, bytes]:
    """The site's shape key (made from what the graph is made from), and the shape itself:
    everything in the graph that pages show, bodies left out."""
    report = pipeline.BuildReport()
    graph = pipeline.load_site(paths, report, today=FIXED_DAY, memo=memo)
    shown = cache.value_bytes((graph.content, graph.links_out, graph.links_in, graph.citations,
                               graph.cited_by, graph.today, graph.checker),
                              render._leaving_out_bodies())
    return report.shape_key, shown


def test_the_site_shape_key_changes_with_the_shape_only(corpus, tmp_path):
    """A body edit that changes no link leaves the shape key as it was (the quick keys of
    every other page find them); an edit of anything else pages show changes it, whether
    its file was loaded afresh or taken from the memo."""
    paths = pipeline.Paths(corpus, ROOT / "templates", tmp_path / "site")
    memo = cache.Memo(b"generator")
    key, shown = _shapes(paths, memo)
    article = corpus / "articles" / "article-00002.md"
    article.write_text(article.read_text() + "\nA sentence only the body has.\n")
    memo.next_build()
    assert _shapes(paths, memo) == (key, shown)
    edits = [_link_elsewhere, _retitle("articles/article-00002.md", "title: Synthetic",
                                        "title: Renamed"),
             _retitle("articles/article-00006.md", "summary: ", "summary: New summary. "),
             _retitle("sources.yaml", "title: Source 2", "title: A renamed source"),
             _retitle("checker.yaml", "text: ", "text: Reworded, ")]
    for edit in edits:
        edit(corpus)
        memo.next_build()
        new_key, new_shown = _shapes(paths, memo)
        assert new_shown != shown and new_key != key, edit
        key, shown = new_key, new_shown


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_page_changed_or_removed_in_the_output_is_made_again(corpus, tmp_path, jobs):
    # The memo keeps only the signature of each page's file (inode, size, time written) and
    # reuses the previous output's file, so that file must be checked, never trusted. With 2
    # jobs, a second process renders a share of the pages beside the search index, and
    # reuses files the same way.
    cache_dir, site = tmp_path / "cache", tmp_path / "site"
    cold = cached_build(corpus, site, cache_dir, jobs=jobs)
    build_into(corpus, tmp_path / "scratch")
    assert tree(site) == tree(tmp_path / "scratch")
    assert cached_build(corpus, site, cache_dir, jobs=jobs).reused == cold.computed
    # Article 5 is among the second process's pages (one in 8, from home).
    edited = ["articles/article-00003.html", "articles/article-00005.html"]
    replaced = ["articles/article-00004.html"]  # by a file of the same size
    deleted = ["exercises/exercise-02.html", "exercises/exercise-03.html"]
    for path in edited:
        (site / path).write_text("edited by hand")
    for path in replaced:
        page = (site / path).read_bytes()
        (site / path).unlink()
        (site / path).write_bytes(page.replace(b"<html", b"<HTML"))
    for path in deleted:
        (site / path).unlink()
    warm = cached_build(corpus, site, cache_dir, jobs=jobs)
    assert warm.computed == len(edited + replaced + deleted)
    assert tree(site) == tree(tmp_path / "scratch")


def test_a_template_change_renders_every_page_again(corpus, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    cold = cached_build(corpus, tmp_path / "site", tmp_path / "cache", templates)
    base = templates / "base.html"
    base.write_text(base.read_text().replace("Skip to main content", "Skip to the page"))
    warm = cached_build(corpus, tmp_path / "site", tmp_path / "cache", templates)
    assert warm.computed == cold.pages + 1  # every page and the templates' code, nothing parsed
    scratch = pipeline.Paths(corpus, templates, tmp_path / "scratch")
    pipeline.build(scratch, today=FIXED_DAY)
    assert tree(tmp_path / "site") == tree(tmp_path / "scratch")
    assert b"Skip to the page" in (tmp_path / "site" / "index.html").read_bytes()


def test_rebuilds_use_the_templates_compiled_by_an_earlier_build(corpus, tmp_path,
                                                                 monkeypatch):
    cache_dir = tmp_path / "cache"
    cached_build(corpus, tmp_path / "site", cache_dir)
    cached_build(corpus, tmp_path / "site", cache_dir)  # renders no page, keeps the code
    article = corpus / "articles" / "article-00001.md"
    article.write_text(article.read_text() + "\nOne more sentence.\n")

    def compile(*args, **kwargs):
        raise AssertionError("a template was compiled again")
    monkeypatch.setattr(render.jinja2.Environment, "compile", compile)
    assert cached_build(corpus, tmp_path / "site", cache_dir).computed > 0
    with pytest.raises(AssertionError, match="compiled again"):
        build_into(corpus, tmp_path / "scratch")  # without the memo


def saved_entries(cache_dir) -> dict:
    """The entries a build would load: the memo file, with its journal replayed."""
    [memo_file] = (cache_dir / "guidekit").glob("*.pickle")
    entries = cache.unpack(memo_file.read_bytes())
    journal = memo_file.with_suffix(".journal")
    cache.replay(entries, journal.read_bytes() if journal.exists() else b"")
    return entries


def test_the_cache_keeps_only_what_the_last_build_used(corpus, tmp_path):
    cache_dir = tmp_path / "cache"
    cached_build(corpus, tmp_path / "site", cache_dir)
    size = len(saved_entries(cache_dir))
    article = corpus / "articles" / "article-00001.md"
    for n in range(3):
        article.write_text(article.read_text() + f"\nEdit {n}.\n")
        cached_build(corpus, tmp_path / "site", cache_dir)
    assert len(saved_entries(cache_dir)) == size


def test_small_changes_are_appended_to_a_journal_until_it_grows(corpus, tmp_path):
    cache_dir = tmp_path / "cache"
    cached_build(corpus, tmp_path / "site", cache_dir)
    [memo_file] = (cache_dir / "guidekit").glob("*.pickle")
    journal, saved = memo_file.with_suffix(".journal"), memo_file.read_bytes()
    article = corpus / "articles" / "article-00001.md"
    article.write_text(article.read_text() + "\nOne more sentence.\n")
    cached_build(corpus, tmp_path / "site", cache_dir)
    assert memo_file.read_bytes() == saved and journal.stat().st_size > 0
    # Only what the edit changed: of the search vocabulary, the article's terms (each page's
    # are an entry of their own, so the others are not written again) and the stems.
    [record] = cache._pickles(journal.read_bytes())
    made = record[0].values()
    assert sum(isinstance(value, search_index.Terms) for value in made) == 1
    assert not any(isinstance(value, search_index.Vocabulary) for value in made)
    assert cached_build(corpus, tmp_path / "site", cache_dir).computed == 0
    sizes = []
    while journal.exists():  # each edit appends, until the journal is a quarter of the memo
        sizes.append(journal.stat().st_size)
        article.write_text(article.read_text() + f"\nEdit {len(sizes)}.\n")
        cached_build(corpus, tmp_path / "site", cache_dir)
    assert sizes == sorted(sizes) and len(sizes) > 2
    assert memo_file.read_bytes() != saved  # saved whole again, with the edits
    assert cached_build(corpus, tmp_path / "site", cache_dir).computed == 0


def _noting_who_saves_whole(tmp_path, monkeypatch, beside_fails: bool) -> None:
    """Make pipeline._save_whole note in tmp_path/saves which process saved the memo whole
    ("main", or "beside" for another); with `beside_fails`, another process's save fails."""
    main, save_whole = os.getpid(), pipeline._save_whole

    def noting(entries, target):
        if os.getpid() != main and beside_fails:
            raise OSError("disk full")
        with open(tmp_path / "saves", "a") as saves:
            saves.write("main\n" if os.getpid() == main else "beside\n")
        save_whole(entries, target)
    monkeypatch.setattr(pipeline, "_save_whole", noting)


@pytest.mark.parametrize("beside_fails", [False, True])
def test_a_first_build_with_two_processes_saves_the_memo_once(corpus, tmp_path, monkeypatch,
                                                              beside_fails):
    """The process free first (this one, or the index or page process) saves what was made
    before the index process started, and the main one appends the rest; when that save
    fails, the build still succeeds and the main process saves it all."""
    _noting_who_saves_whole(tmp_path, monkeypatch, beside_fails)
    cache_dir = tmp_path / "cache"
    cached_build(corpus, tmp_path / "site", cache_dir, jobs=2)
    saves = (tmp_path / "saves").read_text().split()
    assert len(saves) == 1 and (saves == ["main"] or not beside_fails)
    assert cached_build(corpus, tmp_path / "site", cache_dir, jobs=2).computed == 0


def test_the_first_process_to_ask_gets_the_one_turn():
    turn = workers.Runs(1, 1)
    others = [workers.in_background(lambda: turn.mine(0), 2) for _ in range(3)]
    mine = turn.mine(0)
    assert sorted([mine] + [other() for other in others]) == [False, False, False, True]
    turn.close()


def test_a_journal_cut_short_loses_only_its_last_record(corpus, tmp_path):
    cache_dir = tmp_path / "cache"
    cached_build(corpus, tmp_path / "site", cache_dir)
    article = corpus / "articles" / "article-00001.md"
    article.write_text(article.read_text() + "\nOne more sentence.\n")
    edited = cached_build(corpus, tmp_path / "site", cache_dir)
    [journal] = (cache_dir / "guidekit").glob("*.journal")
    journal.write_bytes(journal.read_bytes()[:-10])
    assert cached_build(corpus, tmp_path / "site", cache_dir).computed == edited.computed
    build_into(corpus, tmp_path / "scratch")
    assert tree(tmp_path / "site") == tree(tmp_path / "scratch")


@pytest.mark.parametrize("damage", [lambda data: b"not a pickle", lambda data: b"",
                                    lambda data: data[:len(data) // 2]],
                         ids=["garbage", "empty", "cut short"])
def test_a_damaged_cache_is_rebuilt(corpus, tmp_path, damage):
    cache_dir = tmp_path / "cache"
    cached_build(corpus, tmp_path / "site", cache_dir)
    [memo_file] = (cache_dir / "guidekit").iterdir()
    memo_file.write_bytes(damage(memo_file.read_bytes()))
    report = cached_build(corpus, tmp_path / "site", cache_dir)
    assert report.reused == 0
    assert cached_build(corpus, tmp_path / "site", cache_dir).computed == 0


def test_a_new_generator_finds_nothing_from_the_old_one():
    sources = {"markdown_body.py": b"v1", "render.py": b"x"}
    versions = {"markdown": "3.7"}
    first = cache.fingerprint(sources, versions)
    assert cache.fingerprint(dict(sources), dict(versions)) == first
    assert cache.fingerprint({**sources, "markdown_body.py": b"v2"}, versions) != first
    assert cache.fingerprint(sources, {"markdown": "3.8"}) != first
    old = cache.Memo(first)
    old.put(old.key("markdown", "## Body"), "old html")
    new = cache.Memo(cache.fingerprint(sources, {"markdown": "3.8"}), old.entries())
    assert new.key("markdown", "## Body") not in new
    # So the stale entry is dropped when saved.
    assert new.changes() == ({}, [old.key("markdown", "## Body")])


def test_generator_fingerprint_covers_the_package_sources(monkeypatch, tmp_path):
    before = pipeline.generator_fingerprint()
    package = tmp_path / "guidekit"
    package.mkdir()
    for source in (ROOT / "guidekit").glob("*.py"):
        (package / source.name).write_bytes(source.read_bytes())
    (package / "render.py").write_bytes(b"# changed\n" + (package / "render.py").read_bytes())
    monkeypatch.setattr(pipeline, "__file__", str(package / "pipeline.py"))
    assert pipeline.generator_fingerprint() != before


@pytest.mark.parametrize("library", ["markdown", "pyyaml", "syllapy", "jinja2", "markupsafe",
                                     "snowballstemmer", "PyStemmer"])
def test_generator_fingerprint_covers_the_libraries_whose_output_is_kept(monkeypatch,
                                                                         library):
    """Markdown's HTML, the parse, reading grades, compiled templates and pages (Jinja,
    MarkupSafe) and the search vocabulary's stems (snowballstemmer, or PyStemmer when
    installed) are kept between builds."""
    before = pipeline.generator_fingerprint()
    installed = pipeline.installed_versions
    monkeypatch.setattr(pipeline, "installed_versions", lambda names: {
        **installed(names), library: "0.0-other"})
    assert pipeline.generator_fingerprint() != before


def test_installed_versions_are_those_importlib_metadata_finds():
    import importlib.metadata
    for name, version in pipeline.installed_versions(pipeline._SHAPING).items():
        try:
            assert version == importlib.metadata.version(name), name
        except importlib.metadata.PackageNotFoundError:
            assert version == "not installed", name


def test_installed_versions_read_either_kind_of_metadata_folder(monkeypatch, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, entries in ((first, ["Py_Stemmer-2.2.0.1-py3.11.egg-info", "readme.txt"]),
                            (second, ["py_stemmer-9.9.dist-info", "Other.Lib-1.0.dist-info",
                                      "markupsafe"])):
        for entry in entries:
            (folder / entry).mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(first), str(second)])
    assert pipeline.installed_versions(["PY-stemmer", "other-lib", "markupsafe"]) == {
        "PY-stemmer": "2.2.0.1", "other-lib": "1.0", "markupsafe": "not installed"}


def test_a_rebuild_writes_only_the_files_that_changed(copy_site, tmp_path):
    content = copy_site("minimal")
    out = tmp_path / "site"
    build_into(content, out)
    inodes = {p: (out / p).stat().st_ino for p in tree(out)}
    plank = content / "exercises" / "plank.md"
    plank.write_text(plank.read_text().replace("Hold for longer.", "Hold for 10 s longer."))
    build_into(content, out)
    changed = {p for p in tree(out) if (out / p).stat().st_ino != inodes[p]}
    assert changed == {"exercises/plank.html", search_index.INDEX_FILE, ".guidekit-site"}


def test_cli_reports_reuse_and_no_cache_builds_from_scratch(copy_site, tmp_path):
    content = copy_site("minimal")
    args = ("--content", str(content), "--out", str(tmp_path / "out"),
            "--cache", str(tmp_path / "cache"), "--timings")
    first = run_cli(*args)
    worked = re.search(r"cache: 0 results reused, (\d+) worked out", first.stdout)
    assert worked and int(worked.group(1)) > 10, first.stdout
    n = worked.group(1)
    assert f"cache: {n} results reused, 0 worked out" in run_cli(*args).stdout
    scratch = run_cli(*args, "--no-cache")
    assert f"cache: 0 results reused, {n} worked out" in scratch.stdout


def test_timings_list_every_stage_in_pipeline_order(copy_site, tmp_path):
    """Templates are compiled during the load, yet --timings lists render after graph."""
    printed = run_cli("--content", str(copy_site("minimal")), "--out", str(tmp_path / "out"),
                      "--no-cache", "--timings").stdout
    assert re.findall(r"^  (\S+) +[\d.]+ ms", printed, re.M) == list(pipeline.STAGES)


def test_only_the_memos_of_recently_built_folders_are_kept(tmp_path):
    cache_dir = tmp_path / "cache"
    oldest = write_corpus(tmp_path / "oldest", 2, seed=99)
    cached_build(oldest, tmp_path / "site-oldest", cache_dir)
    article = oldest / "articles" / "article-00001.md"
    article.write_text(article.read_text() + "\nAn edit, kept in the journal.\n")
    cached_build(oldest, tmp_path / "site-oldest", cache_dir)
    assert list((cache_dir / "guidekit").glob("*.journal"))
    for n in range(pipeline.KEEP_MEMOS):
        cached_build(SITES / "minimal", tmp_path / "site-minimal", cache_dir)
        content = tmp_path / f"content-{n}"
        write_corpus(content, 2, seed=n)
        cached_build(content, tmp_path / f"site-{n}", cache_dir)
    memos = list((cache_dir / "guidekit").glob("*.pickle"))
    assert len(memos) == pipeline.KEEP_MEMOS
    assert not list((cache_dir / "guidekit").glob("*.journal"))  # pruned with its memo
    # The minimal site was built all along, so its memo is one of those kept.
    assert cached_build(SITES / "minimal", tmp_path / "site-minimal", cache_dir).computed == 0


@pytest.mark.parametrize("jobs", [1, 2])
def test_unchanged_content_reuses_the_search_index_and_keeps_its_warnings(copy_site, tmp_path,
                                                                          jobs):
    content = copy_site("minimal")
    (content / "search.yaml").write_text("synonyms:\n  tummy: [zebra]\n")
    cache_dir, out = tmp_path / "cache", tmp_path / "site"
    cold = cached_build(content, out, cache_dir, jobs=jobs)
    index = (out / search_index.INDEX_FILE).read_bytes()
    warm = cached_build(content, out, cache_dir, jobs=jobs)
    assert warm.computed == 0
    assert [str(w) for w in warm.warnings] == [str(w) for w in cold.warnings]
    assert any("`zebra`" in w.message for w in warm.warnings)
    assert (out / search_index.INDEX_FILE).read_bytes() == index
    # A changed previous index is never taken: the next build makes it again.
    (out / search_index.INDEX_FILE).write_bytes(b"window.guideSearchIndex={};\n")
    cached_build(content, out, cache_dir, jobs=jobs)
    assert (out / search_index.INDEX_FILE).read_bytes() == index


@pytest.mark.parametrize("name", CASES)
def test_a_failed_build_gives_the_same_messages_from_the_memo(name, copy_site, tmp_path):
    # The dev server keeps the memo of a build that failed: the next build takes each file's
    # problems, validation and unreadable pages from it, and must fail just the same.
    content = copy_site("minimal")
    apply_case(SITES / "invalid" / name, content)
    memo = cache.Memo(b"generator")

    def failure_messages() -> list[str]:
        with pytest.raises(BuildFailed) as failure:
            build_into(content, tmp_path / "site", memo=memo)
        return [str(p) for p in failure.value.problems]
    first = failure_messages()
    memo.next_build()
    assert failure_messages() == first and memo.misses == 0


def test_a_file_kept_without_its_bodys_markdown_is_read_again(copy_site, tmp_path):
    # A build that fails before Markdown (here: a required file is missing) keeps each file's
    # entry in the memo, but not the Markdown of its body: the next build must still render it.
    content = copy_site("minimal")
    site_yaml = (content / "site.yaml").read_bytes()
    (content / "site.yaml").unlink()
    memo = cache.Memo(b"generator")
    with pytest.raises(BuildFailed):
        build_into(content, tmp_path / "site", memo=memo)
    memo.next_build()
    (content / "site.yaml").write_bytes(site_yaml)
    build_into(content, tmp_path / "site", memo=memo)
    build_into(content, tmp_path / "scratch")
    assert tree(tmp_path / "site") == tree(tmp_path / "scratch")


def test_keep_carries_an_entry_to_the_next_build_only_if_there_is_one():
    memo = cache.Memo(b"generator", {b"earlier": 1, b"unused": 2})
    assert (memo.keep(b"earlier"), memo.keep(b"absent")) == (True, False)
    assert memo.entries() == {b"earlier": 1} and memo.hits == 1


def test_pages_the_other_process_made_are_kept_as_this_ones_are():
    """In a check build (nothing written, so no signature), a page the index process made
    is kept for the next build as the main process's pages are; a page it took stays kept."""
    memo = cache.Memo(b"generator", {b"key-taken": ("signature",)})
    theirs = [("made.html", b"quick-made", b"key-made", None, False),
              ("taken.html", b"quick-taken", b"key-taken", None, True)]
    site = write.Discard()
    pipeline._take_over(memo, site, None, theirs)
    kept = memo.entries()
    assert (kept[b"key-made"], kept[b"key-taken"]) == (None, ("signature",))
    assert (kept[b"quick-made"], kept[b"quick-taken"]) == (b"key-made", b"key-taken")
    assert site.files == 2


@pytest.mark.parametrize("site", ["synthetic", "guide"])
def test_a_page_key_does_not_depend_on_the_pages_made_before_it(site, corpus):
    """The two processes of a build take pages in runs as they come (workers.Runs), so the
    pages a process made before a page differ from build to build; the page's key must not.
    Keys are digests of pickles, which show which of a context's values are one object."""
    content = corpus if site == "synthetic" else ROOT / "content"
    paths = pipeline.Paths(content, ROOT / "templates", content.parent / "unused")
    graph = pipeline.load_site(paths, pipeline.BuildReport(), today=FIXED_DAY)
    memo = cache.Memo(b"generator")
    templates = pipeline.site_templates(paths, memo)

    def keys(share) -> dict[str, bytes]:
        return {job.path: job.key()
                for job in render.render_pages(graph, templates, memo, None, share, b"")}
    every = keys(lambda n: True)
    rng = random.Random(5)
    for _ in range(12):
        chosen = {n for n in range(render.page_count(graph)) if rng.random() < 0.4}
        some = keys(chosen.__contains__)
        assert some == {path: every[path] for path in some}


def test_a_rebuild_after_a_body_edit_loads_no_yaml_markdown_or_syllapy(copy_site, tmp_path):
    """A worker loads the file changed; this process finds the fields' reading counts in the
    memo (keyed by their text), so it loads none of PyYAML, Python-Markdown and syllapy
    (50 ms of a 0.3 s rebuild), nor importlib.metadata for the libraries' versions. Numbers
    added need no stemmer."""
    content = copy_site("guide")
    args = ["--content", str(content), "--out", str(tmp_path / "site"),
            "--cache", str(tmp_path / "cache"), "--jobs", "2"]
    probe = ("import sys; from guidekit.cli import main; code = main(sys.argv[1:]); "
             "print(sorted(m for m in ('yaml', 'markdown', 'syllapy', 'importlib.metadata', "
             "'snowballstemmer') if m in sys.modules))")
    loaded = []
    articles = sorted((content / "articles").glob("*.md"))
    # The first build, then edits of two articles: the second article's counts, not used by
    # the first rebuild, are still kept.
    for article, edit in ((articles[0], ""), (articles[0], "\nAn added sentence, the 2nd.\n"),
                          (articles[1], "\nAnother sentence, in 2026.\n")):
        article.write_text(article.read_text() + edit)
        run = subprocess.run([sys.executable, "-c", probe, *args], cwd=ROOT,
                             capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        loaded.append(run.stdout.strip().splitlines()[-1])
    cold, *rebuilds = loaded
    assert "markdown" not in cold and "yaml" not in cold  # the workers load every file
    assert rebuilds == ["[]", "[]"]


def test_a_settled_file_is_known_by_its_stat_and_a_change_is_still_seen(corpus, tmp_path,
                                                                       monkeypatch):
    """A file whose stat is as it was when an earlier build read it is not read again; a
    change that keeps the size and puts the modification time back still changes the stat
    (its inode change time), and is built. (Settled here at once: see the next test.)"""
    monkeypatch.setattr(pipeline, "SETTLED_NS", 0)
    cache_dir, site = tmp_path / "cache", tmp_path / "site"
    cached_build(corpus, site, cache_dir)
    read, reading = [], pipeline._read
    monkeypatch.setattr(pipeline, "_read", lambda path: read.append(path) or reading(path))
    warm = cached_build(corpus, site, cache_dir)
    assert read == [] and warm.computed == 0
    article = corpus / "articles" / "article-00004.md"
    before = article.stat()
    text = article.read_text()
    assert "Synthetic article 4" in text
    article.write_text(text.replace("Synthetic article 4", "Synthetic ARTICLE 4"))
    os.utime(article, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (article.stat().st_size, article.stat().st_mtime_ns) == \
        (before.st_size, before.st_mtime_ns)
    cached_build(corpus, site, cache_dir)
    assert read == [str(article)]
    build_into(corpus, tmp_path / "scratch")
    assert tree(site) == tree(tmp_path / "scratch")
    assert "Synthetic ARTICLE 4" in (site / "articles" / "article-00004.html").read_text()


def test_a_file_changed_just_before_it_was_read_is_read_again(corpus, tmp_path, monkeypatch):
    """Within SETTLED_NS of its last change, a file's stat may not show the next change (a
    same-size write within the clock's tick): such files are read by every build."""
    cache_dir, site = tmp_path / "cache", tmp_path / "site"
    cached_build(corpus, site, cache_dir)  # the corpus was written just now
    read, reading = [], pipeline._read
    monkeypatch.setattr(pipeline, "_read", lambda path: read.append(path) or reading(path))
    assert cached_build(corpus, site, cache_dir).computed == 0
    assert len(read) == len(pipeline.list_tree(corpus))


def test_keys_sharing_their_first_inputs_are_the_memo_keys():
    memo = cache.Memo(b"generator")
    keyed = memo.keys("page-quick", "templates", b"", "shape")
    for rest in [(), ("a",), ("a", "b"), ("ab",), (b"\x00", "é")]:
        assert keyed(*rest) == memo.key("page-quick", "templates", b"", "shape", *rest)
    assert keyed("ab", "c") != keyed("a", "bc")
