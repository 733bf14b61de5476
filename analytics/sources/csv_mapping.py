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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import yaml

from analytics.data.dataset import QualityLog
from analytics.data.schema import TABLES
from analytics.exceptions import ConfigError, DataValidationError
from analytics.sources._common import SourceOptions, finish, read_csv

KEYS = {"table", "columns", "values", "constants", "timestamps", "drop_rows"}

MAPPING_HELP = """\
csv needs --mapping FILE, a YAML file (docs/adapters.md has the details):

  table: incidents                 # deployments, changes, incidents or test_runs
  columns:                         # canonical column: source column (a list: first present)
    incident_id: incident_id
    opened_at: start_timestamp
    resolved_at: close_timestamp   # every column named here must be in the file
    severity: impact
  values:                          # canonical column: {source value: canonical value}
    severity: {0: low, 1: medium, 2: high, 3: critical}
  constants: {service: api}        # canonical column: one value for every row
  timestamps:
    format: "%Y-%m-%d %H:%M:%S%z"  # strftime format; omit for ISO 8601
    timezone: UTC                  # for values without an offset (default: program.yml's)
  drop_rows:                       # source column: values whose rows are left out (logged)
    impact: [4]
"""


@dataclass(frozen=True)
class Mapping:
    """A validated mapping: see the module docstring for the YAML form."""

    table: str
    columns: dict[str, tuple[str, ...]]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    timestamp_format: str | None = None
    timezone: str | None = None
    drop_rows: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # canonical columns whose source column must be in the CSV even when optional (those of
    # a user's mapping file); a tool's built-in defaults leave absent optional columns out
    checked: frozenset[str] = frozenset()

    def merged(self, override: Mapping | None) -> Mapping:
        """This mapping with ``override``'s entries taking precedence (tool defaults + user file)."""
        if override is None:
            return self
        return Mapping(
            table=override.table or self.table,
            columns={**self.columns, **override.columns},
            values={**self.values, **override.values},
            constants={**self.constants, **override.constants},
            timestamp_format=override.timestamp_format or self.timestamp_format,
            timezone=override.timezone or self.timezone,
            drop_rows={**self.drop_rows, **override.drop_rows},
            checked=self.checked | override.checked,
        )


def load_mapping(path: Path, default_table: str | None = None) -> Mapping:
    """Read and check a mapping YAML file; ConfigError names the file and the key.

    Every column the file maps is *checked*: ``apply_mapping`` fails when the CSV lacks it,
    optional or not (a mistyped name must not import a column of blanks).
    """
    raw = _read_yaml(path)
    fail = _failer(path)
    table = raw.get("table", default_table)
    if table not in TABLES:
        raise fail("table", f"must be one of {', '.join(TABLES)}, got {table!r}")
    sections = {key: _section(raw, key, table, fail) for key in _SECTIONS}
    columns = {
        k: tuple(str(c) for c in (v if isinstance(v, list) else [v]))
        for k, v in sections["columns"].items()
    }
    constants = {k: str(v) for k, v in sections["constants"].items()}
    stamp_format, tz = _timestamps(raw, fail)
    drops = {
        str(k): tuple(_key(x) for x in (v if isinstance(v, list) else [v]))
        for k, v in sections["drop_rows"].items()
    }
    if default_table is None:
        for col in TABLES[table].required:
            if col not in columns and col not in constants:
                raise fail("columns", f"no source column for the required column {col!r}")
    return Mapping(
        table,
        columns,
        _values(sections["values"], fail),
        constants,
        stamp_format,
        tz,
        drops,
        checked=frozenset(columns),
    )


_SECTIONS = ("columns", "values", "constants", "drop_rows")


def _failer(path: Path):
    def fail(key: str, msg: str) -> ConfigError:
        return ConfigError(f"{path}: key '{key}': {msg}")

    return fail


def _read_yaml(path: Path) -> dict:
    """The mapping file as a dict with known top-level keys only."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"{path}: mapping file not found") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of keys ({', '.join(sorted(KEYS))})")
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise _failer(path)(unknown[0], f"unknown key (known keys: {', '.join(sorted(KEYS))})")
    return raw


def _section(raw: dict, key: str, table: str, fail) -> dict:
    """One mapping section; its keys must be canonical columns (except drop_rows')."""
    value = raw.get(key) or {}
    if not isinstance(value, dict):
        raise fail(key, "must be a mapping")
    names = TABLES[table].names
    for k in value:
        if key != "drop_rows" and k not in names:
            raise fail(f"{key}.{k}", f"not a column of {table} ({', '.join(names)})")
    return value


def _values(section: dict, fail) -> dict[str, dict[str, str]]:
    values = {}
    for k, v in section.items():
        if not isinstance(v, dict):
            raise fail(f"values.{k}", "must map source values to canonical values")
        values[k] = {_key(a): str(b) for a, b in v.items()}
    return values


def _timestamps(raw: dict, fail) -> tuple[str | None, str | None]:
    """(strftime format, time zone) of the ``timestamps`` section."""
    stamps = raw.get("timestamps") or {}
    if not isinstance(stamps, dict) or set(stamps) - {"format", "timezone"}:
        raise fail("timestamps", "must be a mapping with optional keys format and timezone")
    tz = stamps.get("timezone")
    if tz is not None:
        try:
            ZoneInfo(str(tz))
        except (ZoneInfoNotFoundError, ValueError):
            raise fail("timestamps.timezone", f"unknown time zone {tz!r}") from None
    return stamps.get("format"), tz and str(tz)


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


def _key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower()


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
    """The raw canonical frame (text, ISO timestamps with offset) that ``mapping`` makes of ``frame``.

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
        hit = frame[col].map(lambda v: _key(v) if isinstance(v, str) else v).isin(bad)
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
            mapped = s.map(lambda v, m=vmap: m.get(_key(v), v) if isinstance(v, str) else v)
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
    parsed = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
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
