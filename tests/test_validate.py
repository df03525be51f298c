"""Stage 2, validate: YAML values into the typed model, with a problem for each bad one."""
from __future__ import annotations

import datetime as dt

from guidekit import load, schema, validate
from guidekit.problems import closest, error
from guidekit.yaml_lines import parse_yaml


def _review(text: str):
    checker = validate._Checker("content/articles/a.md")
    review = checker.entity(schema.Review, parse_yaml(text)[0], prefix="review.")
    return review, [str(p) for p in checker.problems]


def test_a_misspelt_choice_is_named_with_the_closest_one():
    review, problems = _review("status: reviewd\nnext_review: 2027-01-01\n")
    assert review is None
    assert problems == ["content/articles/a.md:1: review.status: `reviewd` is not allowed; did "
                        "you mean `reviewed`? (`awaiting-review`, `reviewed`)"]


def test_optional_values_may_be_empty_or_given():
    review, problems = _review("status: reviewed\nnext_review: 2027-01-01\nreviewer:\n"
                               "reviewed_on: 2026-11-01\n")
    assert problems == []
    assert review == schema.Review(status="reviewed", next_review=dt.date(2027, 1, 1),
                                   reviewer=None, reviewed_on=dt.date(2026, 11, 1))


def test_an_entity_keeps_the_line_of_every_key_and_item():
    checker = validate._Checker("content/sources.yaml")
    data = parse_yaml("title: T\nkind: study\npublisher: P\nyear: 2020\nurl: https://x.org\n")[0]
    source = checker.entity(schema.Source, data, slug="s", source_path="content/sources.yaml",
                            line=1, lines=checker.lines)
    assert checker.problems == []
    assert source.lines == {"title": 1, "kind": 2, "publisher": 3, "year": 4, "url": 5}


def test_closest_gives_a_hint_only_when_one_is_close():
    assert closest("plnk", ["bird-dog", "plank"]) == "plank"
    assert closest("zzz", ["bird-dog", "plank"]) is None


def _validated(relpath: str, text: str) -> validate.ValidatedFile:
    doc, problems = load.parse_file(relpath, text.encode())
    assert problems == []
    return validate.validate_file(doc)


def test_each_file_is_validated_alone_and_then_the_site_as_a_whole():
    first = _validated("articles/a.md", "---\ntitle: A\n---\n")
    assert first.value is None and first.broken == (("article", "a"),)
    assert first.problems and {p.path for p in first.problems} == {"content/articles/a.md"}
    second = _validated("articles/more/a.md", "---\ntitle: A\n---\n")
    content, problems = validate.assemble([second, first])  # in order of path
    assert content is None  # the files the whole site needs are missing
    # The file using a slug again is named once: its own problems wait until it is renamed.
    assert problems == [*first.problems, error(
        "content/articles/more/a.md", 0, "slug",
        "the slug `a` is already used by content/articles/a.md; rename one file")]
