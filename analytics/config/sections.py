"""The structured sections of ``program.yml``: phases, milestones and targets.

The dataclasses and their parsers; :mod:`analytics.config` reads the whole file, calls
:func:`parse_phases`, :func:`parse_milestones` and :func:`parse_targets` from its table of key
parsers, and re-exports the dataclasses.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from analytics.catalog import METRICS, SEVERITIES
from analytics.exceptions import ConfigError

#: what a target is judged on: the metric's overall value, or the value of each service
APPLIES_TO = ("overall", "every_service")
#: metrics whose targets apply to every service unless program.yml says ``applies_to: overall``
#: (coverage is a per-service level; "at least 95%" is claimed of each service, not of the mean)
EVERY_SERVICE_BY_DEFAULT = frozenset({"test_coverage"})
#: what a key parser gets to report a bad value: ``fail(key, message)`` returns the ConfigError
Fail = Callable[[str, str], ConfigError]


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
    value must meet it; the scorecard judges the worst service). ``claim`` is the program's
    own words for the goal (e.g. "100% automated test coverage"), which the executive summary
    puts next to how it is tested.
    """

    metric: str
    threshold: float
    op: str
    severity: str | None = None
    applies_to: str = "overall"
    claim: str | None = None

    def met(self, value: float) -> bool | None:
        """True/False, or None when the value is missing (NaN)."""
        if value is None or value != value:
            return None
        return bool(value >= self.threshold if self.op == ">=" else value <= self.threshold)


def as_date(value: Any, key: str, fail: Fail) -> dt.date:
    """A program.yml date (YAML date, datetime or ISO text); ``fail(key, why)`` otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise fail(key, f"{value!r} is not a date (YYYY-MM-DD)") from None


def parse_phases(phases: Any, fail: Fail) -> tuple[Phase, ...]:
    if not isinstance(phases, dict):
        raise fail("phases", "must map a phase name to {start: YYYY-MM-DD, end: YYYY-MM-DD}")
    out = []
    for name, span in phases.items():
        if not isinstance(span, dict) or set(span) != {"start", "end"}:
            raise fail(f"phases.{name}", "needs exactly the keys start and end")
        start = as_date(span["start"], f"phases.{name}.start", fail)
        end = as_date(span["end"], f"phases.{name}.end", fail)
        if end < start:
            raise fail(f"phases.{name}", f"ends ({end}) before it starts ({start})")
        out.append(Phase(str(name), start, end))
    out.sort(key=lambda p: p.start)
    for a, b in zip(out, out[1:], strict=False):
        if b.start <= a.end:
            raise fail(f"phases.{b.name}", f"overlaps phase {a.name} ({a.start}..{a.end})")
    return tuple(out)


def parse_milestones(items: Any, fail: Fail) -> tuple[Milestone, ...]:
    if not isinstance(items, list):
        raise fail("milestones", "must be a list of {date: YYYY-MM-DD, label: text}")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "date" not in item or "label" not in item:
            raise fail(f"milestones[{i}]", "needs the keys date and label")
        out.append(
            Milestone(as_date(item["date"], f"milestones[{i}].date", fail), str(item["label"]))
        )
    return tuple(sorted(out, key=lambda m: m.date))


def parse_targets(targets: Any, fail: Fail) -> tuple[Target, ...]:
    if not isinstance(targets, dict):
        raise fail("targets", "must map metric names to a number or {max: x} / {min: x}")
    return tuple(_parse_target(metric, spec, fail) for metric, spec in targets.items())


def _parse_target(metric: str, spec: Any, fail: Fail) -> Target:
    """One ``targets`` entry: a bare number (the metric's good direction) or a mapping."""
    key = f"targets.{metric}"
    if metric not in METRICS:
        raise fail(key, f"unknown metric (known: {', '.join(METRICS)})")
    applies_to = "every_service" if metric in EVERY_SERVICE_BY_DEFAULT else "overall"
    if not isinstance(spec, dict):
        op = ">=" if METRICS[metric].higher_is_better else "<="
        return Target(metric, _threshold(spec, metric, key, fail), op, None, applies_to)
    extra = set(spec) - {"min", "max", "severity", "applies_to", "claim"}
    if extra or ("min" in spec) == ("max" in spec):
        raise fail(
            key,
            "use a number, or a mapping with exactly one of min/max "
            "(and optional severity, applies_to, claim)",
        )
    claim = spec.get("claim")
    if claim is not None and not isinstance(claim, str):
        raise fail(f"{key}.claim", f"must be text, got {claim!r}")
    bound = "min" if "min" in spec else "max"
    severity = None
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
    threshold = _threshold(spec[bound], metric, f"{key}.{bound}", fail)
    op = ">=" if bound == "min" else "<="
    return Target(metric, threshold, op, severity, applies_to, claim.strip() if claim else None)


def _threshold(value: Any, metric: str, key: str, fail: Fail) -> float:
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
