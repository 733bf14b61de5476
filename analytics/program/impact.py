"""Program impact: did the headline metrics move between the baseline and the after phase?

One row per headline metric, each compared with the method that fits its kind of data
(docs/METRICS.md, "Before/after statistics"):

* counts (deployments, releases): rate ratio with a quasi-Poisson interval and test on the
  daily counts (releases come in bursts: the day is the independent unit, not the release);
  the exposure is the phase's days that the deployments export covers (an export starting
  mid-phase does not count the days before it as days without deployments);
* durations (lead time, time to restore): ratio of medians with the day as the unit (changes
  shipped together, deployments of one release train, incidents of one outage are not
  independent): a t interval whose standard error resamples whole days, and a permutation
  test over days (mid-p); still-open incidents count as the slowest of all (worst case), not
  dropped;
* proportions (change failure rate, rework rate): Wilson intervals, Newcombe CI of the
  difference, and a permutation test over days of the pooled difference (mid-p; deployments
  of one day share their fate); the unit-test pass rate pools test counts as the claim is
  stated, with a bootstrap-t CI that resamples whole days of test runs and a Mann-Whitney
  test of the days' pass rates (tests in one run, and runs on one day, are not independent);
* coverage (a level per service): paired difference of each service's last value per phase,
  Wilcoxon signed-rank.

p-values are Holm-adjusted across the rows. ``program_trends`` adds the ramp: a segmented
regression of each weekly series with breaks at the program's start and end.
"""

from __future__ import annotations

import dataclasses
import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.catalog import METRICS
from analytics.config import Phase, ProgramConfig
from analytics.data.dataset import Dataset
from analytics.exceptions import ConfigError
from analytics.metrics import (
    coverage_by_service,
    deployment_facts,
    lead_times,
    metric_table,
    restore_times,
    unit_test_runs,
)
from analytics.metrics.table import PARALLEL_ROWS
from analytics.periods import local_day, phase_of_dates
from analytics.stats.cluster_effects import clustered_duration_effect, clustered_share_effect
from analytics.stats.compare import (
    DEFAULT_SEED,
    Effect,
    clustered_proportion_effect,
    holm,
    paired_effect,
)
from analytics.stats.count_effects import daily_counts, daily_rate_effect
from analytics.stats.trend import segmented_regression
from analytics.wording.verdicts import verdict_sentence

DAYS_PER_MONTH = 365.25 / 12
ALPHA = 0.05

IMPACT_COLUMNS = [
    "metric",
    "severity",
    "label",
    "baseline",
    "after",
    "effect",
    "effect_kind",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "test",
    "n_before",
    "n_after",
    "improved",
    "sentence",
]


@dataclass(frozen=True)
class _Row:
    metric: str
    label: str
    unit: str = ""
    per: str = ""
    n_units: tuple[str, str] = ("", "")  # what n counts, and the units the test compares


_ROWS = (
    _Row(
        "delivery_throughput_per_day",
        "Successful deployments",
        per="a day",
        n_units=("deployments", "days"),
    ),
    _Row("production_releases", "Production releases", per="a month", n_units=("releases", "days")),
    _Row("lead_time_hours", "Median lead time for changes", unit="h", n_units=("changes", "days")),
    _Row("change_failure_rate", "Change failure rate", n_units=("deployments", "days")),
    _Row(
        "time_to_restore_hours", "Median time to restore", unit="h", n_units=("incidents", "days")
    ),
    _Row("rework_rate", "Rework rate", n_units=("deployments", "days")),
    _Row("unit_test_pass_rate", "Unit-test pass rate", n_units=("tests", "days")),
    _Row("test_coverage", "Mean test coverage per service"),
)


_ROW_METRICS: tuple[str, ...] = tuple(row.metric for row in _ROWS)


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


def _effects(
    dataset: Dataset, config: ProgramConfig, preset, ttr_severity: str, seed: int, n_boot: int
) -> dict[str, Effect]:
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


def points_better(metric: str, effect: float, effect_kind: str, before: float, after: float):
    """True when the effect points the metric's good way, False the bad way, None no change.

    Without an effect (a ratio of a zero median) the direction is read on the two levels.

    >>> points_better("lead_time_hours", 0.5, "ratio", 10.0, 5.0)
    True
    >>> points_better("change_failure_rate", 0.02, "difference", 0.1, 0.12)
    False
    """
    higher = METRICS[metric].higher_is_better
    if np.isnan(effect):
        if np.isnan(before) or np.isnan(after) or before == after:
            return None
        return bool((after > before) == higher)
    null = 1.0 if effect_kind == "ratio" else 0.0
    if effect == null:
        return None
    return bool((effect > null) == higher)


def _improved(effect: Effect, metric: str, p_adjusted: float, alpha: float) -> bool:
    if not p_adjusted < alpha:
        return False
    better = points_better(metric, effect.effect, effect.effect_kind, effect.before, effect.after)
    return better is True


def program_impact(
    dataset: Dataset,
    config: ProgramConfig | None = None,
    *,
    preset: str | None = None,
    alpha: float = ALPHA,
    seed: int = DEFAULT_SEED,
    n_boot: int = 2000,
) -> pd.DataFrame:
    """Baseline vs after for every headline metric, with effect, CI, Holm-adjusted p and a sentence.

    Parameters
    ----------
    dataset
        a loaded Dataset; its ``config`` is used unless ``config`` is given.
    config
        needs phases named ``baseline`` and ``after`` (ConfigError otherwise). The target for
        ``time_to_restore_hours`` decides the severity compared (e.g. critical), else all.
    preset
        definitions preset (None: the program's ``definitions``).
    alpha
        level below which an adjusted p-value counts as evidence (``improved``).
    seed, n_boot
        bootstrap settings for duration CIs (results are reproducible for a seed).

    Returns
    -------
    DataFrame
        columns ``IMPACT_COLUMNS``: metric, severity, label, baseline, after (medians for
        durations, per-day or per-month rates for counts, shares for proportions, mean level
        for coverage), effect, effect_kind ("ratio" | "difference"), ci_low, ci_high,
        p_value, p_adjusted (Holm), test, n_before, n_after, improved (better direction and
        p_adjusted < alpha), sentence. A metric without data on a side has NaN values and a
        sentence saying so.
    """
    config = config or dataset.config
    if config is not dataset.config:
        from dataclasses import replace

        dataset = replace(dataset, config=config)
    target = config.target("time_to_restore_hours")
    severity = target.severity if target and target.severity else "all"
    effects = _effects(dataset, config, preset, severity, seed, n_boot)
    rows = []
    for spec in _ROWS:
        e = effects[spec.metric]
        label = spec.label + (
            f" ({severity} incidents)"
            if spec.metric == "time_to_restore_hours" and severity != "all"
            else ""
        )
        rows.append(
            {
                "metric": spec.metric,
                "severity": severity if spec.metric == "time_to_restore_hours" else "all",
                "label": label,
                "baseline": e.before,
                "after": e.after,
                "effect": e.effect,
                "effect_kind": e.effect_kind,
                "ci_low": e.ci_low,
                "ci_high": e.ci_high,
                "p_value": e.p_value,
                "test": e.test,
                "n_before": e.n_before,
                "n_after": e.n_after,
                "sentence": verdict_sentence(
                    e, label, unit=spec.unit, per=spec.per, show_n=True, n_units=spec.n_units
                ),
            }
        )
    table = pd.DataFrame(rows)
    table["p_adjusted"] = holm(table["p_value"].astype(float))
    table["improved"] = [
        _improved(effects[m], m, p, alpha)
        for m, p in zip(table["metric"], table["p_adjusted"], strict=True)
    ]
    return table[IMPACT_COLUMNS]


def program_trends(
    dataset: Dataset,
    config: ProgramConfig | None = None,
    *,
    preset: str | None = None,
    metrics: tuple[str, ...] = _ROW_METRICS,
) -> pd.DataFrame:
    """The ramp: segmented regression of each weekly metric, breaks at program start and end.

    Counts (throughput, releases) are fitted as quasi-Poisson with the week's days as exposure;
    other metrics as Gaussian with HAC errors. Weeks without data are left out of the fit.
    HAC errors are optimistic on short series (see docs/METRICS.md), so these rows corroborate
    the before/after tests rather than replace them.

    Returns
    -------
    DataFrame
        metric, term (level, slope, level_change, slope_change, level_change_end,
        slope_change_end), estimate, std_error, ci_low, ci_high, p_value, ratio columns for
        counts, n (weeks).
    """
    config = config or dataset.config
    (program,) = require_phases(config, "program")
    weekly = metric_table(dataset, freq="week", preset=preset)
    weekly = weekly[weekly["severity"] == "all"]
    frames = []
    for metric in metrics:
        rows = weekly[weekly["metric"] == metric].set_index("period_start")
        if METRICS[metric].kind == "count" and metric != "deployment_days_per_week":
            per_day = (
                metric == "delivery_throughput_per_day" or metric == "deployment_frequency_per_day"
            )
            series = (rows["value"] * 7 if per_day else rows["value"]).dropna()
            fit = segmented_regression(
                series,
                pd.Timestamp(program.start),
                pd.Timestamp(program.end),
                kind="count",
                exposure=pd.Series(7.0, index=series.index),
            )
        else:
            series = rows["value"].dropna()
            fit = segmented_regression(
                series, pd.Timestamp(program.start), pd.Timestamp(program.end)
            )
        coefs = fit.coefficients.assign(metric=metric, n=fit.n)
        frames.append(coefs)
    out = pd.concat(frames, ignore_index=True)
    return out[["metric"] + [c for c in out.columns if c != "metric"]]
