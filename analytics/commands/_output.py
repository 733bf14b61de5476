"""Printing tables for the command line: aligned text, CSV or JSON."""

from __future__ import annotations

import sys
from typing import TextIO

import pandas as pd

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
        frame.to_csv(stream, index=False)
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
            stream.write(frame.to_string(index=False) if len(frame) else "(no rows)")
            stream.write("\n")


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
