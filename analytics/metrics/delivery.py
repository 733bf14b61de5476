"""Delivery metrics: throughput, production releases, deployment frequency, lead time.

Every definition is in docs/METRICS.md; the functions here say which columns they read.
All functions are pure: they never modify the dataset's frames.
"""

from __future__ import annotations

import pandas as pd

from analytics.catalog import DAYS_PER_WEEK, METRICS, MINUTES_PER_HOUR
from analytics.dataset import Dataset
from analytics.metrics._common import (
    Calendar,
    Grid,
    date_span,
    duration_stats,
    hours,
    require,
    resolve,
    tag_scope,
    to_rows,
)
from analytics.metrics.linking import link_changes
from analytics.metrics.pr_cycle import span_minutes
from analytics.metrics.presets import Preset
from analytics.periods import floor_dates

DEPLOYMENT_COLUMNS = ["deployment_id", "service", "environment", "finished_at", "status"]
CHANGE_COLUMNS = ["change_id", "service", "committed_at"]


def deployments_base(dataset: Dataset, cal: Calendar) -> pd.DataFrame:
    """One row per deployment: ids, service, environment, finished_at, status, kind,
    is_production, success and ``day`` (local date in ``cal``)."""
    dep = dataset.deployments
    require(dep, DEPLOYMENT_COLUMNS, "deployments")
    kind = dep["kind"] if "kind" in dep.columns else pd.Series("regular", index=dep.index)
    out = pd.DataFrame({
        "deployment_id": dep["deployment_id"], "service": dep["service"],
        "environment": dep["environment"], "finished_at": dep["finished_at"],
        "status": dep["status"], "kind": kind.fillna("regular").astype("str"),
    })
    envs = [e.lower() for e in dataset.config.production_environments]
    out["is_production"] = out["environment"].str.lower().isin(envs).astype(bool)
    out["success"] = out["status"].eq("success").astype(bool)
    out["day"] = cal.day(out["finished_at"])
    return out.reset_index(drop=True)


def lead_times(dataset: Dataset, preset: str | Preset | None = None) -> pd.DataFrame:
    """Lead time of every change shipped by a successful production deployment.

    Parameters
    ----------
    dataset
        needs ``changes`` (change_id, service, committed_at; for the devlake preset also
        authored_at, pr_opened_at, merged_at) and ``deployments``.
    preset
        definitions preset (None: the program's ``definitions``).

    Returns
    -------
    DataFrame
        change_id, service, deployment_id, deployed_at, link_method, lead_time_hours (float),
        day (local date of deployed_at in the preset's calendar). Changes never shipped to
        production, and lead times the preset drops (negative; zero for fourkeys/devlake), are
        left out; ``linking.link_coverage`` reports how many changes are linked.
        See docs/METRICS.md ("Lead time for changes").
    """
    p, cal = resolve(dataset, preset)
    chg = dataset.changes
    require(chg, CHANGE_COLUMNS, "changes")
    cols = ["change_id", "deployment_id", "deployed_at", "link_method"]
    links = link_changes(chg, dataset.deployments,
                         production_environments=dataset.config.production_environments)
    links = links[[c for c in cols if c in links.columns]]
    links = links[links["deployment_id"].notna() & links["deployed_at"].notna()]
    m = chg.drop(columns=["deployment_id"], errors="ignore").merge(links, on="change_id", how="inner")
    if p.lead_time_start == "pr_cycle":
        lead = _pr_cycle_hours(m, p.lead_time_rounding)
    else:
        lead = hours(m["deployed_at"] - m["committed_at"], p.lead_time_rounding)
    keep = (lead >= 0) if p.lead_time_keep_zero else (lead > 0)
    out = m.loc[keep, ["change_id", "service", "deployment_id", "deployed_at"]].copy()
    out["link_method"] = m.loc[keep, "link_method"] if "link_method" in m.columns else "unknown"
    out["lead_time_hours"] = lead[keep].astype("float64")
    out["day"] = cal.day(out["deployed_at"])
    return out.reset_index(drop=True)


def _pr_cycle_hours(m: pd.DataFrame, rounding: str) -> pd.Series:
    """DevLake's PR cycle time from the canonical columns, in hours (METRICS.md, devlake).

    With a PR (pr_opened_at and merged_at): coding (authored_at -> pr_opened_at) + PR open
    (pr_opened_at -> merged_at) + deploy (merged_at -> deployment), each rounded up to whole
    minutes, a negative part missing, the parts that exist summed (``pr_cycle.span_minutes``).
    Without: authored_at (else committed_at) -> deployment, rounded per the preset.
    """
    def col(name: str) -> pd.Series:
        if name in m.columns:
            return m[name]
        return pd.Series(pd.NaT, index=m.index, dtype="datetime64[ns, UTC]")

    authored, opened, merged = col("authored_at"), col("pr_opened_at"), col("merged_at")
    deployed = m["deployed_at"]
    parts = [span_minutes(authored, opened), span_minutes(opened, merged), span_minutes(merged, deployed)]
    cycle = sum(part.fillna(0) for part in parts).astype("float64") / MINUTES_PER_HOUR
    plain = hours(deployed - authored.fillna(m["committed_at"]), rounding)
    return cycle.where(opened.notna() & merged.notna(), plain)


def delivery_rows(dataset: Dataset, grid: Grid, p: Preset, cal: Calendar,
                  by: str | None) -> pd.DataFrame:
    """Long-form rows of the four deployment-count metrics and lead time for ``grid``.

    Counts are 0 (not NaN) in a period inside the deployments table's date span for a scope
    (service or "all") that has deployment rows; n is then the calendar days of the period.
    Outside that span, or with no deployments at all, they are NaN with n = 0.
    """
    freq = grid.freq
    base = tag_scope(deployments_base(dataset, cal), by, cal, freq, "finished_at")
    days = grid.days
    observed = _count_coverage(base, grid, cal)
    prod_ok = base[base["is_production"] & base["success"]]
    counts = pd.DataFrame({
        "all_ok": base[base["success"]].groupby(["period_start", "service"]).size(),
        "prod_ok": prod_ok.groupby(["period_start", "service"]).size(),
        "prod_days": prod_ok.groupby(["period_start", "service"])["day"].nunique(),
    }).reindex(grid.index).fillna(0)
    counts = counts.where(observed)
    n = days.where(observed, 0)
    unit_releases = f"releases/{freq}"
    rows = [
        to_rows(grid, pd.DataFrame({"value": counts["all_ok"] / days, "n": n}),
                "delivery_throughput_per_day", METRICS["delivery_throughput_per_day"].unit),
        to_rows(grid, pd.DataFrame({"value": counts["prod_ok"], "n": n}),
                "production_releases", unit_releases),
        to_rows(grid, pd.DataFrame({"value": counts["prod_ok"] / days, "n": n}),
                "deployment_frequency_per_day", METRICS["deployment_frequency_per_day"].unit),
        to_rows(grid, pd.DataFrame({"value": counts["prod_days"] / (days / DAYS_PER_WEEK), "n": n}),
                "deployment_days_per_week", METRICS["deployment_days_per_week"].unit),
    ]
    lt = tag_scope(lead_times(dataset, p), by, cal, freq, "deployed_at")
    stats = duration_stats(lt, "lead_time_hours", ["period_start", "service"], p.quantile)
    stats["value"] = stats["median"]
    rows.append(to_rows(grid, stats, "lead_time_hours", METRICS["lead_time_hours"].unit))
    return pd.concat(rows, ignore_index=True)


def _count_coverage(base: pd.DataFrame, grid: Grid, cal: Calendar) -> pd.Series:
    """True for grid cells where a deployment count of 0 is a real zero."""
    index = grid.index
    if base.empty:
        return pd.Series(False, index=index)
    first, last = (floor_dates(base["day"].agg(["min", "max"]).reset_index(drop=True),
                               grid.freq, cal.week_start))
    period = index.get_level_values(0)
    in_span = (period >= first) & (period <= last)
    has_rows = index.get_level_values(1).isin(base["service"].unique())
    return pd.Series(in_span & has_rows, index=index)


def deployment_frequency_band(dataset: Dataset, preset: str | Preset | None = None,
                              end=None, services: list[str] | None = None) -> str | None:
    """The deployment-frequency bucket a peer tool would show (fourkeys or devlake preset).

    Parameters
    ----------
    dataset
        needs ``deployments``.
    preset
        ``"fourkeys"`` (Daily / Weekly / Monthly / Yearly over the last 3 months) or
        ``"devlake"`` (elite / high / medium / low, 2023 benchmarks, last 6 months).
    end
        last local date of the window (default: the dataset's last date).
    services
        restrict to these services.

    Returns
    -------
    str or None
        the bucket, or None when the dataset has no dates. See docs/METRICS.md.

    Raises
    ------
    ValueError
        for the default preset (classify with analytics.benchmarks instead).
    """
    p, cal = resolve(dataset, preset)
    if p.band is None:
        raise ValueError(f"preset {p.name!r} has no deployment-frequency buckets of its own")
    band = p.band
    ds = dataset.filter_services(services)
    base = deployments_base(ds, cal)
    dep_days = pd.Index(base.loc[base["is_production"] & base["success"], "day"].unique())
    span = date_span(ds, cal)
    if span is None:
        return None
    last = pd.Timestamp(end).normalize() if end is not None else span[1]
    first = max(last - pd.DateOffset(months=band.window_months), span[0])
    days = pd.Series(pd.date_range(first, last, freq="D"))
    frame = pd.DataFrame({"day": days, "deployed": days.isin(dep_days).to_numpy()})
    frame["week"] = floor_dates(frame["day"], "week", cal.week_start)
    weeks = frame.groupby("week").agg(week_deployed=("deployed", "max"), days_deployed=("deployed", "sum"))
    weeks = weeks.astype("float64")

    def median(values: pd.Series) -> float:
        return float(values.quantile(0.5, interpolation=p.quantile))

    if median(weeks["days_deployed"]) >= band.days_per_week:
        return band.labels[0]
    if median(weeks[band.weekly_statistic]) >= band.weekly_threshold:
        return band.labels[1]
    if band.monthly_statistic == "weeks_deployed":  # Four Keys: per week row, its month's sum
        month_of_week = floor_dates(weeks.index.to_series(), "month")
        per_month = weeks["week_deployed"].groupby(month_of_week.to_numpy()).transform("sum")
    else:  # DevLake: any deployment in the calendar month
        per_month = frame.groupby(floor_dates(frame["day"], "month"))["deployed"].max().astype(float)
    if len(per_month) and median(per_month) >= 1:
        return band.labels[2]
    return band.labels[3]


__all__ = ["deployment_frequency_band", "deployments_base", "lead_times"]
