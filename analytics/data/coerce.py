"""Coerce a raw table (strings from a CSV, or typed Parquet columns) to its canonical contract.

Every problem raises ``DataValidationError`` naming the file, the data row(s) (1-based, the
header not counted: the frame's index must hold those numbers) and the column. Reading values
(timestamps, numbers, spellings) is done here; the ranges and allowed values they must then
respect are checked once, by the pandera schema (analytics/data/validate.py). Every repair is
recorded in the quality log. Adapters reuse ``coerce_table`` for what they produce.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from analytics.config import ProgramConfig
from analytics.data.arrowtext import is_trimmed_text, strictly_increasing
from analytics.data.coerce_timestamps import _timestamps
from analytics.data.coerce_values import _enum, _numbers, _text
from analytics.data.dataset import QualityLog
from analytics.data.schema import TABLES, UTC_NS, Column
from analytics.data.validate import check_contract
from analytics.exceptions import DataValidationError

PARALLEL_ROWS = 500_000  # tables with at least this many rows coerce two columns at a time


def coerce_table(
    raw: pd.DataFrame, table: str, config: ProgramConfig, log: QualityLog, file: str
) -> pd.DataFrame:
    """Return the canonical, typed version of ``raw`` (which is not modified).

    ``raw``'s index must be the data row numbers used in error messages.
    """
    spec = TABLES[table]
    df = raw.copy()
    df.columns = [str(c).strip().lstrip("\ufeff").lower() for c in df.columns]
    _check_unique_columns(raw.columns, df.columns, file)
    missing = [c for c in spec.required if c not in df.columns]
    if missing:
        found = ", ".join(df.columns) or "none"
        raise DataValidationError(
            f"missing required column '{missing[0]}' (found columns: {found})",
            file=file,
            column=missing[0],
        )
    extra = [c for c in df.columns if c not in spec.names]
    if extra:
        log.add(table, f"columns not in the contract ignored: {', '.join(extra)}", "noted", len(df))
    df = df[[c for c in spec.names if c in df.columns]]
    df = _strip_text(df)

    unique_ids = strictly_increasing(df[spec.id_column])
    dup = _duplicate_rows(df, spec.id_column, unique_ids)
    if dup.any():
        log.add(
            table,
            "exact duplicate rows removed",
            "dropped",
            int(dup.sum()),
            df.loc[dup, spec.id_column],
        )
        df = df[~dup]

    result = pd.DataFrame(_coerce_columns(df, spec, table, config, log, file), index=df.index)

    check_contract(result, df, table, file)  # ranges, allowed values, nulls: pandera's schema
    if not unique_ids:
        _check_ids(result, df, table, file)
    _check_order(result, table, file)
    if table == "incidents":
        _note_zero_length(result, config, log)
    if result[spec.time_column].is_monotonic_increasing:  # already in order: a stable sort keeps it
        return result.reset_index(drop=True)
    return result.sort_values(spec.time_column, kind="stable").reset_index(drop=True)


def _coerce_columns(
    df: pd.DataFrame, spec, table: str, config: ProgramConfig, log: QualityLog, file: str
) -> dict[str, pd.Series]:
    """Every contract column, typed. Big tables coerce two columns at a time (Arrow and numpy
    release the GIL); the error raised and the log are those of the column-by-column order."""
    ids = df[spec.id_column]

    def one(col: Column) -> tuple[pd.Series, QualityLog]:
        own = QualityLog()
        if col.name not in df.columns:
            return _absent(col, len(df), df.index), own
        return _coerce_column(df[col.name], col, table, config, own, file, ids), own

    if len(df) < PARALLEL_ROWS:
        done = [one(col) for col in spec.columns]
    else:
        with ThreadPoolExecutor(2, thread_name_prefix="coerce") as pool:
            futures = [pool.submit(one, col) for col in spec.columns]
            done = [f.result() for f in futures]  # the first failing column in order raises
    out = {}
    for col, (series, own) in zip(spec.columns, done, strict=True):
        log.extend(own)
        out[col.name] = series
    return out


def _check_unique_columns(given: pd.Index, names: pd.Index, file: str) -> None:
    """Raise naming a column whose name appears twice once case and spaces are ignored."""
    repeated = names[names.duplicated()]
    if len(repeated):
        spellings = [str(g) for g, n in zip(given, names, strict=True) if n == repeated[0]]
        raise DataValidationError(
            f"the header names column {repeated[0]!r} {len(spellings)} times "
            f"({', '.join(map(repr, spellings))}; case and surrounding spaces are ignored)",
            file=file,
            column=repeated[0],
        )


def _duplicate_rows(df: pd.DataFrame, id_column: str, unique_ids: bool) -> pd.Series:
    """``df.duplicated(keep="first")``, hashing whole rows only where the id repeats.

    An exact duplicate row repeats its id (missing ids count as equal), so rows with a unique
    id cannot be duplicates.
    """
    if unique_ids:
        return pd.Series(False, index=df.index)
    candidates = df[id_column].duplicated(keep=False)
    if not candidates.any():
        return pd.Series(False, index=df.index)
    return df[candidates].duplicated(keep="first").reindex(df.index, fill_value=False)


def _strip_text(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            if is_trimmed_text(out[c]):  # nothing to strip, no empty string: unchanged
                continue
            s = out[c].astype("str").str.strip()
            out[c] = s.mask(s.eq("") | out[c].isna())
    return out


def _absent(col: Column, n: int, index: pd.Index) -> pd.Series:
    if col.kind == "timestamp":
        return pd.Series(pd.NaT, index=index, dtype=UTC_NS)
    if col.kind == "count":
        return pd.Series(pd.NA, index=index, dtype="Int64")
    if col.kind == "share":
        return pd.Series(np.nan, index=index, dtype="float64")
    return pd.Series(col.default, index=index, dtype="str")


def _coerce_column(
    s: pd.Series,
    col: Column,
    table: str,
    config: ProgramConfig,
    log: QualityLog,
    file: str,
    ids: pd.Series,
) -> pd.Series:
    if col.kind == "timestamp":
        return _timestamps(s, col, table, config, log, file, ids)
    if col.kind in ("count", "share"):
        return _numbers(s, col, file)
    if col.kind == "enum":
        return _enum(s, col, table, config, log, file, ids)
    return _text(s, col, table, log, ids)


def _check_ids(result: pd.DataFrame, raw: pd.DataFrame, table: str, file: str) -> None:
    id_col = TABLES[table].id_column
    dup = result[id_col].duplicated(keep=False)
    if dup.any():
        first = result.loc[dup, id_col].iloc[0]
        rows = list(result.index[result[id_col] == first])
        same = raw.loc[rows].nunique(dropna=False)
        differs = [c for c in raw.columns if same[c] > 1]
        raise DataValidationError(
            f"{id_col} {first!r} appears {len(rows)} times with different content"
            + (f" (they differ in column {differs[0]})" if differs else ""),
            file=file,
            rows=rows,
            column=differs[0] if differs else id_col,
        )


_ORDER_RULES = {
    "deployments": [("started_at", "finished_at")],
    "incidents": [("opened_at", "resolved_at"), ("impact_started_at", "opened_at")],
}


def _note_zero_length(result: pd.DataFrame, config: ProgramConfig, log: QualityLog) -> None:
    """Count incidents resolved the instant they were opened (status pages post many already
    resolved): kept at 0 h, or left out of time to restore (program.yml
    ``zero_length_incidents``)."""
    if "resolved_at" not in result.columns:
        return
    zero = result["resolved_at"].eq(result["opened_at"]).fillna(False).astype(bool)
    if zero.any():
        how = (
            "left out of time to restore (zero_length_incidents: exclude)"
            if config.zero_length_incidents == "exclude"
            else "counted as 0 h in time to restore (zero_length_incidents: keep)"
        )
        log.add(
            "incidents",
            f"zero-length incidents (resolved when opened): {how}",
            "noted",
            int(zero.sum()),
            result.index[zero],
        )


def _check_order(result: pd.DataFrame, table: str, file: str) -> None:
    for early, late in _ORDER_RULES.get(table, []):
        bad = result[late] < result[early]
        if bad.any():
            raise DataValidationError(
                f"{late} is before {early}", file=file, rows=list(result.index[bad]), column=late
            )
