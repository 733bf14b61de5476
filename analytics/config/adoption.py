"""The ``adoption:`` block of program.yml: when each service adopted the program.

Programs roll out service by service; the event study (:mod:`analytics.stats.event_study`)
aligns each service on its own adoption date. Two forms per service::

    adoption:
      loan-application: 2021-01-18                 # the date the service adopted the program
      credit-scoring:                              # or one date per milestone (labels of
        Unified CI pipeline: 2021-02-22            # `milestones:`); the service's adoption
        Automated test gate: 2021-03-15            # date is then the earliest of them

A service missing from the block has not adopted (it serves as a never-treated control).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from analytics.config.sections import as_date
from analytics.exceptions import ConfigError

__all__ = ["Adoption", "parse_adoption", "check_adoption_labels", "adoption_dates"]


@dataclass(frozen=True)
class Adoption:
    """One service's adoption: its date, and the dates of single milestones when given."""

    service: str
    date: dt.date
    milestones: tuple[tuple[str, dt.date], ...] = ()

    def on(self, milestone: str | None = None) -> dt.date | None:
        """The adoption date, or the date of one milestone (None when not given for it)."""
        if milestone is None:
            return self.date
        return dict(self.milestones).get(milestone)


def parse_adoption(
    raw: Any,
    fail: Callable[[str, str], ConfigError],
    milestone_labels: tuple[str, ...] | None = None,
) -> tuple[Adoption, ...]:
    """Validate the ``adoption:`` block; ``fail(key, message)`` builds the ConfigError.

    ``milestone_labels``, when given, are the labels a per-milestone mapping may use.

    Examples
    --------
    >>> def fail(key, msg):
    ...     return ConfigError(f"program.yml: key '{key}': {msg}")
    >>> parse_adoption({"api": "2021-03-01"}, fail)[0].date
    datetime.date(2021, 3, 1)
    """
    if not isinstance(raw, dict) or not raw:
        raise fail("adoption", "must map each service to a date, or to {milestone label: date}")
    out = []
    for service, spec in raw.items():
        key = f"adoption.{service}"
        if isinstance(spec, dict):
            if not spec:
                raise fail(key, "needs at least one {milestone label: date}")
            marks = []
            for label, value in spec.items():
                if milestone_labels is not None and str(label) not in milestone_labels:
                    known = ", ".join(milestone_labels) or "none"
                    raise fail(f"{key}.{label}", f"not a milestone label (milestones: {known})")
                marks.append((str(label), as_date(value, f"{key}.{label}", fail)))
            marks.sort(key=lambda m: m[1])
            out.append(Adoption(str(service), marks[0][1], tuple(marks)))
        else:
            out.append(Adoption(str(service), as_date(spec, key, fail)))
    return tuple(sorted(out, key=lambda a: (a.date, a.service)))


def check_adoption_labels(
    adoption: tuple[Adoption, ...], milestones: tuple, fail: Callable[[str, str], ConfigError]
) -> None:
    """Raise ``fail`` for a per-milestone date whose label is not one of ``milestones``."""
    labels = tuple(m.label for m in milestones)
    for item in adoption:
        for label, _ in item.milestones:
            if label not in labels:
                known = ", ".join(labels) or "none"
                raise fail(
                    f"adoption.{item.service}.{label}",
                    f"not a milestone label (milestones: {known})",
                )


def adoption_dates(
    adoption: tuple[Adoption, ...], milestone: str | None = None
) -> dict[str, dt.date]:
    """Service -> adoption date (or the date of ``milestone``; services without it left out).

    Examples
    --------
    >>> adoption_dates((Adoption("api", dt.date(2021, 3, 1)),))
    {'api': datetime.date(2021, 3, 1)}
    """
    out = {}
    for item in adoption:
        day = item.on(milestone)
        if day is not None:
            out[item.service] = day
    return out
