"""DORA performance bands by report year, and the program's targets scorecard.

Public functions, all pure (no I/O, inputs never modified):

* :func:`dora_bands` - the published elite/high/medium/low bands of the State of DevOps reports
  2019, 2021, 2023 and 2024 as numeric intervals, the published wording beside them;
* :func:`band_for` - the band of one value;
* :func:`classify` - a band per (period, service) for the four DORA metrics of a metric table;
(The targets scorecard, which uses these bands, is in ``analytics/program/scorecard.py``.)

How ambiguous published wording became numbers (gaps, overlaps, single-number change failure
rates) is documented in docs/benchmarks.md and, row by row, in the ``interpretation`` column;
the published bands themselves are data in ``analytics/program/dora_published.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analytics.catalog import METRICS
from analytics.config import BENCHMARK_YEARS, ProgramConfig
from analytics.data.guards import require_columns
from analytics.program.dora_published import (
    _LABELS,
    _NO_RANGE,
    _SHARES,
    _SOURCES,
    _SPEC,
    _WORDING_2023,
    INF,
    PER_DAY,
    PER_MONTH,
    PER_SIX_MONTHS,
    PER_WEEK,
)

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
_REL_TOL = 1e-9  # a value this close to a boundary counts as on it


def _closed(key: str, band: str) -> str:
    if key == "change_failure_rate":
        return "both" if band == "elite" else "right"
    return "left"


_RATE_NAMES = {
    PER_DAY: "1/day",
    PER_WEEK: "4/31 per day",
    PER_MONTH: "1/31 per day",
    PER_SIX_MONTHS: "1/184 per day",
}


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
                rows.append(
                    {
                        "year": y,
                        "dora_metric": key,
                        "label": label,
                        "metric": metric,
                        "unit": METRICS[metric].unit,
                        "band": band,
                        "rank": rank,
                        "lower": float(lower),
                        "upper": float(upper),
                        "closed": closed,
                        "published": published,
                        "rule": _rule(key, lower, upper, closed),
                        "interpretation": interp,
                        "share_of_respondents": _SHARES[y][rank - 1],
                        "source": _SOURCES[y],
                    }
                )
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
        return pd.DataFrame(
            {
                "period_start": pd.Series(dtype="datetime64[ns]"),
                "service": pd.Series(dtype="str"),
                "metric": pd.Series(dtype="str"),
                "value": pd.Series(dtype="float64"),
                "band": pd.Series(dtype="str"),
                "year": pd.Series(dtype="int64"),
            }
        )
    require_columns(
        metric_table, ["period_start", "service", "severity", "metric", "value"], "metric_table"
    )
    rows = metric_table[
        metric_table["metric"].isin(list(_KEY_OF)) & (metric_table["severity"] == "all")
    ]
    restore = rows["metric"] == "time_to_restore_hours"
    if restore.any():
        require_columns(metric_table, ["median"], "metric_table")
    value = rows["value"].astype("float64")
    if restore.any():
        value = value.where(~restore, rows["median"].astype("float64"))
    out = pd.DataFrame(
        {
            "period_start": rows["period_start"],
            "service": rows["service"],
            "metric": rows["metric"],
            "value": value.astype("float64"),
        }
    )
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
