"""Delivery metrics: throughput, production releases, deployment frequency, lead time.

Every definition is in docs/METRICS.md; the functions here say which columns they read.
All functions are pure: they never modify the dataset's frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.catalog import DAYS_PER_WEEK, METRICS, MINUTES_PER_HOUR
from analytics.config import ProgramConfig
from analytics.data.arrowtext import strictly_increasing
from analytics.data.dataset import Dataset
from analytics.data.guards import require_columns
from analytics.data.schema import UTC_NS
from analytics.metrics._common import (
    ALL,
    Calendar,
    Grid,
    cell_rows,
    combine_cells,
    date_span,
    duration_stats,
    hours,
    period_positions,
    resolve,
    service_positions,
    tag_scope,
    to_rows,
)
from analytics.metrics._keys import labels, take_text
from analytics.metrics.linking import LINK_METHODS, change_link_rows, link_changes
from analytics.metrics.pr_cycle import span_minutes
from analytics.metrics.presets import Preset
from analytics.metrics.working_time import elapsed_hours, uses_working_hours
from analytics.periods import floor_dates

DEPLOYMENT_COLUMNS = ["deployment_id", "service", "environment", "finished_at", "status"]
_NAT = np.iinfo(np.int64).min
CHANGE_COLUMNS = ["change_id", "service", "committed_at"]


def deployments_base(dataset: Dataset, cal: Calendar) -> pd.DataFrame:
    """One row per deployment: ids, service, environment, finished_at, status, kind,
    is_production, success and ``day`` (local date in ``cal``)."""
    dep = dataset.deployments
    require_columns(dep, DEPLOYMENT_COLUMNS, "deployments")
    kind = dep["kind"] if "kind" in dep.columns else pd.Series("regular", index=dep.index)
    out = pd.DataFrame(
        {
            "deployment_id": dep["deployment_id"],
            "service": dep["service"],
            "environment": dep["environment"],
            "finished_at": dep["finished_at"],
            "status": dep["status"],
            "kind": kind.fillna("regular").astype("str"),
        }
    )
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
    lead = _lead(dataset, p)
    if lead.merged is not None:  # change ids repeat: the general join, row for row as before
        m = lead.merged
        out = m.loc[lead.keep, ["change_id", "service", "deployment_id", "deployed_at"]].copy()
        out["link_method"] = (
            m.loc[lead.keep, "link_method"] if "link_method" in m.columns else "unknown"
        )
    else:
        chg = dataset.changes
        rows = lead.rows
        out = pd.DataFrame(
            {
                "change_id": chg["change_id"].iloc[rows].reset_index(drop=True),
                "service": chg["service"].iloc[rows].reset_index(drop=True),
                "deployment_id": take_text(lead.dep["deployment_id"], lead.dep_rows),
                "deployed_at": _utc(lead.deployed_ns),
                "link_method": labels(lead.method, LINK_METHODS),
            }
        )
    out["lead_time_hours"] = lead.hours
    out["day"] = cal.day(out["deployed_at"])
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class _Lead:
    """The kept lead times: change rows, their deployment rows, deployed_at, method, hours."""

    rows: np.ndarray  # positions in dataset.changes
    dep_rows: np.ndarray  # positions in dep
    deployed_ns: np.ndarray  # deployed_at as int64 nanoseconds (UTC)
    method: np.ndarray  # index into LINK_METHODS
    hours: np.ndarray  # float64
    dep: pd.DataFrame
    keep: pd.Series | None = None
    merged: pd.DataFrame | None = None  # the merged frame of the general path (duplicate ids)
    services: tuple[np.ndarray, list] | None = None  # the changes' services as (codes, names)


def _lead(dataset: Dataset, p: Preset) -> _Lead:
    """Link every change and compute its lead time under ``p`` (kept rows only).

    With unique change ids (the loader guarantees them) the links line up with the changes
    row for row; otherwise the changes are joined to their links on change_id, as before.
    """
    chg = dataset.changes
    require_columns(chg, CHANGE_COLUMNS, "changes")
    explicit_only = p.link_rules == "explicit"
    dep_rows, method, dep, (service_codes, services) = change_link_rows(
        chg,
        dataset.deployments,
        production_environments=dataset.config.production_environments,
        explicit_only=explicit_only,
    )
    finished = dep["finished_at"]
    deployed_ns = np.append(finished.array.asi8, _NAT)[dep_rows]  # row -1 picks NaT
    linked = (dep_rows >= 0) & (deployed_ns != _NAT)
    ids = chg["change_id"]
    if not (strictly_increasing(ids) or ids.is_unique):
        links = link_changes(
            chg,
            dataset.deployments,
            production_environments=dataset.config.production_environments,
            explicit_only=explicit_only,
        )
        links = links[links["deployment_id"].notna() & links["deployed_at"].notna()]
        m = chg.drop(columns=["deployment_id"], errors="ignore").merge(
            links, on="change_id", how="inner"
        )
        lead = _lead_hours(m, p, dataset.config)
        keep = (lead >= 0) if p.lead_time_keep_zero else (lead > 0)
        return _Lead(
            np.array([], dtype=np.int64),
            np.array([], dtype=np.int64),
            np.array([], dtype=np.int64),
            np.array([], dtype=np.int64),
            lead[keep].to_numpy("float64"),
            dep,
            keep,
            m,
        )
    rows = np.flatnonzero(linked)
    deployed = deployed_ns[rows]
    working = uses_working_hours(dataset.config, p)
    if p.lead_time_start == "pr_cycle" or chg["committed_at"].dtype != UTC_NS or working:
        cols = [
            c
            for c in ("committed_at", "authored_at", "pr_opened_at", "merged_at")
            if c in chg.columns
        ]
        m = pd.DataFrame({c: chg[c].iloc[rows].reset_index(drop=True) for c in cols})
        m["deployed_at"] = _utc(deployed)
        lead = _lead_hours(m, p, dataset.config)
    else:  # deployed_at - committed_at on int64 nanoseconds, NaT kept as NaT
        committed = chg["committed_at"].array.asi8[rows]
        delta = np.where(committed == _NAT, _NAT, deployed - committed)
        lead = hours(pd.Series(delta.view("timedelta64[ns]")), p.lead_time_rounding)
    keep = ((lead >= 0) if p.lead_time_keep_zero else (lead > 0)).to_numpy()
    return _Lead(
        rows[keep],
        dep_rows[rows[keep]],
        deployed[keep],
        method[rows[keep]],
        lead.to_numpy("float64")[keep],
        dep,
        services=(service_codes[rows[keep]], services) if services is not None else None,
    )


def _utc(ns: np.ndarray) -> pd.Series:
    """int64 nanoseconds as a UTC timestamp Series (positional)."""
    return pd.Series(ns.view("datetime64[ns]")).dt.tz_localize("UTC").astype(UTC_NS)


def _lead_hours(m: pd.DataFrame, p: Preset, config: ProgramConfig) -> pd.Series:
    """Lead time in hours of each linked change in ``m`` (deployed_at and the change's times),
    on the program's clock (calendar or working hours, ``working_time.elapsed_hours``)."""
    if p.lead_time_start == "pr_cycle":
        return _pr_cycle_hours(m, p.lead_time_rounding)
    return elapsed_hours(m["committed_at"], m["deployed_at"], config, p, p.lead_time_rounding)


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
        return pd.Series(pd.NaT, index=m.index, dtype=UTC_NS)

    authored, opened, merged = col("authored_at"), col("pr_opened_at"), col("merged_at")
    deployed = m["deployed_at"]
    parts = [
        span_minutes(authored, opened),
        span_minutes(opened, merged),
        span_minutes(merged, deployed),
    ]
    cycle = sum(part.fillna(0) for part in parts).astype("float64") / MINUTES_PER_HOUR
    plain = hours(deployed - authored.fillna(m["committed_at"]), rounding)
    return cycle.where(opened.notna() & merged.notna(), plain)


def delivery_rows(
    dataset: Dataset, grid: Grid, p: Preset, cal: Calendar, by: str | None
) -> pd.DataFrame:
    """Long-form rows of the four deployment-count metrics and lead time for ``grid``.

    Counts are 0 (not NaN) in a period inside the deployments table's date span for a scope
    (service or "all") that has deployment rows; n is then the calendar days of the period.
    Outside that span, or with no deployments at all, they are NaN with n = 0.
    """
    return pd.concat(
        [count_rows(dataset, grid, p, cal, by), lead_time_rows(dataset, grid, p, cal, by)],
        ignore_index=True,
    )


def count_rows(
    dataset: Dataset, grid: Grid, p: Preset, cal: Calendar, by: str | None
) -> pd.DataFrame:
    """The four deployment-count metrics of ``delivery_rows``."""
    if by not in (None, "service"):
        raise ValueError(f"by must be None or 'service', got {by!r}")
    base = deployments_base(dataset, cal)
    scope = base["service"] if by == "service" else None
    cells = combine_cells(
        grid, period_positions(grid, base["day"], cal), service_positions(grid, scope, len(base))
    )
    days = grid.days.to_numpy()
    observed = _count_coverage(
        base if by == "service" else base.assign(service=ALL), grid, cal
    ).to_numpy()
    success = base["success"].to_numpy(bool)
    prod_ok = success & base["is_production"].to_numpy(bool)
    size = len(grid.index)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(cells[mask & (cells >= 0)], minlength=size).astype("float64")

    ok_cells = cells[prod_ok & (cells >= 0)]
    day_i8 = base["day"].to_numpy("datetime64[ns]").view(np.int64)[prod_ok & (cells >= 0)]
    distinct = pd.DataFrame({"c": ok_cells, "d": day_i8}).drop_duplicates()
    counts = pd.DataFrame(
        {
            "all_ok": count(success),
            "prod_ok": count(prod_ok),
            "prod_days": np.bincount(distinct["c"].to_numpy(), minlength=size).astype("float64"),
        }
    )
    counts = counts.where(np.broadcast_to(observed[:, None], counts.shape))
    n = pd.Series(np.where(observed, days, 0))
    unit_releases = f"releases/{grid.freq}"
    return pd.concat(
        [
            cell_rows(
                grid,
                pd.DataFrame({"value": counts["all_ok"] / days, "n": n}),
                "delivery_throughput_per_day",
                METRICS["delivery_throughput_per_day"].unit,
            ),
            cell_rows(
                grid,
                pd.DataFrame({"value": counts["prod_ok"], "n": n}),
                "production_releases",
                unit_releases,
            ),
            cell_rows(
                grid,
                pd.DataFrame({"value": counts["prod_ok"] / days, "n": n}),
                "deployment_frequency_per_day",
                METRICS["deployment_frequency_per_day"].unit,
            ),
            cell_rows(
                grid,
                pd.DataFrame({"value": counts["prod_days"] / (days / DAYS_PER_WEEK), "n": n}),
                "deployment_days_per_week",
                METRICS["deployment_days_per_week"].unit,
            ),
        ],
        ignore_index=True,
    )


def lead_time_rows(
    dataset: Dataset, grid: Grid, p: Preset, cal: Calendar, by: str | None
) -> pd.DataFrame:
    """The lead-time rows of ``delivery_rows``: median, P90, mean and n per grid cell."""
    if by not in (None, "service"):
        raise ValueError(f"by must be None or 'service', got {by!r}")
    lead = _lead(dataset, p)
    unit = METRICS["lead_time_hours"].unit
    if lead.merged is not None:
        lt = tag_scope(lead_times(dataset, p), by, cal, grid.freq, "deployed_at")
        stats = duration_stats(lt, "lead_time_hours", ["period_start", "service"], p.quantile)
        stats["value"] = stats["median"]
        return to_rows(grid, stats, "lead_time_hours", unit)
    service = None
    if by == "service":  # coded while linking, unless the raw names needed cleaning
        service = lead.services or dataset.changes["service"].iloc[lead.rows].reset_index(drop=True)
    # a change's period is its deployment's: the deployments' periods, gathered
    dep_period = period_positions(grid, cal.day(lead.dep["finished_at"]), cal)
    lead_cells = combine_cells(
        grid, dep_period[lead.dep_rows], service_positions(grid, service, len(lead.dep_rows))
    )
    frame = pd.DataFrame({"cell": lead_cells, "lead_time_hours": lead.hours})
    stats = duration_stats(frame[frame["cell"] >= 0], "lead_time_hours", ["cell"], p.quantile)
    stats["value"] = stats["median"]
    return cell_rows(grid, stats, unit=unit, metric="lead_time_hours")


def _count_coverage(base: pd.DataFrame, grid: Grid, cal: Calendar) -> pd.Series:
    """True for grid cells where a deployment count of 0 is a real zero."""
    index = grid.index
    if base.empty:
        return pd.Series(False, index=index)
    first, last = floor_dates(
        base["day"].agg(["min", "max"]).reset_index(drop=True), grid.freq, cal.week_start
    )
    period = index.get_level_values(0)
    in_span = (period >= first) & (period <= last)
    has_rows = index.get_level_values(1).isin(base["service"].unique())
    return pd.Series(in_span & has_rows, index=index)


def deployment_frequency_band(
    dataset: Dataset,
    preset: str | Preset | None = None,
    end=None,
    services: list[str] | None = None,
) -> str | None:
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
        for the default preset (classify with analytics.program.dora instead).
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
    weeks = frame.groupby("week").agg(
        week_deployed=("deployed", "max"), days_deployed=("deployed", "sum")
    )
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
        per_month = (
            frame.groupby(floor_dates(frame["day"], "month"))["deployed"].max().astype(float)
        )
    if len(per_month) and median(per_month) >= 1:
        return band.labels[2]
    return band.labels[3]


__all__ = ["deployment_frequency_band", "deployments_base", "lead_times"]
