"""The editors' guide (docs/editing.md) names only commands, options, built-in pages and
sections that exist, and the README links to it."""
from __future__ import annotations

import argparse
import re

from guidekit import cli
from guidekit.graph import TEMPLATE_ANCHORS
from guidekit.urls import BUILTIN_PAGES

from conftest import ROOT

EDITING = (ROOT / "docs" / "editing.md").read_text()


def options() -> set[str]:
    found = set()
    parser = cli._parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.update(o for a in sub._actions for o in a.option_strings)
    return found


def test_readme_links_the_editors_guide():
    assert "(docs/editing.md)" in (ROOT / "README.md").read_text()


def test_commands_and_options_exist():
    commands = set(re.findall(r"python build\.py (\w[\w-]*)", EDITING))
    assert commands and commands <= set(cli.COMMANDS)
    mentioned = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", EDITING))
    assert mentioned and mentioned <= options(), mentioned - options()


def test_built_in_pages_and_sections_exist():
    assert set(re.findall(r"`page:([a-z-]+)`", EDITING)) == set(BUILTIN_PAGES)
    assert {"steps", "dose", "stop-if"} <= set(TEMPLATE_ANCHORS["exercise"])
    assert "warning-signs" in TEMPLATE_ANCHORS["pain-type"]
    for kind in ("article", "pain-type", "exercise", "home", "about"):
        assert {"sources", "review"} <= set(TEMPLATE_ANCHORS[kind]), kind
