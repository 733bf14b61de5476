"""Read a data folder (one CSV or Parquet file per canonical table) into a ``Dataset``.

``load`` never drops a row silently and never shows a raw traceback for bad input: it raises
``DataValidationError`` naming the file, row and column, and logs every repair it makes.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa

from analytics.config import ProgramConfig, load_config
from analytics.data.coerce import coerce_table
from analytics.data.dataset import Dataset, QualityLog
from analytics.data.schema import TABLE_NAMES, TABLES, empty_table
from analytics.exceptions import DataValidationError

CONFIG_FILE = "program.yml"
_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}
_BLOCK_BYTES = 8 << 20  # pyarrow reads a CSV in blocks of this size, in parallel
#: data folders bigger than this load two tables at a time (on two threads)
PARALLEL_BYTES = 64 << 20


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
    _check_folder(folder)
    if not isinstance(config, ProgramConfig):
        config = load_config(config if config is not None else folder / CONFIG_FILE)

    def one(table: str) -> tuple[pd.DataFrame, str | None, int, QualityLog]:
        log = QualityLog()
        path = find_table_file(folder, table)
        if path is None:
            if table == "deployments":
                raise DataValidationError(
                    "no deployments.csv or deployments.parquet in this folder", file=str(folder)
                )
            log.add(table, "table absent: its metrics report no data", "noted", 1)
            return empty_table(table), None, 0, log
        raw = read_raw(path)
        if raw.empty:
            log.add(table, "file has a header but no rows", "noted", 1)
        return coerce_table(raw, table, config, log, str(path)), str(path), len(raw), log

    if _total_bytes(folder) < PARALLEL_BYTES:
        done = [one(table) for table in TABLE_NAMES]
    else:  # big files: two tables at a time; results, log and the first error in table order
        with ThreadPoolExecutor(2, thread_name_prefix="load") as pool:
            done = list(pool.map(one, TABLE_NAMES))
    log = QualityLog()
    for *_, table_log in done:
        log.extend(table_log)
    return Dataset(
        **{t: frame for t, (frame, *_) in zip(TABLE_NAMES, done, strict=True)},
        config=config,
        source=str(folder),
        files={t: path for t, (_, path, *_) in zip(TABLE_NAMES, done, strict=True)},
        rows_read={t: rows for t, (_, _, rows, _) in zip(TABLE_NAMES, done, strict=True)},
        quality=log.frame(),
    )


def _check_folder(folder: Path) -> None:
    """Raise unless ``folder`` is a folder whose entries can be listed."""
    try:
        if not folder.is_dir():
            raise DataValidationError(
                "not a folder (expected a data folder with deployments.csv)", file=str(folder)
            )
        with os.scandir(folder) as entries:
            next(entries, None)
    except OSError as exc:
        raise DataValidationError(_cannot_read(exc), file=str(folder)) from None


def _cannot_read(exc: OSError) -> str:
    return f"cannot be read ({exc.strerror or type(exc).__name__})"


def _total_bytes(folder: Path) -> int:
    return sum(
        p.stat().st_size
        for t in TABLE_NAMES
        for p in (folder / f"{t}.csv", folder / f"{t}.parquet")
        if p.is_file()
    )


def find_table_file(folder: Path, table: str) -> Path | None:
    """The table's file in ``folder`` (``.csv`` or ``.parquet``), None if absent; both is an error.

    A folder, pipe or device under a table's name is an error, not an absent table.
    """
    candidates = (folder / f"{table}.csv", folder / f"{table}.parquet")
    try:
        found = [p for p in candidates if p.exists()]
        odd = next((p for p in found if not p.is_file()), None)
    except OSError as exc:
        raise DataValidationError(_cannot_read(exc), file=str(candidates[0])) from None
    if odd is not None:
        raise DataValidationError("not a regular file (a folder, pipe or device?)", file=str(odd))
    if len(found) > 1:
        raise DataValidationError(
            f"both {found[0].name} and {found[1].name} exist; keep one", file=str(folder)
        )
    return found[0] if found else None


def read_raw(path: Path) -> pd.DataFrame:
    """Read a CSV (all cells as text) or Parquet file; the index is the 1-based data row number."""
    try:
        df = _read_any(path)
    except OSError as exc:  # permission denied, a file removed or locked while being read ...
        raise DataValidationError(_cannot_read(exc), file=str(path)) from None
    df.index = pd.RangeIndex(1, len(df) + 1)
    return df


def _read_any(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        try:
            df = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many types for a damaged file
            raise DataValidationError(
                f"not a readable Parquet file ({type(exc).__name__})", file=str(path)
            ) from None
        return df
    _check_no_nul(path)
    return _read_csv(path)


def _check_no_nul(path: Path) -> None:
    """Raise if the file holds a NUL byte anywhere (a binary file, or text in UTF-16),
    naming the line; read in blocks, so a big file costs no extra memory."""
    lines = 0
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK_BYTES):
            at = block.find(b"\x00")
            if at >= 0:
                line = lines + block.count(b"\n", 0, at)  # 0 = the header line
                where = f"data row {line}" if line else "the header row"
                raise DataValidationError(
                    f"not a CSV text file (a NUL byte in {where}; binary, or UTF-16 text?)",
                    file=str(path),
                    rows=[line] if line else None,
                )
            lines += block.count(b"\n")


def _read_csv(path: Path) -> pd.DataFrame:
    """Every cell as text (empty = missing); fast with pyarrow, else (or on any doubt) pandas."""
    fast = _read_csv_arrow(path)
    return fast if fast is not None else _read_csv_checked(path)


def _read_csv_arrow(path: Path) -> pd.DataFrame | None:
    """The file read by pyarrow's multithreaded reader, or None to leave it to the checked path.

    Gives what ``_read_csv_checked`` gives for a well-formed UTF-8 file with a unique, unquoted
    header; anything else (ragged rows, bad bytes, odd headers ...) returns None, and the
    checked path reads the file again and names the problem.
    """
    from pyarrow import ArrowException
    from pyarrow import csv as pacsv

    if path.stat().st_size == 0:
        return None
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if not head.strip() or b"\n" not in head.lstrip(b"\r\n"):
        return None
    try:  # the first line only: 64 KiB may end inside a multi-byte character
        header = head.lstrip(b"\r\n").split(b"\n", 1)[0].decode("utf-8-sig").splitlines()[0]
    except (UnicodeDecodeError, IndexError):
        return None
    names = header.split(",")
    if (
        '"' in header
        or len(set(names)) != len(names)
        or not all(n.strip() for n in names)
        or len(names) < 2
    ):
        return None
    text = pa.string()
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),  # quoted line breaks
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, text),
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )
    except (ArrowException, OSError, ValueError):
        return None
    if table.column_names != names:
        return None
    return table.to_pandas()


def _read_csv_checked(path: Path) -> pd.DataFrame:
    data = path.read_bytes()
    if not data.strip():
        raise DataValidationError(
            "empty file (expected a header row and data rows)", file=str(path)
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            f"not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8 CSV", file=str(path)
        ) from None
    if not text.strip():  # a byte-order mark alone
        raise DataValidationError(
            "empty file (expected a header row and data rows)", file=str(path)
        )
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
            df = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], index_col=False
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning):
        width, counts = _field_counts(text)
        raise DataValidationError(
            "row has more fields than the header",
            file=str(path),
            rows=[i for i, n in enumerate(counts, start=1) if n > width],
        ) from None
    except pd.errors.EmptyDataError:
        raise DataValidationError(
            "empty file (expected a header row and data rows)", file=str(path)
        ) from None
    if df.shape[1] > 1 and df.iloc[:, -1].isna().any():  # pandas pads a short row with NaN
        _check_short_rows(text, len(df), path)
    return df


def _check_short_rows(text: str, rows: int, path: Path) -> None:
    """Raise naming the rows with fewer fields than the header (slow path, errors only)."""
    width, counts = _field_counts(text)
    short = {i: n for i, n in enumerate(counts, start=1) if n < width}
    if not short:
        return
    low, high = min(short.values()), max(short.values())
    fields = f"{low} field{'s' if high > 1 else ''}" if low == high else f"{low} to {high} fields"
    subject = "row has" if len(short) == 1 else "rows have"
    raise DataValidationError(
        f"{subject} {fields} where the header has {width} (a value missing, or a line break "
        "inside an unquoted value?)",
        file=str(path),
        rows=list(short) if len(counts) == rows else None,  # numbered as pandas numbers them
    )


def _field_counts(text: str) -> tuple[int, list[int]]:
    """Fields in the header and in each data row, blank lines skipped as pandas skips them."""
    reader = csv.reader(io.StringIO(text))
    width = len(next(reader, []))
    return width, [len(row) for row in reader if len(row) > 1 or (row and not row[0].isspace())]
