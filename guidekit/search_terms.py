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
# Byte by byte: a-z and 0-9 are kept, the apostrophe is deleted ("runner's" -> "runners"),
# and everything else becomes a space, which separates words. Upper case too: lower() has
# folded all it can, and what NFKD makes upper case afterwards ("ℌ" -> "H") separates.
_KEPT = b"abcdefghijklmnopqrstuvwxyz0123456789"
_SPACES_BUT_KEPT = bytes(c if c in _KEPT else 32 for c in range(256))

# Words too common to tell pages apart. Short on purpose: "back", "down", "over", "not" and
# "no" carry meaning in a health guide ("pain down my leg", "over 50", "can't pee").
STOP_WORDS = frozenset("""a an and are as at be but by do does for from how i if in into is it
its me my of on or our so than that the their them then there these they this to was we were
what when where which who why will with you your""".split())



def words(text: str) -> list[str]:
    """Lower-cased words without accents or apostrophes; everything else separates words."""
    text = text.lower()
    if not text.isascii():  # rare: accents, ligatures ("ﬁ" -> "fi") and the apostrophe ’
        text = unicodedata.normalize("NFKD", text).replace("\u2019", "'")
        text = _MARKS.sub("", text)
    # What is still not ASCII becomes "?", a separator. Splitting bytes this way takes half
    # the time of a regular expression's findall.
    return text.encode("ascii", "replace").translate(_SPACES_BUT_KEPT, b"'").decode().split()


@cache
def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem: "stretches", "stretching" -> "stretch"."""
    if word.isdigit():  # its own stem (Snowball's rules are for letters): no stemmer loaded
        return word
    return _stemmer().stemWord(word)


@cache
def _stemmer():
    # Made on first use: a build that reuses the search index never stems (saves ~12 ms).
    import snowballstemmer
    return snowballstemmer.stemmer("english")
