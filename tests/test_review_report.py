"""`python build.py review`: pages by review status and due date, overdue first, with each
page's reading grade; `--json` for tools."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import build_into
from test_build import run_cli

REVIEWER = """
dr-reviewer:
  name: Dr Rev Iewer
  credentials: A test physiotherapist.
  roles: [clinical-reviewer]
  about: Reviews the test guide.
  sources: [nhs-back-pain]
"""


def set_review(page, review: str) -> None:
    text = page.read_text()
    start = text.index("review:\n")
    end = text.index("updated:")
    page.write_text(text[:start] + review + text[end:])


@pytest.fixture
def content(copy_site):
    """The minimal site with two pages overdue (on run_cli's date, late in November 2026), one
    reviewed, and the others awaiting review at different dates."""
    content = copy_site("minimal")
    with open(content / "people.yaml", "a") as f:
        f.write(REVIEWER)
    set_review(content / "exercises" / "plank.md",
               "review:\n  status: awaiting-review\n  next_review: 2026-11-01\n")
    set_review(content / "articles" / "warning-signs.md",
               "review:\n  status: awaiting-review\n  next_review: 2026-10-01\n")
    set_review(content / "pain-types" / "muscle-related.md",
               "review:\n  status: reviewed\n  reviewer: dr-reviewer\n  reviewed_on: 2026-11-20\n"
               "  next_review: 2027-01-15\n")
    set_review(content / "about.md", "review:\n  status: awaiting-review\n"
                                     "  next_review: 2027-02-01\n")
    return content


def test_overdue_pages_come_first_then_by_status_and_due_date(content):
    result = run_cli("review", "--content", str(content))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    today = dt.date.fromisoformat(lines[0].split(" on ")[1][:10])
    assert lines[0] == (f"Review status of 6 pages on {today}: 2 overdue, 3 awaiting review, "
                        "1 reviewed.")
    headings = [line for line in lines if line and not line.startswith(" ")][1:]
    assert headings == ["Overdue: review these first", "Awaiting clinical review", "Reviewed"]
    pages = [line.split()[2] for line in lines if line.startswith("  20")]
    assert [p.rsplit("/", 1)[-1] for p in pages] == [
        "warning-signs.md", "plank.md", "about.md", "checker.yaml", "home.md",
        "muscle-related.md"]
    warning_signs = next(line for line in lines if "warning-signs.md" in line)
    assert warning_signs.startswith("  2026-10-01")
    overdue = (today - dt.date(2026, 10, 1)).days
    assert warning_signs.endswith(f"Warning signs ({overdue} days overdue)")
    reviewed = next(line for line in lines if "muscle-related.md" in line)
    assert reviewed.endswith("(reviewed by Dr Rev Iewer on 2026-11-20)")
    due_in = (dt.date(2027, 2, 1) - today).days
    assert next(line for line in lines if "about.md" in line).endswith(f"(due in {due_in} days)")


def test_json_has_the_same_order_and_the_build_s_reading_grades(content, tmp_path):
    result = run_cli("review", "--json", "--content", str(content))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    today = dt.date.fromisoformat(report["today"])
    assert [(p["kind"], p["slug"], p["overdue"]) for p in report["pages"]] == [
        ("article", "warning-signs", True), ("exercise", "plank", True),
        ("page", "about", False), ("page", "checker", False), ("page", "home", False),
        ("pain-type", "muscle-related", False)]
    first = report["pages"][0]
    assert first["next_review"] == "2026-10-01"
    assert first["days_left"] == (dt.date(2026, 10, 1) - today).days < 0
    assert first["status"] == "awaiting-review" and first["reviewer"] == ""
    reviewed = report["pages"][-1]
    assert (reviewed["status"], reviewed["reviewer"], reviewed["reviewed_on"]) == (
        "reviewed", "Dr Rev Iewer", "2026-11-20")
    grades = build_into(content, tmp_path / "site").reading_grades
    assert {(p["kind"], p["slug"]): p["reading_grade"] for p in report["pages"]} == grades


def test_hard_pages_are_flagged(content):
    home = content / "home.md"
    home.write_text(home.read_text() + "\nNotwithstanding considerable methodological "
                    "heterogeneity, contemporary epidemiological investigations consistently "
                    "demonstrate associations.\n")
    lines = run_cli("review", "--content", str(content)).stdout.splitlines()
    home_line = next(line for line in lines if "home.md" in line)
    grade = float(home_line.split()[1].rstrip("*"))
    assert grade > 8 and home_line.split()[1].endswith("*")
    assert lines[-1] == "* reading grade above 8: use shorter sentences and simpler words"


def test_review_of_broken_content_lists_the_problems(content):
    (content / "home.md").write_text("no front matter\n")
    result = run_cli("review", "--content", str(content))
    assert result.returncode == 1
    assert f"{content}/home.md:1: front matter: the file must start" in result.stderr
    assert "Fix these first: the review report needs content that builds." in result.stderr
