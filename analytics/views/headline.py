"""The month's headline numbers: each target's figure defined once, read by every page.

One :class:`Headline` per program.yml target holds the month's value, the baseline and the
after phase, all computed by :func:`analytics.program.scorecard.scorecard` with the statistic
the target is judged on (a monthly average for rates, the mean restore time, the lowest
service's coverage...). Tiles, verdict sentences, chart titles, tables and alt text read these
values and their formatted text, so a figure reads the same wherever it is shown. A different
statistic of the same metric (the program-impact page's medians and pooled rates) carries a
different name (:attr:`Headline.name` says which statistic this one is).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from analytics.catalog import METRICS
from analytics.views.month import MonthReport
from analytics.wording.numbers import format_value, rate_suffix
from analytics.wording.targets import target_words

#: What each metric counts, in words a reader needs before reading its value.
COUNTS = {
    "delivery_throughput_per_day": "successful deployments to any environment, per calendar day",
    "production_releases": "successful production deployments (regular, hotfix and rollback)",
    "deployment_frequency_per_day": "successful production deployments per calendar day",
    "time_to_restore_hours": "hours from an incident's start to its resolution",
    "lead_time_hours": "time from a change's first commit to its production deployment",
    "change_failure_rate": "share of production deployments linked to an incident",
    "rework_rate": "share of production deployments that are hotfixes or rollbacks",
    "unit_test_pass_rate": "passed unit tests out of passed and failed, all runs pooled",
    "test_coverage": "line coverage of each service's last unit run",
    "deployment_days_per_week": "days a week with at least one production deployment",
}

#: The statistic a target is judged on, by metric kind (every-service targets: the worst).
_STATISTIC = {
    "count": "monthly average",
    "duration": "mean",
    "proportion": "pooled share",
    "level": "monthly average",
}


def value_words(value: float, unit: str) -> str:
    """A value with its unit as every page writes it: '0.74 a day', '5 h', '44.4%', '2.1
    days/week'; 'no data' for NaN."""
    if not math.isfinite(value):
        return "no data"
    text, suffix = format_value(value, unit), rate_suffix(unit)
    if suffix or unit in ("share", "hours", ""):
        return text + suffix
    return f"{text} {unit}"


def got_worse(before: float, after: float, unit: str, higher_is_better: bool) -> bool:
    """Whether a level got worse from ``before`` to ``after``: both known, ``after`` on the
    worse side of ``before`` for the metric's direction, and the two read differently as
    written (``value_words``), so that a flag never says "baseline 14.3%, after phase 14.3%".

    >>> got_worse(0.0, 0.143, "share", higher_is_better=False)
    True
    >>> got_worse(0.1429, 0.1431, "share", higher_is_better=False)  # both read 14.3%
    False
    >>> got_worse(6.2, 5.0, "deployments/day", higher_is_better=True)
    True
    >>> got_worse(float("nan"), 0.5, "share", higher_is_better=False)
    False
    """
    if not (math.isfinite(before) and math.isfinite(after)) or after == before:
        return False
    if value_words(before, unit) == value_words(after, unit):
        return False
    return (after < before) == higher_is_better


@dataclass(frozen=True)
class Headline:
    """One target's figures for the month, the baseline and the after phase."""

    metric: str
    label: str  # "Time to restore (critical)"
    statistic: str  # "mean", "monthly average", "lowest service"...
    counts: str  # what is counted
    unit: str
    month: float
    baseline: float
    after: float
    n: int  # events behind the month's value
    target: str  # "≥ 95% for every service"
    claim: str  # program.yml's words, or ""
    met: bool | None
    on_track: bool | None
    trend: str
    band: str
    higher_is_better: bool

    @property
    def name(self) -> str:
        """The label with its statistic: 'Time to restore (critical), mean'."""
        return f"{self.label}, {self.statistic}"

    def text(self, value: float) -> str:
        """A value of this figure in words with its unit ('0.74 a day', '5 h', '44.4%')."""
        return value_words(value, self.unit)

    @property
    def month_text(self) -> str:
        return self.text(self.month)

    @property
    def baseline_text(self) -> str:
        return self.text(self.baseline)

    @property
    def after_text(self) -> str:
        return self.text(self.after)

    @property
    def worse(self) -> bool:
        """The after phase is worse than the baseline (:func:`got_worse`)."""
        return got_worse(self.baseline, self.after, self.unit, self.higher_is_better)

    def change_text(self) -> str:
        """'baseline 0.74 a day, after phase 6.4 a day' (the one wording of the two levels)."""
        return f"baseline {self.baseline_text}, after phase {self.after_text}"


def statistic_of(metric: str, applies_to: str, op: str) -> str:
    """The statistic a target is judged on, in words."""
    if applies_to == "every_service":
        return "lowest service" if op == ">=" else "highest service"
    return _STATISTIC.get(METRICS[metric].kind, "value")


def headline_numbers(report: MonthReport) -> list[Headline]:
    """One :class:`Headline` per target of program.yml, in config order (computed once)."""
    return report.headline


def build_headlines(report: MonthReport) -> list[Headline]:
    """Build the headlines from the month's scorecard and the after phase's scorecard."""
    card, after = report.scorecard, report.after_scorecard
    out = []
    for i, (row, target) in enumerate(zip(card.itertuples(), report.config.targets, strict=True)):
        info = METRICS[row.metric]
        label = info.label + ("" if row.severity == "all" else f" ({row.severity})")
        after_value = float(after["value"].iloc[i]) if len(after) > i else math.nan
        out.append(
            Headline(
                metric=row.metric,
                label=label,
                statistic=statistic_of(row.metric, row.applies_to, row.op),
                counts=COUNTS.get(row.metric, ""),
                unit=info.unit,
                month=float(row.value),
                baseline=float(row.baseline),
                after=after_value,
                n=int(row.n),
                target=target_words(row.op, row.target, info.unit, row.applies_to),
                claim=target.claim or "",
                met=row.met,
                on_track=row.on_track,
                trend=str(row.trend),
                band=str(row.band),
                higher_is_better=info.higher_is_better,
            )
        )
    return out


def _frame(rows: list[dict], index: str) -> pd.DataFrame:
    """Rows as a table indexed by ``index`` (a table without rows when there are none, e.g.
    a program.yml without targets)."""
    if not rows:
        return pd.DataFrame(index=pd.Index([], dtype="object"))
    return pd.DataFrame(rows).set_index(index).rename_axis(None)
