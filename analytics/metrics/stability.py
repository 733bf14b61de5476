"""Stability metrics: change failure rate, rework rate, time to restore (MTTR).

Every definition is in docs/METRICS.md; the functions here say which columns they read.
All functions are pure: they never modify the dataset's frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.catalog import METRICS, SEVERITIES
from analytics.data.arrowtext import is_trimmed_text
from analytics.data.dataset import Dataset
from analytics.data.guards import require_columns
from analytics.metrics._common import (
    ALL,
    KEYS,
    Calendar,
    Grid,
    duration_stats,
    resolve,
    tag_scope,
    to_rows,
)
from analytics.metrics._keys import first_positions, instants, text_codes
from analytics.metrics.deployment_counts import deployments_base
from analytics.metrics.linking import incident_link_rows
from analytics.metrics.presets import Preset
from analytics.metrics.root_cause import incidents_per_deployment, root_cause_start
from analytics.metrics.working_time import elapsed_hours

FAILED_STATUSES = ("failed", "rolled_back")
REWORK_KINDS = ("hotfix", "rollback")
INCIDENT_COLUMNS = ["incident_id", "severity", "opened_at"]


def deployment_facts(dataset: Dataset, preset: str | Preset | None = None) -> pd.DataFrame:
    """One row per deployment with its outcome under ``preset``.

    Parameters
    ----------
    dataset
        needs ``deployments`` (deployment_id, service, environment, finished_at, status; kind
        optional) and reads ``incidents`` for incident links.
    preset
        definitions preset (None: the program's ``definitions``).

    Returns
    -------
    DataFrame
        deployment_id, service, environment, finished_at, status, kind, is_production,
        success, day (local date in the preset's calendar), incident_count (linked incidents),
        followed_by_fix (next production deployment of the service is a hotfix/rollback within
        the preset's window; default preset only), in_cfr (counted in the change-failure-rate
        denominator), failures (its numerator contribution: 0/1, or incident rows under
        fourkeys), failed_change (failures > 0) and rework (a production hotfix/rollback, in
        the rework-rate denominator when in_rework). See docs/METRICS.md ("Change failure rate").
    """
    p, cal = resolve(dataset, preset)
    out = deployments_base(dataset, cal)
    attempt = out["is_production"] & out["status"].ne("cancelled")
    out["incident_count"] = _incident_counts(dataset, p)
    out["followed_by_fix"] = _followed_by_fix(out, attempt, p)
    good = out["is_production"] & out["success"]
    if p.cfr == "failed_deployments":
        in_cfr = attempt
        failed = (
            out["status"].isin(FAILED_STATUSES)
            | out["followed_by_fix"]
            | out["incident_count"].gt(0)
        )
        failures = (failed & in_cfr).astype("int64")
    elif p.cfr == "incident_rows":
        in_cfr = good
        failures = out["incident_count"].where(in_cfr, 0)
    elif p.cfr == "deployments_with_incident":
        in_cfr = good
        failures = (out["incident_count"].gt(0) & in_cfr).astype("int64")
    else:
        raise ValueError(f"unknown change-failure definition {p.cfr!r}")
    out["in_cfr"] = in_cfr.astype(bool)
    out["failures"] = failures.astype("int64")
    out["failed_change"] = out["failures"].gt(0)
    out["in_rework"] = attempt.astype(bool)
    out["rework"] = (attempt & out["kind"].isin(REWORK_KINDS)).astype(bool)
    return out


def _incident_counts(dataset: Dataset, p: Preset) -> np.ndarray:
    """Incidents linked to each deployment's id (``link_incidents``), per deployments row;
    under ``incident_key="commit"`` through the root-cause commit (``root_cause``)."""
    envs = dataset.config.production_environments
    if p.incident_key == "commit":
        return incidents_per_deployment(dataset.incidents, dataset.deployments, envs)
    rows, _, dep = incident_link_rows(
        dataset.incidents,
        dataset.deployments,
        production_environments=envs,
        window_hours=p.link_window_hours(dataset.config),
        explicit_only=p.link_rules == "explicit",
    )
    per_first_row = np.bincount(rows[rows >= 0], minlength=len(dep))
    first = first_positions(dep["deployment_id"])
    counts = np.where(first >= 0, per_first_row[np.clip(first, 0, None)] if len(dep) else 0, 0)
    raw = dataset.deployments["deployment_id"].reset_index(drop=True)
    if not is_trimmed_text(raw):  # a raw id that is not its cleaned self names no link
        counts = np.where(raw.eq(dep["deployment_id"]).fillna(False).to_numpy(bool), counts, 0)
    return counts.astype("int64")


def _followed_by_fix(facts: pd.DataFrame, attempt: pd.Series, p: Preset) -> pd.Series:
    """True where the next production attempt of the same service is a fix within the window."""
    flag = pd.Series(False, index=facts.index)
    if not p.followup_kinds:
        return flag
    rows = np.flatnonzero(attempt.to_numpy(bool))
    seq = facts.iloc[rows]
    if not seq[["service", "finished_at", "deployment_id"]].isna().any().any():
        order = _service_time_id_order(seq)
        service, kind = (
            seq["service"].to_numpy(object)[order],
            seq["kind"].isin(p.followup_kinds).to_numpy(bool)[order],
        )
        t = instants(seq["finished_at"])[order]
        window = pd.Timedelta(hours=p.followup_window_hours).value
        hit = (service[1:] == service[:-1]) & kind[1:] & (t[1:] - t[:-1] <= window)
        flag.iloc[rows[order[:-1][hit]]] = True
        return flag
    seq = facts.loc[attempt, ["service", "finished_at", "kind", "deployment_id"]]
    seq = seq.sort_values(["service", "finished_at", "deployment_id"], kind="stable")
    nxt = seq.groupby("service", sort=False)[["kind", "finished_at"]].shift(-1)
    gap = nxt["finished_at"] - seq["finished_at"]
    hit = nxt["kind"].isin(p.followup_kinds) & (gap <= pd.Timedelta(hours=p.followup_window_hours))
    flag[seq.index[hit.to_numpy()]] = True
    return flag


def _service_time_id_order(seq: pd.DataFrame) -> np.ndarray:
    """Positions of ``seq`` sorted by service, finished_at, deployment_id (stable), as
    ``sort_values`` would; ids are compared only when service and time tie."""
    codes, names = text_codes(seq["service"])
    rank = np.empty(len(names), dtype=np.int64)
    rank[np.argsort(np.array(names, dtype=object), kind="stable")] = np.arange(len(names))
    service, t = rank[codes], instants(seq["finished_at"])
    order = np.lexsort((t, service))
    tied = (service[order][1:] == service[order][:-1]) & (t[order][1:] == t[order][:-1])
    if tied.any():
        ids = seq["deployment_id"].to_numpy(object)
        id_rank = np.empty(len(ids), dtype=np.int64)
        id_rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
        order = np.lexsort((id_rank, t, service))
    return order


def restore_times(dataset: Dataset, preset: str | Preset | None = None, as_of=None) -> pd.DataFrame:
    """Time to restore of every incident, with still-open ones censored (default preset).

    Parameters
    ----------
    dataset
        needs ``incidents`` (incident_id, severity, opened_at; resolved_at,
        impact_started_at, service optional).
    preset
        definitions preset (None: the program's ``definitions``).
    as_of
        the moment of observation (tz-aware, or naive in the program's time zone); default:
        the latest timestamp anywhere in the dataset. Incidents opened after it are left out;
        incidents unresolved at ``as_of`` are censored there (default preset) or left out
        (fourkeys, devlake, which ignore open incidents).

    Returns
    -------
    DataFrame
        incident_id, severity, service, opened_at, started_at (impact start or opened_at per
        preset), resolved_at, restore_hours (float, rounded per preset; for censored rows the
        time open so far), censored (bool), day (local date of opened_at, of started_at under
        fourkeys, in the preset's calendar). Incidents resolved when opened are left out when
        program.yml says ``zero_length_incidents: exclude``. See docs/METRICS.md ("Time to
        restore").
    """
    p, cal = resolve(dataset, preset)
    inc = dataset.incidents
    require_columns(inc, INCIDENT_COLUMNS, "incidents")
    opened = inc["opened_at"]
    resolved = (
        inc["resolved_at"]
        if "resolved_at" in inc.columns
        else pd.Series(pd.NaT, index=inc.index, dtype=opened.dtype)
    )
    start = opened
    if p.restore_start == "impact_or_opened" and "impact_started_at" in inc.columns:
        start = inc["impact_started_at"].fillna(opened)
    elif p.restore_start == "root_cause_or_opened":
        envs = dataset.config.production_environments
        start = root_cause_start(inc, dataset.deployments, envs)
    cut = _as_of(dataset, as_of)
    out = pd.DataFrame(
        {
            "incident_id": inc["incident_id"],
            "severity": inc["severity"],
            "service": inc["service"]
            if "service" in inc.columns
            else pd.Series(pd.NA, index=inc.index, dtype="str"),
            "opened_at": opened,
            "started_at": start,
            "resolved_at": resolved,
        }
    )
    if cut is None:
        out["censored"] = resolved.isna()
        end = resolved
    else:
        out = out[opened <= cut]
        out["censored"] = out["resolved_at"].isna() | (out["resolved_at"] > cut)
        end = out["resolved_at"].where(~out["censored"], cut)
    if dataset.config.zero_length_incidents == "exclude":  # posted already resolved
        out = out[~out["resolved_at"].eq(out["opened_at"]).fillna(False).astype(bool)]
        end = end[out.index]
    out["restore_hours"] = elapsed_hours(
        out["started_at"], end, dataset.config, p, p.restore_rounding
    )
    if not p.censor_open:
        out = out[~out["censored"]]
    out = out[out["restore_hours"].notna()]
    out["day"] = cal.day(out[_restore_period_column(p)])
    cols = [
        "incident_id",
        "severity",
        "service",
        "opened_at",
        "started_at",
        "resolved_at",
        "restore_hours",
        "censored",
        "day",
    ]
    return out[cols].reset_index(drop=True)


def _restore_period_column(p: Preset) -> str:
    """The time that places an incident in a period: its start under Four Keys' rule (the
    dashboard buckets by the incident's ``time_created``), else ``opened_at``."""
    return "started_at" if p.restore_start == "root_cause_or_opened" else "opened_at"


def _as_of(dataset: Dataset, as_of) -> pd.Timestamp | None:
    if as_of is None:
        return dataset.latest_timestamp()
    ts = pd.Timestamp(as_of)
    if ts.tzinfo is None:
        ts = ts.tz_localize(dataset.config.timezone)
    return ts.tz_convert("UTC")


def stability_rows(
    dataset: Dataset, grid: Grid, p: Preset, cal: Calendar, by: str | None
) -> pd.DataFrame:
    """Long-form rows of change failure rate, rework rate and time to restore for ``grid``."""
    freq = grid.freq
    facts = tag_scope(deployment_facts(dataset, p), by, cal, freq, "finished_at")
    g_cfr = facts[facts["in_cfr"]].groupby(KEYS)
    cfr = pd.DataFrame({"n": g_cfr.size(), "failures": g_cfr["failures"].sum()})
    cfr["value"] = cfr["failures"] / cfr["n"]
    g_rw = facts[facts["in_rework"]].groupby(KEYS)
    rw = pd.DataFrame({"n": g_rw.size(), "value": g_rw["rework"].mean()})
    rows = [
        to_rows(grid, cfr, "change_failure_rate", METRICS["change_failure_rate"].unit),
        to_rows(grid, rw, "rework_rate", METRICS["rework_rate"].unit),
    ]

    rt = tag_scope(restore_times(dataset, p), by, cal, freq, _restore_period_column(p))
    rt = pd.concat([rt.assign(severity=ALL), rt], ignore_index=True)
    stats = duration_stats(
        rt, "restore_hours", [*KEYS, "severity"], p.quantile, censored="censored"
    )
    stats["value"] = stats["mean"]
    seen = set(dataset.incidents["severity"].dropna().unique())
    present = [s for s in SEVERITIES if s in seen]
    unit = METRICS["time_to_restore_hours"].unit
    for severity in [ALL, *present]:
        sub = stats[stats.index.get_level_values("severity") == severity].droplevel("severity")
        rows.append(to_rows(grid, sub, "time_to_restore_hours", unit, severity=severity))
    return pd.concat(rows, ignore_index=True)
