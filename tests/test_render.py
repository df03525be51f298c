"""The render stage's own Jinja environment escapes exactly as stock Jinja with autoescape."""
from __future__ import annotations

import datetime as dt

import jinja2
import pytest
from markupsafe import Markup, escape

from guidekit.render import escaped, make_environment

TRICKY = ["", "plain", "<script>alert('x')</script>", 'a "quoted" & <b>bold</b> \'s',
          "&amp; already", "unicode: café – “quotes” <>"]


class _Html:
    def __html__(self) -> str:
        return "<em>own markup</em>"


@pytest.mark.parametrize("value", [*TRICKY, Markup("<b>safe</b>"), 2024, None,
                                   dt.date(2026, 11, 25), _Html()])
def test_escaped_is_markupsafe_escape_as_a_string(value):
    assert escaped(value) == str(escape(value))


TEMPLATE = """{{ text }}|{{ markup }}|{{ text ~ markup }}|{{ number }}|{{ own }}
{% macro box(x) %}<div>{{ x }}</div>{% endmacro %}{{ box(text) }}
{% set block %}<i>{{ text }}</i>{% endset %}{{ block }}
{% autoescape false %}{{ text }}{% endautoescape %}|{{ text|e }}|{{ [text, markup]|join }}
"""


def test_pages_are_escaped_as_stock_jinja_escapes_them():
    context = {"text": TRICKY[3], "markup": Markup("<b>safe</b>"), "number": 7, "own": _Html()}
    stock = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True,
                               keep_trailing_newline=True)
    stock = stock.from_string(TEMPLATE).render(context)
    ours = make_environment({"t.html": TEMPLATE}).get_template("t.html").render(context)
    assert ours == stock
    assert "&lt;b&gt;bold&lt;/b&gt;" in ours and "<b>safe</b>" in ours
