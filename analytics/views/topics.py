"""Per-topic tables and series: this month's values, incidents, weekly series and their fits."""

from __future__ import annotations

import pandas as pd

from analytics.catalog import METRICS
from analytics.metrics import coverage_by_service, lead_times, restore_times
from analytics.metrics.linking import link_incidents
from analytics.periods import phase_of_dates
from analytics.program.scorecard import phase_value
from analytics.stats.control import xmr_chart
from analytics.stats.trend import change_points, segmented_regression
from analytics.views._format import _hours, _share_1dp
from analytics.views.month import MonthReport, _in_month
from analytics.wording.levels import level_label


def month_values(report: MonthReport, metrics: tuple[str, ...]) -> pd.DataFrame:
    """This month's value of each metric next to the baseline level, named by its statistic
    (``analytics.wording.levels.level_label``) and written as on every page, with n."""
    from analytics.views.headline import value_words

    table = report.monthly[report.monthly["severity"] == "all"]
    rows = []
    for metric in metrics:
        series = table[table["metric"] == metric].set_index("period_start")
        now = series["value"].get(report.month_start, float("nan"))
        n = series["n"].get(report.month_start, 0)
        base = phase_value(report.monthly, report.config, metric, "baseline")
        info = METRICS[metric]
        rows.append(
            {
                "Metric": level_label(metric),
                "This month": value_words(now, info.unit),
                "Baseline": value_words(base, info.unit),
                "n": f"{int(n):,}",
            }
        )
    return pd.DataFrame(rows).set_index("Metric").rename_axis(None)


def restore_by_severity(report: MonthReport) -> pd.DataFrame:
    """Time to restore this month per severity: mean, median, P90, n, still open."""
    t = report.monthly
    t = t[(t["metric"] == "time_to_restore_hours") & (t["period_start"] == report.month_start)]
    order = {s: i for i, s in enumerate(["critical", "high", "medium", "low", "all"])}
    t = t.sort_values("severity", key=lambda s: s.map(order))
    return (
        pd.DataFrame(
            {
                "Severity": t["severity"],
                "Mean": t["mean"].map(_hours),
                "Median": t["median"].map(_hours),
                "P90": t["p90"].map(_hours),
                "Incidents": t["n"].astype(int),
                "Still open": t["n_censored"].astype(int),
            }
        )
        .set_index("Severity")
        .rename_axis(None)
    )


def incidents_of_month(report: MonthReport) -> pd.DataFrame:
    """Every incident opened in the month, newest first (titles as data: escaped on display)."""
    items = restore_times(report.dataset, report.preset)
    inc = report.dataset.incidents.set_index("incident_id")
    items = items[_in_month(items["opened_at"], report)]
    links = link_incidents(
        report.dataset.incidents,
        report.dataset.deployments,
        report.config.production_environments,
        report.config.link_window_hours,
    )
    linked = links.set_index("incident_id")["deployment_id"]
    out = pd.DataFrame(
        {
            "Incident": items["incident_id"],
            "Opened (local)": items["opened_at"]
            .dt.tz_convert(report.config.timezone)
            .dt.strftime("%Y-%m-%d %H:%M"),
            "Severity": items["severity"],
            "Service": items["service"].fillna("-"),
            "Restored in": items["restore_hours"]
            .map(_hours)
            .where(~items["censored"], "still open"),
            "Caused by": items["incident_id"].map(linked).fillna("-"),
            "Title": items["incident_id"].map(inc["title"]).fillna(""),
        }
    )
    return (
        out.sort_values("Opened (local)", ascending=False).set_index("Incident").rename_axis(None)
    )


def phase_items(report: MonthReport, kind: str) -> pd.DataFrame:
    """Per-item durations with their phase: ``kind`` is "restore" or "lead"."""
    items = (
        restore_times(report.dataset, report.preset)
        if kind == "restore"
        else lead_times(report.dataset, report.preset)
    )
    return items.assign(phase=phase_of_dates(items["day"], report.config))


def weekly_series(report: MonthReport, metric: str) -> pd.Series:
    """The weekly values of one metric (severity "all"), indexed by week start, gaps dropped."""
    t = report.weekly
    rows = t[(t["metric"] == metric) & (t["severity"] == "all")]
    return rows.set_index("period_start")["value"].dropna()


def control_frame(report: MonthReport, metric: str) -> pd.DataFrame:
    """XmR chart of a weekly metric, limits from the baseline weeks."""
    series = weekly_series(report, metric)
    base = report.config.phase("baseline")
    if base is not None:
        end = pd.Timestamp(base.end)
    else:  # no baseline phase: limits from the first 20 points (Wheeler's usual minimum)
        end = series.index[min(len(series), 20) - 1] if len(series) else None
    frame = xmr_chart(series, baseline_end=end)
    return frame.reset_index(drop=True).assign(period_start=series.index)


def its_frame(report: MonthReport, metric: str) -> pd.DataFrame:
    """Observed, fitted and counterfactual weekly values around the program (segmented fit).

    The counterfactual continues the baseline *trend* only when the baseline slope is
    distinguishable from zero (p < 0.05); otherwise it is the baseline *level*. A short, noisy
    baseline would otherwise be extrapolated into an absurd projection (a Poisson trend
    compounds), which readers would take as what "would have happened".
    """
    program = report.config.phase("program")
    if program is None:  # nothing to break the series at: an empty fit, drawn as "no data"
        return pd.DataFrame(
            columns=["observed", "fitted", "counterfactual", "phase"],
            index=pd.DatetimeIndex([], name="period_start"),
            dtype=float,
        )
    series = weekly_series(report, metric)
    start, end = pd.Timestamp(program.start), pd.Timestamp(program.end)
    count = METRICS[metric].kind == "count"
    if count:  # weekly counts: quasi-Poisson, a week of exposure
        if METRICS[metric].unit.endswith("/day"):
            series = series * 7
        fit = segmented_regression(
            series, start, end, kind="count", exposure=pd.Series(7.0, index=series.index)
        )
    else:
        fit = segmented_regression(series, start, end)
    frame = fit.fitted.copy()
    slope = fit.coefficients.set_index("term")["p_value"].get("slope", float("nan"))
    if not slope < 0.05:
        baseline = frame.loc[frame["phase"] == "baseline", "observed"].mean()
        frame["counterfactual"] = frame["counterfactual"].where(
            frame["phase"] == "baseline", baseline
        )
    return frame


def change_point_table(report: MonthReport, metrics: tuple[str, ...]) -> pd.DataFrame:
    """The two largest level shifts of each weekly series (corroboration only: not a test)."""
    rows = []
    for metric in metrics:
        series = weekly_series(report, metric)
        if len(series) < 8:
            continue
        found = change_points(series, n_bkps=2)
        weeks = [series.index[p].date().isoformat() for p in found.positions]
        rows.append(
            {
                "Metric": METRICS[metric].label,
                "Level changed in weeks starting": ", ".join(weeks) or "none",
            }
        )
    return (
        pd.DataFrame(rows, columns=["Metric", "Level changed in weeks starting"])
        .set_index("Metric")
        .rename_axis(None)
    )


def coverage_table(report: MonthReport) -> pd.DataFrame:
    """Each service's coverage this month (last run) next to its last baseline value."""
    cov = coverage_by_service(report.dataset, freq="month", preset=report.preset)
    now = cov[cov["period_start"] == report.month_start].set_index("service")["coverage"]
    base = report.config.phase("baseline")
    before = pd.Series(dtype=float)
    if base is not None:
        inside = cov[
            (cov["period_start"] >= pd.Timestamp(base.start))
            & (cov["period_start"] <= pd.Timestamp(base.end))
        ]
        before = inside.sort_values("finished_at").groupby("service")["coverage"].last()
    services = sorted(set(now.index) | set(before.index))
    target = report.config.target("test_coverage")
    # a month inside the baseline sees its last value so far, not the end of the baseline
    baseline_label = (
        "Baseline so far"
        if base is not None and report.month_start.date() <= base.end
        else "End of baseline"
    )
    return (
        pd.DataFrame(
            {
                "Service": services,
                "This month": [_share_1dp(now.get(s, float("nan"))) for s in services],
                baseline_label: [_share_1dp(before.get(s, float("nan"))) for s in services],
                "Meets target": [
                    "-"
                    if target is None or pd.isna(now.get(s))
                    else ("yes" if target.met(now.get(s)) else "no")
                    for s in services
                ],
            }
        )
        .set_index("Service")
        .rename_axis(None)
    )
