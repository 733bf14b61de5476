"""Read and validate ``program.yml``: the program's calendar, phases, milestones and targets.

Every key is optional; the defaults are UTC, Monday weeks, the ``production`` environment,
no phases, no targets. Unknown keys are rejected (a typo must not pass silently).
See data/README.md for the format.

Adding a key (three small edits, nothing else changes):

1. a field with its default on :class:`ProgramConfig` (``my_key: int = 3``);
2. a parser ``def _parse_my_key(value: Any, fail: Fail) -> int`` that returns the field's
   value, or raises ``fail("my_key", "must be ...")`` (``fail`` builds the one-line
   ``ConfigError`` naming the file and the key);
3. one line ``"my_key": _parse_my_key,`` in :data:`KEY_PARSERS` at the end of the module.

Then document the key in data/README.md and add a good and a bad case to tests/test_config.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analytics.catalog import PRESETS, SEVERITIES
from analytics.config.adoption import Adoption, check_adoption_labels, parse_adoption
from analytics.config.business_days import BusinessCalendar
from analytics.config.calendar import CalendarConfig, parse_calendar
from analytics.config.sections import (
    APPLIES_TO,
    EVERY_SERVICE_BY_DEFAULT,
    Fail,
    Milestone,
    Phase,
    Target,
    parse_milestones,
    parse_phases,
    parse_targets,
)
from analytics.config.strict_yaml import load_yaml_file
from analytics.config.teams import Team, parse_teams
from analytics.exceptions import ConfigError

__all__ = [
    "APPLIES_TO",
    "BENCHMARK_YEARS",
    "EVERY_SERVICE_BY_DEFAULT",
    "KEY_PARSERS",
    "Fail",
    "KeyParser",
    "KNOWN_KEYS",
    "WEEK_STARTS",
    "Milestone",
    "Phase",
    "ProgramConfig",
    "Target",
    "load_config",
    "parse_config",
]

BENCHMARK_YEARS = (2019, 2021, 2023, 2024)
WEEK_STARTS = ("monday", "sunday")
#: a key parser: (the key's raw YAML value, fail) -> the ProgramConfig field's value
KeyParser = Callable[[Any, Fail], Any]


@dataclass(frozen=True)
class ProgramConfig:
    """The validated content of program.yml."""

    name: str = "DevOps program"
    timezone: str = "UTC"
    week_start: str = "monday"
    production_environments: tuple[str, ...] = ("production",)
    phases: tuple[Phase, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    targets: tuple[Target, ...] = ()
    definitions: str = "default"
    benchmark_year: int = 2021
    severity_map: dict[str, str] = field(default_factory=dict)
    link_window_hours: float = 24.0
    zero_length_incidents: str = "keep"
    calendar: CalendarConfig = CalendarConfig()
    #: when each service adopted the program (analytics/config/adoption.py); () when not given
    adoption: tuple[Adoption, ...] = ()
    #: optional service -> team (-> department) mapping (analytics/config/teams.py)
    teams: tuple[Team, ...] = ()
    source: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def business_calendar(self) -> BusinessCalendar:
        """Working days and hours of the program (``calendar:`` block, in ``timezone``)."""
        return BusinessCalendar(self.calendar, self.timezone)

    def phase(self, name: str) -> Phase | None:
        """The phase called ``name``, or None."""
        return next((p for p in self.phases if p.name == name), None)

    def target(self, metric: str) -> Target | None:
        return next((t for t in self.targets if t.metric == metric), None)


def load_config(path: str | Path | None) -> ProgramConfig:
    """Read program.yml at ``path``; ``None`` or a missing file gives the defaults.

    Raises
    ------
    ConfigError
        naming the file and the key, for unreadable YAML, unknown keys or bad values; YAML
        anchors/aliases, repeated keys, folders and files over 1 MiB are refused
        (:mod:`analytics.config.strict_yaml`).
    """
    if path is None or not Path(path).exists():
        return ProgramConfig()
    path = Path(path)
    raw = load_yaml_file(path) or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of keys, got {type(raw).__name__}")
    return parse_config(raw, source=str(path))


def parse_config(raw: dict[str, Any], source: str = "program.yml") -> ProgramConfig:
    """Validate a dict shaped like program.yml and return a ProgramConfig.

    Each key present in ``raw`` goes through its parser in :data:`KEY_PARSERS` (in the table's
    order, so the first error reported does not depend on the file's key order).

    >>> parse_config({"timezone": "Asia/Shanghai", "week_start": "Sunday"}).week_start
    'sunday'
    >>> parse_config({"week_start": "friday"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    analytics.exceptions.ConfigError: program.yml: key 'week_start': must be one of monday, ...
    """

    def fail(key: str, msg: str) -> ConfigError:
        return ConfigError(f"{source}: key '{key}': {msg}")

    unknown = sorted(set(raw) - set(KEY_PARSERS))
    if unknown:
        known = ", ".join(sorted(KEY_PARSERS))
        raise fail(unknown[0], f"unknown key (known keys: {known})")
    out: dict[str, Any] = {"source": source}
    for key, parser in KEY_PARSERS.items():
        if key in raw:
            out[key] = parser(raw[key], fail)
    check_adoption_labels(out.get("adoption", ()), out.get("milestones", ()), fail)
    return ProgramConfig(**out)


# --- one parser per top-level key: (raw value, fail) -> the ProgramConfig field's value ---------


def _parse_name(value: Any, fail: Fail) -> str:
    return str(value)


def _parse_timezone(value: Any, fail: Fail) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        raise fail(
            "timezone", f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)"
        ) from None
    return str(value)


def _parse_week_start(value: Any, fail: Fail) -> str:
    return _one_of(value, WEEK_STARTS, "week_start", fail)


def _parse_production_environments(value: Any, fail: Fail) -> tuple[str, ...]:
    envs = [value] if isinstance(value, str) else value
    if not isinstance(envs, list) or not envs:
        raise fail("production_environments", "must be a non-empty list of environment names")
    return tuple(str(e).strip().lower() for e in envs)


def _parse_definitions(value: Any, fail: Fail) -> str:
    return _one_of(value, PRESETS, "definitions", fail)


def _parse_benchmark_year(value: Any, fail: Fail) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = None
    if year not in BENCHMARK_YEARS:
        raise fail("benchmark_year", f"must be one of {', '.join(map(str, BENCHMARK_YEARS))}")
    return year


def _parse_severity_map(value: Any, fail: Fail) -> dict[str, str]:
    if not isinstance(value, dict):
        raise fail("severity_map", "must map raw labels to critical/high/medium/low")
    for k, v in value.items():
        if str(v).lower() not in SEVERITIES:
            raise fail("severity_map", f"{k!r} maps to {v!r}; allowed: {', '.join(SEVERITIES)}")
    return {str(k).strip().lower(): str(v).lower() for k, v in value.items()}


#: an incident is linked to a deployment at most this long before it (a year; a larger window
#: would link everything and overflow pandas' time arithmetic)
MAX_LINK_WINDOW_HOURS = 8760


def _parse_link_window_hours(value: Any, fail: Fail) -> float:
    try:
        hours = float(value)
    except (TypeError, ValueError):
        hours = -1.0
    if not 0 < hours <= MAX_LINK_WINDOW_HOURS:
        raise fail(
            "link_window_hours",
            f"must be a positive number of hours, at most {MAX_LINK_WINDOW_HOURS} (a year)",
        )
    return hours


#: how time-to-restore statistics treat incidents resolved the moment they were opened
ZERO_LENGTH_CHOICES = ("keep", "exclude")


def _parse_zero_length_incidents(value: Any, fail: Fail) -> str:
    """``keep`` (count them as 0 h) or ``exclude`` (leave them out of time to restore)."""
    return _one_of(str(value).strip(), ZERO_LENGTH_CHOICES, "zero_length_incidents", fail)


def _one_of(value: Any, allowed: tuple[str, ...], key: str, fail: Fail) -> str:
    """``value`` lower-cased, if it is one of ``allowed``."""
    text = str(value).lower()
    if text not in allowed:
        raise fail(key, f"must be one of {', '.join(allowed)}, got {value!r}")
    return text


#: program.yml's keys, each with its parser; a key's parsed value becomes the ProgramConfig field
#: of the same name. Parsers run in this order, after the check for unknown keys.
KEY_PARSERS: dict[str, KeyParser] = {
    "name": _parse_name,
    "timezone": _parse_timezone,
    "week_start": _parse_week_start,
    "production_environments": _parse_production_environments,
    "phases": parse_phases,
    "milestones": parse_milestones,
    "targets": parse_targets,
    "definitions": _parse_definitions,
    "benchmark_year": _parse_benchmark_year,
    "severity_map": _parse_severity_map,
    "link_window_hours": _parse_link_window_hours,
    "zero_length_incidents": _parse_zero_length_incidents,
    "calendar": parse_calendar,
    "adoption": parse_adoption,
    "teams": parse_teams,
}
#: the keys program.yml may have (anything else is rejected as a typo)
KNOWN_KEYS = frozenset(KEY_PARSERS)
