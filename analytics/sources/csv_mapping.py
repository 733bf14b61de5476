"""Any CSV, described by a YAML mapping (``--mapping FILE``).

Example (the llm-status-incidents mapping, tests/fixtures/realdata)::

    table: incidents                   # deployments, changes, incidents or test_runs
    columns:                           # canonical column: source column (or a list: first present)
      incident_id: incident_id
      opened_at: start_timestamp
      resolved_at: close_timestamp
      severity: incident_impact_level
      service: provider
      title: Incident_Title
    values:                            # per canonical column: source value -> canonical value
      severity: {0: low, 1: medium, 2: high, 3: critical}
    constants: {}                      # canonical column: value for every row
    timestamps:
      format: "%Y-%m-%d %H:%M:%S%z"    # strftime format; omit for ISO 8601
      timezone: UTC                    # for values without an offset (default: program.yml's)
    drop_rows:                         # source column: values whose rows are left out (logged)
      incident_impact_level: [4]       # scheduled maintenance, not an incident

Unmapped source columns are ignored. Errors name the source file, the row and the *source*
column: a mapped column missing from the CSV (required or optional: a mistyped optional name
is an error, never a column of blanks), a value that does not match the timestamp format.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.data.dataset import QualityLog
from analytics.data.schema import TABLES, UTC_NS
from analytics.exceptions import ConfigError, DataValidationError
from analytics.sources._common import SourceOptions, finish, read_csv
from analytics.sources.mapping_file import KEYS, MAPPING_HELP, Mapping, load_mapping, value_key

__all__ = [
    "KEYS",
    "MAPPING_HELP",
    "Mapping",
    "apply_mapping",
    "load_mapping",
    "read",
    "source_column",
]


def read(paths: list[Path], options: SourceOptions) -> tuple[dict[str, pd.DataFrame], QualityLog]:
    """One canonical table from each CSV, as the mapping describes."""
    if options.mapping is None:
        raise ConfigError("csv: give the column mapping with --mapping FILE (see docs/adapters.md)")
    mapping = load_mapping(options.mapping)
    log = QualityLog()
    frames = []
    for path in paths:
        frames.append(apply_mapping(read_csv(path), mapping, path, options, log))
    raw = pd.concat(frames) if len(frames) > 1 else frames[0]
    try:
        return finish({mapping.table: raw}, options, log, {mapping.table: str(paths[0])}), log
    except DataValidationError as err:
        raise _with_values_hint(err, mapping, options.mapping) from None


def _with_values_hint(
    err: DataValidationError, mapping: Mapping, path: Path
) -> DataValidationError:
    """An unknown value of a mapped column: point at the mapping's ``values:`` (the fix for a
    CSV import), not at program.yml's ``severity_map``."""
    if not err.reason.startswith("unknown ") or err.column not in mapping.columns:
        return err
    reason = err.reason.replace("; map other labels with severity_map in program.yml", "")
    reason = reason.rstrip(")") + (
        f"; map source values with 'values: {{{err.column}: {{...}}}}' in {path})"
    )
    return DataValidationError(reason, file=err.file, rows=err.rows, column=err.column)


def source_column(frame: pd.DataFrame, candidates: tuple[str, ...]) -> str | None:
    """The first candidate present in ``frame`` (exact, then case-insensitive)."""
    for c in candidates:
        if c in frame.columns:
            return c
    lower = {str(c).lower(): c for c in frame.columns}
    return next((lower[c.lower()] for c in candidates if c.lower() in lower), None)


def apply_mapping(
    frame: pd.DataFrame,
    mapping: Mapping,
    path: Path,
    options: SourceOptions,
    log: QualityLog,
    parse_time=None,
) -> pd.DataFrame:
    """The raw canonical frame (text, ISO timestamps with offset) that ``mapping`` makes of
    ``frame``.

    ``parse_time(series, source_column) -> Series of UTC timestamps`` replaces the default
    timestamp reading (Jira's localised dates).
    """
    table = mapping.table
    frame = frame.copy()
    for src, bad in mapping.drop_rows.items():
        col = source_column(frame, (src,))
        if col is None:
            raise DataValidationError(
                f"column '{src}' named in drop_rows is missing", file=str(path), column=src
            )
        hit = frame[col].map(lambda v: value_key(v) if isinstance(v, str) else v).isin(bad)
        log.add(
            table,
            f"rows with {src} in {list(bad)} dropped (mapping drop_rows)",
            "dropped",
            int(hit.sum()),
            frame.index[hit],
        )
        frame = frame[~hit]
    out = pd.DataFrame(index=frame.index)
    for canon, candidates in mapping.columns.items():
        col = source_column(frame, candidates)
        if col is None:
            if canon in TABLES[table].required or canon in mapping.checked:
                raise _missing_column(frame, candidates, canon, path)
            continue
        s = frame[col]
        if canon in mapping.values:
            vmap = mapping.values[canon]
            mapped = s.map(lambda v, m=vmap: m.get(value_key(v), v) if isinstance(v, str) else v)
            log.add(
                table,
                f"{canon}: values of '{col}' mapped",
                "repaired",
                int((mapped != s).fillna(False).sum()),
                frame.index[(mapped != s).fillna(False)],
            )
            s = mapped
        if TABLES[table].column(canon).kind == "timestamp":
            parsed = (parse_time or _parse_time)(s, col, mapping, path, options, log, table)
            s = parsed.map(lambda t: t.isoformat() if pd.notna(t) else np.nan)
        out[canon] = s
    for canon, value in mapping.constants.items():
        out[canon] = value
    return out


def _missing_column(
    frame: pd.DataFrame, candidates: tuple[str, ...], canon: str, path: Path
) -> DataValidationError:
    """The error for a mapped source column the CSV lacks, with the nearest names it has."""
    near = difflib.get_close_matches(candidates[0], [str(c) for c in frame.columns], n=3)
    hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
    return DataValidationError(
        f"mapped column '{candidates[0]}' (for {canon}) is missing{hint}",
        file=str(path),
        column=candidates[0],
    )


def _parse_time(
    s: pd.Series,
    col: str,
    mapping: Mapping,
    path: Path,
    options: SourceOptions,
    log: QualityLog,
    table: str,
) -> pd.Series:
    """Parse text timestamps (strftime ``format`` or ISO 8601); naive ones in the mapping's zone."""
    present = s.notna()
    text = s[present].astype("str").str.strip()
    fmt = mapping.timestamp_format or "ISO8601"
    parsed = pd.Series(pd.NaT, index=s.index, dtype=UTC_NS)
    aware = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
    if aware.any():
        got = pd.to_datetime(text[aware], format=fmt, utc=True, errors="coerce")
        parsed.loc[got.index] = got.astype(parsed.dtype)
    naive = text[~aware]
    if len(naive):
        tz = mapping.timezone or options.config.timezone
        got = pd.to_datetime(naive, format=fmt, errors="coerce")
        if getattr(got.dt, "tz", None) is None:
            got = got.dt.tz_localize(
                tz, ambiguous=np.ones(len(got), dtype=bool), nonexistent="shift_forward"
            )
        parsed.loc[got.index] = got.dt.tz_convert("UTC").astype(parsed.dtype)
        log.add(
            table,
            f"{col}: timestamps without offset read in {tz}",
            "repaired",
            int(got.notna().sum()),
            naive.index[got.notna()],
        )
    bad = present & parsed.isna()
    if bad.any():
        want = f"format {mapping.timestamp_format!r}" if mapping.timestamp_format else "ISO 8601"
        raise DataValidationError(
            f"cannot read {s[bad].iloc[0]!r} as a timestamp (expected {want}; set "
            "timestamps.format in the mapping)",
            file=str(path),
            rows=list(s.index[bad]),
            column=col,
        )
    return parsed
