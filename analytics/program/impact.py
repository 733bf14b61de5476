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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.catalog import METRICS
from analytics.config import ProgramConfig
from analytics.data.dataset import Dataset
from analytics.metrics import metric_table
from analytics.program.phase_effects import phase_effects, require_phases
from analytics.stats.compare import DEFAULT_SEED, Effect, holm
from analytics.stats.trend import segmented_regression
from analytics.wording.verdicts import verdict_sentence

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


def compared(row) -> bool:
    """Whether an impact row compares anything: both phases have observations (``n_before``
    and ``n_after`` above 0). A row that does not is "no data" on every page."""
    return bool(row.n_before > 0 and row.n_after > 0)


def demonstrated(row) -> bool | None:
    """Whether an impact row (a namedtuple or Series of :func:`program_impact`) demonstrates
    its improvement: its ``improved``, or None when it compares nothing (:func:`compared`).
    The one rule behind every page's "demonstrated / not demonstrated / no data".

    >>> from types import SimpleNamespace as Row
    >>> demonstrated(Row(n_before=12, n_after=30, improved=True))
    True
    >>> demonstrated(Row(n_before=12, n_after=30, improved=False))
    False
    >>> demonstrated(Row(n_before=0, n_after=30, improved=False)) is None
    True
    """
    return bool(row.improved) if compared(row) else None


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
    effects = phase_effects(dataset, config, preset, severity, seed, n_boot)
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
