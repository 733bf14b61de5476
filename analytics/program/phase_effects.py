"""The baseline-vs-after effect of each headline metric, by the method its data needs.

:func:`phase_effects` is the statistics behind :func:`analytics.program.impact.program_impact`
(whose docstring states each method): it gathers each metric's samples per phase (rates as daily
counts over the days the export covers, durations and shares with their day as the cluster,
coverage as pairs per service) and hands them to :mod:`analytics.stats`.
"""

from __future__ import annotations

import dataclasses
import functools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from analytics.config import Phase, ProgramConfig
from analytics.data.dataset import Dataset
from analytics.exceptions import ConfigError
from analytics.metrics import (
    coverage_by_service,
    deployment_facts,
    lead_times,
    restore_times,
    unit_test_runs,
)
from analytics.metrics.table import PARALLEL_ROWS
from analytics.periods import local_day, phase_of_dates
from analytics.stats.cluster_effects import clustered_duration_effect, clustered_share_effect
from analytics.stats.compare import Effect, clustered_proportion_effect, paired_effect
from analytics.stats.count_effects import daily_counts, daily_rate_effect

DAYS_PER_MONTH = 365.25 / 12

__all__ = ["DAYS_PER_MONTH", "phase_effects", "require_phases"]


def require_phases(config: ProgramConfig, *names: str) -> list[Phase]:
    """The named phases of program.yml, or a ConfigError saying which one is missing."""
    found = []
    for name in names:
        phase = config.phase(name)
        if phase is None:
            have = ", ".join(p.name for p in config.phases) or "none"
            raise ConfigError(
                f"{config.source or 'program.yml'}: key 'phases': the impact analysis "
                f"needs a phase named '{name}' (phases found: {have})"
            )
        found.append(phase)
    return found


def _tag(frame: pd.DataFrame, config: ProgramConfig) -> pd.DataFrame:
    return frame.assign(phase=phase_of_dates(frame["day"], config))


def _table_span(
    dataset: Dataset, table: str, column: str
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last local day of one table's rows (None when it has none); a dataset cut with
    ``Dataset.until`` covers up to its as-of moment (a quiet end of the month is still covered)."""
    times = dataset.table(table)[column].dropna()
    if not len(times):
        return None
    days = local_day(times, dataset.config.timezone)
    last = days.max()
    if dataset.as_of is not None:
        cut_day = local_day(
            pd.Series([dataset.as_of - pd.Timedelta(1, "ns")]), dataset.config.timezone
        ).iloc[0]
        last = max(last, cut_day)
    return days.min(), last


def _covered_days(
    phase: Phase, span: tuple[pd.Timestamp, pd.Timestamp] | None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the phase that the data covers (last < first when none)."""
    if span is None:
        return pd.Timestamp(phase.start), pd.Timestamp(phase.start) - pd.Timedelta(days=1)
    return max(pd.Timestamp(phase.start), span[0]), min(pd.Timestamp(phase.end), span[1])


def _restore_samples(
    items: pd.DataFrame, severity: str
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Restore hours and each incident's local day, per phase; censored incidents set to
    the largest value seen (worst case)."""
    if severity != "all":
        items = items[items["severity"] == severity]
    worst = items["restore_hours"].max() if len(items) else np.nan
    hours = items["restore_hours"].where(~items["censored"].astype(bool), worst)
    return {
        ph: (
            hours[items["phase"] == ph].to_numpy(dtype=float),
            items.loc[items["phase"] == ph, "day"].to_numpy(),
        )
        for ph in ("baseline", "after")
    }


def _coverage_pairs(
    dataset: Dataset, config: ProgramConfig, preset
) -> tuple[np.ndarray, np.ndarray]:
    daily = coverage_by_service(dataset, freq="day", preset=preset).rename(
        columns={"period_start": "day"}
    )
    daily = _tag(daily, config)
    last = daily.sort_values("finished_at").groupby(["phase", "service"]).tail(1)
    wide = last.pivot(index="service", columns="phase", values="coverage")
    wide = wide.reindex(columns=["baseline", "after"])
    return wide["baseline"].to_numpy(dtype=float), wide["after"].to_numpy(dtype=float)


def phase_effects(
    dataset: Dataset, config: ProgramConfig, preset, ttr_severity: str, seed: int, n_boot: int
) -> dict[str, Effect]:
    """Each headline metric's baseline-vs-after effect, by the method its kind of data needs."""
    require_phases(config, "baseline", "after")  # a ConfigError before any thread starts
    # lead times (the costliest row: millions of changes, a cluster bootstrap) on a second
    # thread on large data, as metric_table does; it reads the dataset only, and its seed is
    # its own, so the row is the same either way
    with ThreadPoolExecutor(1, thread_name_prefix="impact") as pool:
        if len(dataset.deployments) + len(dataset.changes) >= PARALLEL_ROWS:
            lead = pool.submit(_lead_effect, dataset, config, preset, seed, n_boot).result
        else:
            lead = functools.partial(_lead_effect, dataset, config, preset, seed, n_boot)
        out = _other_effects(dataset, config, preset, ttr_severity, seed, n_boot)
        out["lead_time_hours"] = lead()
    return out


def _lead_effect(dataset: Dataset, config: ProgramConfig, preset, seed: int, n_boot: int):
    """Lead times: changes shipped together, and deployments of one release day, are resampled
    (and tested) together: the day is the unit (deployments nest in days)."""
    lead = _tag(lead_times(dataset, preset), config)
    lead_b, lead_a = lead[lead["phase"] == "baseline"], lead[lead["phase"] == "after"]
    return clustered_duration_effect(
        lead_b["lead_time_hours"].to_numpy(dtype=float),
        lead_a["lead_time_hours"].to_numpy(dtype=float),
        clusters_before=lead_b["day"].to_numpy(),
        clusters_after=lead_a["day"].to_numpy(),
        n_boot=n_boot,
        seed=seed,
        unit="days",
    )


def _other_effects(
    dataset: Dataset, config: ProgramConfig, preset, ttr_severity: str, seed: int, n_boot: int
) -> dict[str, Effect]:
    baseline, after = require_phases(config, "baseline", "after")
    span = _table_span(dataset, "deployments", "finished_at")  # rates are of deployments
    facts = _tag(deployment_facts(dataset, preset), config)
    out: dict[str, Effect] = {}

    covered = {"baseline": _covered_days(baseline, span), "after": _covered_days(after, span)}

    def count(mask: pd.Series, per_days: float) -> Effect:
        # releases come in bursts (several services on one evening): the day is the unit
        daily = {
            ph: daily_counts(facts.loc[mask & (facts["phase"] == ph), "day"], *covered[ph])
            for ph in covered
        }
        return daily_rate_effect(daily["baseline"], daily["after"], per_days=per_days)

    out["delivery_throughput_per_day"] = count(facts["success"], 1.0)
    out["production_releases"] = count(facts["success"] & facts["is_production"], DAYS_PER_MONTH)

    def share(numerator: str, denominator: str) -> Effect:
        # deployments of one day (a release train) share their fate: the day is the unit
        kn = {}
        for ph in covered:
            rows = facts[(facts["phase"] == ph) & facts[denominator]]
            days = (
                rows.assign(k=rows[numerator].astype(int)).groupby("day")["k"].agg(["sum", "size"])
            )
            kn[ph] = (days["sum"].to_numpy(), days["size"].to_numpy())
        return clustered_share_effect(*kn["baseline"], *kn["after"], seed=seed, unit="days")

    out["change_failure_rate"] = share("failed_change", "in_cfr")
    out["rework_rate"] = share("rework", "in_rework")

    restore = _restore_samples(_tag(restore_times(dataset, preset), config), ttr_severity)
    # incidents of one day often share a cause (one outage, several tickets): the day is the unit
    out["time_to_restore_hours"] = clustered_duration_effect(
        restore["baseline"][0],
        restore["after"][0],
        clusters_before=restore["baseline"][1],
        clusters_after=restore["after"][1],
        n_boot=n_boot,
        seed=seed,
        unit="days",
    )

    runs = _tag(unit_test_runs(dataset, preset), config)
    runs = runs.assign(executed=runs["tests_passed"] + runs["tests_failed"])
    # tests in one run are not independent, nor are the runs of one day (same code, same
    # flaky suite: on resampled baseline days a test on runs rejected a true "no change" in
    # 6.8% of draws at the 5% level, one on days in 5.1%): the CI resamples days, the test
    # compares the days' pass rates
    daily = runs.groupby(["phase", "day"], as_index=False)[["tests_passed", "executed"]].sum()
    side = {ph: daily[daily["phase"] == ph] for ph in ("baseline", "after")}
    effect = clustered_proportion_effect(
        side["baseline"]["tests_passed"],
        side["baseline"]["executed"],
        side["after"]["tests_passed"],
        side["after"]["executed"],
        n_boot=n_boot,
        seed=seed,
    )
    out["unit_test_pass_rate"] = dataclasses.replace(
        effect,
        ci_method="cluster bootstrap-t over days of test runs",
        test="Mann-Whitney U on daily pass rates (levels pool tests)",
    )
    out["test_coverage"] = paired_effect(*_coverage_pairs(dataset, config, preset))
    return out
