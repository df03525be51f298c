"""The review report (`python build.py review`): every guide page with its clinical review
status, when its next review is due, and its reading grade. Overdue pages come first, then
pages awaiting review, then reviewed pages, each group by due date. Pure: the site graph and
the reading grades in, text or JSON out."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

from .graph import SiteGraph
from .readability import GRADE_LIMIT

GROUPS = {"overdue": "Overdue: review these first",
          "awaiting-review": "Awaiting clinical review",
          "reviewed": "Reviewed"}


@dataclass(frozen=True)
class ReviewRow:
    group: str                 # a key of GROUPS
    path: str
    kind: str
    slug: str
    title: str
    status: str                # awaiting-review | reviewed
    reviewer: str              # the reviewer's name, '' if none
    reviewed_on: dt.date | None
    next_review: dt.date
    days_left: int             # days until the review is due; negative once overdue
    reading_grade: float


def rows(graph: SiteGraph, grades: dict) -> list[ReviewRow]:
    """One row per graded page, in report order."""
    result = []
    for key, grade in grades.items():
        page = graph.pages[key]
        review = page.review
        days_left = (review.next_review - graph.today).days
        reviewer = graph.content.people.get(review.reviewer) if review.reviewer else None
        result.append(ReviewRow(
            group="overdue" if days_left < 0 else review.status, path=page.source_path,
            kind=key[0], slug=key[1], title=page.title, status=review.status,
            reviewer=reviewer.name if reviewer else "", reviewed_on=review.reviewed_on,
            next_review=review.next_review, days_left=days_left, reading_grade=grade))
    order = list(GROUPS)
    return sorted(result, key=lambda r: (order.index(r.group), r.next_review, r.path))


def _note(row: ReviewRow) -> str:
    if row.days_left < 0:
        days = -row.days_left
        return f"{days} day{'s' if days != 1 else ''} overdue"
    if row.status == "reviewed":
        return f"reviewed by {row.reviewer} on {row.reviewed_on}"
    return f"due in {row.days_left} day{'s' if row.days_left != 1 else ''}"


def as_text(report_rows: list[ReviewRow], today: dt.date) -> str:
    counts = {g: sum(r.group == g for r in report_rows) for g in GROUPS}
    lines = [f"Review status of {len(report_rows)} pages on {today}: {counts['overdue']} overdue, "
             f"{counts['awaiting-review']} awaiting review, {counts['reviewed']} reviewed."]
    width = max((len(r.path) for r in report_rows), default=4)
    for group, heading in GROUPS.items():
        members = [r for r in report_rows if r.group == group]
        if not members:
            continue
        lines += ["", heading, f"  {'due':<10}  {'grade':>5}  {'page':<{width}}  title"]
        for r in members:
            flag = "*" if r.reading_grade > GRADE_LIMIT else " "
            lines.append(f"  {r.next_review}  {r.reading_grade:>5.1f}{flag} {r.path:<{width}}  "
                         f"{r.title} ({_note(r)})")
    if any(r.reading_grade > GRADE_LIMIT for r in report_rows):
        lines += ["", f"* reading grade above {GRADE_LIMIT:g}: use shorter sentences and "
                      "simpler words"]
    return "\n".join(lines)


def as_json(report_rows: list[ReviewRow], today: dt.date) -> str:
    pages = [{**asdict(r), "overdue": r.days_left < 0} for r in report_rows]
    return json.dumps({"today": today, "pages": pages}, default=dt.date.isoformat, indent=2)
