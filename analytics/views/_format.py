"""Formatting shared by the report views: values in words, table labels, month names."""

from __future__ import annotations

import pandas as pd

from analytics.catalog import METRICS
from analytics.wording.numbers import format_hours, format_value, rate_suffix

_TABLE_LABELS = {
    "deployments": "Deployments",
    "changes": "Changes",
    "incidents": "Incidents",
    "test_runs": "Test runs",
}


def _hours(h: float) -> str:
    return "-" if pd.isna(h) else format_hours(h)


def _fmt(metric: str, value: float) -> str:
    """A value in words, one formatter for charts and tables (never rounds 99.96% up to 100%)."""
    if pd.isna(value):
        return "no data"
    unit = METRICS[metric].unit
    text = format_value(value, unit)
    return text if unit in ("share", "hours") else f"{text} {unit}"


def _level(metric: str, value: float) -> str:
    """A phase level: rates with two decimals and their period ("0.75 a day"), else as _fmt."""
    if METRICS[metric].kind == "count" and pd.notna(value):
        return f"{value:.2f}{rate_suffix(METRICS[metric].unit)}"
    return _fmt(metric, value)


def _share_1dp(value: float) -> str:
    """A share with one decimal, so a column of them lines up (99.96% stays "99.96%")."""
    if pd.isna(value):
        return "no data"
    text = f"{100 * value:.1f}%"
    return format_value(value, "share") if text in ("100.0%", "0.0%") and 0 < value < 1 else text


def _month_name(month: str) -> str:
    return pd.Timestamp(f"{month}-01").strftime("%B %Y")


class HtmlText(str):
    """A string of HTML (our words, already escaped) that Jupyter shows as HTML."""

    def _repr_html_(self) -> str:
        return str(self)
