"""Did the program cause it? Each service's metrics aligned on its own adoption date.

``program.yml`` ``adoption:`` says when each service adopted the program. For every rollout
metric, :func:`service_panel` builds the services x months table of the metric (from
``metric_table(by="service")``), and :func:`rollout_study` runs the staggered-adoption event
study of :mod:`analytics.stats.event_study` on it: each service is compared with the services
that had not adopted yet, month by month before and after its own adoption month. If the
improvement follows each service's own date, the program is the likelier cause; if it was
already under way before adoption (a pre-trend), something else was moving the metric.

Durations are studied on the log scale (the effect is a ratio, as in the impact table);
shares and counts as differences (percentage points; releases a month per service).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.catalog import METRICS
from analytics.config import ProgramConfig
from analytics.config.adoption import adoption_dates
from analytics.data.dataset import Dataset
from analytics.metrics import metric_table
from analytics.stats import DEFAULT_SEED
from analytics.stats.event_study import event_study

__all__ = ["ROLLOUT_METRICS", "RolloutStudy", "service_panel", "rollout_study"]

#: metrics aligned on adoption (catalogue order)
ROLLOUT_METRICS: tuple[str, ...] = (
    "delivery_throughput_per_day",
    "production_releases",
    "lead_time_hours",
    "change_failure_rate",
    "time_to_restore_hours",
    "unit_test_pass_rate",
    "test_coverage",
)
#: a service-month needs this many items (e.g. incidents) for its value to enter the panel: the
#: mean restore time of one incident is one incident's luck, not the service's level
MIN_ITEMS: dict[str, int] = {"time_to_restore_hours": 2}
ALPHA = 0.05
SUMMARY_COLUMNS = [
    "metric",
    "label",
    "effect",
    "effect_kind",
    "ci_low",
    "ci_high",
    "pre_mean",
    "pretrend_p",
    "services",
    "adopted",
    "timing",
    "sentence",
]


@dataclass(frozen=True)
class RolloutStudy:
    """``coefficients``: metric, event_time, estimate, ci_low, ci_high (the effect's scale:
    ratios for durations), cohorts, services. ``summary``: one row per metric (SUMMARY_COLUMNS)
    with ``timing`` "follows adoption", "under way before adoption" or "no clear change"."""

    coefficients: pd.DataFrame
    summary: pd.DataFrame


def service_panel(
    monthly_by_service: pd.DataFrame, metric: str, *, log: bool = False, min_n: int = 0
) -> pd.DataFrame:
    """Services x month starts of one metric (``metric_table(..., by="service")`` rows).

    ``log`` takes the natural log (values <= 0 become NaN). Months without data, or with
    fewer than ``min_n`` items behind the value (the rows' ``n``), are NaN.

    Examples
    --------
    >>> rows = pd.DataFrame({"period_start": pd.to_datetime(["2021-01-01", "2021-02-01"]),
    ...     "service": ["api", "api"], "severity": "all", "metric": "m", "value": [1.0, 2.0]})
    >>> service_panel(rows, "m").to_numpy().tolist()
    [[1.0, 2.0]]
    """
    rows = monthly_by_service[
        (monthly_by_service["metric"] == metric) & (monthly_by_service["severity"] == "all")
    ]
    if min_n:
        rows = rows.assign(value=rows["value"].where(rows["n"] >= min_n))
    panel = rows.pivot_table(
        index="service", columns="period_start", values="value", aggfunc="first", dropna=False
    ).sort_index(axis=1)
    if log:
        panel = np.log(panel.where(panel > 0))
    return panel.astype(float)


def _adoption_months(config: ProgramConfig, milestone: str | None) -> dict[str, pd.Timestamp]:
    return {
        service: pd.Timestamp(day).to_period("M").start_time
        for service, day in adoption_dates(config.adoption, milestone).items()
    }


def _timing(effect: float, low: float, high: float, null: float, pretrend_p: float) -> str:
    if not math.isnan(pretrend_p) and pretrend_p < ALPHA:
        return "under way before adoption"
    if low > null or high < null:
        return "follows adoption"
    return "no clear change"


def _with_base(panel: pd.DataFrame, months: dict[str, pd.Timestamp]) -> int:
    """Services with a value in the month before their adoption month (the event study's base)."""
    count = 0
    for service, month in months.items():
        base = month - pd.DateOffset(months=1)
        if month > panel.columns.max():  # adopts after the data's last month: not yet treated
            continue
        if service in panel.index and base in panel.columns:
            count += bool(np.isfinite(panel.at[service, base]))
    return count


def _sparse_note(row: dict) -> str:
    """What a sparse metric's cells need, and how many adopters had one as their base."""
    need = MIN_ITEMS.get(row["metric"], 0)
    if not need:
        return ""
    items = METRICS[row["metric"]].table  # e.g. "incidents"
    return (
        f" Only service-months with at least {need} {items} count; {row['with_base']} of "
        f"{row['adopted']} adopted services had one in the month before adopting."
    )


def _sentence(row: dict, window: tuple[int, int]) -> str:
    """One plain sentence: the effect after adoption and whether it came before it."""
    label = row["label"]
    if math.isnan(row["effect"]):
        return (
            f"{label}: not enough data: too few services have a value in the month before "
            f"they adopted." + _sparse_note(row)
        )
    if row["effect_kind"] == "ratio":
        size = f"{row['effect']:.2g}x ({row['ci_low']:.2g}-{row['ci_high']:.2g}x)"
    elif METRICS[row["metric"]].unit == "share":
        size = (
            f"{100 * row['effect']:+.1f} percentage points "
            f"({100 * row['ci_low']:+.1f} to {100 * row['ci_high']:+.1f})"
        )
    else:
        unit = METRICS[row["metric"]].unit
        size = (
            f"{row['effect']:+.2g} {unit} a service ({row['ci_low']:+.2g} to {row['ci_high']:+.2g})"
        )
    p = row["pretrend_p"]
    pre = "no pre-trend test" if math.isnan(p) else f"pre-trend p = {p:.2f}"
    lead = {
        "follows adoption": "the change follows each service's own adoption date",
        "under way before adoption": "the change was already under way before adoption",
        "no clear change": "no clear change at adoption",
    }[row["timing"]]
    return (
        f"{label}: {lead}; {size} in months 0 to {window[1]} after adoption against services "
        f"not yet adopted ({pre}; {row['adopted']} of {row['services']} services adopted)."
        + _sparse_note(row)
    )


def rollout_study(
    dataset: Dataset,
    config: ProgramConfig | None = None,
    *,
    preset: str | None = None,
    metrics: tuple[str, ...] = ROLLOUT_METRICS,
    milestone: str | None = None,
    window: tuple[int, int] = (-6, 6),
    n_boot: int = 999,
    seed: int = DEFAULT_SEED,
) -> RolloutStudy:
    """The event study of every rollout metric, aligned on each service's adoption month.

    Parameters
    ----------
    dataset, config
        the data; ``config.adoption`` (program.yml ``adoption:``) gives the dates. Without
        it, both tables are empty.
    preset
        metric definitions (None: the program's).
    milestone
        align on one milestone's per-service dates instead of the adoption dates.
    window, n_boot, seed
        event times shown (months), and the bootstrap over services.

    Returns
    -------
    RolloutStudy
    """
    config = config or dataset.config
    months = _adoption_months(config, milestone)
    if not months:
        return RolloutStudy(pd.DataFrame(), pd.DataFrame(columns=SUMMARY_COLUMNS))
    by_service = metric_table(dataset, freq="month", by="service", preset=preset)
    coefs, rows = [], []
    for metric in metrics:
        info = METRICS[metric]
        log = info.kind == "duration"
        panel = service_panel(by_service, metric, log=log, min_n=MIN_ITEMS.get(metric, 0))
        study = event_study(panel, months, window=window, n_boot=n_boot, seed=seed)
        scale = np.exp if log else (lambda v: v)
        c = study.coefficients.assign(metric=metric)
        for column in ("estimate", "ci_low", "ci_high"):
            c[column] = scale(c[column])
        coefs.append(c)
        row: dict = {
            "metric": metric,
            "label": info.label,
            "effect": float(scale(study.att)),
            "effect_kind": "ratio" if log else "difference",
            "ci_low": float(scale(study.att_ci_low)),
            "ci_high": float(scale(study.att_ci_high)),
            "pre_mean": float(scale(study.pre_mean)),
            "pretrend_p": study.pretrend_p,
            "services": study.n_services,
            "adopted": study.n_treated,
            "with_base": _with_base(panel, months),
        }
        row["timing"] = _timing(
            row["effect"], row["ci_low"], row["ci_high"], 1.0 if log else 0.0, study.pretrend_p
        )
        row["sentence"] = _sentence(row, window)
        rows.append({key: row[key] for key in SUMMARY_COLUMNS})
    coefficients = pd.concat(coefs, ignore_index=True)
    coefficients = coefficients[["metric"] + [c for c in coefficients if c != "metric"]]
    return RolloutStudy(coefficients, pd.DataFrame(rows, columns=SUMMARY_COLUMNS))
