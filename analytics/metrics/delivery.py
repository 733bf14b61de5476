"""Delivery metrics: lead time for changes, and the delivery rows of the metric table (the
deployment counts are in deployment_counts.py, the peer tools' frequency buckets in
frequency_band.py).

Every definition is in docs/METRICS.md; the functions here say which columns they read.
All functions are pure: they never modify the dataset's frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.catalog import METRICS, MINUTES_PER_HOUR
from analytics.config import ProgramConfig
from analytics.data.arrowtext import strictly_increasing
from analytics.data.dataset import Dataset
from analytics.data.guards import require_columns
from analytics.data.schema import UTC_NS
from analytics.metrics._common import (
    Calendar,
    Grid,
    cell_rows,
    combine_cells,
    duration_stats,
    hours,
    period_positions,
    resolve,
    service_positions,
    tag_scope,
    to_rows,
)
from analytics.metrics._keys import labels, take_text
from analytics.metrics.deployment_counts import count_rows
from analytics.metrics.linking import LINK_METHODS, change_link_rows, link_changes
from analytics.metrics.pr_cycle import span_minutes
from analytics.metrics.presets import Preset
from analytics.metrics.working_time import elapsed_hours, uses_working_hours

_NAT = np.iinfo(np.int64).min
CHANGE_COLUMNS = ["change_id", "service", "committed_at"]


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
    out = lead.frame(dataset.changes)
    out["lead_time_hours"] = lead.hours
    out["day"] = cal.day(out["deployed_at"])
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class _LinkedLead:
    """Kept lead times when change ids are unique (the loader guarantees it): the links line
    up with the changes row for row, so everything stays positional."""

    rows: np.ndarray  # positions in dataset.changes
    dep_rows: np.ndarray  # positions in dep
    deployed_ns: np.ndarray  # deployed_at as int64 nanoseconds (UTC)
    method: np.ndarray  # index into LINK_METHODS
    hours: np.ndarray  # float64
    dep: pd.DataFrame
    services: tuple[np.ndarray, list] | None = None  # the changes' services as (codes, names)

    def frame(self, changes: pd.DataFrame) -> pd.DataFrame:
        """change_id, service, deployment_id, deployed_at, link_method of the kept changes."""
        return pd.DataFrame(
            {
                "change_id": changes["change_id"].iloc[self.rows].reset_index(drop=True),
                "service": changes["service"].iloc[self.rows].reset_index(drop=True),
                "deployment_id": take_text(self.dep["deployment_id"], self.dep_rows),
                "deployed_at": _utc(self.deployed_ns),
                "link_method": labels(self.method, LINK_METHODS),
            }
        )


@dataclass(frozen=True)
class _JoinedLead:
    """Kept lead times when change ids repeat: the changes joined to their links on
    change_id (the general path, row for row as before the positional one)."""

    merged: pd.DataFrame
    keep: pd.Series
    hours: np.ndarray  # float64, of the kept rows

    def frame(self, changes: pd.DataFrame) -> pd.DataFrame:
        """As :meth:`_LinkedLead.frame`, from the joined rows."""
        m = self.merged
        out = m.loc[self.keep, ["change_id", "service", "deployment_id", "deployed_at"]].copy()
        out["link_method"] = (
            m.loc[self.keep, "link_method"] if "link_method" in m.columns else "unknown"
        )
        return out


def _lead(dataset: Dataset, p: Preset) -> _LinkedLead | _JoinedLead:
    """Link every change and compute its lead time under ``p`` (kept rows only)."""
    chg = dataset.changes
    require_columns(chg, CHANGE_COLUMNS, "changes")
    ids = chg["change_id"]
    if strictly_increasing(ids) or ids.is_unique:
        return _linked_lead(dataset, p)
    return _joined_lead(dataset, p)


def _keep(lead: pd.Series, p: Preset) -> pd.Series:
    """The lead times the preset keeps (negative never; zero unless it drops them)."""
    return (lead >= 0) if p.lead_time_keep_zero else (lead > 0)


def _joined_lead(dataset: Dataset, p: Preset) -> _JoinedLead:
    chg = dataset.changes
    links = link_changes(
        chg,
        dataset.deployments,
        production_environments=dataset.config.production_environments,
        explicit_only=p.link_rules == "explicit",
    )
    links = links[links["deployment_id"].notna() & links["deployed_at"].notna()]
    m = chg.drop(columns=["deployment_id"], errors="ignore").merge(
        links, on="change_id", how="inner"
    )
    lead = _lead_hours(m, p, dataset.config)
    keep = _keep(lead, p)
    return _JoinedLead(m, keep, lead[keep].to_numpy("float64"))


def _linked_lead(dataset: Dataset, p: Preset) -> _LinkedLead:
    chg = dataset.changes
    dep_rows, method, dep, (service_codes, services) = change_link_rows(
        chg,
        dataset.deployments,
        production_environments=dataset.config.production_environments,
        explicit_only=p.link_rules == "explicit",
    )
    deployed_ns = np.append(dep["finished_at"].array.asi8, _NAT)[dep_rows]  # row -1: NaT
    rows = np.flatnonzero((dep_rows >= 0) & (deployed_ns != _NAT))
    deployed = deployed_ns[rows]
    lead = _linked_hours(chg, rows, deployed, p, dataset.config)
    keep = _keep(lead, p).to_numpy()
    kept = rows[keep]
    return _LinkedLead(
        kept,
        dep_rows[kept],
        deployed[keep],
        method[kept],
        lead.to_numpy("float64")[keep],
        dep,
        services=(service_codes[kept], services) if services is not None else None,
    )


def _linked_hours(
    chg: pd.DataFrame, rows: np.ndarray, deployed: np.ndarray, p: Preset, config: ProgramConfig
) -> pd.Series:
    """Lead hours of the linked change rows ``rows``, deployed at ``deployed`` (int64 ns)."""
    working = uses_working_hours(config, p)
    if p.lead_time_start == "pr_cycle" or chg["committed_at"].dtype != UTC_NS or working:
        cols = [
            c
            for c in ("committed_at", "authored_at", "pr_opened_at", "merged_at")
            if c in chg.columns
        ]
        m = pd.DataFrame({c: chg[c].iloc[rows].reset_index(drop=True) for c in cols})
        m["deployed_at"] = _utc(deployed)
        return _lead_hours(m, p, config)
    # deployed_at - committed_at on int64 nanoseconds, NaT kept as NaT
    committed = chg["committed_at"].array.asi8[rows]
    delta = np.where(committed == _NAT, _NAT, deployed - committed)
    return hours(pd.Series(delta.view("timedelta64[ns]")), p.lead_time_rounding)


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


def lead_time_rows(
    dataset: Dataset, grid: Grid, p: Preset, cal: Calendar, by: str | None
) -> pd.DataFrame:
    """The lead-time rows of ``delivery_rows``: median, P90, mean and n per grid cell."""
    if by not in (None, "service"):
        raise ValueError(f"by must be None or 'service', got {by!r}")
    lead = _lead(dataset, p)
    unit = METRICS["lead_time_hours"].unit
    if isinstance(lead, _JoinedLead):  # change ids repeat: grouped as lead_times gives them
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


__all__ = ["delivery_rows", "lead_time_rows", "lead_times"]
