"""The rows behind a number: the deployments, changes, incidents or test runs a metric counts.

``rows_behind(report, metric)`` gives the items behind the month's value of ``metric``;
``period`` picks a phase instead, ``team`` / ``service`` a part of the data. The items come
from the same per-item functions the metric table and the impact tests use
(``analytics.metrics``), so counting them gives the number shown: the production releases
of a month are ``len(rows_behind(report, "production_releases"))``.
"""

from __future__ import annotations

import pandas as pd

from analytics.catalog import METRICS
from analytics.data.dataset import Dataset
from analytics.metrics import (
    coverage_by_service,
    deployment_facts,
    lead_time_stages,
    restore_times,
    unit_test_runs,
)
from analytics.periods import phase_of_dates
from analytics.views.month import MonthReport

#: which deployments each deployment metric counts (a column of deployment_facts, or both)
_DEPLOYMENT_ROWS = {
    "delivery_throughput_per_day": ("success",),
    "production_releases": ("success", "is_production"),
    "deployment_frequency_per_day": ("success", "is_production"),
    "deployment_days_per_week": ("success", "is_production"),
    "change_failure_rate": ("in_cfr",),
    "rework_rate": ("in_rework",),
}


def _items(ds: Dataset, metric: str, preset: str) -> pd.DataFrame:
    if metric in _DEPLOYMENT_ROWS:
        facts = deployment_facts(ds, preset)
        keep = pd.Series(True, index=facts.index)
        for column in _DEPLOYMENT_ROWS[metric]:
            keep &= facts[column].astype(bool)
        return facts[keep]
    if metric == "lead_time_hours":
        return lead_time_stages(ds, preset)
    if metric == "time_to_restore_hours":
        return restore_times(ds, preset)
    if metric == "unit_test_pass_rate":
        return unit_test_runs(ds, preset)
    return coverage_by_service(ds, freq="day", preset=preset).rename(
        columns={"period_start": "day"}
    )


def rows_behind(
    report: MonthReport,
    metric: str,
    *,
    period: str | None = None,
    team: str | None = None,
    service: str | None = None,
    severity: str | None = None,
    days: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> pd.DataFrame:
    """The items behind one number of the report.

    Parameters
    ----------
    report
        the month (``views.open_month``).
    metric
        a metric of analytics/catalog.py.
    period
        None: the report month; else a phase of program.yml (``"baseline"``, ``"after"``).
    team, service
        keep only this team's (program.yml ``teams``) or this service's rows; an unknown
        name raises AnalyticsError listing the known ones.
    severity
        for time to restore: only incidents of this severity.
    days
        instead of ``period``: local dates from the first to before the second (a week's or
        a day's rows: ``(start, start + pd.Timedelta(days=7))``).

    Returns
    -------
    DataFrame
        the per-item rows (``deployment_facts``, ``lead_time_stages``, ``restore_times``,
        ``unit_test_runs`` or, for coverage, each service's last covered run in the period),
        with a ``phase`` column, sorted by ``day``.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r} (known: {', '.join(METRICS)})")
    ds = report.dataset.filter_teams([team] if team else None)
    ds = ds.filter_services([service] if service else None)
    items = _items(ds, metric, report.preset)
    items = items.assign(phase=phase_of_dates(items["day"], report.config))
    if days is not None:
        inside = (items["day"] >= pd.Timestamp(days[0])) & (items["day"] < pd.Timestamp(days[1]))
    elif period is None:
        start = report.month_start
        inside = (items["day"] >= start) & (items["day"] < start + pd.offsets.MonthBegin(1))
    else:
        if report.config.phase(period) is None:
            known = ", ".join(p.name for p in report.config.phases) or "none"
            raise ValueError(f"unknown phase {period!r} (phases of program.yml: {known})")
        inside = items["phase"] == period
    items = items[inside]
    if severity is not None and "severity" in items.columns:
        items = items[items["severity"] == severity]
    if metric == "test_coverage":  # the level is each service's last covered run
        items = items.sort_values("finished_at").groupby("service").tail(1)
    return items.sort_values("day", kind="stable").reset_index(drop=True)


_PERIOD_LENGTH = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(days=7)}


def outlier_rows(report: MonthReport, metric: str, freq: str = "month") -> pd.DataFrame:
    """The rows behind the period whose value lies farthest from the metric's median.

    Distance is counted in median absolute deviations of the periods' values (severity
    ``all``), so one extreme period stands out even in a skewed series. The rows carry a
    ``period_start`` column naming the period; an empty frame when no period has a value.
    For one team, open the report for it (``open_month(..., teams=[...])``).
    """
    table = report.table(freq)
    series = table[(table["metric"] == metric) & (table["severity"] == "all")]
    series = series.set_index("period_start")["value"].dropna()
    if series.empty:
        return pd.DataFrame()
    distance = (series - series.median()).abs()
    start = distance.idxmax()
    length = _PERIOD_LENGTH.get(freq, pd.offsets.MonthBegin(1))
    rows = rows_behind(report, metric, days=(start, start + length))
    return rows.assign(period_start=start)
