"""How easy a page is to read: the Flesch-Kincaid grade of everything a reader reads on it.

Plain-language guidance for health information aims at US grade 8 or below. The grade counts
words per sentence and syllables per word over the page's prose: title, summary, every text
field (steps, cautions, typical signs, the checker's questions, ...) and the body. Each of those, and each paragraph,
heading, list item and table cell of the body, ends a sentence even without a full stop, so
that lists and headings are not read as one long sentence.

Syllables come from syllapy (a word list with a rule for other words). textstat's English
syllable count needs NLTK's CMU dictionary, downloaded at run time, which an offline build
cannot fetch. Pure: it reads the model and the rendered Markdown only.
"""
from __future__ import annotations

import dataclasses
import functools
import re
from collections import Counter
from dataclasses import dataclass
from html import unescape

from . import schema
from .problems import Problem, warning

GRADE_LIMIT = 8.0
FIELD = "reading_grade"
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
_SENTENCE_END = re.compile(r"[.!?]+\s")
# For plain ASCII (most text), byte tables do what the two expressions above do, in half the
# time: one keeps word characters and the apostrophe, turning the rest into spaces; the other
# turns each of .!? into "." and each space (what \s matches) into " ", so that every run of
# .!? followed by a space holds exactly one ". ".
_WORD_BYTES = bytes(c if c in b"abcdefghijklmnopqrstuvwxyz0123456789'" else 32
                    for c in range(256))
_STOP_BYTES = bytes(46 if c in b".!?" else 32 if chr(c).isspace() else 120 for c in range(256))
_NOT_PROSE = {"aliases"}  # search words, not sentences anyone reads
_NAME = re.compile(rf"(?:[a-z-]+:)?{schema.SLUG_PATTERN}(?:#[a-z0-9-]+)?")
# The end of a body element that ends a sentence, whatever the punctuation.
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|td|th|dt|dd|blockquote|pre|div)>|<br\s*/?>")
_TAG = re.compile(r"<[^>]*>")


def _texts(value) -> list[str]:
    """The prose in a field's value: its text, list items and the text of nested groups of
    keys (a checker question's text and help, say), without the slugs, ids and fixed choices
    (`some-evidence`) that look like `word-word`."""
    if isinstance(value, str):
        return [] if not value.strip() or _NAME.fullmatch(value) else [value]
    if isinstance(value, tuple):
        return [text for item in value for text in _texts(item)]
    if dataclasses.is_dataclass(value):
        return texts_of(prose_by_field(value))
    return []  # dates and numbers


def prose_by_field(entity) -> dict[str, list[str]]:
    """{field: the texts in it} for the fields of an entity that hold text for readers, one
    text per value or list item."""
    found = {}
    for f in schema.editor_fields(type(entity)):
        if f.name not in _NOT_PROSE and not f.metadata.get("ref"):
            texts = _texts(getattr(entity, f.name))
            if texts:
                found[f.name] = texts
    return found


def texts_of(prose: dict[str, list[str]]) -> list[str]:
    """The texts of prose_by_field, one block per value or list item."""
    return [text for texts in prose.values() for text in texts]


def body_prose(html: str) -> list[str]:
    """The text of a rendered body, one block per paragraph, heading, list item or cell."""
    text = _TAG.sub("", _BLOCK_END.sub("\x00", html))
    return [" ".join(unescape(block).split()) for block in text.split("\x00") if block.strip()]


@functools.lru_cache(maxsize=1 << 16)
def _syllables(word: str) -> int:
    if any(c.isdigit() for c in word):
        return 1
    # Loaded on first use (15 ms, with the importlib.metadata it imports): a rebuild after
    # an edit counts nothing in the build process (see pipeline.fields_to_grade).
    import syllapy
    return max(1, syllapy.count(word))


@dataclass(frozen=True)
class Counts:
    """What the grade is worked out from. Counts add up, so a page's body can be counted in a
    worker process (with its Markdown) and its text fields later, in the build process."""
    sentences: int = 0
    words: int = 0
    syllables: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.sentences + other.sentences, self.words + other.words,
                      self.syllables + other.syllables)


def _ascii_words(text: bytes) -> list[str]:
    """_ASCII_WORD.findall(text) for lower-case ASCII text, but not in the same order."""
    tokens = text.translate(_WORD_BYTES).decode("ascii").split()
    if b"'" not in text:
        return tokens
    # An apostrophe joins two words into one only between letters or digits ("don't").
    return [word for token in tokens
            for word in (_ASCII_WORD.findall(token) if "'" in token else (token,))]


def counts(blocks: list[str]) -> Counts:
    sentences = 0
    every: list[str] = []
    for block in blocks:
        lower = block.lower().rstrip()
        if lower.isascii():
            text = lower.encode("ascii")
            found = _ascii_words(text)
            stops = text.translate(_STOP_BYTES).count(b". ") if found else 0
        else:
            found = _WORD.findall(lower)
            stops = len(_SENTENCE_END.findall(lower)) if found else 0
        if found:
            # Each full stop inside the block ends a sentence, and so does the block's end.
            sentences += 1 + stops
            every += found
    tally = Counter(every)
    return Counts(sentences, len(every), sum(n * _syllables(word) for word, n in tally.items()))


def grade_of(found: Counts) -> float:
    """Flesch-Kincaid grade level, to one decimal place."""
    if not found.words:
        return 0.0
    return round(0.39 * found.words / found.sentences + 11.8 * found.syllables / found.words
                 - 15.59, 1)


def grade(blocks: list[str]) -> float:
    """Flesch-Kincaid grade level of the text blocks, to one decimal place."""
    return grade_of(counts(blocks))


def body_counts(html: str) -> Counts:
    """The counts of a rendered Markdown body."""
    return counts(body_prose(html))


def grade_warning(entity, reading_grade: float) -> Problem | None:
    """A warning when the page reads above the plain-language limit."""
    if reading_grade <= GRADE_LIMIT:
        return None
    line = entity.lines.get("title", 1)
    return warning(entity.source_path, line, FIELD,
                   f"reading grade {reading_grade:.1f} is above {GRADE_LIMIT:g}; use shorter "
                   "sentences and simpler words")
