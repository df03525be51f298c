"""The faster inline step and block tests must give exactly what Python-Markdown's own give."""
from __future__ import annotations

import sys
from pathlib import Path

import markdown
from markdown.treeprocessors import InlineProcessor

from guidekit import markdown_body
from guidekit.fast_blocks import NEEDS, guard_blocks
from guidekit.fast_inline import _needs, quick_inline

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from synthetic import write_corpus  # noqa: E402

EXTENSIONS = ["tables", "sane_lists", "admonition"]

# Every kind of inline markup, each alone and mixed, and near misses that must stay text
# (each case fails the test when the character its pattern needs is set wrong).
TRICKY = [
    "a `code [x](y) *z*` b, `` a ` b `` and \\`not code\\`",
    "\\[not a link\\] \\*not em\\* \\\\ back\\slash",
    "AT&T, &amp; &copy; &#169; &#xA9; & alone; &nope",
    "fish &amp; chips",
    "a <https://example.org> link",
    "mail <me@example.org> now",
    "snake_case and _em_ only",
    "stars *em* only",
    "one `code` span",
    "one [link](https://example.org)",
    "one \\*escape",
    "break  \nhere",
    "<https://example.org/a?b=1&c=2> and <me@example.org> and <not a link>",
    "line ends with two spaces  \nthen a break; one space \nno break",
    "raw <b>html</b>, <!-- comment --> and a < b > c",
    "**bold** *em* __bold__ _em_ ***both*** snake_case_word 2 * 3 * 4 a*b*c",
    "*a [link](https://x.org) inside* and [**bold** link](https://x.org 'title')",
    "![an image](pic.png) and ![ref image][r] and ![short]",
    "[full][r], [collapsed][], [short] and [missing][nope]\n\n[r]: https://r.org\n"
    "[collapsed]: https://c.org\n[short]: https://s.org",
    "[undefined][ref], [short] and ![image][ref] with no reference defined",
    "- list *item* with `code`\n- and [link](exercise:plank#how-to-do-it)\n\n"
    "> quote with & and *em*",
    "| a | *b* |\n|:--|--:|\n| `c` | [d](https://d.org) |",
    "!!! note \"Careful\"\n    admonition with **bold** text",
    "plain words only, nothing to match at all. Just prose.",
    "multi\nline *em\nphasis* and __strong\nacross__ lines",
    # Blocks, and near misses that must stay paragraphs.
    "Title\n=====\n\nSub\n---\n\nnot a - rule, 2*3 and snake_case\n\n- - -\n\n***\n\n___",
    "## heading ##\n\n#hashtag in text\n\nC# and F#\n\n###### six",
    "> quote\n> more\n\na > b and 1 >= 0\n\n>\n> > nested",
    "[id]: https://x.org \"t\"\n\ntext [id] and [id]: inline\n\n   [two]:<https://y.org>\n\nsee [two]",
    "!!! warning \"Mind\"\n    first\n\n    second, no bangs\n\nwow!!! not one\n\n!!!tip\n    close",
    "para\n-\n\npara\n=\n\n--\n\n-- -- --",
    "spaces \n   \n\t\ttabs\r\nand\rreturns \x02stx\x03 \n \n  \n\nend  ",
]


def _stock() -> markdown.Markdown:
    return markdown.Markdown(extensions=EXTENSIONS, output_format="html")


def _quick() -> markdown.Markdown:
    md = _stock()
    md.treeprocessors.register(quick_inline(md), "inline", 20)
    guard_blocks(md)
    return md


def _bodies(tmp_path: Path) -> list[str]:
    guide = sorted((ROOT / "content").rglob("*.md"))
    synthetic = sorted((write_corpus(tmp_path / "synthetic", 40)).rglob("*.md"))
    return [path.read_text(encoding="utf-8").split("---\n", 2)[2]
            for path in guide + synthetic] + TRICKY


def test_installed_markdown_gets_the_quick_step():
    """If a Python-Markdown release renames the method refined, the build falls back to the
    stock step; this test fails so that the lost speed is noticed."""
    md = markdown_body._new_markdown()
    assert type(md.treeprocessors["inline"]) is not InlineProcessor
    assert quick_inline(md) is not None


def test_installed_markdown_gets_every_block_guard():
    """Likewise for a block processor renamed, or an expression kept elsewhere."""
    assert guard_blocks(_stock()) == len(NEEDS) + 2  # and the whitespace and raw-HTML steps


def test_same_html_as_python_markdown(tmp_path):
    stock, quick = _stock(), _quick()
    bodies = _bodies(tmp_path)
    assert len(bodies) > 60
    for body in bodies:
        stock.reset()
        quick.reset()
        assert quick.convert(body) == stock.convert(body), body[:200]


def test_no_pattern_matches_without_what_it_needs(tmp_path):
    """Each pattern skipped for lack of a character indeed cannot match without it: tried on
    every body, every match holds one of the strings the pattern is said to need."""
    bodies = _bodies(tmp_path)
    checked = 0
    for pattern in _quick().inlinePatterns:
        needs = _needs(pattern)
        if needs is None:
            continue
        matches = [m.group(0) for body in bodies for m in pattern.compiled_re.finditer(body)]
        assert matches, f"no test body exercises {type(pattern).__name__}"
        for found in matches:
            assert any(text in found for text in needs), (type(pattern).__name__, found)
        checked += 1
    assert checked >= 10


def test_no_block_expression_matches_without_what_it_needs(tmp_path):
    """Likewise for each guarded block expression, on every body."""
    bodies = _bodies(tmp_path)
    for (kind, attribute), needs in NEEDS.items():
        expression = getattr(kind, attribute)
        matches = [m.group(0) for body in bodies for m in expression.finditer(body)]
        assert matches, f"no test body exercises {kind.__name__}"
        for found in matches:
            assert any(text in found for text in needs), (kind.__name__, found)


def test_text_without_html_passes_the_raw_html_step_unchanged(tmp_path):
    """The raw-HTML step is skipped for a body without `<`: Python-Markdown's own step gives
    back every such body line for line."""
    md = _stock()
    without = [body for body in _bodies(tmp_path) if "<" not in body]
    assert len(without) > 40
    for body in without:
        lines = md.preprocessors["normalize_whitespace"].run(body.split("\n"))
        assert md.preprocessors["html_block"].run(lines) == lines
