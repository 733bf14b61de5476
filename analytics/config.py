"""Read and validate ``program.yml``: the program's calendar, phases, milestones and targets.

Every key is optional; the defaults are UTC, Monday weeks, the ``production`` environment,
no phases, no targets. Unknown keys are rejected (a typo must not pass silently).
See data/README.md for the format.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from analytics.catalog import METRICS, PRESETS, SEVERITIES
from analytics.exceptions import ConfigError

BENCHMARK_YEARS = (2019, 2021, 2023, 2024)
WEEK_STARTS = ("monday", "sunday")
#: what a target is judged on: the metric's overall value, or the value of each service
APPLIES_TO = ("overall", "every_service")
#: metrics whose targets apply to every service unless program.yml says ``applies_to: overall``
#: (coverage is a per-service level; "at least 95%" is claimed of each service, not of the mean)
EVERY_SERVICE_BY_DEFAULT = frozenset({"test_coverage"})
KNOWN_KEYS = {
    "name",
    "timezone",
    "week_start",
    "production_environments",
    "phases",
    "milestones",
    "targets",
    "definitions",
    "benchmark_year",
    "severity_map",
    "link_window_hours",
}


@dataclass(frozen=True)
class Phase:
    """A named stretch of the program, with inclusive local start and end dates."""

    name: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Milestone:
    date: dt.date
    label: str


@dataclass(frozen=True)
class Target:
    """A goal for one metric: ``value op threshold`` is met (op is ``>=`` or ``<=``).

    ``severity`` restricts time-to-restore targets to one severity. ``applies_to`` is
    ``"overall"`` (the metric's value over all services) or ``"every_service"`` (each service's
    value must meet it; the scorecard judges the worst service).
    """

    metric: str
    threshold: float
    op: str
    severity: str | None = None
    applies_to: str = "overall"

    def met(self, value: float) -> bool | None:
        """True/False, or None when the value is missing (NaN)."""
        if value is None or value != value:
            return None
        return bool(value >= self.threshold if self.op == ">=" else value <= self.threshold)


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
    source: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

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
        naming the file and the key, for unreadable YAML, unknown keys or bad values.
    """
    if path is None or not Path(path).exists():
        return ProgramConfig()
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (
        yaml.YAMLError,
        UnicodeDecodeError,
        ValueError,
    ) as exc:  # ValueError: a date like 2021-13-01
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{path}: not valid YAML ({first})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of keys, got {type(raw).__name__}")
    return parse_config(raw, source=str(path))


def parse_config(raw: dict[str, Any], source: str = "program.yml") -> ProgramConfig:
    """Validate a dict shaped like program.yml and return a ProgramConfig."""

    def fail(key: str, msg: str) -> ConfigError:
        return ConfigError(f"{source}: key '{key}': {msg}")

    unknown = sorted(set(raw) - KNOWN_KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key (known keys: {', '.join(sorted(KNOWN_KEYS))})")
    out: dict[str, Any] = {"source": source}
    if "name" in raw:
        out["name"] = str(raw["name"])
    if "timezone" in raw:
        try:
            ZoneInfo(str(raw["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise fail(
                "timezone",
                f"unknown time zone {raw['timezone']!r} (use an IANA name such as Asia/Shanghai)",
            ) from None
        out["timezone"] = str(raw["timezone"])
    if "week_start" in raw:
        ws = str(raw["week_start"]).lower()
        if ws not in WEEK_STARTS:
            raise fail(
                "week_start", f"must be one of {', '.join(WEEK_STARTS)}, got {raw['week_start']!r}"
            )
        out["week_start"] = ws
    if "production_environments" in raw:
        envs = raw["production_environments"]
        if isinstance(envs, str):
            envs = [envs]
        if not isinstance(envs, list) or not envs:
            raise fail("production_environments", "must be a non-empty list of environment names")
        out["production_environments"] = tuple(str(e).strip().lower() for e in envs)
    if "phases" in raw:
        out["phases"] = _parse_phases(raw["phases"], fail)
    if "milestones" in raw:
        out["milestones"] = _parse_milestones(raw["milestones"], fail)
    if "targets" in raw:
        out["targets"] = _parse_targets(raw["targets"], fail)
    if "definitions" in raw:
        preset = str(raw["definitions"]).lower()
        if preset not in PRESETS:
            raise fail(
                "definitions", f"must be one of {', '.join(PRESETS)}, got {raw['definitions']!r}"
            )
        out["definitions"] = preset
    if "benchmark_year" in raw:
        try:
            year = int(raw["benchmark_year"])
        except (TypeError, ValueError):
            year = None
        if year not in BENCHMARK_YEARS:
            raise fail("benchmark_year", f"must be one of {', '.join(map(str, BENCHMARK_YEARS))}")
        out["benchmark_year"] = year
    if "severity_map" in raw:
        smap = raw["severity_map"]
        if not isinstance(smap, dict):
            raise fail("severity_map", "must map raw labels to critical/high/medium/low")
        for k, v in smap.items():
            if str(v).lower() not in SEVERITIES:
                raise fail("severity_map", f"{k!r} maps to {v!r}; allowed: {', '.join(SEVERITIES)}")
        out["severity_map"] = {str(k).strip().lower(): str(v).lower() for k, v in smap.items()}
    if "link_window_hours" in raw:
        try:
            hours = float(raw["link_window_hours"])
        except (TypeError, ValueError):
            hours = -1.0
        if not hours > 0:
            raise fail("link_window_hours", "must be a positive number of hours")
        out["link_window_hours"] = hours
    return ProgramConfig(**out)


def _as_date(value: Any, key: str, fail) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise fail(key, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _parse_phases(phases: Any, fail) -> tuple[Phase, ...]:
    if not isinstance(phases, dict):
        raise fail("phases", "must map a phase name to {start: YYYY-MM-DD, end: YYYY-MM-DD}")
    out = []
    for name, span in phases.items():
        if not isinstance(span, dict) or set(span) != {"start", "end"}:
            raise fail(f"phases.{name}", "needs exactly the keys start and end")
        start = _as_date(span["start"], f"phases.{name}.start", fail)
        end = _as_date(span["end"], f"phases.{name}.end", fail)
        if end < start:
            raise fail(f"phases.{name}", f"ends ({end}) before it starts ({start})")
        out.append(Phase(str(name), start, end))
    out.sort(key=lambda p: p.start)
    for a, b in zip(out, out[1:], strict=False):
        if b.start <= a.end:
            raise fail(f"phases.{b.name}", f"overlaps phase {a.name} ({a.start}..{a.end})")
    return tuple(out)


def _parse_milestones(items: Any, fail) -> tuple[Milestone, ...]:
    if not isinstance(items, list):
        raise fail("milestones", "must be a list of {date: YYYY-MM-DD, label: text}")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "date" not in item or "label" not in item:
            raise fail(f"milestones[{i}]", "needs the keys date and label")
        out.append(
            Milestone(_as_date(item["date"], f"milestones[{i}].date", fail), str(item["label"]))
        )
    return tuple(sorted(out, key=lambda m: m.date))


def _parse_targets(targets: Any, fail) -> tuple[Target, ...]:
    if not isinstance(targets, dict):
        raise fail("targets", "must map metric names to a number or {max: x} / {min: x}")
    out = []
    for metric, spec in targets.items():
        key = f"targets.{metric}"
        if metric not in METRICS:
            raise fail(key, f"unknown metric (known: {', '.join(METRICS)})")
        default_op = ">=" if METRICS[metric].higher_is_better else "<="
        severity = None
        applies_to = "every_service" if metric in EVERY_SERVICE_BY_DEFAULT else "overall"
        if isinstance(spec, dict):
            extra = set(spec) - {"min", "max", "severity", "applies_to"}
            if extra or ("min" in spec) == ("max" in spec):
                raise fail(
                    key,
                    "use a number, or a mapping with exactly one of min/max "
                    "(and optional severity, applies_to)",
                )
            op, value = (">=", spec["min"]) if "min" in spec else ("<=", spec["max"])
            value_key = f"{key}.{'min' if op == '>=' else 'max'}"
            if "severity" in spec:
                severity = str(spec["severity"]).lower()
                if severity not in SEVERITIES:
                    raise fail(key, f"severity must be one of {', '.join(SEVERITIES)}")
            if "applies_to" in spec:
                applies_to = str(spec["applies_to"]).strip().lower()
                if applies_to not in APPLIES_TO:
                    raise fail(
                        f"{key}.applies_to",
                        f"must be one of {', '.join(APPLIES_TO)}, got {spec['applies_to']!r}",
                    )
        else:
            op, value, value_key = default_op, spec, key
        out.append(
            Target(metric, _threshold(value, metric, value_key, fail), op, severity, applies_to)
        )
    return tuple(out)


def _threshold(value: Any, metric: str, key: str, fail) -> float:
    """A target's number, checked against its metric's unit (shares 0..1, nothing negative)."""
    share = METRICS[metric].unit == "share"
    try:
        if isinstance(value, bool):  # YAML's yes/no/true/false are not numbers
            raise TypeError
        threshold = float(value)
    except (TypeError, ValueError):
        hint = ": write a share between 0 and 1, e.g. 0.95 for 95%" if share else ""
        raise fail(key, f"{value!r} is not a number{hint}") from None
    if not math.isfinite(threshold):
        raise fail(key, f"{value!r} is not a finite number")
    if share and not 0 <= threshold <= 1:
        hint = (
            f"; {threshold:g} looks like a percentage: write {threshold / 100:g}"
            if 1 < threshold <= 100
            else ""
        )
        raise fail(key, f"{threshold:g} is outside 0..1 ({metric} is a share){hint}")
    if threshold < 0:
        raise fail(key, f"{threshold:g} is negative ({metric} is in {METRICS[metric].unit})")
    return threshold
