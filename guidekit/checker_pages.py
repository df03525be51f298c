"""Render stage, symptom checker: what each question and outcome shows, as plain data.

The same view of a step feeds the static pages (one per question and outcome, linked with
real links, so the checker works without JavaScript) and checker/tree.js, the compiled tree
that templates/static/checker.js reads to ask one question at a time on checker/index.html.
Pure: it reads the site graph only.
"""
from __future__ import annotations

import json
import posixpath
import re

from .checker import LEVELS, URGENCY_LEVEL, Tree
from .graph import SiteGraph
from .urls import BUILTIN_PAGES, checker_step_path, page_path, relative

INDEX = BUILTIN_PAGES["checker"]
TREE_SCRIPT = posixpath.join(posixpath.dirname(INDEX), "tree.js")
PART_LABELS = {"emergency": "Emergency warning signs", "urgent": "Urgent warning signs",
               "soon": "Other warning signs", "none": "About your pain"}
URGENCY_LABELS = {"emergency": "Emergency", "urgent": "Urgent: get help today",
                  "soon": "Soon: see a GP or physio", "self-care": "Self-care"}
_LINK_LABELS = {"article": "", "pain-type": "Pain type: ", "exercise": "Exercise: "}


def step_href(tree: Tree, node: str) -> str:
    """The static page of a question or outcome, relative to the checker's folder. The first
    question's page is the checker's index page."""
    if node == tree.start:
        return relative(INDEX, INDEX)
    return relative(INDEX, checker_step_path(node, node in tree.outcomes))


def _call(graph: SiteGraph, urgency: str) -> dict | None:
    """Who to call, for the outcomes that need help today or sooner."""
    site = graph.content.site
    if urgency == "emergency":
        digits = re.match(r"\s*(\d+)", site.emergency_number)
        return {"text": f"Call {site.emergency_number} now",
                "href": f"tel:{digits.group(1)}" if digits else ""}
    if urgency == "urgent":
        advice = site.urgent_advice
        return {"text": advice[:1].upper() + advice[1:], "href": ""}
    return None


def step_view(graph: SiteGraph, node: str) -> dict:
    """What a question or outcome shows: JSON-ready, links relative to the checker's folder."""
    tree = graph.checker
    if node in tree.steps:
        step = tree.steps[node]
        level = tree.levels.index(LEVELS[step.level])
        return {"part": f"Part {level + 1} of {len(tree.levels)}: "
                        f"{PART_LABELS[LEVELS[step.level]]}",
                "text": step.question.text, "help": step.question.help,
                "answers": [{"label": c.label, "next": c.next} for c in step.choices]}
    outcome = tree.outcomes[node]
    links = []
    for link in outcome.links:
        kind, slug = link.split(":", 1)
        links.append({"title": _LINK_LABELS[kind] + graph.pages[(kind, slug)].title,
                      "href": relative(INDEX, page_path(kind, slug))})
    return {"urgency": outcome.urgency, "badge": URGENCY_LABELS[outcome.urgency],
            "title": outcome.title, "advice": list(outcome.advice),
            "call": _call(graph, outcome.urgency), "links": links}


def tree_script(graph: SiteGraph) -> bytes:
    """checker/tree.js: the compiled tree as a global, because fetch() of JSON fails when the
    site is opened from disk (file://)."""
    tree = graph.checker
    data = {"start": tree.start,
            "nodes": {node: step_view(graph, node) for node in [*tree.steps, *tree.outcomes]}}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (f"/* The symptom checker's questions and outcomes, compiled from "
            f"{graph.content.checker.source_path} by the build. */\n"
            f"window.checkerTree = {text};\n").encode("utf-8")


def _cleared(tree: Tree, node: str) -> str:
    """The warning signs every path to an outcome answered No to, in words: the safety rules
    make it every sign more urgent than the outcome. Without JavaScript the page cannot know
    the reader's own answers, so it says this and which answers lead to it."""
    signs = [level for level in tree.levels if level != "none"]
    cleared = [level for level in signs
               if LEVELS.index(level) < URGENCY_LEVEL[tree.outcomes[node].urgency]]
    if not cleared:
        return ""
    which = "" if cleared == signs else " " + " and ".join(cleared)
    return f"You answered No to every{which} warning sign."


def _reasons(tree: Tree, node: str) -> list[tuple[str, str]]:
    """(question, answers) for every question with an answer leading to the node."""
    grouped: dict[str, list[str]] = {}
    for question, label in tree.parents[node]:
        grouped.setdefault(question, []).append(label)
    return [(tree.steps[q].question.text, " or ".join(labels)) for q, labels in grouped.items()]


def checker_contexts(graph: SiteGraph, base: dict) -> dict[str, dict]:
    """{output path: context} for the checker's index page (the first question) and the
    static page of every question and outcome. `base` is the checker page's own context;
    every checker page sits in the same folder, so its relative links hold for all."""
    tree = graph.checker
    checker = graph.content.checker
    common = {**base, "step_href": lambda node: step_href(tree, node),
              "start_href": step_href(tree, tree.start), "is_index": False}
    contexts = {INDEX: {**common, "node": tree.start, "step": step_view(graph, tree.start),
                        "is_index": True, "is_outcome": False, "reasons": [], "cleared": "", "back": "",
                        "scripts": [relative(INDEX, TREE_SCRIPT), base["asset"]("checker.js")]}}
    for node in [*tree.steps, *tree.outcomes]:
        if node == tree.start:
            continue
        is_outcome = node in tree.outcomes
        view = step_view(graph, node)
        parents = {question for question, _ in tree.parents[node]}
        path = checker_step_path(node, is_outcome)
        contexts[path] = {
            **common, "node": node, "step": view, "is_outcome": is_outcome, "path": path,
            "title": f"{view['title'] if is_outcome else view['text']} | {checker.title}",
            "reasons": _reasons(tree, node), "scripts": [],
            "cleared": _cleared(tree, node) if is_outcome else "",
            "back": step_href(tree, parents.pop()) if len(parents) == 1 else ""}
    return contexts

