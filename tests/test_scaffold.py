"""`python build.py new KIND SLUG`: a skeleton with every key of the schema that builds, never
over an existing page, and warnings until every TODO is written."""
from __future__ import annotations

import dataclasses

import pytest

from guidekit import scaffold, schema
from guidekit.problems import BuildFailed

from conftest import build_into
from test_build import run_cli

KINDS = {"article": ("articles", schema.Article), "pain-type": ("pain-types", schema.PainType),
         "exercise": ("exercises", schema.Exercise)}


def comments_above(lines: list[str], i: int) -> str:
    """The comment lines just above line i, as one string."""
    found = []
    while i > 0 and lines[i - 1].lstrip().startswith("#"):
        i -= 1
        found.insert(0, lines[i].lstrip()[1:].strip())
    return " ".join(found)


@pytest.mark.parametrize("kind", KINDS)
def test_a_new_page_has_every_key_and_builds(kind, copy_site, tmp_path):
    content = copy_site("minimal")
    made = run_cli("new", kind, "new-page", "--content", str(content))
    assert made.returncode == 0, made.stderr
    folder, cls = KINDS[kind]
    page = content / folder / "new-page.md"
    assert f"Wrote {page}." in made.stdout
    lines = page.read_text().split("\n")
    for f in schema.editor_fields(cls):
        required = f.default is dataclasses.MISSING
        key = f"{f.name}:" if required else f"# {f.name}:"
        [i] = [n for n, line in enumerate(lines) if line.startswith(key)]
        assert " ".join(f.metadata["doc"].split()) in comments_above(lines, i), f.name

    report = build_into(content, tmp_path / "site")
    assert (tmp_path / "site" / folder / "new-page.html").is_file()
    todos = [p for p in report.warnings if p.path.endswith("new-page.md") and "TODO" in p.message]
    assert "summary" in {p.field for p in todos}
    with pytest.raises(BuildFailed):  # an unfinished page cannot be published
        build_into(content, tmp_path / "strict", strict=True)


def test_todo_warnings_name_the_line(copy_site, tmp_path):
    content = copy_site("minimal")
    assert run_cli("new", "exercise", "side-plank", "--content", str(content)).returncode == 0
    page = content / "exercises" / "side-plank.md"
    lines = page.read_text().split("\n")
    report = build_into(content, tmp_path / "site")
    todos = {p.field: p for p in report.warnings if p.path.endswith("side-plank.md")
             and p.field != "review" and p.field != "reading_grade"}
    assert set(todos) == {"summary", "steps", "dose", "progression", "cautions", "stop_if",
                          "evidence_note"}
    for field, problem in todos.items():
        assert "TODO" in lines[problem.line - 1], field
    assert str(todos["dose"]).endswith("dose: still says TODO; write the real text here (the "
                                       "page was started with `python build.py new`)")
    # Writing the text clears the warning.
    page.write_text(page.read_text().replace("dose: TODO", "dose: 3 holds of 20 seconds."))
    report = build_into(content, tmp_path / "site")
    assert "dose" not in {p.field for p in report.warnings if p.path.endswith("side-plank.md")}


def test_new_refuses_to_overwrite(copy_site):
    content = copy_site("minimal")
    plank = content / "exercises" / "plank.md"
    before = plank.read_text()
    result = run_cli("new", "exercise", "plank", "--content", str(content))
    assert result.returncode == 1
    assert result.stderr == f"error: {plank} already exists; edit it, or choose another slug\n"
    assert plank.read_text() == before


@pytest.mark.parametrize("slug, suggestion", [("Side_Plank", "side-plank"),
                                              ("side--plank", "side-plank"),
                                              ("Café", "cafe")])
def test_new_rejects_a_bad_slug(slug, suggestion, copy_site):
    content = copy_site("minimal")
    before = sorted(content.rglob("*"))
    result = run_cli("new", "article", slug, "--content", str(content))
    assert result.returncode == 1
    assert result.stderr == (f"error: `{slug}` is not a valid slug; use lower-case letters, "
                             f"digits and single hyphens, e.g. `{suggestion}`\n")
    assert sorted(content.rglob("*")) == before


def test_new_needs_a_source_to_cite(copy_site):
    content = copy_site("minimal")
    (content / "sources.yaml").unlink()
    result = run_cli("new", "article", "running-form", "--content", str(content))
    assert result.returncode == 1
    assert "sources.yaml does not exist" in result.stderr
    assert not (content / "articles" / "running-form.md").exists()


def test_review_is_due_six_months_on_even_at_a_month_end():
    text = scaffold.skeleton("article", "a", schema.dt.date(2026, 8, 31), "nhs-back-pain")
    assert "  next_review: 2027-02-28\n" in text
    assert "updated: 2026-08-31\n" in text
