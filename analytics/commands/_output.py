"""Printing tables for the command line: aligned text, CSV or JSON."""

from __future__ import annotations

import sys
from typing import TextIO

import pandas as pd

FORMATS = ("table", "csv", "json")


def add_format_argument(parser) -> None:
    parser.add_argument(
        "--format", choices=FORMATS, default="table", help="output format (default: table)"
    )


def emit(frame: pd.DataFrame, fmt: str = "table", stream: TextIO | None = None) -> None:
    """Write ``frame`` to ``stream`` (stdout) as an aligned table, CSV or JSON records."""
    stream = stream or sys.stdout
    if fmt == "csv":
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
