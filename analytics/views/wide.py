"""The metric table for people: one row per metric, one column per period, with units."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analytics.catalog import METRICS, SEVERITIES
from analytics.views._format import _share_1dp
from analytics.wording.numbers import format_number

_UNIT_SHOWN = {"share": "%"}


def _cell(value: float, n: int, unit: str) -> str:
    if pd.isna(value) or (n == 0 and pd.isna(value)):
        return "-"
    if unit == "share":  # one decimal, but 99.96% never shows as 100.0
        return _share_1dp(value).rstrip("%")
    return format_number(value)


def wide_metric_table(
    table: pd.DataFrame,
    metrics: Sequence[str] | None = None,
    last: int | None = None,
    freq: str = "month",
) -> pd.DataFrame:
    """``metric_table`` as a readable grid: metric (and service) rows × period columns.

    Values are rounded for reading (three significant figures; shares in per cent with one
    decimal); "-" marks a period without data. Time to restore has a row per severity.

    Parameters
    ----------
    table
        from ``analytics.metrics.metric_table`` (any frequency, ``by`` None or "service").
    metrics
        keep only these metrics (None: all), in this order.
    last
        keep only the last ``last`` periods (None or 0: all).
    freq
        the table's frequency: months are named ``YYYY-MM``, days and weeks ``YYYY-MM-DD``.

    Examples
    --------
    >>> t = pd.DataFrame({"period_start": pd.to_datetime(["2021-01-01", "2021-02-01"]),
    ...     "service": "all", "severity": "all", "metric": "change_failure_rate",
    ...     "value": [0.25, float("nan")], "statistic": "share", "unit": "share", "n": [4, 0]})
    >>> wide_metric_table(t).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'metric': 'Change failure rate', 'unit': '%', 'statistic': 'share',
      '2021-01': '25.0', '2021-02': '-'}]
    """
    rows = table if metrics is None else table[table["metric"].isin(list(metrics))]
    periods = sorted(rows["period_start"].unique())
    if last:
        periods = periods[-last:]
    rows = rows[rows["period_start"].isin(periods)]
    order = list(metrics) if metrics is not None else list(METRICS)
    rows = rows.assign(
        _order=rows["metric"].map({m: i for i, m in enumerate(order)}).fillna(len(order)),
        _sev=rows["severity"].map({s: i for i, s in enumerate(("all", *SEVERITIES))}),
        label=[_label(m, s) for m, s in zip(rows["metric"], rows["severity"], strict=True)],
        unit_shown=rows["unit"].map(lambda u: _UNIT_SHOWN.get(u, u)),
        cell=[
            _cell(v, n, u) for v, n, u in zip(rows["value"], rows["n"], rows["unit"], strict=True)
        ],
        period=pd.to_datetime(rows["period_start"]).dt.strftime(
            "%Y-%m" if freq == "month" else "%Y-%m-%d"
        ),
    )
    keys = ["service", "_order", "_sev", "label", "unit_shown", "statistic"]
    wide = rows.pivot_table(index=keys, columns="period", values="cell", aggfunc="first", sort=True)
    wide = wide.reset_index().drop(columns=["_order", "_sev"])
    wide = wide.rename(columns={"label": "metric", "unit_shown": "unit"})
    if set(wide["service"]) == {"all"}:
        wide = wide.drop(columns="service")
    wide.columns.name = None
    return wide.reset_index(drop=True)


def _label(metric: str, severity: str) -> str:
    label = METRICS[metric].label if metric in METRICS else metric
    return label if severity == "all" else f"{label} ({severity})"
