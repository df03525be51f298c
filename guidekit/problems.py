"""Problems found in content: collected across the whole build, then reported at once.

Every message names the file, the line and the field, and says what to do, because the people
who read them are editors, not programmers.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing to fix, where it is and what to do."""

    path: str
    line: int
    field: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        prefix = "" if self.severity is Severity.ERROR else "warning: "
        return f"{where}: {prefix}{self.field}: {self.message}"


def error(path: str, line: int, field: str, message: str) -> Problem:
    return Problem(path, line, field, message, Severity.ERROR)


def warning(path: str, line: int, field: str, message: str) -> Problem:
    return Problem(path, line, field, message, Severity.WARNING)


def closest(word: str, choices) -> str | None:
    """The choice most like `word`, for a "did you mean" hint; None if none is close."""
    import difflib  # only here: a build without problems never needs it

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def errors_in(problems) -> list[Problem]:
    return [p for p in problems if p.severity is Severity.ERROR]


def warnings_in(problems) -> list[Problem]:
    return [p for p in problems if p.severity is Severity.WARNING]


class BuildFailed(Exception):
    """Raised once, with every problem found, when the content cannot be published."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=_sort_key)
        super().__init__(format_problems(self.problems))


def _sort_key(p: Problem):
    return (p.path, p.line, p.field, p.message)


def format_problems(problems: list[Problem]) -> str:
    ordered = sorted(problems, key=_sort_key)
    count = len(ordered)
    head = f"The build found {count} problem{'s' if count != 1 else ''} to fix:"
    return "\n".join([head, *(f"  {i}. {p}" for i, p in enumerate(ordered, 1))])


# Past this many warnings of one kind, the rest are counted rather than listed.
SHOW_SIMILAR = 5


def format_warnings(warnings: list[Problem]) -> list[str]:
    """Warning lines to print, the ones saying the same thing (e.g. every page awaiting review)
    cut short after SHOW_SIMILAR."""
    by_kind: dict[tuple[str, str], list[Problem]] = {}
    for problem in warnings:
        by_kind.setdefault((problem.field, problem.message), []).append(problem)
    lines = []
    for similar in by_kind.values():
        lines += [str(problem) for problem in similar[:SHOW_SIMILAR]]
        if len(similar) > SHOW_SIMILAR:
            lines.append(f"  ... and {len(similar) - SHOW_SIMILAR} more like this")
    return lines
