"""Reading grades: the Flesch-Kincaid grade of each page's prose, and the build's warning."""
from __future__ import annotations

import random

import pytest

from guidekit import readability, schema
from guidekit.markdown_body import render_markdown

from conftest import build_into

HARD = ("Notwithstanding considerable methodological heterogeneity, contemporary "
        "epidemiological investigations consistently demonstrate that recreational "
        "endurance participation is not associated with increased lumbar degeneration.")


def test_grade_follows_the_flesch_kincaid_formula():
    # 3 sentences, 8 words, 10 syllables: 0.39 * 8/3 + 11.8 * 10/8 - 15.59
    assert readability.grade(["Short one. Another short one! And a third?"]) == 0.2
    assert readability.grade([HARD]) > 20
    assert readability.grade([]) == 0.0


@pytest.mark.parametrize("text", [
    "don't stop, it's fine: rock'n'roll isn't x_y or 'quoted' or '' or 3.5km 10-12 weeks",
    "plain words and numbers 1 22 333 with o'clock",
])
def test_ascii_words_are_found_as_the_unicode_pattern_finds_them(text):
    assert readability._ASCII_WORD.findall(text) == readability._WORD.findall(text)


def _counted_by_expressions(blocks: list[str]) -> readability.Counts:
    """What `counts` gives, worked out with the expressions alone (no byte tables)."""
    sentences = words = syllables = 0
    for block in blocks:
        found = readability._WORD.findall(block.lower())
        if found:
            sentences += 1 + len(readability._SENTENCE_END.findall(block.rstrip()))
            words += len(found)
            syllables += sum(map(readability._syllables, found))
    return readability.Counts(sentences, words, syllables)


def test_byte_tables_count_as_the_expressions_do():
    """ASCII text is counted with byte tables; each odd case of words, apostrophes, stops and
    spaces (all that \\s matches) against the expressions, and random mixes of them."""
    odd = ["Don't stop. 'Quoted' runner's rock'n'roll''x 'tis.", "Wait... what?! Yes!? ok",
           "end.\tnext.\nthird.\x0bfour.\x1cfive.\x1f six . ", "no words: ... !!! ???",
           "Café’s été. Naïve?\xa0Yes.", "x_y 3.5km 10-12 weeks.", "", "   ", "a.b.c. d"]
    rng = random.Random(8)
    alphabet = "ab9_'’.!? \t\n\x0b\x0c\r\x1c\x1f\xa0é-"
    mixes = [["".join(rng.choice(alphabet) for _ in range(rng.randrange(30)))
              for _ in range(rng.randrange(4))] for _ in range(3000)]
    for blocks in [[text] for text in odd] + [odd] + mixes:
        assert readability.counts(blocks) == _counted_by_expressions(blocks), blocks


def test_counts_add_up_to_the_grade_of_all_blocks():
    """A body counted in a worker plus text fields counted later: the same grade as all of it
    counted at once."""
    fields, body = ["Plank", "Hold a straight line. Breathe."], ["Lie down", "Lift slowly."]
    assert readability.grade_of(readability.counts(fields) + readability.counts(body)) == \
        readability.grade(fields + body)


def test_headings_and_list_items_end_sentences():
    body = render_markdown("## Stay active\n\n- Walk every day\n- Keep running if it "
                           "feels fine\n- Use heat\n")
    assert readability.body_prose(body.html) == ["Stay active", "Walk every day",
                                                 "Keep running if it feels fine", "Use heat"]
    as_one_sentence = readability.grade([" ".join(readability.body_prose(body.html))])
    assert readability.grade(readability.body_prose(body.html)) < as_one_sentence


def test_page_prose_takes_text_fields_not_slugs_or_choices(copy_site, tmp_path):
    report = build_into(copy_site("minimal"), tmp_path / "site")
    assert set(report.reading_grades) == {("page", "home"), ("page", "about"),
                                          ("page", "checker"), ("article", "warning-signs"),
                                          ("pain-type", "muscle-related"), ("exercise", "plank")}
    plank = schema.Exercise(
        slug="plank", source_path="p.md", title="Plank", summary="A hold.",
        sources=("nhs-back-pain",), review=schema.Review(status="awaiting-review",
                                                         next_review=schema.dt.date(2027, 1, 1)),
        updated=schema.dt.date(2026, 1, 1), change_note="First version.",
        aliases=("core hold",), steps=("Lie down.", "Lift."), dose="Three holds.",
        progression="Hold longer.", cautions=("Go gently.",), stop_if=("Pain spreads.",),
        evidence_level="some-evidence", evidence_note="Some evidence.")
    assert readability.texts_of(readability.prose_by_field(plank)) == [
        "Plank", "A hold.", "First version.", "Lie down.", "Lift.", "Three holds.",
        "Hold longer.", "Go gently.", "Pain spreads.", "Some evidence."]


@pytest.mark.parametrize("where", ["body", "summary"])
def test_a_hard_page_gets_a_warning_with_its_grade(where, copy_site, tmp_path):
    content = copy_site("minimal")
    plank = content / "exercises" / "plank.md"
    text = plank.read_text()
    if where == "body":
        text += f"\n{HARD}\n"
    else:
        text = text.replace("summary: A hold that trains the muscles around your spine.",
                            f"summary: {HARD}")
    plank.write_text(text)
    report = build_into(content, tmp_path / "site")
    grade = report.reading_grades[("exercise", "plank")]
    assert grade > 8
    warnings = [str(p) for p in report.warnings if p.field == "reading_grade"]
    assert warnings == [f"{content}/exercises/plank.md:2: warning: reading_grade: reading grade "
                        f"{grade:.1f} is above 8; use shorter sentences and simpler words"]


def test_nested_text_counts_but_ids_and_links_do_not():
    question = schema.Question(id="fever", text="Do you have a fever?", help="",
                               screen="urgent", if_yes="urgent", if_no="where")
    outcome = schema.Outcome(id="urgent", urgency="urgent", title="Get help today",
                             advice=("Call 111.",), links=("article:warning-signs",))
    assert readability.texts_of(readability.prose_by_field(question)) == ["Do you have a fever?"]
    assert readability.texts_of(readability.prose_by_field(outcome)) == ["Get help today", "Call 111."]
