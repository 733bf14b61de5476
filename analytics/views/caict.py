"""The CAICT page: the continuous-delivery levels the data supports, with their evidence.

One call per section of ``notebooks/reports/07-caict-evidence.ipynb``. The evidence table is
computed once per MonthReport (``caict_table``) and every section reads it.
"""

from __future__ import annotations

import pandas as pd

from analytics.metrics.working_time import clock_note, working_day_rates
from analytics.program.caict import caict_evidence, caict_not_judged, caict_windows
from analytics.views.month import MonthReport
from analytics.wording.safe import markdown_text

_CACHE_KEY = "_caict_evidence"
_RATE_LABELS = {
    "delivery_throughput_per_working_day": "Successful deployments, all environments",
    "deployment_frequency_per_working_day": "Successful production deployments",
}


def caict_table(report: MonthReport) -> pd.DataFrame:
    """``caict_evidence`` for the report month and each program phase up to its end (cached on
    the report, so the page's sections read one table)."""
    cached = report.__dict__.get(_CACHE_KEY)
    if cached is None:
        windows = caict_windows(report.config, report.month)
        cached = caict_evidence(report.dataset, windows, preset=report.preset)
        report.__dict__[_CACHE_KEY] = cached
    return cached


def caict_clock(report: MonthReport) -> str:
    """Markdown: which days are working days and which clock the durations on this page use."""
    return markdown_text(clock_note(report.config, report.preset), limit=None)


def caict_levels(report: MonthReport) -> pd.DataFrame:
    """Items by window (the month, then the phases): the level the data supports, or "-"."""
    ev = caict_table(report)
    table = ev.assign(
        shown=["-" if pd.isna(level) else f"L{int(level)}" for level in ev["level"]],
        Item=ev["item"] + " (" + ev["item_zh"] + ")",
    )
    windows = list(dict.fromkeys(ev["window"]))
    out = table.pivot(index="Item", columns="window", values="shown")[windows]
    out["Highest level data can show"] = (
        table.drop_duplicates("Item").set_index("Item")["max_level"].map("L{}".format)
    )
    order = list(dict.fromkeys(table["Item"]))
    return out.loc[order].rename_axis(None).rename_axis(None, axis=1)


def caict_month_evidence(report: MonthReport) -> pd.DataFrame:
    """The month's evidence: level, figure and n, the model's words for that level, the rule."""
    ev = caict_table(report)
    month = ev[ev["window"] == report.month]
    return (
        pd.DataFrame(
            {
                "Item": month["item"] + " (" + month["item_zh"] + ")",
                "Level": ["-" if pd.isna(v) else f"L{int(v)}" for v in month["level"]],
                "Figure": month["figure"].where(month["figure"] != "", "not judged"),
                "n": month["n"],
                "The model at that level (zh)": month["rule_zh"],
                "(en)": month["rule_en"],
                "Rule applied": month["rule"],
            }
        )
        .set_index("Item")
        .rename_axis(None)
    )


def caict_limits(report: MonthReport) -> pd.DataFrame:
    """What the data cannot show for each measured item this month."""
    ev = caict_table(report)
    month = ev[ev["window"] == report.month]
    return (
        pd.DataFrame({"Item": month["item"], "Not judged from the data": month["not_judged"]})
        .set_index("Item")
        .rename_axis(None)
    )


def caict_practice_items() -> pd.DataFrame:
    """The model's items that no export can judge, with their level-3 text (Chinese)."""
    rest = caict_not_judged()
    return (
        rest.rename(columns={"area": "Area", "item_zh": "Item", "level_3_zh": "Level 3 asks (zh)"})
        .drop(columns="reason")
        .set_index(["Area", "Item"])
    )


def working_day_rate_table(report: MonthReport) -> pd.DataFrame:
    """This month's deployment rates per calendar day and per working day, side by side."""
    rates = working_day_rates(report.dataset, report.monthly, "month", report.preset)
    rows = rates[rates["period_start"] == report.month_start]
    return (
        pd.DataFrame(
            {
                "Deployments": rows["metric"].map(_RATE_LABELS).to_numpy(),
                "Count": [f"{c:,.0f}" if pd.notna(c) else "no data" for c in rows["count"]],
                "Per calendar day": [_rate(v) for v in rows["per_day"]],
                "Per working day": [_rate(v) for v in rows["value"]],
                "Working days": rows["n"].to_numpy(),
            }
        )
        .set_index("Deployments")
        .rename_axis(None)
    )


def _rate(value: float) -> str:
    return "no data" if pd.isna(value) else f"{value:.2f}"


__all__ = [
    "caict_clock",
    "caict_levels",
    "caict_limits",
    "caict_month_evidence",
    "caict_practice_items",
    "caict_table",
    "working_day_rate_table",
]
