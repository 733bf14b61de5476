"""Coerce a raw table (strings from a CSV, or typed Parquet columns) to its canonical contract.

Every problem raises ``DataValidationError`` naming the file, the data row(s) (1-based, the
header not counted: the frame's index must hold those numbers) and the column. Every repair is
recorded in the quality log. Adapters reuse ``coerce_table`` for what they produce.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.arrowtext import (
    arrow_numbers,
    arrow_text,
    is_trimmed_text,
    iso_timestamps,
    strictly_increasing,
)
from analytics.catalog import SEVERITIES
from analytics.config import ProgramConfig
from analytics.dataset import QualityLog
from analytics.exceptions import DataValidationError
from analytics.schema import (
    KIND_ALIASES,
    STATUS_ALIASES,
    SUITE_ALIASES,
    TABLES,
    Column,
    pandera_schema,
)

_OFFSET_RE = r"(Z|[+-]\d{2}:?\d{2})$"
PARALLEL_ROWS = 500_000  # tables with at least this many rows coerce two columns at a time
_ALIASES = {"status": STATUS_ALIASES, "kind": KIND_ALIASES, "suite": SUITE_ALIASES}


def coerce_table(
    raw: pd.DataFrame, table: str, config: ProgramConfig, log: QualityLog, file: str
) -> pd.DataFrame:
    """Return the canonical, typed version of ``raw`` (which is not modified).

    ``raw``'s index must be the data row numbers used in error messages.
    """
    spec = TABLES[table]
    df = raw.copy()
    df.columns = [str(c).strip().lstrip("\ufeff").lower() for c in df.columns]
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

    if not unique_ids:
        _check_ids(result, df, table, file)
    _check_order(result, table, file)
    try:
        # ids were checked unique above (_check_ids or in order), so pandera need not hash them again
        pandera_schema(table).update_column(spec.id_column, unique=False).validate(result, lazy=False)
    except Exception as exc:  # pandera's SchemaError; translated, never shown raw
        cases = getattr(exc, "failure_cases", None)
        rows = (
            list(cases["index"].dropna().astype(int))
            if cases is not None and "index" in cases
            else []
        )
        raise DataValidationError(
            f"breaks the data contract: {str(exc).splitlines()[0]}", file=file, rows=rows
        ) from None
    if result[spec.time_column].is_monotonic_increasing:  # already in order: a stable sort keeps it
        return result.reset_index(drop=True)
    return result.sort_values(spec.time_column, kind="stable").reset_index(drop=True)


def _coerce_columns(df: pd.DataFrame, spec, table: str, config: ProgramConfig, log: QualityLog,
                    file: str) -> dict[str, pd.Series]:
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
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
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
    if col.required:
        blank = s.isna()
        if blank.any():
            raise DataValidationError(
                "empty value in a required column",
                file=file,
                rows=list(s.index[blank]),
                column=col.name,
            )
    if col.kind == "timestamp":
        return _timestamps(s, col, table, config, log, file, ids)
    if col.kind in ("count", "share"):
        return _numbers(s, col, file)
    if col.kind == "enum":
        return _enum(s, col, table, config, log, file, ids)
    if col.name == "environment":
        low = s.astype("str").str.lower()
        changed = s.notna() & (low != s)
        if changed.any():
            log.add(
                table,
                "environment: names lower-cased",
                "repaired",
                int(changed.sum()),
                ids[changed],
            )
        return low
    return s.astype("str")


def _timestamps(
    s: pd.Series,
    col: Column,
    table: str,
    config: ProgramConfig,
    log: QualityLog,
    file: str,
    ids: pd.Series,
) -> pd.Series:
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    present = s.notna()
    if pd.api.types.is_datetime64_any_dtype(s):
        if s.dt.tz is None:
            log.add(
                table,
                f"{col.name}: timestamps without offset read in {config.timezone}",
                "repaired",
                int(present.sum()),
                ids[present],
            )
            return (
                s.dt.tz_localize(
                    config.timezone,
                    ambiguous=np.ones(len(s), dtype=bool),
                    nonexistent="shift_forward",
                )
                .dt.tz_convert("UTC")
                .astype(out.dtype)
            )
        return s.dt.tz_convert("UTC").astype(out.dtype)
    fast = iso_timestamps(s)
    if fast is not None:  # every value "YYYY-MM-DDThh:mm:ss+hh:mm" or "...Z": same result, vectorised
        parsed, given = fast
        _log_foreign_offsets(parsed[present], given[present], col, table, config, log, ids)
        return parsed
    text = s[present].astype("str")
    offset = text.str.extract(_OFFSET_RE, expand=False)
    has_offset = offset.notna()
    if has_offset.any():
        parsed = _utc_ns(pd.to_datetime(text[has_offset], utc=True, format="ISO8601", errors="coerce"))
        out.loc[parsed.index] = parsed
        _log_foreign_offsets(parsed, _offset_minutes(offset[has_offset]), col, table, config, log, ids)
    naive = text[~has_offset]
    if len(naive):
        parsed = _parse_naive(naive).dt.tz_localize(
            config.timezone,
            ambiguous=np.ones(len(naive), dtype=bool),
            nonexistent="shift_forward",
        ).dt.tz_convert("UTC")
        parsed = _utc_ns(parsed)
        out.loc[parsed.index] = parsed
        log.add(
            table,
            f"{col.name}: timestamps without offset read in {config.timezone}",
            "repaired",
            int(parsed.notna().sum()),
            ids[parsed.index],
        )
    bad = present & out.isna()
    if bad.any():
        first = s[bad].iloc[0]
        raise DataValidationError(
            f"cannot read {first!r} as a timestamp (expected ISO 8601, e.g. 2021-03-01T09:30:00+08:00)",
            file=file,
            rows=list(s.index[bad]),
            column=col.name,
        )
    return out


def _utc_ns(parsed: pd.Series) -> pd.Series:
    """UTC timestamps of any unit as nanoseconds; instants outside that range (before 1677 or
    after 2262) become NaT, so they are reported as unreadable instead of crashing."""
    try:
        return parsed.astype("datetime64[ns, UTC]")
    except pd.errors.OutOfBoundsDatetime:
        lo, hi = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
        return parsed.where((parsed >= lo) & (parsed <= hi)).astype("datetime64[ns, UTC]")


def _parse_naive(text: pd.Series) -> pd.Series:
    """Parse strings without a recognised offset; anything pandas reads as zoned is invalid (NaT)."""
    try:
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        if parsed.dt.tz is None:
            return parsed
    except (ValueError, TypeError):
        pass
    # slow path, bad data only: a malformed offset such as "+0" that pandas still reads as a zone
    values = []
    for v in text:
        t = pd.to_datetime(v, format="ISO8601", errors="coerce")
        values.append(t if t is not pd.NaT and t.tzinfo is None else pd.NaT)
    return pd.Series(values, index=text.index, dtype="datetime64[ns]")


def _offset_minutes(offset: pd.Series) -> pd.Series:
    """Minutes east of UTC of offsets written ``Z``, ``+hh:mm`` or ``+hhmm``."""
    sign = offset.str[0].map({"+": 1, "-": -1, "Z": 1})
    digits = offset.str.replace(r"[^0-9]", "", regex=True).str.pad(4, fillchar="0")
    given = sign * (digits.str[:2].astype("int64") * 60 + digits.str[2:4].astype("int64"))
    return given.where(offset != "Z", 0)


def _log_foreign_offsets(
    parsed: pd.Series,
    given: pd.Series,
    col: Column,
    table: str,
    config: ProgramConfig,
    log: QualityLog,
    ids: pd.Series,
) -> None:
    """Log values whose written offset (``given``, minutes) is not the program zone's then."""
    parsed = parsed.astype("datetime64[ns, UTC]")  # asi8 below must be nanoseconds, whatever the unit
    ok = parsed.notna().to_numpy()
    utc = parsed.array.asi8  # UTC instants as int64 ns (NaT rows are masked by ok)
    if config.timezone == "UTC":
        expected = np.zeros(len(utc), dtype=np.int64)
    else:  # minutes east of UTC in the program's zone at each instant (whole seconds: exact)
        wall = parsed.dt.tz_convert(config.timezone).dt.tz_localize(None).array.asi8
        expected = (wall - utc) // 60_000_000_000
    foreign = ok & (given.to_numpy("float64", na_value=np.nan) != expected)
    if foreign.any():
        log.add(
            table,
            f"{col.name}: timestamps with a UTC offset other than {config.timezone}'s "
            "converted (same instant)",
            "repaired",
            int(foreign.sum()),
            ids.loc[parsed.index[np.flatnonzero(foreign)[:3]]],
        )


def _numbers(s: pd.Series, col: Column, file: str) -> pd.Series:
    num = arrow_numbers(s, integer=col.kind == "count")
    if num is None:
        num = pd.to_numeric(s, errors="coerce")
    bad = s.notna() & num.isna()
    if bad.any():
        raise DataValidationError(
            f"{s[bad].iloc[0]!r} is not a number",
            file=file,
            rows=list(s.index[bad]),
            column=col.name,
        )
    if col.kind == "count":
        neg = num < 0
        if neg.any():
            raise DataValidationError(
                f"negative count {num[neg].iloc[0]:g}",
                file=file,
                rows=list(s.index[neg]),
                column=col.name,
            )
        huge = num > 2**53  # beyond exact integers in a float (and far beyond any test count)
        if huge.any():
            raise DataValidationError(
                f"{s[huge].iloc[0]} is too large for a count",
                file=file,
                rows=list(s.index[huge]),
                column=col.name,
            )
        frac = num.notna() & (num != np.floor(num))
        if frac.any():
            raise DataValidationError(
                f"{num[frac].iloc[0]:g} is not a whole number",
                file=file,
                rows=list(s.index[frac]),
                column=col.name,
            )
        return num.astype("Int64")
    outside = (num < 0) | (num > 1)
    if outside.any():
        hint = " (it looks like a percentage: divide by 100)" if (num[outside] <= 100).all() else ""
        raise DataValidationError(
            f"{num[outside].iloc[0]:g} is outside 0..1{hint}",
            file=file,
            rows=list(s.index[outside]),
            column=col.name,
        )
    return num.astype("float64")


def _enum(
    s: pd.Series,
    col: Column,
    table: str,
    config: ProgramConfig,
    log: QualityLog,
    file: str,
    ids: pd.Series,
) -> pd.Series:
    if col.name == "severity":
        allowed, hint = SEVERITIES, "; map other labels with severity_map in program.yml"
    else:
        allowed, hint = col.values, ""
    mapped = _per_distinct(s, lambda values: _canonical(values, col, config))
    if col.default is not None:
        filled = mapped.isna()
        if filled.any():
            log.add(
                table,
                f"{col.name}: empty values read as {col.default!r}",
                "repaired",
                int(filled.sum()),
                ids[filled],
            )
        if mapped.dtype.kind == "f":  # every value empty: an all-NaN float column takes no text
            mapped = mapped.astype(object)
        mapped = mapped.fillna(col.default)
    unknown = mapped.notna() & ~mapped.isin(allowed)
    if unknown.any():
        raise DataValidationError(
            f"unknown {col.name} value {s[unknown].iloc[0]!r} (allowed: {', '.join(allowed)}{hint})",
            file=file,
            rows=list(s.index[unknown]),
            column=col.name,
        )
    changed = s.notna() & (mapped != s)
    if changed.any():
        how = (
            "mapped through severity_map"
            if col.name == "severity"
            else "normalised to the canonical spelling"
        )
        log.add(table, f"{col.name}: values {how}", "repaired", int(changed.sum()), ids[changed])
    return mapped.astype("str")


def _canonical(s: pd.Series, col: Column, config: ProgramConfig) -> pd.Series:
    """Each raw enumeration value lower-cased and mapped to its canonical spelling (or kept)."""
    low = s.astype("str").str.lower()
    if col.name == "severity":
        return low.map(lambda v: config.severity_map.get(v, v) if isinstance(v, str) else v)
    aliases = _ALIASES.get(col.name, {})
    mapped = low.str.replace(r"[\s\-]+", "_", regex=True).map(
        lambda v: aliases.get(v, v) if isinstance(v, str) else v
    )
    return mapped.where(~low.isin(aliases), low.map(aliases))


def _per_distinct(s: pd.Series, fn) -> pd.Series:
    """``fn(s)`` for an element-wise ``fn``, computed once per distinct value (missing stays missing)."""
    arr = arrow_text(s)
    if arr is None or len(s) < 1000:
        return fn(s)
    encoded = pc.dictionary_encode(arr.combine_chunks())
    distinct = pd.Series(encoded.dictionary.to_pandas(), dtype="str")
    mapped = fn(distinct).astype("str")
    values = pa.array(mapped.to_numpy(dtype=object, na_value=None), type=pa.string())
    return pc.take(values, encoded.indices).to_pandas().astype("str").set_axis(s.index)


def _check_ids(result: pd.DataFrame, raw: pd.DataFrame, table: str, file: str) -> None:
    id_col = TABLES[table].id_column
    dup = result[id_col].duplicated(keep=False)
    if dup.any():
        first = result.loc[dup, id_col].iloc[0]
        rows = list(result.index[result[id_col] == first])
        same = raw.loc[rows].nunique(dropna=False)
        differs = [c for c in raw.columns if same[c] > 1]
        raise DataValidationError(
            f"id {first!r} appears {len(rows)} times with different content",
            file=file,
            rows=rows,
            column=differs[0] if differs else id_col,
        )


_ORDER_RULES = {
    "deployments": [("started_at", "finished_at")],
    "incidents": [("opened_at", "resolved_at"), ("impact_started_at", "opened_at")],
}


def _check_order(result: pd.DataFrame, table: str, file: str) -> None:
    for early, late in _ORDER_RULES.get(table, []):
        bad = result[late] < result[early]
        if bad.any():
            raise DataValidationError(
                f"{late} is before {early}", file=file, rows=list(result.index[bad]), column=late
            )
