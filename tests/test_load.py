"""Stage 1, load: YAML values with the lines they were written on, and how files are read."""
from __future__ import annotations

import datetime as dt

import pytest
import yaml

from guidekit import load
from guidekit.yaml_lines import LineList, LineMap, YamlError, _Loader, parse_yaml

SCALARS = ["", "text", "yes", "No", "off", "~", "null", "Null", "1", "-1", "+5", "0x1F", "017",
           "0b101", "1_000", "1:30", "1.5", ".inf", "-.INF", ".nan", "2026-11-25",
           "2001-12-14t21:59:43.10-05:00", "<<", "=", "~x", "true story", "1 2"]


@pytest.mark.parametrize("value", SCALARS)
def test_tags_are_resolved_as_pyyaml_resolves_them(value):
    ours, pyyaml = _Loader(""), yaml.resolver.Resolver()
    for implicit in [(True, False), (False, True), (False, False)]:
        assert ours.resolve(yaml.ScalarNode, value, implicit) == \
            pyyaml.resolve(yaml.ScalarNode, value, implicit)
    for kind in (yaml.SequenceNode, yaml.MappingNode):
        assert ours.resolve(kind, None, True) == pyyaml.resolve(kind, None, True)


def test_values_keep_their_types_and_lines():
    data, duplicates = parse_yaml("title: Plank\nyear: 2020\nupdated: 2026-11-25\n"
                                  "steps:\n  - Lie down.\n  - 'yes'\n  - yes\n"
                                  "review: {status: reviewed, 3: three}\nnote:\n", line_offset=1)
    assert data == {"title": "Plank", "year": 2020, "updated": dt.date(2026, 11, 25),
                    "steps": ["Lie down.", "yes", True],
                    "review": {"status": "reviewed", "3": "three"}, "note": None}
    assert duplicates == []
    assert isinstance(data, LineMap) and data.line == 2
    assert data.key_lines == {"title": 2, "year": 3, "updated": 4, "steps": 5, "review": 9,
                              "note": 10}
    assert isinstance(data["steps"], LineList) and data["steps"].item_lines == [6, 7, 8]
    assert isinstance(data["review"], LineMap) and data["review"].key_lines == {"status": 9,
                                                                               "3": 9}


def test_a_key_written_twice_is_listed_once_with_both_lines():
    data, duplicates = parse_yaml("a: 1\nb: 2\na: 3\n")
    assert data == {"a": 1, "b": 2}
    assert duplicates == [(3, "a", 1)]


def test_aliases_give_the_anchored_value():
    data, _ = parse_yaml("a: &steps [x, y]\nb: *steps\n")
    assert data["b"] == ["x", "y"] and data["b"].item_lines == [1, 1]


@pytest.mark.parametrize("text, line, problem", [
    ("a: &x [1, *x]", 1, "(column 4): found unconstructable recursive node"),
    ("a: !!str {b: c}", 1, "(column 4): expected a scalar node, but found mapping"),
    ("a:\n  <<: {b: 1}", 2, "(column 3): could not determine a constructor for the tag "
                            "'!!merge'"),
    ("a: !foo x", 1, "(column 4): could not determine a constructor for the tag '!foo'"),
    ("a: \"open", 1, "(column 4): a quote opened here is never closed"),
])
def test_yaml_errors_name_the_line_and_the_problem(text, line, problem):
    with pytest.raises(YamlError) as failure:
        parse_yaml(text)
    assert failure.value.line == line
    kind = "syntax error" if "quote" in problem else "error"
    assert failure.value.message.startswith(f"YAML {kind} {problem}. ")


@pytest.mark.parametrize("text", ["a: !!int six", "a: !!float x", "a: !!bool maybe",
                                  "a: !!timestamp x", "a: 2026-13-45", "a: !!int 0xZZ"])
def test_a_scalar_that_does_not_fit_its_type_stays_text(text):
    """The validator then names the field and what it wants; PyYAML would raise a bare
    ValueError, KeyError or AttributeError here."""
    assert parse_yaml(text)[0] == {"a": text.split()[-1]}


def test_a_bad_date_can_be_aliased():
    assert parse_yaml("a: &d 2026-02-30\nb: *d\n")[0] == {"a": "2026-02-30", "b": "2026-02-30"}


@pytest.mark.parametrize("text, wanted", [("a: !!map [1]", "`!!map` asks for `key: value` lines"),
                                          ("a:\n  b: !!seq {c: d}", "`!!seq` asks for a list")])
def test_a_collection_tag_on_the_wrong_kind_names_its_line(text, wanted):
    with pytest.raises(YamlError, match=wanted) as failure:
        parse_yaml(text)
    assert failure.value.line == text.count("\n") + 1


def test_a_key_must_be_a_word():
    with pytest.raises(YamlError, match="a key must be a plain word"):
        parse_yaml("a: 1\n[b]: 2\n")


def test_windows_line_ends_are_read_as_line_ends_and_a_lone_cr_is_kept():
    doc, problems = load.parse_file("exercises/plank.md",
                                    b"---\r\ntitle: Plank\r\n---\r\nBody\rtext\r\n")
    assert problems == []
    assert doc.data == {"title": "Plank"} and doc.data.key_lines == {"title": 2}
    assert doc.body == "Body\rtext\n" and doc.body_line == 4


@pytest.mark.parametrize("raw", [b"", b"\xef\xbb\xbf", b" \n\t\r\n", b"\xe2\x80\xa8\n"])
def test_a_file_of_nothing_but_spaces_is_empty(raw):
    doc, problems = load.parse_file("exercises/plank.md", raw)
    assert doc is None
    assert [p.message for p in problems] == ["the file is empty; add its content or delete it"]
