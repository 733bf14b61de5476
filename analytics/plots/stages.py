"""The lead time in stages: one stacked bar of stage medians per period."""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from analytics.plots.style import (
    MUTED,
    OKABE_ITO,
    is_empty,
    new_figure,
    no_data_figure,
    require_columns,
    styled,
)
from analytics.wording.numbers import format_hours, phase_title

_ORDER = ("coding", "pickup", "review", "deploy")
_COLOURS = {
    "coding": OKABE_ITO["sky_blue"],
    "pickup": OKABE_ITO["yellow"],
    "review": OKABE_ITO["blue"],
    "deploy": OKABE_ITO["orange"],
}
_NAMES = {"coding": "Coding", "pickup": "Pickup", "review": "Review", "deploy": "Deploy"}


def _finding(summary: pd.DataFrame) -> str:
    last = summary[summary["period"] == summary["period"].iloc[-1]]
    parts = last[last["stage"].isin(_ORDER)].dropna(subset=["median_hours"])
    if parts.empty:
        return "Lead time in stages"
    top = parts.loc[parts["median_hours"].idxmax()]
    name = _NAMES[top["stage"]].lower()
    if top["stage"] == "review" and not (parts["stage"] == "pickup").any():
        name = "pickup and review"
    return (
        f"{phase_title(str(top['period']))}: the longest stage is {name} "
        f"(median {format_hours(top['median_hours'])})"
    )


@styled
def stage_chart(summary: pd.DataFrame) -> Figure:
    """Horizontal stacked bars: each period's median hours per stage, left to right.

    Parameters
    ----------
    summary
        From ``analytics.views.lead_stage_summary`` (period, stage, median_hours, n) or
        ``analytics.metrics.stage_summary`` with a ``period`` column. A stage without values
        (pickup when the data have no first-review time) is left out.

    Returns
    -------
    Figure
        Titled with the longest stage of the last period. The medians of the stages do not
        add up to the median lead time (a median of sums is not a sum of medians); the lead
        time's median is written at the end of each bar.
    """
    if is_empty(summary) or not summary["n"].any():
        return no_data_figure("Lead time in stages", "No change with pull-request data")
    require_columns(summary, ("period", "stage", "median_hours", "n"), "summary")
    periods = list(dict.fromkeys(summary["period"]))
    fig, (ax, share_ax) = new_figure(
        1, 2, height=1.6 + 0.55 * len(periods), sharey=True, width_ratios=(3, 2)
    )
    present = [s for s in _ORDER if (summary.loc[summary["stage"] == s, "n"] > 0).any()]
    for i, period in enumerate(periods):
        rows = summary[summary["period"] == period].set_index("stage")
        medians = [rows["median_hours"].get(stage, math.nan) for stage in present]
        total = sum(v for v in medians if math.isfinite(v))
        left = share_left = 0.0
        for stage, value in zip(present, medians, strict=True):
            if not math.isfinite(value):
                continue
            ax.barh(i, value, left=left, color=_COLOURS[stage], height=0.6, gid=f"stage:{stage}")
            share = value / total if total else 0.0
            share_ax.barh(i, share, left=share_left, color=_COLOURS[stage], height=0.6)
            left, share_left = left + value, share_left + share
        lead = rows["median_hours"].get("lead_time", math.nan)
        note = f"  lead time median {format_hours(lead)}" if math.isfinite(lead) else ""
        ax.text(left, i, note, va="center", fontsize=9, color=MUTED)
    ax.set_yticks(range(len(periods)), [phase_title(str(p)) for p in periods])
    ax.set_ylim(len(periods) - 0.5, -0.5)
    ax.set_xlabel("Hours (median of each stage)")
    ax.set_xlim(0, ax.get_xlim()[1] * 1.3)
    share_ax.set_xlim(0, 1)
    share_ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v * 100:g}%"))
    share_ax.set_xlabel("Share of the stages' medians")
    for a in (ax, share_ax):
        a.grid(axis="y", visible=False)
    labels = {s: _NAMES[s] for s in present}
    if "review" in labels and "pickup" not in labels:
        labels["review"] = "Pickup + review"
    handles = [Patch(color=_COLOURS[s], label=labels[s]) for s in present]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=9)
    ax.set_title(_finding(summary), loc="left")
    return fig
