"""DORA performance bands by report year, and the program's targets scorecard.

Public functions, all pure (no I/O, inputs never modified):

* :func:`dora_bands` - the published elite/high/medium/low bands of the State of DevOps reports
  2019, 2021, 2023 and 2024 as numeric intervals, the published wording beside them;
* :func:`band_for` - the band of one value;
* :func:`classify` - a band per (period, service) for the four DORA metrics of a metric table;
(The targets scorecard, which uses these bands, is in ``analytics/scorecard.py``.)

How ambiguous published wording became numbers (gaps, overlaps, single-number change failure
rates) is documented in docs/benchmarks.md and, row by row, in the ``interpretation`` column.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analytics.catalog import DAYS_PER_WEEK, HOURS_PER_DAY, METRICS
from analytics.config import BENCHMARK_YEARS, ProgramConfig
from analytics.exceptions import DataValidationError

__all__ = [
    "BANDS",
    "CLASSIFY_COLUMNS",
    "DORA_METRICS",
    "NO_DATA",
    "band_for",
    "classify",
    "dora_bands",
]

BANDS: tuple[str, ...] = ("elite", "high", "medium", "low")
NO_DATA = "no data"
#: metric-table metric banded for each DORA key (the key is the report's metric name).
DORA_METRICS: dict[str, str] = {
    "deployment_frequency": "deployment_frequency_per_day",
    "lead_time_for_changes": "lead_time_hours",
    "time_to_restore_service": "time_to_restore_hours",
    "change_failure_rate": "change_failure_rate",
}
_KEY_OF = {m: k for k, m in DORA_METRICS.items()}

# Durations in hours (a month is 30 days, six months 180 days, as in Apache DevLake).
HOUR, DAY, WEEK = 1.0, float(HOURS_PER_DAY), float(HOURS_PER_DAY * DAYS_PER_WEEK)
MONTH, SIX_MONTHS = 30 * DAY, 180 * DAY
# Deployment rates in deployments per calendar day; calendar-robust so that a month with 1
# deployment is "once per month" and one with 4 is "once per week" whatever its length.
PER_DAY, PER_WEEK, PER_MONTH, PER_SIX_MONTHS = 1.0, 4 / 31, 1 / 31, 1 / 184
INF = math.inf
_REL_TOL = 1e-9  # a value this close to a boundary counts as on it

_LABELS = {
    "deployment_frequency": "Deployment frequency",
    "lead_time_for_changes": "Lead time for changes",
    "time_to_restore_service": "Time to restore service",
    "change_failure_rate": "Change failure rate",
}
_SHARES = {  # share of respondents per cluster (elite, high, medium, low)
    2019: (0.20, 0.23, 0.44, 0.12),
    2021: (0.26, 0.40, 0.28, 0.07),
    2023: (0.18, 0.31, 0.33, 0.17),
    2024: (0.19, 0.22, 0.35, 0.25),
}
_SOURCES = {
    2019: "Accelerate State of DevOps 2019 (DORA / Google Cloud), report PDF",
    2021: "Accelerate State of DevOps 2021 (DORA / Google Cloud), report PDF "
    "(tests/fixtures/benchmarks/dora_2021_clusters.csv)",
    2023: "Accelerate State of DevOps 2023 (DORA / Google Cloud), via secondary summaries "
    "(Apache DevLake metric docs, Octopus Deploy blog)",
    2024: "Accelerate State of DevOps 2024 (DORA / Google Cloud), via secondary summaries",
}

_ON_DEMAND = "On-demand (multiple deploys per day)"
_DAY_WEEK = "Between once per day and once per week"
_WEEK_MONTH = "Between once per week and once per month"
_MONTH_6M = "Between once per month and once every six months"
_LT1D, _LT1H = "Less than one day", "Less than one hour"
_D_W, _W_M = "Between one day and one week", "Between one week and one month"
_M_6M = "Between one month and six months"
_BELOW_LOW = "also beyond the published low range (no worse band)"
_NO_RANGE = "no range of its own"

# (band, lower, upper, published wording, interpretation) per year and DORA key, elite first.
# Deployment frequency: [lower, upper); durations: [lower, upper); failure rate: (lower, upper].
_DF_4 = [
    ("elite", PER_DAY, INF, _ON_DEMAND, "'multiple deploys per day' read as at least 1 a day"),
    ("high", PER_WEEK, PER_DAY, _DAY_WEEK, ""),
    ("medium", PER_MONTH, PER_WEEK, _WEEK_MONTH, ""),
    ("low", 0.0, PER_MONTH, _MONTH_6M, _BELOW_LOW),
]
_LT_4 = [
    ("elite", 0.0, DAY, _LT1D, ""),
    ("high", DAY, WEEK, _D_W, ""),
    ("medium", WEEK, MONTH, _W_M, ""),
    ("low", MONTH, INF, _M_6M, _BELOW_LOW),
]
_RESTORE_DUP = [
    ("elite", 0.0, HOUR, _LT1H, ""),
    ("high", HOUR, DAY, _LT1D, "shares 'less than one day' with medium: the better band keeps it"),
    ("medium", DAY, WEEK, _LT1D, "published range taken by high; takes the gap 1 day - 1 week"),
    ("low", WEEK, INF, "Between one week and one month", _BELOW_LOW),
]
_RESTORE_GAP = [
    ("elite", 0.0, HOUR, _LT1H, ""),
    ("high", HOUR, DAY, _LT1D, ""),
    ("medium", DAY, WEEK, "Between one day and one week", ""),
]
_SPEC: dict[int, dict[str, list[tuple]]] = {
    2019: {
        "deployment_frequency": _DF_4,
        "lead_time_for_changes": _LT_4,
        "time_to_restore_service": _RESTORE_DUP,
        "change_failure_rate": [
            ("elite", 0.0, 0.15, "0-15%", ""),
            ("high", 0.15, 0.30, "0-15%", "elite/high/medium all published 0-15%; 15-46% gap split"
             " in 15-point steps (the common 0-15/16-30/31-45/46-60 rendering)"),
            ("medium", 0.30, 0.45, "0-15%", "see high"),
            ("low", 0.45, INF, "46-60%", "gap 45-46% and above 60% assigned to low"),
        ],
    },
    2021: {
        "deployment_frequency": [
            ("elite", PER_DAY, INF, _ON_DEMAND, _DF_4[0][4]),
            ("high", PER_MONTH, PER_DAY, "Between once per week and once per month",
             "gap between once per day and once per week assigned to high (worse neighbour)"),
            ("medium", PER_SIX_MONTHS, PER_MONTH,
             "Between once per month and once every 6 months", ""),
            ("low", 0.0, PER_SIX_MONTHS, "Fewer than once per six months", ""),
        ],
        "lead_time_for_changes": [
            ("elite", 0.0, HOUR, _LT1H, ""),
            ("high", HOUR, WEEK, _D_W, "gap 1 hour - 1 day assigned to high (worse neighbour)"),
            ("medium", WEEK, SIX_MONTHS, _M_6M,
             "gap 1 week - 1 month assigned to medium (worse neighbour)"),
            ("low", SIX_MONTHS, INF, "More than six months", ""),
        ],
        "time_to_restore_service": [
            *_RESTORE_GAP[:3],
            ("low", WEEK, INF, "More than six months",
             "gap 1 week - 6 months assigned to low (worse neighbour)"),
        ],
        "change_failure_rate": [
            ("elite", 0.0, 0.15, "0%-15%", "15-16% gap assigned to high"),
            ("high", 0.15, 0.20, "16%-30%", "high/medium/low all published 16%-30%; split at 20%"
             " and 30% as Apache DevLake does"),
            ("medium", 0.20, 0.30, "16%-30%", "see high"),
            ("low", 0.30, INF, "16%-30%", "see high"),
        ],
    },
    2023: {
        "deployment_frequency": [
            *_DF_4[:3],
            ("low", 0.0, PER_MONTH, _WEEK_MONTH,
             "same published range as medium: medium keeps it, low is below once per month"),
        ],
        "lead_time_for_changes": [
            *_LT_4[:3],
            ("low", MONTH, INF, _W_M, "same published range as medium: low is one month or more"),
        ],
        "time_to_restore_service": [
            *_RESTORE_GAP[:3],
            ("low", WEEK, INF, _M_6M, "gap 1 week - 1 month assigned to low (worse neighbour)"),
        ],
        "change_failure_rate": [
            ("elite", 0.0, 0.05, "5%", "single cluster value read as an upper limit (DevLake)"),
            ("high", 0.05, 0.10, "10%", "upper limit"),
            ("medium", 0.10, 0.15, "15%", "upper limit"),
            ("low", 0.15, INF, "64%", "everything above 15%"),
        ],
    },
    2024: {
        "deployment_frequency": _DF_4,
        "lead_time_for_changes": _LT_4,
        "time_to_restore_service": _RESTORE_DUP,
        "change_failure_rate": [
            ("elite", 0.0, 0.05, "5%", "single cluster value read as an upper limit"),
            ("high", 0.05, 0.20, "20%", "upper limit"),
            ("medium", math.nan, math.nan, "10%",
             f"{_NO_RANGE}: medium's 10% lies below high's 20%; no rate bands medium"),
            ("low", 0.20, INF, "40%", "everything above 20%"),
        ],
    },
}
_WORDING_2023 = {"time_to_restore_service": "Failed deployment recovery time"}


def _closed(key: str, band: str) -> str:
    if key == "change_failure_rate":
        return "both" if band == "elite" else "right"
    return "left"


_RATE_NAMES = {PER_DAY: "1/day", PER_WEEK: "4/31 per day", PER_MONTH: "1/31 per day",
               PER_SIX_MONTHS: "1/184 per day"}


def _fmt(key: str, x: float) -> str:
    if key == "deployment_frequency":
        return _RATE_NAMES.get(x, f"{x:.4g}/day")
    if key == "change_failure_rate":
        return f"{x * 100:g}%"
    return f"{x:g} h"


def _rule(key: str, lower: float, upper: float, closed: str) -> str:
    if math.isnan(lower):
        return _NO_RANGE
    low_in = closed in ("left", "both")
    hi_op = "<=" if closed in ("right", "both") else "<"
    if upper == INF:
        return f"x {'>=' if low_in else '>'} {_fmt(key, lower)}"
    if lower == 0 and low_in:
        return f"x {hi_op} {_fmt(key, upper)}"
    return f"{_fmt(key, lower)} {'<=' if low_in else '<'} x {hi_op} {_fmt(key, upper)}"


def dora_bands(year: int | None = None) -> pd.DataFrame:
    """The published DORA bands of one report year as numeric intervals.

    Parameters
    ----------
    year
        2019, 2021, 2023 or 2024; None gives every year.

    Returns
    -------
    DataFrame
        One row per (year, DORA metric, band): ``year``, ``dora_metric`` (deployment_frequency,
        lead_time_for_changes, time_to_restore_service, change_failure_rate), ``label`` (the
        report's name that year), ``metric`` (the metric-table metric it bands), ``unit``,
        ``band``, ``rank`` (1 = elite), ``lower``, ``upper``, ``closed`` ("left": lower <= x <
        upper; "right": lower < x <= upper; "both"), ``published`` (the report's wording),
        ``rule`` (the numeric rule as text), ``interpretation`` (how the wording was made
        numeric, "" when literal), ``share_of_respondents`` and ``source``. A band without a
        range of its own has NaN bounds.

    Examples
    --------
    >>> b = dora_bands(2021)
    >>> b[(b.dora_metric == "lead_time_for_changes") & (b.band == "elite")].upper.item()
    1.0
    """
    years = BENCHMARK_YEARS if year is None else (_check_year(year),)
    rows = []
    for y in years:
        for key, bands in _SPEC[y].items():
            metric = DORA_METRICS[key]
            label = _WORDING_2023.get(key, _LABELS[key]) if y >= 2023 else _LABELS[key]
            for rank, (band, lower, upper, published, interp) in enumerate(bands, start=1):
                closed = _closed(key, band)
                rows.append({
                    "year": y, "dora_metric": key, "label": label, "metric": metric,
                    "unit": METRICS[metric].unit, "band": band, "rank": rank,
                    "lower": float(lower), "upper": float(upper), "closed": closed,
                    "published": published,
                    "rule": _rule(key, lower, upper, closed), "interpretation": interp,
                    "share_of_respondents": _SHARES[y][rank - 1], "source": _SOURCES[y],
                })
    return pd.DataFrame(rows)


def _check_year(year: int) -> int:
    if year not in BENCHMARK_YEARS:
        years = ", ".join(map(str, BENCHMARK_YEARS))
        raise ValueError(f"year must be one of {years}, got {year!r}")
    return int(year)


def _bands_of(metric: str, values: np.ndarray, year: int) -> np.ndarray:
    """Band of each value of one metric-table metric (NO_DATA for NaN or out of range)."""
    key = _KEY_OF[metric]
    v = np.asarray(values, dtype="float64").copy()
    out = np.full(v.shape, NO_DATA, dtype=object)
    spec = _SPEC[year][key]
    for _, lower, upper, _, _ in spec:  # snap values within rounding of a boundary onto it
        for b in (lower, upper):
            if np.isfinite(b):
                v[np.isclose(v, b, rtol=_REL_TOL, atol=0.0)] = b
    for band, lower, upper, _, _ in reversed(spec):
        if math.isnan(lower):
            continue
        closed = _closed(key, band)
        lo = v >= lower if closed in ("left", "both") else v > lower
        hi = v <= upper if closed in ("right", "both") else v < upper
        out[lo & hi] = band
    return out


def band_for(metric: str, value: float, year: int) -> str:
    """The DORA band of one value of a metric-table metric (see :data:`DORA_METRICS`).

    Returns ``"no data"`` for NaN (or a negative value, which no band covers).

    Examples
    --------
    >>> band_for("time_to_restore_hours", 0.9, 2021), band_for("change_failure_rate", 0.2, 2021)
    ('elite', 'high')
    """
    if metric not in _KEY_OF:
        raise ValueError(f"no DORA band for {metric!r}; banded metrics: {', '.join(_KEY_OF)}")
    return str(_bands_of(metric, np.array([value]), _check_year(year))[0])


def _require(frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"missing column(s) {', '.join(missing)} (needs {', '.join(columns)})",
            file="metric_table", column=missing[0],
        )


def _is_empty(frame: pd.DataFrame | None) -> bool:
    return frame is None or len(frame) == 0


CLASSIFY_COLUMNS = ["period_start", "service", "metric", "value", "band", "year"]


def classify(
    metric_table: pd.DataFrame, year: int | None = None, config: ProgramConfig | None = None
) -> pd.DataFrame:
    """A DORA band per (period_start, service) for each of the four DORA metrics.

    Banded values (severity ``"all"`` rows only): deployment frequency from
    ``deployment_frequency_per_day`` (production deployments per calendar day, not deployment
    days per week, which cannot express "multiple deploys per day"); lead time from
    ``lead_time_hours`` (its value is the median); time to restore from the **median** column of
    ``time_to_restore_hours`` (DORA and DevLake band the typical incident; the value column is
    the mean, which one long outage dominates); change failure rate from ``change_failure_rate``.
    Definitions: docs/METRICS.md; bands: docs/benchmarks.md.

    Parameters
    ----------
    metric_table
        Long-form table of ``analytics.metrics.metric_table``; needs the columns period_start,
        service, severity, metric, value (and median for time_to_restore_hours rows).
    year
        Report year; None takes ``config.benchmark_year`` (2021 without a config).
    config
        The program configuration (only its benchmark_year is read).

    Returns
    -------
    DataFrame
        period_start, service, metric, value (the banded number), band ("elite", "high",
        "medium", "low", or "no data" when the value is NaN), year. Empty input gives an empty
        frame with these columns.

    Raises
    ------
    DataValidationError
        naming a missing column.
    """
    year = _check_year(year if year is not None else (config or ProgramConfig()).benchmark_year)
    if _is_empty(metric_table):
        return pd.DataFrame({
            "period_start": pd.Series(dtype="datetime64[ns]"), "service": pd.Series(dtype="str"),
            "metric": pd.Series(dtype="str"), "value": pd.Series(dtype="float64"),
            "band": pd.Series(dtype="str"), "year": pd.Series(dtype="int64"),
        })
    _require(metric_table, ["period_start", "service", "severity", "metric", "value"])
    rows = metric_table[metric_table["metric"].isin(list(_KEY_OF))
                        & (metric_table["severity"] == "all")]
    restore = rows["metric"] == "time_to_restore_hours"
    if restore.any():
        _require(metric_table, ["median"])
    value = rows["value"].astype("float64")
    if restore.any():
        value = value.where(~restore, rows["median"].astype("float64"))
    out = pd.DataFrame({
        "period_start": rows["period_start"], "service": rows["service"],
        "metric": rows["metric"], "value": value.astype("float64"),
    })
    band = pd.Series(NO_DATA, index=out.index, dtype="object")
    for metric in _KEY_OF:
        mask = out["metric"] == metric
        if mask.any():
            band[mask] = _bands_of(metric, out.loc[mask, "value"].to_numpy(), year)
    out["band"] = band.astype("str")
    out["year"] = year
    order = out["metric"].map({m: i for i, m in enumerate(_KEY_OF)})
    out = out.assign(_o=order).sort_values(["period_start", "service", "_o"], kind="stable")
    return out.drop(columns="_o").reset_index(drop=True)
