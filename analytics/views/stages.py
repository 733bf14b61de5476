"""The lead-time breakdown on the delivery page: where the hours go, phase by phase."""

from __future__ import annotations

import pandas as pd

from analytics.metrics.stages import stage_summary
from analytics.views._format import _hours
from analytics.views.month import MonthReport

STAGE_LABELS = {
    "coding": "Coding (first commit → PR opened)",
    "pickup": "Pickup (PR opened → first review)",
    "review": "Review (→ merged)",
    "deploy": "Deploy (merged → production)",
    "lead_time": "Lead time (commit → production)",
}
#: the review stage's label when the data have no first-review time (pickup and review together)
REVIEW_WITH_PICKUP = "Pickup and review (PR opened → merged)"


def lead_stage_summary(report: MonthReport) -> pd.DataFrame:
    """Median and P90 hours of each stage per phase and for the report month (``period``).

    Changes with pull-request data only; the phases of program.yml in order, then the month.
    """
    stages = report.lead_stages
    month = stages[
        (stages["day"] >= report.month_start)
        & (stages["day"] < report.month_start + pd.offsets.MonthBegin(1))
    ]
    parts = [stage_summary(stages, "phase").rename(columns={"phase": "period"})]
    parts.append(stage_summary(month).assign(period=report.month_start.strftime("%B %Y")))
    out = pd.concat(parts, ignore_index=True)
    order = [p.name for p in report.config.phases] + [report.month_start.strftime("%B %Y")]
    out = out[out["period"].isin(order)]
    return out.sort_values("period", key=lambda s: s.map(order.index), kind="stable")


def lead_time_breakdown(report: MonthReport) -> pd.DataFrame:
    """Stages × periods: "median (P90 …)" per cell, with the number of changes per period."""
    summary = lead_stage_summary(report)
    if summary.empty or not summary["n"].any():
        return pd.DataFrame({"note": ["No change with pull-request data was shipped."]})
    summary = summary[(summary["stage"] != "pickup") | (summary["n"] > 0)]
    cells = summary.assign(
        cell=[
            "-" if n == 0 else f"{_hours(m)} (P90 {_hours(p)})"
            for m, p, n in zip(
                summary["median_hours"], summary["p90_hours"], summary["n"], strict=True
            )
        ]
    )
    periods = list(dict.fromkeys(cells["period"]))
    wide = cells.pivot(index="stage", columns="period", values="cell").reindex(columns=periods)
    labels = dict(STAGE_LABELS)
    if "pickup" not in wide.index:
        labels["review"] = REVIEW_WITH_PICKUP
    wide = wide.reindex([s for s in STAGE_LABELS if s in wide.index]).rename(index=labels)
    n = cells[cells["stage"] == "lead_time"].set_index("period")["n"].reindex(periods)
    wide.loc["Changes with PR data"] = [f"{int(v):,}" for v in n.fillna(0)]
    return wide.rename_axis(index=None, columns=None)
