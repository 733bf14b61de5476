"""The YAML column mapping of ``import csv`` (and the overrides of jira and pagerduty): the
``Mapping`` it describes, and ``load_mapping`` that reads and checks the file. The format is in
``analytics.sources.csv_mapping`` and docs/adapters.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analytics.config.strict_yaml import load_yaml_file
from analytics.data.schema import TABLES
from analytics.exceptions import ConfigError

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
        """This mapping with ``override``'s entries taking precedence (tool defaults + user
        file)."""
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
        str(k): tuple(value_key(x) for x in (v if isinstance(v, list) else [v]))
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
    if not Path(path).exists():
        raise ConfigError(f"{path}: mapping file not found")
    raw = load_yaml_file(path) or {}  # no aliases, no repeated keys, at most 1 MiB
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
        values[k] = {value_key(a): str(b) for a, b in v.items()}
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
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long
            raise fail("timestamps.timezone", f"unknown time zone {tz!r}") from None
    return stamps.get("format"), tz and str(tz)


def value_key(value: Any) -> str:
    """A source value as the mapping compares it: text, trimmed, lower case (1.0 as "1")."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower()
