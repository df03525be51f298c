"""The symptom checker's tree: invalid trees fail the build with exact messages, and every path
of the real tree (content/checker.yaml) keeps the safety invariant and ends where it should."""
from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

from guidekit import checker, pipeline
from guidekit.problems import BuildFailed, errors_in

from conftest import FIXED_DAY, ROOT, build_into

# A small valid tree for the minimal site; each invalid case below changes one thing.
TREE = """\
start: numb
questions:
  - id: numb
    screen: emergency
    text: Is it numb?
    if_yes: emergency
    if_no: fever
  - id: fever
    screen: urgent
    text: Do you have a fever?
    if_yes: urgent
    if_no: where
  - id: where
    text: Where is the pain?
    answers:
      - label: On one side
        next: self-care
      - label: Somewhere else
        next: self-care
outcomes:
  - id: emergency
    urgency: emergency
    title: Call 999 now
    advice: [Do not wait.]
    links: [article:warning-signs]
  - id: urgent
    urgency: urgent
    title: Get help today
    advice: [Call 111.]
    links: [article:warning-signs]
  - id: self-care
    urgency: self-care
    title: Look after it yourself
    advice: [Keep moving.]
    links: [exercise:plank]
"""
# The page keys every checker.yaml starts with (lines 1-8 of the file).
PAGE_KEYS = """\
title: Check your symptoms
summary: Answer a few questions to find out how soon to get help.
sources: [nhs-back-pain]
review:
  status: awaiting-review
  next_review: 2027-05-25
updated: 2026-11-25
change_note: First version.
"""


def replaced(*changes: tuple[str, str]) -> str:
    text = TREE
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def checker_errors(copy_site, tmp_path, tree: str) -> list[str]:
    """The build's error messages for the minimal site with this tree, as
    `file:line: field: message`."""
    content = copy_site("minimal")
    (content / "checker.yaml").write_text(PAGE_KEYS + tree)
    with pytest.raises(BuildFailed) as failure:
        build_into(content, tmp_path / "site")
    assert not (tmp_path / "site").exists()
    return [f"{Path(p.path).name}:{p.line}: {p.field}: {p.message}"
            for p in errors_in(failure.value.problems)]


INVALID_TREES = {
    "dangling targets": (
        replaced(("start: numb", "start: numbb"), ("if_no: where", "if_no: wher")),
        ["checker.yaml:9: start: there is no question or outcome `numbb`; did you mean `numb`?",
         "checker.yaml:20: questions.2.if_no: there is no question or outcome `wher`; did you "
         "mean `where`?"]),
    "unreachable outcome": (
        TREE + "  - id: lost\n    urgency: soon\n    title: See a GP\n    advice: [Book.]\n"
               "    links: [article:warning-signs]\n",
        ["checker.yaml:44: outcomes.4.id: no path from `start` leads to the outcome `lost`; "
         "point an answer to it, or remove it"]),
    "loop": (
        replaced(("next: self-care\n      - label: Somewhere", "next: where\n      - label: "
                                                              "Somewhere")),
        ["checker.yaml:25: questions.3.answers.1.next: this answer leads back to `where`, so "
         "the questions go round in a loop (where → where); every path must end at an "
         "outcome"]),
    "question without answers": (
        replaced(("    answers:\n      - label: On one side\n        next: self-care\n"
                  "      - label: Somewhere else\n        next: self-care\n", "")),
        ["checker.yaml:21: questions.3.answers: this question has no answers, so the checker "
         "would stop here with no advice; add at least two `answers:`, each with `label:` and "
         "`next:`"]),
    "question with one answer": (
        replaced(("      - label: Somewhere else\n        next: self-care\n", "")),
        ["checker.yaml:23: questions.3.answers: a question needs at least two answers (this "
         "one has 1); add another, or remove the question and point to its answer's `next:` "
         "instead"]),
    "outcome links": (
        replaced(("links: [exercise:plank]", "links: [exercise:planks, plank, page:home]")),
        ["checker.yaml:43: outcomes.3.links: `page:home` is not a link to a guide page; write "
         "`kind:slug`, e.g. `pain-type:muscle-related`, with kind `article`, `pain-type`, "
         "`exercise`",
         "checker.yaml:43: outcomes.3.links: `plank` is not a link to a guide page; write "
         "`kind:slug`, e.g. `pain-type:muscle-related`, with kind `article`, `pain-type`, "
         "`exercise`",
         "checker.yaml:43: outcomes.3.links: there is no exercise `planks` in "
         "content/exercises/; did you mean `plank`?"]),
    "duplicate and invalid ids": (
        replaced(("  - id: urgent\n", "  - id: emergency\n"), ("  - id: where", "  - id: W")),
        ["checker.yaml:19: questions.2.if_yes: there is no question or outcome `urgent`; check "
         "the spelling of the id",
         "checker.yaml:20: questions.2.if_no: there is no question or outcome `where`; check "
         "the spelling of the id",
         "checker.yaml:21: questions.3.id: `W` is not a valid id; use lower-case letters, "
         "digits and single hyphens, e.g. `saddle-numbness`",
         "checker.yaml:34: outcomes.2.id: the id `emergency` is already used on line 29; give "
         "every question and outcome its own id"]),
    "warning sign with answers, other question with if_yes": (
        replaced(("    if_no: fever\n", "    answers:\n      - label: Maybe\n        next: fever\n"),
                 ("    text: Where is the pain?\n", "    text: Where is the pain?\n"
                                                     "    if_yes: emergency\n")),
        ["checker.yaml:11: questions.1.if_no: a warning-sign question needs `if_no:`, the id of "
         "the question (or outcome) for No",
         "checker.yaml:15: questions.1.answers: a warning-sign question is answered Yes, No or "
         "Not sure; remove `answers:` and use `if_yes:` and `if_no:`",
         "checker.yaml:25: questions.3.if_yes: `if_yes:` is only for warning-sign questions; "
         "add `screen: emergency`, `urgent` or `soon`, or use `answers:` instead"]),
    "unknown key in a list of groups": (
        replaced(("      - label: On one side", "      - lable: On one side")),
        ["checker.yaml:24: questions.3.answers.1.label: required key is missing; add `label:` "
         "(The answer as the reader sees it, in plain words.)",
         "checker.yaml:24: questions.3.answers.1.lable: unknown key; did you mean `label`?"]),
    "start at an outcome": (
        replaced(("start: numb", "start: emergency")),
        ["checker.yaml:9: start: `start` must name a question, not the outcome `emergency`"]),
    "yes to an emergency sign ending at an urgent outcome": (
        replaced(("if_yes: emergency\n", "if_yes: urgent\n")),
        ["checker.yaml:14: questions.1.if_yes: a Yes (or Not sure) to an emergency warning "
         "sign must end at once at an `emergency` outcome, but it leads to the urgent outcome "
         "`urgent`",
         "checker.yaml:29: outcomes.1.id: no path from `start` leads to the outcome "
         "`emergency`; point an answer to it, or remove it"]),
    "yes to an urgent sign asking another question": (
        replaced(("if_yes: urgent\n", "if_yes: where\n")),
        ["checker.yaml:19: questions.2.if_yes: a Yes (or Not sure) to an urgent warning sign "
         "must end at once at an `urgent` or `emergency` outcome, but it leads to the question "
         "`where`",
         "checker.yaml:34: outcomes.2.id: no path from `start` leads to the outcome `urgent`; "
         "point an answer to it, or remove it"]),
    "urgent sign before an emergency sign": (
        replaced(("start: numb", "start: fever"), ("if_no: where", "if_no: numb"),
                 ("if_no: fever", "if_no: where")),
        ["checker.yaml:20: questions.2.if_no: this leads from the urgent warning-sign question "
         "`fever` back to the emergency warning-sign question `numb`; ask warning signs from "
         "most to least urgent (emergency, urgent, soon), then other questions"]),
    "warning sign after another question": (
        replaced(("if_no: where", "if_no: self-care"), ("if_no: fever", "if_no: where"),
                 ("Somewhere else\n        next: self-care", "Somewhere else\n        next: fever")),
        ["checker.yaml:27: questions.3.answers.2.next: this leads from the question `where` "
         "back to the urgent warning-sign question `fever`; ask warning signs from most to "
         "least urgent (emergency, urgent, soon), then other questions"]),
    "no emergency sign": (
        replaced(("start: numb", "start: fever"), ("screen: emergency", "screen: soon"),
                 ("if_no: where", "if_no: numb"), ("if_no: fever", "if_no: where")),
        ["checker.yaml:10: questions: there is no emergency warning-sign question; ask each "
         "emergency sign from the warning signs page first, as a question with "
         "`screen: emergency`"]),
}


@pytest.mark.parametrize("case", INVALID_TREES)
def test_invalid_tree_fails_with_exact_messages(case, copy_site, tmp_path):
    tree, expected = INVALID_TREES[case]
    assert checker_errors(copy_site, tmp_path, tree) == expected


def test_a_missing_checker_fails_the_build(copy_site, tmp_path):
    content = copy_site("minimal")
    (content / "checker.yaml").unlink()
    with pytest.raises(BuildFailed) as failure:
        build_into(content, tmp_path / "site")
    assert [(Path(p.path).name, p.field, p.message.split(";")[0])
            for p in failure.value.problems] == [("checker.yaml", "file",
                                                  "this required file is missing")]


# The real tree, against the red flags of EVIDENCE.md, most urgent first.
EMERGENCY = ["saddle-numbness", "bladder-bowel", "sex-problems", "both-legs", "weak-leg",
             "serious-injury"]
URGENT = ["fever", "weight-loss", "cancer", "weak-immune-system", "constant-pain",
          "lump-or-shape", "small-fall"]
SOON = ["leg-pain", "new-over-50", "inflammatory", "not-improving"]
# Where a Yes (or a Not sure) to each sign ends.
SIGN_OUTCOMES = {**dict.fromkeys(EMERGENCY[:5], "emergency-nerves"),
                 "serious-injury": "emergency-injury", **dict.fromkeys(URGENT, "urgent"),
                 "leg-pain": "soon-sciatica", "new-over-50": "soon-over-50",
                 "inflammatory": "soon-inflammatory", "not-improving": "soon-not-improving"}
# With no warning sign, where each description of the pain leads.
PAIN_OUTCOMES = {
    "On one side of my lower back, with spasm or pain when I twist": "self-care-muscle",
    "Worse when I bend forward, and it may spread into my bottom or thigh": "self-care-disc",
    "A dull ache across my lower back, worse after I stand or walk for a long time":
        "self-care-ache",
    "Low down where my back meets my pelvis, and maybe into my buttock": "self-care-pelvis",
    "None of these, or I am not sure": "self-care",
}
RANK = {"emergency": 0, "urgent": 1, "soon": 2, "none": 3, "self-care": 3}


@pytest.fixture(scope="module")
def real_tree():
    paths = pipeline.Paths(content=ROOT / "content", templates=ROOT / "templates",
                           out=ROOT / "site")
    return pipeline.load_site(paths, pipeline.BuildReport(), today=FIXED_DAY).checker


def test_warning_signs_are_asked_in_the_order_of_the_evidence(real_tree):
    screens = {q: s.question.screen for q, s in real_tree.steps.items()}
    all_clear = next(p for p in checker.paths(real_tree)
                     if all(label == "No" for q, label in p.answers if screens[q] != "none"))
    asked = [q for q, _ in all_clear.answers]
    assert asked == EMERGENCY + URGENT + SOON + ["pain-type"]
    assert [screens[q] for q in asked] == (["emergency"] * 6 + ["urgent"] * 7 + ["soon"] * 4
                                           + ["none"])


def test_every_path_asks_every_emergency_sign_first_and_a_yes_ends_there(real_tree):
    steps, outcomes = real_tree.steps, real_tree.outcomes
    emergency = {q for q, s in steps.items() if s.question.screen == "emergency"}
    paths = list(checker.paths(real_tree))
    assert paths
    for path in paths:
        asked = [q for q, _ in path.answers]
        levels = [RANK[steps[q].question.screen] for q in asked]
        assert levels == sorted(levels), path
        for i, (question, label) in enumerate(path.answers):
            screen = steps[question].question.screen
            if screen != "emergency":
                assert emergency <= set(asked[:i]), path
            if screen != "none" and label != "No":
                assert i == len(asked) - 1, path
                assert RANK[outcomes[path.outcome].urgency] <= RANK[screen], path
        if outcomes[path.outcome].urgency == "self-care":
            assert all(label == "No" for q, label in path.answers
                       if steps[q].question.screen != "none"), path


def test_each_path_of_the_real_tree_ends_at_its_outcome(real_tree):
    ends = {}
    for path in checker.paths(real_tree):
        question, label = path.answers[-1]
        assert all(answer == "No" for _, answer in path.answers[:-1]), path
        ends[(question, label)] = path.outcome
    expected = {(q, label): outcome for q, outcome in SIGN_OUTCOMES.items()
                for label in ("Yes", "Not sure")}
    expected.update({("pain-type", label): outcome for label, outcome in PAIN_OUTCOMES.items()})
    assert ends == expected


def _answer_links(html: str) -> dict[str, str]:
    """{answer label: href} of the answer links on a static checker page."""
    return {label: href for href, label in
            re.findall(r'<a class="checker-answer" href="([^"]+)">([^<]+)</a>', html)}


def test_every_path_can_be_followed_through_the_static_pages(guide_site, real_tree):
    """Without JavaScript, each answer is a link to the next question's or outcome's page."""
    folder = guide_site / "checker"
    for path in checker.paths(real_tree):
        page = "index.html"
        for question, label in path.answers:
            html = unescape((folder / page).read_text())
            text = real_tree.steps[question].question.text
            assert f'<h2 id="checker-heading">{text}</h2>' in html
            page = _answer_links(html)[label]
        html = unescape((folder / page).read_text())
        assert f'<h2 id="checker-heading">{real_tree.outcomes[path.outcome].title}</h2>' in html


def test_the_compiled_tree_is_the_checked_tree(guide_site, real_tree):
    script = (guide_site / "checker" / "tree.js").read_text()
    data = json.loads(re.search(r"window\.checkerTree = (\{.*\});", script).group(1))
    assert data["start"] == "saddle-numbness"
    assert set(data["nodes"]) == set(real_tree.steps) | set(real_tree.outcomes)
    assert data["nodes"]["bladder-bowel"]["answers"] == [
        {"label": "Yes", "next": "emergency-nerves"}, {"label": "No", "next": "sex-problems"},
        {"label": "Not sure", "next": "emergency-nerves"}]
    emergency = data["nodes"]["emergency-nerves"]
    assert emergency["call"] == {"text": "Call 999 (or your local emergency number) now",
                                 "href": "tel:999"}
    assert emergency["links"][0] == {"title": "Warning signs: when to get help",
                                     "href": "../articles/warning-signs.html"}
