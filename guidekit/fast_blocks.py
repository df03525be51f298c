"""Python-Markdown's block steps, minus the searches that cannot match.

For each block of a body (a paragraph, a heading, a list), the block parser asks its
processors in turn whether the block is theirs, and several answer by searching the whole
block with a regular expression: a `#` heading, a `>` quote, an `!!!` admonition, a `---`
rule, a `[id]: url` reference. Each expression can only match text that holds a certain
string, which most paragraphs lack; checking for the string first gives the same answers and
takes more than half off the block parser (at 1000 synthetic articles: 0.26 to 0.11 ms a
body).

Only the processors below, of exactly these classes, are guarded; any other (a subclass, an
extension's) keeps its own expression. A test checks each guard against every test body.

Before that, two steps over the whole body are cut short: the raw-HTML step runs an HTML
parser to find HTML blocks, and a body without `<` has none, so it is passed on as it is;
the whitespace step searches for lines of only spaces, which need a space before a line
break (0.03 ms a body saved by each).
"""
from __future__ import annotations

import re
from typing import Iterator

import markdown
from markdown import blockprocessors, util
from markdown.extensions import admonition
from markdown.preprocessors import HtmlBlockPreprocessor, NormalizeWhitespace

# (processor class, attribute holding its expression): the strings one of which any match of
# the expression contains.
NEEDS = {
    (blockprocessors.HashHeaderProcessor, "RE"): ("#",),
    (blockprocessors.BlockQuoteProcessor, "RE"): (">",),
    (blockprocessors.SetextHeaderProcessor, "RE"): ("\n=", "\n-"),
    (blockprocessors.HRProcessor, "SEARCH_RE"): ("-", "_", "*"),
    (blockprocessors.ReferenceProcessor, "RE"): ("]:",),
    (admonition.AdmonitionProcessor, "RE"): ("!!!",),
}


class Guarded:
    """A compiled expression that answers "no match" at once for text holding none of the
    strings every match contains, and otherwise asks the expression."""

    __slots__ = ("expression", "needs")

    def __init__(self, expression: re.Pattern, needs: tuple[str, ...]):
        self.expression, self.needs = expression, needs

    def _possible(self, text: str) -> bool:
        return any(need in text for need in self.needs)

    def search(self, text: str, *where) -> re.Match | None:
        return self.expression.search(text, *where) if self._possible(text) else None

    def match(self, text: str, *where) -> re.Match | None:
        return self.expression.match(text, *where) if self._possible(text) else None

    def finditer(self, text: str, *where) -> Iterator[re.Match]:
        return self.expression.finditer(text, *where) if self._possible(text) else iter(())

    def __getattr__(self, name: str):  # pattern, flags, groups, ...: the expression's own
        return getattr(self.expression, name)


class _QuickHtmlBlocks(HtmlBlockPreprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return super().run(lines) if any("<" in line for line in lines) else lines


class _QuickWhitespace(NormalizeWhitespace):
    def run(self, lines: list[str]) -> list[str]:
        # Python-Markdown's step (3.11), with the search for blank lines of spaces guarded.
        source = "\n".join(lines).replace(util.STX, "").replace(util.ETX, "")
        source = source.replace("\r\n", "\n").replace("\r", "\n") + "\n\n"
        source = source.expandtabs(self.md.tab_length)
        if " \n" in source:
            source = re.sub(r"(?<=\n) +\n", "\n", source)
        return source.split("\n")


def guard_blocks(md: markdown.Markdown) -> int:
    """Guard the expressions of `md`'s block processors listed in NEEDS, and its whitespace
    and raw-HTML steps if they are Python-Markdown's own (call it once every extension is
    registered). Returns how many were guarded."""
    guarded = 0
    for name, stock, quick, priority in (  # each at the priority Python-Markdown gives it
            ("normalize_whitespace", NormalizeWhitespace, _QuickWhitespace, 30),
            ("html_block", HtmlBlockPreprocessor, _QuickHtmlBlocks, 20)):
        if type(md.preprocessors[name]) is stock:
            md.preprocessors.register(quick(md), name, priority)
            guarded += 1
    for processor in md.parser.blockprocessors:
        for (kind, attribute), needs in NEEDS.items():
            expression = getattr(processor, attribute, None)
            if type(processor) is kind and isinstance(expression, re.Pattern):
                setattr(processor, attribute, Guarded(expression, needs))
                guarded += 1
    return guarded
