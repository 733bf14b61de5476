"""A metric's level over several months in words: which statistic it is, and whose events.

A phase's level (``analytics.program.scorecard.phase_value``) pools the phase's months: the mean
of the months for counts and levels, n-weighted for shares and durations. What that pooled
value is called depends on the metric, and is written here once for the topic tables, the chart
titles and the DORA table:

- the topic tables name every level's statistic ("Lead time for changes, monthly median");
- a chart title names it only where the months' values are themselves a statistic that
  pooling does not turn into the phase's own (a lead time's monthly medians: their weighted
  mean is not the phase's median), as "Lead time for changes (monthly median) fell ...";
- a series over every row of a table that is often cut by severity says so ("Time to restore,
  all incidents"), where the label alone could be read as one severity's.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.catalog import METRICS


@dataclass(frozen=True)
class Level:
    """How one metric's level is named."""

    statistic: str  # "monthly average", "monthly median", "pooled share", "mean"...
    in_title: bool = False  # chart titles name the statistic too (see the module's docstring)
    scope: str = ""  # "all incidents": whose events the series over every row counts


#: Each catalogue metric's level (``phase_value``) in words.
LEVELS: dict[str, Level] = {
    "delivery_throughput_per_day": Level("monthly average"),
    "production_releases": Level("monthly average"),
    "deployment_frequency_per_day": Level("monthly average"),
    "deployment_days_per_week": Level("monthly average"),
    "lead_time_hours": Level("monthly median", in_title=True),
    "change_failure_rate": Level("pooled share"),
    "rework_rate": Level("pooled share"),
    "unit_test_pass_rate": Level("pooled share"),
    "time_to_restore_hours": Level("mean", scope="all incidents"),
    "test_coverage": Level("mean of services"),
}

_UNNAMED = Level("value")


def level_of(metric: str) -> Level:
    """The metric's :class:`Level` ("value", no title, no scope for a metric not listed)."""
    return LEVELS.get(metric, _UNNAMED)


def scoped_label(metric: str) -> str:
    """The metric's label with the scope of its series over every row.

    >>> scoped_label("time_to_restore_hours")
    'Time to restore, all incidents'
    >>> scoped_label("lead_time_hours")
    'Lead time for changes'
    """
    scope = level_of(metric).scope
    return METRICS[metric].label + (f", {scope}" if scope else "")


def level_label(metric: str) -> str:
    """The metric's label, scope and level statistic, as the topic tables name a row.

    >>> level_label("time_to_restore_hours")
    'Time to restore, all incidents, mean'
    >>> level_label("production_releases")
    'Production releases, monthly average'
    """
    return f"{scoped_label(metric)}, {level_of(metric).statistic}"


def title_suffix(metric: str) -> str:
    """What a chart title adds after the series' label: the statistic where it names it.

    >>> title_suffix("lead_time_hours")
    ' (monthly median)'
    >>> title_suffix("time_to_restore_hours")
    ''
    """
    level = level_of(metric)
    return f" ({level.statistic})" if level.in_title else ""
