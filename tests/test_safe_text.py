"""Data text neutralised per medium (analytics.wording.safe): hand-written hostile cases."""

import pandas as pd
import pytest

from analytics.wording import safe


@pytest.mark.parametrize(
    "hostile",
    [
        "[clickme](javascript:alert(1))",
        "![x](http://evil.example/p.png)",
        "<javascript:alert(1)>",
        "http://evil.example/",
        "<img src=x onerror=alert(1)>",
    ],
)
def test_markdown_text_leaves_no_markup_or_scheme(hostile):
    out = safe.markdown_text(hostile)
    for forbidden in ("[", "]", "(", ")", "<", ">", ":", "!"):
        assert forbidden not in out
    assert "javascript" not in out or "&#58;" in out


def test_markdown_text_renders_back_to_the_literal_text():
    import html

    text = "pay_ments *core* [v2] & <beta> #1"
    assert html.unescape(safe.markdown_text(text)) == text


def test_bidi_and_controls_are_dropped_everywhere():
    spoof = "admin\u202egnp.exe\u2066x\u2069"
    for fn in (safe.html_text, safe.markdown_text, safe.terminal_text, safe.clean_text):
        out = fn(spoof)
        assert "\u202e" not in out and "\u2066" not in out and "\u2069" not in out
    assert safe.terminal_text("a\x1b[2J\x1b]0;title\x07b\x07c\x00d") == "abcd"


def test_html_text_escapes_quotes_and_shortens():
    assert safe.html_text('"><script>') == "&quot;&gt;&lt;script&gt;"
    long = "x" * 1000
    out = safe.html_text(long)
    assert len(out) == safe.DISPLAY_LIMIT and out.endswith(safe.ELLIPSIS)
    assert safe.html_text(long, limit=None) == long


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_spreadsheet_cell_neutralises_formula_starts(start):
    assert safe.spreadsheet_cell(start + "1+1").startswith("'")


def test_spreadsheet_frame_keeps_numbers_and_safe_text():
    frame = pd.DataFrame({"service": ["=cmd|' /C calc'!A0", "payments"], "value": [-1.5, 2.0]})
    out = safe.spreadsheet_frame(frame)
    assert out["service"].tolist() == ["'=cmd|' /C calc'!A0", "payments"]
    assert out["value"].tolist() == [-1.5, 2.0]
    assert frame["service"][0].startswith("=")  # the input is not changed
