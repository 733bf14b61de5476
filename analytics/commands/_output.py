"""Printing tables for the command line: aligned text, CSV or JSON.

Data text is neutralised for where it goes (:mod:`analytics.wording.safe`): CSV cells that a
spreadsheet would run as a formula are quoted, and the aligned table carries no escape
sequence, control or bidi character and no name longer than ``DISPLAY_LIMIT``. JSON escapes
control characters itself and is left exact.
"""

from __future__ import annotations

import html
import sys
from typing import TextIO

import pandas as pd

from analytics.wording.safe import DISPLAY_LIMIT, spreadsheet_frame, terminal_text

FORMATS = ("table", "csv", "json")


def add_format_argument(parser, extra: tuple[str, ...] = ()) -> None:
    """``--format``: table (for reading), csv or json (exact), and any ``extra`` (parquet)."""
    parser.add_argument(
        "--format",
        choices=(*FORMATS, *extra),
        default="table",
        help="output format (default: table, rounded for reading; the others are exact)",
    )


def emit(frame: pd.DataFrame, fmt: str = "table", stream: TextIO | None = None) -> None:
    """Write ``frame`` to ``stream`` (stdout) as an aligned table, CSV or JSON records."""
    stream = stream or sys.stdout
    if fmt == "parquet":
        _emit_parquet(frame, stream)
    elif fmt == "csv":
        spreadsheet_frame(frame).to_csv(stream, index=False)
    elif fmt == "json":
        stream.write(frame.to_json(orient="records", date_format="iso", indent=1))
        stream.write("\n")
    else:
        with pd.option_context(
            "display.max_rows",
            None,
            "display.max_columns",
            None,
            "display.width",
            200,
            "display.max_colwidth",
            60,
        ):
            shown = terminal_frame(frame)
            stream.write(shown.to_string(index=False) if len(shown) else "(no rows)")
            stream.write("\n")


def terminal_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are safe to print on a terminal.

    >>> terminal_frame(pd.DataFrame({"service": ["\\x1b[31mred"]})).iloc[0, 0]
    'red'
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or isinstance(out[column].dtype, pd.StringDtype):
            out[column] = out[column].map(
                lambda v: terminal_text(v, DISPLAY_LIMIT) if isinstance(v, str) else v
            )
    out.columns = [terminal_text(c, DISPLAY_LIMIT) for c in out.columns]
    return out


def terminal_lines(text: str) -> str:
    """Multi-line ``text`` (plain, or Markdown with character references) safe on a terminal."""
    return "\n".join(terminal_text(html.unescape(line)) for line in str(text).splitlines())


def _emit_parquet(frame: pd.DataFrame, stream: TextIO) -> None:
    """Parquet bytes to the stream's binary buffer; refused on a terminal."""
    from analytics.exceptions import AnalyticsError

    if stream.isatty():
        raise AnalyticsError(
            "--format parquet writes binary data: redirect it to a file (> x.parquet)"
        )
    stream.flush()
    stream.buffer.write(frame.to_parquet(index=False))
    stream.buffer.flush()
