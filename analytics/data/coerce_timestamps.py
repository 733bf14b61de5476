"""Timestamp columns of the canonical tables: offsets, the program's zone, UTC.

Text cells are read as ISO 8601; a written offset (``Z``, ``+hh:mm``, ``+hhmm``) is honoured and
logged when it is not the program zone's, a value without one is read in the program's zone.
Typed (Parquet) columns are converted the same way. Everything ends as ``datetime64[ns, UTC]``.
Used by :mod:`analytics.data.coerce`, which raises and logs through the same ``file`` and log.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.config import ProgramConfig
from analytics.data.arrowtext import iso_timestamps
from analytics.data.dataset import QualityLog
from analytics.data.schema import UTC_NS, Column
from analytics.exceptions import DataValidationError

_OFFSET_RE = r"(Z|[+-]\d{2}:?\d{2})$"
#: The instants a data file may hold: delivery data from before 1900 or after 2199 is a typo
#: (pandas' nanosecond timestamps end in 1677 and 2262, and converting near those ends to a
#: local zone overflows).
EARLIEST = pd.Timestamp("1900-01-01", tz="UTC")
LATEST = pd.Timestamp("2200-01-01", tz="UTC")


def _timestamps(
    s: pd.Series,
    col: Column,
    table: str,
    config: ProgramConfig,
    log: QualityLog,
    file: str,
    ids: pd.Series,
) -> pd.Series:
    out = pd.Series(pd.NaT, index=s.index, dtype=UTC_NS)
    present = s.notna()
    if pd.api.types.is_datetime64_any_dtype(s):
        _check_range(s, s, col, file)
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
    if (
        fast is not None
    ):  # every value "YYYY-MM-DDThh:mm:ss+hh:mm" or "...Z": same result, vectorised
        parsed, given = fast
        _check_range(parsed, s, col, file)
        _log_foreign_offsets(parsed[present], given[present], col, table, config, log, ids)
        return parsed
    text = s[present].astype("str")
    offset = text.str.extract(_OFFSET_RE, expand=False)
    has_offset = offset.notna()
    if has_offset.any():
        parsed = _utc_ns(
            pd.to_datetime(text[has_offset], utc=True, format="ISO8601", errors="coerce")
        )
        _check_range(parsed, s, col, file)
        out.loc[parsed.index] = parsed
        _log_foreign_offsets(
            parsed, _offset_minutes(offset[has_offset]), col, table, config, log, ids
        )
    naive = text[~has_offset]
    if len(naive):
        local = _parse_naive(naive)
        _check_range(local, s, col, file)
        parsed = local.dt.tz_localize(
            config.timezone, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
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
            f"cannot read {first!r} as a timestamp "
            "(expected ISO 8601, e.g. 2021-03-01T09:30:00+08:00)",
            file=file,
            rows=list(s.index[bad]),
            column=col.name,
        )
    return out


def _check_range(values: pd.Series, raw: pd.Series, col: Column, file: str) -> None:
    """Raise naming the rows whose instant is before :data:`EARLIEST` or from :data:`LATEST` on
    (naive values are compared as if UTC: the bounds are a century from any real data)."""
    low, high = EARLIEST, LATEST
    if values.dt.tz is None:
        low, high = low.tz_localize(None), high.tz_localize(None)
    outside = (values < low) | (values >= high)
    if outside.any():
        rows = values.index[outside.to_numpy(dtype=bool, na_value=False)]
        raise DataValidationError(
            f"{raw[rows[0]]!s} is outside the supported years {EARLIEST.year}..{LATEST.year - 1}",
            file=file,
            rows=list(rows),
            column=col.name,
        )


def _utc_ns(parsed: pd.Series) -> pd.Series:
    """UTC timestamps of any unit as nanoseconds; instants outside that range (before 1677 or
    after 2262) become NaT, so they are reported as unreadable instead of crashing."""
    try:
        return parsed.astype(UTC_NS)
    except pd.errors.OutOfBoundsDatetime:
        lo, hi = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
        return parsed.where((parsed >= lo) & (parsed <= hi)).astype(UTC_NS)


def _parse_naive(text: pd.Series) -> pd.Series:
    """Parse strings without a recognised offset; anything pandas reads as zoned is invalid
    (NaT)."""
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
    parsed = parsed.astype(UTC_NS)  # asi8 below must be nanoseconds, whatever the unit
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
