"""How search turns text into terms. The index is built with these rules; the browser never
stems: it splits and folds a query the same way (templates/static/search.js, `words`), then
looks each word up in the vocabulary the index ships (every word form -> its stem). A browser
test runs both splitters over the whole guide and checks that they agree.
"""
from __future__ import annotations

import re
import unicodedata
from functools import cache


_MARKS = re.compile("[\u0300-\u036f]")        # accents, once NFKD has split them off
_APOSTROPHES = re.compile("['\u2019]")        # "runner's" -> "runners", "can't" -> "cant"
_WORD = re.compile("[a-z0-9]+")

# Words too common to tell pages apart. Short on purpose: "back", "down", "over", "not" and
# "no" carry meaning in a health guide ("pain down my leg", "over 50", "can't pee").
STOP_WORDS = frozenset("""a an and are as at be but by do does for from how i if in into is it
its me my of on or our so than that the their them then there these they this to was we were
what when where which who why will with you your""".split())



def words(text: str) -> list[str]:
    """Lower-cased words without accents or apostrophes; everything else separates words."""
    if text.isascii():  # most text: nothing to fold, and only one kind of apostrophe
        return _WORD.findall(text.lower().replace("'", ""))
    folded = _MARKS.sub("", unicodedata.normalize("NFKD", text.lower()))
    return _WORD.findall(_APOSTROPHES.sub("", folded))


@cache
def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem: "stretches", "stretching" -> "stretch"."""
    return _stemmer().stemWord(word)


@cache
def _stemmer():
    # Made on first use: a build that reuses the search index never stems (saves ~12 ms).
    import snowballstemmer
    return snowballstemmer.stemmer("english")
