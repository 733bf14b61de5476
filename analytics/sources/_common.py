"""Helpers shared by the adapters: options, reading JSON / XML / CSV with precise errors, finishing.

Every adapter builds *raw* frames (text and timestamps, one row per record, the index holding
the 1-based record number used in error messages) and hands them to ``finish``, which types and
validates them through ``analytics.data.coerce.coerce_table`` exactly as the loader does.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from analytics.config import ProgramConfig
from analytics.data.coerce import coerce_table
from analytics.data.dataset import QualityLog
from analytics.data.schema import TABLES
from analytics.exceptions import DataValidationError

MS_PER_SECOND = 1000


@dataclass(frozen=True)
class SourceOptions:
    """What the user told the importer beyond the input files.

    Attributes
    ----------
    service
        Service name for every row (``--service``); adapters otherwise take it from the export.
    mapping
        A YAML mapping file (``--mapping``): required by ``csv``, optional for
        ``jira``/``pagerduty``.
    tags
        Glob of the git tags that are releases (``--tags 'release_*'``); None means every tag.
    environment
        Environment of deployments whose export does not name one (git releases, Jenkins jobs
        without an environment parameter); default ``production``.
    suite
        Suite of imported test runs (unit / integration / e2e); default ``unit``.
    config
        The target folder's program config: its time zone reads naive timestamps.
    """

    service: str | None = None
    mapping: Path | None = None
    tags: str | None = None
    environment: str | None = None
    suite: str | None = None
    config: ProgramConfig = field(default_factory=ProgramConfig)


def finish(
    raw: dict[str, pd.DataFrame], options: SourceOptions, log: QualityLog, files: dict[str, str]
) -> dict[str, pd.DataFrame]:
    """Type and validate each raw frame with ``coerce_table``; ``files`` names each table's
    source."""
    out = {}
    for table, frame in raw.items():
        if frame is None:
            continue
        frame = frame.copy()
        if frame.index.min() != 1 or not frame.index.is_unique:
            frame.index = pd.RangeIndex(1, len(frame) + 1)
        out[table] = coerce_table(frame, table, options.config, log, files.get(table, table))
    return out


def raw_frame(
    records: list[dict[str, Any]], table: str, index: Sequence[int] | None = None
) -> pd.DataFrame:
    """A raw frame with the table's columns (absent ones dropped), as text, indexed by record
    number."""
    names = TABLES[table].names
    frame = (
        pd.DataFrame.from_records(records, columns=names)
        if records
        else pd.DataFrame(columns=names)
    )
    frame = frame.dropna(axis=1, how="all") if len(frame) else frame
    for col in TABLES[table].required:
        if col not in frame.columns:
            frame[col] = pd.Series(dtype="str")
    frame.index = pd.Index(index if index is not None else range(1, len(frame) + 1))
    return frame


def read_json(path: Path) -> list[Any]:
    """The JSON value(s) in ``path``: one document, or several concatenated (``gh api --paginate``).

    Raises DataValidationError naming the line and column of truncated or invalid JSON.
    """
    text = read_text(path)
    decoder = json.JSONDecoder()
    values, pos = [], 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            last_line = text.rstrip().count("\n") + 1
            what = (
                "truncated JSON (the file ends mid-value)"
                if exc.lineno >= last_line
                else "invalid JSON"
            )
            raise DataValidationError(
                f"{what} at line {exc.lineno}, column {exc.colno}: {exc.msg}", file=str(path)
            ) from None
        except RecursionError:  # thousands of nested brackets: no export is shaped like that
            raise DataValidationError(
                "JSON nested too deeply to be an export", file=str(path)
            ) from None
        values.append(value)
    if not values:
        raise DataValidationError("empty file (expected a JSON export)", file=str(path))
    return values


def read_xml(path: Path) -> ET.Element:
    """The root element of an XML file; malformed XML names the line and column."""
    data = path.read_bytes() if path.is_file() else None
    if data is None:
        raise DataValidationError("no such file", file=str(path))
    if not data.strip():
        raise DataValidationError("empty file (expected an XML report)", file=str(path))
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        line, col = exc.position
        raise DataValidationError(
            f"not well-formed XML at line {line}, column {col + 1}", file=str(path)
        ) from None


def read_text(path: Path) -> str:
    if not path.is_file():
        raise DataValidationError("no such file", file=str(path))
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            f"not UTF-8 text (bad byte at offset {exc.start})", file=str(path)
        ) from None


def read_csv(path: Path, delimiter: str | None = None) -> pd.DataFrame:
    """A CSV (or TSV) export as text cells; repeated headers (Jira's ``Labels``) keep every copy.

    The index is the 1-based data row number; duplicate header names get ``.1``, ``.2`` suffixes.
    """
    text = read_text(path)
    if not text.strip():
        raise DataValidationError(
            "empty file (expected a header row and data rows)", file=str(path)
        )
    header = text.splitlines()[0]
    if delimiter is None:
        delimiter = (
            "\t" if "\t" in header else ";" if header.count(";") > header.count(",") else ","
        )
    quoting: Literal[0, 3] = (
        csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    )  # git's TSV has bare quotes
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, quoting=quoting))
    except csv.Error as error:  # e.g. a bare carriage return inside a field
        raise DataValidationError(f"not a readable CSV file: {error}", file=str(path)) from None
    head, body = rows[0], [r for r in rows[1:] if any(cell.strip() for cell in r)]
    for n, row in enumerate(body, start=1):
        if len(row) != len(head):
            raise DataValidationError(
                f"row has {len(row)} fields, the header has {len(head)}", file=str(path), rows=[n]
            )
    names: list[str] = []
    seen: dict[str, int] = {}
    for name in head:
        name = name.strip().lstrip("\ufeff")
        k = seen.get(name, 0)
        seen[name] = k + 1
        names.append(name if k == 0 else f"{name}.{k}")
    frame = pd.DataFrame(body, columns=names, dtype="str")
    frame = frame.replace("", pd.NA) if len(frame) else frame
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def field_of(record: Any, dotted: str) -> Any:
    """``record['a']['b']`` for ``'a.b'``; None when any step is missing."""
    value = record
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def records_of(values: list[Any], path: Path, key: str | None, what: str) -> list[dict]:
    """Flatten concatenated JSON pages into one list of objects (from ``key`` when pages are
    wrapped)."""
    out: list[dict] = []
    for value in values:
        if isinstance(value, dict) and key and key in value:
            value = value[key]
        if not isinstance(value, list):
            raise DataValidationError(
                f"expected a JSON list of {what}"
                + (f" (or an object with '{key}')" if key else ""),
                file=str(path),
            )
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise DataValidationError(
                    f"{what}[{len(out) + i}] is not a JSON object", file=str(path)
                )
        out.extend(value)
    return out


def epoch_ms(value: Any, path: Path, where: str) -> str:
    """ISO 8601 UTC text of a millisecond Unix epoch (Jenkins, JaCoCo, coverage.py)."""
    try:
        ms = int(value)
    except (TypeError, ValueError):
        raise DataValidationError(
            f"{where}: {value!r} is not a millisecond timestamp", file=str(path)
        ) from None
    return pd.Timestamp(ms, unit="ms", tz="UTC").isoformat()


def service_from(
    options: SourceOptions, found: str | None, fallback: str, tally: Tally, table: str
) -> str:
    """``--service`` if given, else the name the export carries, else ``fallback`` (logged)."""
    if options.service:
        return options.service
    if found:
        return found
    tally.add(
        table, "no service in the export: named after its folder (use --service)", "noted", fallback
    )
    return fallback


def natural_key(text: str) -> tuple:
    """Sort key that orders ``release_9`` before ``release_10``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


class Tally:
    """Counts rows per quality rule while records are read one by one, then writes one log row
    each."""

    def __init__(self) -> None:
        self._hits: dict[tuple[str, str, str], list] = {}

    def add(self, table: str, rule: str, action: str, example: object) -> None:
        self._hits.setdefault((table, rule, action), []).append(example)

    def flush(self, log: QualityLog) -> None:
        for (table, rule, action), examples in self._hits.items():
            log.add(table, rule, action, len(examples), examples)
        self._hits.clear()
