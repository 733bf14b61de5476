"""Read a data folder (one CSV or Parquet file per canonical table) into a ``Dataset``.

``load`` never drops a row silently and never shows a raw traceback for bad input: it raises
``DataValidationError`` naming the file, row and column, and logs every repair it makes.
"""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

import pandas as pd

from analytics.coerce import coerce_table
from analytics.config import ProgramConfig, load_config
from analytics.dataset import Dataset, QualityLog
from analytics.exceptions import DataValidationError
from analytics.schema import TABLE_NAMES, TABLES, empty_table

CONFIG_FILE = "program.yml"
_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}


def load(folder: str | Path, config: ProgramConfig | str | Path | None = None) -> Dataset:
    """Load and validate every canonical table in ``folder``.

    Parameters
    ----------
    folder
        Directory holding ``deployments.csv`` (required) and optionally ``changes``,
        ``incidents``, ``test_runs`` (``.csv`` or ``.parquet``) and ``program.yml``.
    config
        A ProgramConfig, a path to a program.yml, or None to use ``folder/program.yml``
        (or the defaults when there is none).

    Raises
    ------
    DataValidationError
        for a missing folder or deployments table, or any row that breaks the contract.
    ConfigError
        for a bad program.yml.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataValidationError(
            "not a folder (expected a data folder with deployments.csv)", file=str(folder)
        )
    if not isinstance(config, ProgramConfig):
        config = load_config(config if config is not None else folder / CONFIG_FILE)
    log = QualityLog()
    frames, files, rows_read = {}, {}, {}
    for table in TABLE_NAMES:
        path = find_table_file(folder, table)
        files[table] = str(path) if path else None
        if path is None:
            if table == "deployments":
                raise DataValidationError(
                    "no deployments.csv or deployments.parquet in this folder", file=str(folder)
                )
            log.add(table, "table absent: its metrics report no data", "noted", 1)
            frames[table] = empty_table(table)
            rows_read[table] = 0
            continue
        raw = read_raw(path)
        rows_read[table] = len(raw)
        if raw.empty:
            log.add(table, "file has a header but no rows", "noted", 1)
        frames[table] = coerce_table(raw, table, config, log, str(path))
    return Dataset(
        **frames,
        config=config,
        source=str(folder),
        files=files,
        rows_read=rows_read,
        quality=log.frame(),
    )


def find_table_file(folder: Path, table: str) -> Path | None:
    """The table's file in ``folder`` (``.csv`` or ``.parquet``), None if absent; both is an error."""
    found = [p for p in (folder / f"{table}.csv", folder / f"{table}.parquet") if p.is_file()]
    if len(found) > 1:
        raise DataValidationError(
            f"both {found[0].name} and {found[1].name} exist; keep one", file=str(folder)
        )
    return found[0] if found else None


def read_raw(path: Path) -> pd.DataFrame:
    """Read a CSV (all cells as text) or Parquet file; the index is the 1-based data row number."""
    if path.suffix == ".parquet":
        try:
            df = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many types for a damaged file
            raise DataValidationError(
                f"not a readable Parquet file ({type(exc).__name__})", file=str(path)
            ) from None
    else:
        df = _read_csv(path)
    df.index = pd.RangeIndex(1, len(df) + 1)
    return df


def _read_csv(path: Path) -> pd.DataFrame:
    data = path.read_bytes()
    if not data.strip():
        raise DataValidationError(
            "empty file (expected a header row and data rows)", file=str(path)
        )
    if b"\x00" in data[:65536]:
        raise DataValidationError("not a CSV text file (binary content)", file=str(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            f"not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8 CSV", file=str(path)
        ) from None
    header = text.splitlines()[0]
    expected = TABLES[path.stem].required if path.stem in TABLES else []
    if "," not in header and len(expected) > 1:
        for delim, name in _DELIMITERS.items():
            if delim in header:
                raise DataValidationError(
                    f"the header row uses {name}s as the delimiter; expected a "
                    "comma-separated file",
                    file=str(path),
                )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], index_col=False
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning):
        raise DataValidationError(
            "row has more fields than the header", file=str(path), rows=_ragged_rows(text)
        ) from None
    except pd.errors.EmptyDataError:
        raise DataValidationError(
            "empty file (expected a header row and data rows)", file=str(path)
        ) from None


def _ragged_rows(text: str) -> list[int]:
    """Data row numbers (1-based) with more fields than the header (slow path, errors only)."""
    reader = csv.reader(io.StringIO(text))
    width = len(next(reader, []))
    return [i for i, row in enumerate(reader, start=1) if len(row) > width]
