"""Number, enumeration and text columns of the canonical tables.

Counts become ``Int64`` and shares ``float64``; enumerations are mapped to their canonical
spelling (aliases, ``severity_map``) with empty values read as the column's default (whether
counts are >= 0, shares in 0..1 and spellings allowed is the schema's: data/validate.py);
text stays text (environment names lower-cased). Used by :mod:`analytics.data.coerce`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.config import ProgramConfig
from analytics.data.arrowtext import arrow_numbers, arrow_text
from analytics.data.dataset import QualityLog
from analytics.data.schema import KIND_ALIASES, STATUS_ALIASES, SUITE_ALIASES, Column
from analytics.exceptions import DataValidationError

_ALIASES = {"status": STATUS_ALIASES, "kind": KIND_ALIASES, "suite": SUITE_ALIASES}


#: what a number cell may hold: decimal digits, a point, an exponent (no 0x10, 1_000, inf, nan)
_DECIMAL = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def _numbers(s: pd.Series, col: Column, file: str) -> pd.Series:
    num = arrow_numbers(s, integer=col.kind == "count")
    if num is None:
        num = pd.to_numeric(s, errors="coerce")
    bad = s.notna() & (num.isna() | ~_decimal_text(s))
    if bad.any():
        raise DataValidationError(
            f"{s[bad].iloc[0]!r} is not a number",
            file=file,
            rows=list(s.index[bad]),
            column=col.name,
        )
    if col.kind == "count":  # >= 0 and 0..1 are the schema's (analytics/data/validate.py)
        huge = num.abs() > 2**53  # beyond exact integers in a float (far beyond any count)
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
    return num.astype("float64")


def _decimal_text(s: pd.Series) -> pd.Series:
    """True where ``s`` is a decimal number written out (or not text: a typed Parquet column).

    Arrow and pandas also read ``0x10`` (16), ``1_000``, ``inf`` and ``nan``; a data file that
    holds them is more likely broken than meant, so they are refused.
    """
    if pd.api.types.is_numeric_dtype(s):
        return pd.Series(True, index=s.index)
    arr = arrow_text(s)
    if arr is not None:  # plain digits (most counts) pass a cheap check; the rest the pattern
        ok = pc.fill_null(pc.ascii_is_decimal(arr), True).to_numpy(zero_copy_only=False)
        others = np.flatnonzero(~ok)
        if len(others):
            matched = pc.match_substring_regex(pc.take(arr, others), f"^{_DECIMAL}$")
            ok[others] = pc.fill_null(matched, True).to_numpy(zero_copy_only=False)
        return pd.Series(ok, index=s.index, dtype=bool)
    pattern = re.compile(_DECIMAL)
    return s.map(lambda v: not isinstance(v, str) or pattern.fullmatch(v) is not None).astype(bool)


def _enum(
    s: pd.Series,
    col: Column,
    table: str,
    config: ProgramConfig,
    log: QualityLog,
    file: str,
    ids: pd.Series,
) -> pd.Series:
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
    # values outside the list are refused by the schema (analytics/data/validate.py)
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
    """``fn(s)`` for an element-wise ``fn``, computed once per distinct value (missing stays
    missing)."""
    arr = arrow_text(s)
    if arr is None or len(s) < 1000:
        return fn(s)
    encoded = pc.dictionary_encode(arr.combine_chunks())
    distinct = pd.Series(encoded.dictionary.to_pandas(), dtype="str")
    mapped = fn(distinct).astype("str")
    values = pa.array(mapped.to_numpy(dtype=object, na_value=None), type=pa.string())
    return pc.take(values, encoded.indices).to_pandas().astype("str").set_axis(s.index)


def _text(s: pd.Series, col: Column, table: str, log: QualityLog, ids: pd.Series) -> pd.Series:
    """A text (or id) column as ``str``; environment names are lower-cased and the change logged."""
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
