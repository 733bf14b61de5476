"""Text from data, made harmless for the medium it is shown in.

Every string that comes from a data file or program.yml (service names, incident titles,
milestone labels, team names) passes through one of these before it reaches a reader:

- :func:`html_text`: HTML-escaped, for a page's markup;
- :func:`markdown_text`: for a Markdown cell: HTML-escaped *and* every Markdown metacharacter
  written as a numeric character reference, so data text is never read as a link, image,
  emphasis or autolink (``[x](javascript:...)`` stays literal text);
- :func:`without_bidi`: only the bidi controls removed (for a whole page: see report.html);
- :func:`terminal_text`: for a terminal table: ANSI escape sequences and control characters
  removed;
- :func:`spreadsheet_cell` / :func:`spreadsheet_frame`: for CSV and Excel files: a text cell that
  a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) gets a leading
  apostrophe (OWASP's advice for CSV injection).

All of them drop bidirectional override and isolate characters (visual spoofing, "Trojan
Source") and, where a ``limit`` is given, shorten the text to that many characters with an
ellipsis; the full value stays in the data and on the data-quality page.

Hand-written: the standard library escapes HTML but no maintained library neutralises one
string for Markdown, terminals and spreadsheets together.

>>> html_text("<b>pay</b>")
'&lt;b&gt;pay&lt;/b&gt;'
>>> "javascript:" in markdown_text("[x](javascript:alert(1))")
False
>>> terminal_text("red\\x1b[31mALERT")
'redALERT'
>>> spreadsheet_cell("=HYPERLINK(1)")
"'=HYPERLINK(1)"
>>> shorten("a" * 10, 5)
'aaaa…'
"""

from __future__ import annotations

import html
import re
from typing import Any

import pandas as pd

#: How many characters of a name or label a page, chart or terminal shows.
DISPLAY_LIMIT = 80
ELLIPSIS = "…"

#: Bidi embeddings, overrides and isolates, marks, and other invisible format controls.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: ANSI/VT escape sequences (CSI, OSC and two-character escapes).
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
#: C0 and C1 control characters and DEL (tab and newline handled per medium).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MARKDOWN_META = {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-.!|~:^=$"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def shorten(text: str, limit: int | None) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis (None: no limit)."""
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS


def clean_text(value: Any, limit: int | None = None) -> str:
    """``value`` as one line of plain text: no bidi or control characters, at most ``limit``."""
    text = "" if value is None else str(value)
    text = _ANSI.sub("", text)
    text = _BIDI.sub("", text)
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    text = _CONTROL.sub("", text)
    return shorten(text, limit)


def html_text(value: Any, limit: int | None = DISPLAY_LIMIT) -> str:
    """``value`` escaped for HTML markup (quotes too), cleaned and shortened."""
    return html.escape(clean_text(value, limit), quote=True)


def markdown_text(value: Any, limit: int | None = DISPLAY_LIMIT) -> str:
    """``value`` for a Markdown cell: rendered as the literal text, never as Markdown or HTML."""
    escaped = html.escape(clean_text(value, limit), quote=True)
    # html.escape made & < > " ' into references; write the Markdown metacharacters the same
    # way, leaving the references themselves (the & and ; of "&lt;") intact.
    return re.sub(
        r"&[a-z]+;|&#x?[0-9a-f]+;|.",
        lambda m: m.group(0) if len(m.group(0)) > 1 else _MARKDOWN_META.get(m.group(0), m.group(0)),
        escaped,
        flags=re.IGNORECASE | re.DOTALL,
    )


def terminal_text(value: Any, limit: int | None = None) -> str:
    """``value`` for a terminal: no escape sequences or control characters."""
    return clean_text(value, limit)


def spreadsheet_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would evaluate, made literal; other values unchanged."""
    if not isinstance(value, str):
        return value
    risky = value.startswith(_FORMULA_START)
    value = _BIDI.sub("", _CONTROL.sub("", value))
    return "'" + value if risky or value.startswith(_FORMULA_START) else value


def spreadsheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are safe in CSV and Excel."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or isinstance(out[column].dtype, pd.StringDtype):
            out[column] = out[column].map(spreadsheet_cell)
    out.columns = [spreadsheet_cell(c) for c in out.columns]
    return out


def without_bidi(text: str) -> str:
    """``text`` without bidi override, embedding, isolate and mark characters (all else kept).

    >>> without_bidi("abc\u202edef")
    'abcdef'
    """
    return _BIDI.sub("", text)
