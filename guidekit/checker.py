"""The symptom checker's decision tree (content/checker.yaml), checked and compiled.

Part of the graph stage, pure. The rules make the tree safe by construction. Every node is
reached from the start and every path ends at an outcome (no loops, no dead ends). No answer
leads from a warning sign to a more urgent one, or from another question to any warning sign
(the order of the red flags in EVIDENCE.md). A Yes (or Not sure) to a sign ends at once at an
outcome at least as urgent, so a sign's only way on is No. Together these mean the signs of
each level form one chain that every path walks in full before anything less urgent: so on
every path, every emergency sign is asked first, and any Yes to one ends at an emergency
outcome. tests/test_checker_model.py checks this on every path of the real tree.
"""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import Iterator, Mapping

from . import schema
from .problems import Problem, closest, error

LEVELS = ("emergency", "urgent", "soon", "none")  # screen levels, most urgent first
URGENCY_LEVEL = {"emergency": 0, "urgent": 1, "soon": 2, "self-care": 3}
YES, NO, NOT_SURE = "Yes", "No", "Not sure"
LINK_KINDS = ("article", "pain-type", "exercise")
_ID = re.compile(rf"^{schema.SLUG_PATTERN}$")
_LINK = re.compile(rf"^({'|'.join(LINK_KINDS)}):({schema.SLUG_PATTERN})$")


@dataclass(frozen=True)
class Choice:
    """One answer as the reader sees it."""
    label: str
    next: str
    key: str  # where its target is written, e.g. `questions.3.if_yes`


@dataclass(frozen=True)
class Step:
    """A question with its answers."""
    question: schema.Question
    level: int  # index in LEVELS
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Tree:
    """The decision tree, compiled: each question's answers and where they lead."""

    start: str
    steps: Mapping[str, Step]
    outcomes: Mapping[str, schema.Outcome]
    # id -> (question id, answer label) of every answer leading to it, in question order
    parents: Mapping[str, tuple[tuple[str, str], ...]]
    levels: tuple[str, ...]  # the LEVELS the questions use, most urgent first


@dataclass(frozen=True)
class Path:
    """One way through the tree: the answers given, and the outcome reached."""
    answers: tuple[tuple[str, str], ...]  # (question id, answer label)
    outcome: str


def choices(question: schema.Question, key: str) -> tuple[Choice, ...]:
    """The answers a question offers: Yes, No and Not sure for a warning sign, where Not sure
    is treated as Yes; otherwise the editor's answers."""
    if question.screen == "none":
        return tuple(Choice(a.label, a.next, f"{key}.answers.{i}.next")
                     for i, a in enumerate(question.answers, 1))
    return tuple(Choice(label, target, f"{key}.{name}") for label, target, name in
                 ((YES, question.if_yes, "if_yes"), (NO, question.if_no, "if_no"),
                  (NOT_SURE, question.if_yes, "if_yes")) if target)


def link_references(checker: schema.Checker) -> Iterator[tuple[str, str, str, str]]:
    """(field, line key, kind, slug) of every well-formed outcome link, for the graph stage to
    resolve like any other reference."""
    for i, outcome in enumerate(checker.outcomes, 1):
        for j, link in enumerate(outcome.links):
            match = _LINK.match(link)
            if match:
                yield (f"outcomes.{i}.links", f"outcomes.{i}.links.{j}", match.group(1),
                       match.group(2))


class _Report:
    """Problems in checker.yaml, each at the line of the key it names."""

    def __init__(self, checker: schema.Checker):
        self.checker = checker
        self.problems: list[Problem] = []

    def line(self, key: str) -> int:
        lines = self.checker.lines
        while key not in lines and "." in key:
            key = key.rsplit(".", 1)[0]
        return lines.get(key, 0)

    def fail(self, field: str, message: str, line_key: str = "") -> None:
        problem = error(self.checker.source_path, self.line(line_key or field), field, message)
        if problem not in self.problems:  # Yes and Not sure share their target
            self.problems.append(problem)


def compile_tree(checker: schema.Checker) -> tuple[Tree, list[Problem]]:
    """Check the tree and compile it. Returns (Tree, problems)."""
    report = _Report(checker)
    keys = _ids(checker, report)
    steps: dict[str, Step] = {}
    for i, question in enumerate(checker.questions, 1):
        key = f"questions.{i}"
        _shape(question, key, report)
        if keys.get(question.id) == key:
            steps[question.id] = Step(question, LEVELS.index(question.screen),
                                      choices(question, key))
    outcomes = {o.id: o for i, o in enumerate(checker.outcomes, 1)
                if keys.get(o.id) == f"outcomes.{i}"}
    parents: dict[str, list[tuple[str, str]]] = {node: [] for node in keys}
    for step in steps.values():
        for choice in step.choices:
            if choice.next in keys:
                parents[choice.next].append((step.question.id, choice.label))
            else:
                report.fail(choice.key, _unknown(choice.next, keys))
    levels = tuple(level for i, level in enumerate(LEVELS)
                   if any(s.level == i for s in steps.values()))
    tree = Tree(checker.start, steps, outcomes, {k: tuple(v) for k, v in parents.items()},
                levels)
    if checker.start not in keys:
        report.fail("start", _unknown(checker.start, keys))
    elif checker.start in outcomes:
        report.fail("start", f"`start` must name a question, not the outcome `{checker.start}`")
    else:
        if not report.problems:  # else much that looks unreachable is only cut off
            _reachable_from_start(tree, keys, report)
        order = _topological_order(tree, report)
        if order is not None:
            _safety(tree, order, report)
    _link_syntax(checker, report)
    return tree, report.problems


def _ids(checker: schema.Checker, report: _Report) -> dict[str, str]:
    """{id: key of the question or outcome} for every valid, unique id."""
    keys: dict[str, str] = {}
    for section, items in (("questions", checker.questions), ("outcomes", checker.outcomes)):
        for i, item in enumerate(items, 1):
            field = f"{section}.{i}.id"
            if not _ID.match(item.id):
                report.fail(field, f"`{item.id}` is not a valid id; use lower-case letters, "
                                   "digits and single hyphens, e.g. `saddle-numbness`")
            elif item.id in keys:
                first = report.line(f"{keys[item.id]}.id")
                report.fail(field, f"the id `{item.id}` is already used on line {first}; give "
                                   "every question and outcome its own id")
            else:
                keys[item.id] = f"{section}.{i}"
    return keys


def _shape(question: schema.Question, key: str, report: _Report) -> None:
    """A warning sign has `if_yes` and `if_no`; any other question two or more answers."""
    if question.screen != "none":
        if question.answers:
            report.fail(f"{key}.answers", "a warning-sign question is answered Yes, No or Not "
                                          "sure; remove `answers:` and use `if_yes:` and `if_no:`")
        if not question.if_yes:
            report.fail(f"{key}.if_yes", "a warning-sign question needs `if_yes:`, the id of "
                                         "the outcome for Yes and Not sure")
        if not question.if_no:
            report.fail(f"{key}.if_no", "a warning-sign question needs `if_no:`, the id of the "
                                        "question (or outcome) for No")
        return
    for name in ("if_yes", "if_no"):
        if getattr(question, name):
            report.fail(f"{key}.{name}", f"`{name}:` is only for warning-sign questions; add "
                                         "`screen: emergency`, `urgent` or `soon`, or use "
                                         "`answers:` instead")
    count = len(question.answers)
    if count == 0:
        report.fail(f"{key}.answers", "this question has no answers, so the checker would stop "
                                      "here with no advice; add at least two `answers:`, each "
                                      "with `label:` and `next:`")
    elif count == 1:
        report.fail(f"{key}.answers", "a question needs at least two answers (this one has 1); "
                                      "add another, or remove the question and point to its "
                                      "answer's `next:` instead")
    seen = set()
    for i, answer in enumerate(question.answers, 1):
        if answer.label in seen:
            report.fail(f"{key}.answers.{i}.label", f"the answer `{answer.label}` is written "
                                                    "twice; give each answer its own words")
        seen.add(answer.label)


def _link_syntax(checker: schema.Checker, report: _Report) -> None:
    for i, outcome in enumerate(checker.outcomes, 1):
        for j, link in enumerate(outcome.links):
            if not _LINK.match(link):
                report.fail(f"outcomes.{i}.links", f"`{link}` is not a link to a guide page; "
                            "write `kind:slug`, e.g. `pain-type:muscle-related`, with kind "
                            f"{', '.join(f'`{k}`' for k in LINK_KINDS)}",
                            f"outcomes.{i}.links.{j}")


def _unknown(target: str, keys: Mapping[str, str]) -> str:
    close = closest(target, keys)
    hint = f"did you mean `{close}`?" if close else "check the spelling of the id"
    return f"there is no question or outcome `{target}`; {hint}"


def _next_steps(tree: Tree, node: str) -> list[tuple[Choice, str]]:
    """(choice, target) for every answer of `node` whose target exists."""
    step = tree.steps.get(node)
    if step is None:
        return []
    return [(c, c.next) for c in step.choices if c.next in tree.steps or c.next in tree.outcomes]


def _reachable_from_start(tree: Tree, keys: Mapping[str, str], report: _Report) -> None:
    seen, queue = {tree.start}, deque([tree.start])
    while queue:
        for _, target in _next_steps(tree, queue.popleft()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    for node, key in keys.items():
        if node not in seen:
            what = "question" if node in tree.steps else "outcome"
            report.fail(f"{key}.id", f"no path from `start` leads to the {what} `{node}`; point "
                                     "an answer to it, or remove it")


def _topological_order(tree: Tree, report: _Report) -> list[str] | None:
    """The nodes reachable from the start, each before those it leads to; None (with the
    loops reported) if answers lead round in a loop."""
    state: dict[str, str] = {}
    order: list[str] = []
    trail: list[str] = []
    looped = False

    def visit(node: str) -> None:
        nonlocal looped
        state[node] = "open"
        trail.append(node)
        for choice, target in _next_steps(tree, node):
            if state.get(target) == "open":
                looped = True
                loop = trail[trail.index(target):] + [target]
                report.fail(choice.key, f"this answer leads back to `{target}`, so the questions "
                                        f"go round in a loop ({' → '.join(loop)}); every path "
                                        "must end at an outcome")
            elif target not in state:
                visit(target)
        trail.pop()
        state[node] = "done"
        order.append(node)

    visit(tree.start)
    return None if looped else order[::-1]


def _level(tree: Tree, node: str) -> int:
    """How urgent a node is, as an index in LEVELS (self-care outcomes count as `none`)."""
    if node in tree.steps:
        return tree.steps[node].level
    return URGENCY_LEVEL[tree.outcomes[node].urgency]


def _describe(tree: Tree, node: str) -> str:
    if node in tree.outcomes:
        return f"the {tree.outcomes[node].urgency} outcome `{node}`"
    level = LEVELS[tree.steps[node].level]
    kind = "question" if level == "none" else f"{level} warning-sign question"
    return f"the {kind} `{node}`"


_AN = {0: "an emergency", 1: "an urgent", 2: "a soon"}
_AS_URGENT = {0: "`emergency`", 1: "`urgent` or `emergency`",
              2: "`soon`, `urgent` or `emergency`"}


def _safety(tree: Tree, order: list[str], report: _Report) -> None:
    if not any(step.level == 0 for step in tree.steps.values()):
        report.fail("questions", "there is no emergency warning-sign question; ask each "
                                 "emergency sign from the warning signs page first, as a "
                                 "question with `screen: emergency`")
    for node in order:
        step = tree.steps.get(node)
        for choice, target in _next_steps(tree, node):
            if step.level < 3 and choice.label != NO:
                if target in tree.steps or _level(tree, target) > step.level:
                    report.fail(choice.key, f"a Yes (or Not sure) to {_AN[step.level]} "
                                f"warning sign must end at once at an {_AS_URGENT[step.level]}"
                                f" outcome, but it leads to {_describe(tree, target)}")
            elif target in tree.steps and tree.steps[target].level < step.level:
                report.fail(choice.key, f"this leads from {_describe(tree, node)} back to "
                            f"{_describe(tree, target)}; ask warning signs from most to "
                            "least urgent (emergency, urgent, soon), then other questions")


def paths(tree: Tree) -> Iterator[Path]:
    """Every way through a checked tree, depth first, answers in the order they are offered."""
    def walk(node: str, answers: tuple) -> Iterator[Path]:
        if node in tree.outcomes:
            yield Path(answers, node)
            return
        for choice in tree.steps[node].choices:
            yield from walk(choice.next, answers + ((node, choice.label),))
    yield from walk(tree.start, ())
