"""The event study: each metric's effect by month relative to the services' own adoption."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analytics.plots.style import (
    GOOD,
    MUTED,
    NEUTRAL,
    is_empty,
    metric_info,
    new_figure,
    no_data_figure,
    require_columns,
    styled,
)

COEFFICIENT_COLUMNS = ("metric", "event_time", "estimate", "ci_low", "ci_high")
SUMMARY_COLUMNS = ("metric", "effect_kind", "timing")
_TIMING_COLOR = {"follows adoption": GOOD, "under way before adoption": NEUTRAL}


def _scale(metric: str, kind: str) -> tuple[float, str]:
    """Multiplier and axis label: percentage points for shares, a ratio for durations."""
    info = metric_info(metric, strict=False)
    if kind == "ratio":
        return 1.0, "ratio to the month before adoption (1 = no change)"
    if info.unit == "share":
        return 100.0, "percentage points"
    return 1.0, info.unit


def _panel(ax, rows: pd.DataFrame, metric: str, kind: str, timing: str) -> None:
    factor, ylabel = _scale(metric, kind)
    rows = rows.sort_values("event_time")
    x = rows["event_time"].to_numpy(dtype=float)
    est = rows["estimate"].to_numpy(dtype=float) * factor
    lo = rows["ci_low"].to_numpy(dtype=float) * factor
    hi = rows["ci_high"].to_numpy(dtype=float) * factor
    color = _TIMING_COLOR.get(timing, MUTED)
    pre = x < 0
    null = 1.0 if kind == "ratio" else 0.0
    ax.axhline(null, color=MUTED, linewidth=0.8)
    ax.axvline(-0.5, color=MUTED, linestyle="--", linewidth=0.8)
    for mask, face in ((pre, "white"), (~pre, color)):
        ok = mask & np.isfinite(est)
        ax.errorbar(
            x[ok],
            est[ok],
            yerr=[np.clip(est[ok] - lo[ok], 0, None), np.clip(hi[ok] - est[ok], 0, None)],
            fmt="o",
            color=color,
            markerfacecolor=face,
            capsize=2,
            linewidth=1,
        )
    if kind == "ratio":
        ax.set_yscale("log")
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_title(f"{metric_info(metric, strict=False).label}: {timing}", loc="left", fontsize=10)
    ax.set_xticks(x)


@styled
def event_study_chart(
    coefficients: pd.DataFrame, summary: pd.DataFrame, *, title: str | None = None
) -> Figure:
    """One small panel per metric: the effect by month relative to adoption, with intervals.

    Months before adoption (hollow markers) should sit on the no-change line; month -1 is the
    reference (0 by construction). Filled markers from month 0 on are the effect of adoption.

    Parameters
    ----------
    coefficients
        ``RolloutStudy.coefficients``: metric, event_time, estimate, ci_low, ci_high.
    summary
        ``RolloutStudy.summary``: metric, effect_kind, timing (the panel titles).

    Returns
    -------
    Figure
        Titled with how many metrics' changes follow adoption.
    """
    if is_empty(coefficients) or is_empty(summary):
        return no_data_figure(title or "Effect by month since adoption", "No adoption dates")
    require_columns(coefficients, COEFFICIENT_COLUMNS, "coefficients")
    require_columns(summary, SUMMARY_COLUMNS, "summary")
    estimated = coefficients["estimate"].notna() & (coefficients["event_time"] != -1)
    shown = summary[summary["metric"].isin(coefficients.loc[estimated, "metric"])]
    if shown.empty:
        return no_data_figure(title or "Effect by month since adoption", "Too little data")
    cols = 2 if len(shown) > 1 else 1
    nrows = math.ceil(len(shown) / cols)
    fig, axes = new_figure(nrows, cols, height=1.0 + 2.3 * nrows, squeeze=False)
    for ax, row in zip(axes.ravel(), shown.itertuples(), strict=False):
        rows = coefficients[coefficients["metric"] == row.metric]
        _panel(ax, rows, row.metric, row.effect_kind, row.timing)
    for ax in axes.ravel()[len(shown) :]:
        ax.set_axis_off()
    for ax in axes[-1]:
        ax.set_xlabel("months since the service adopted")
    follows = int((shown["timing"] == "follows adoption").sum())
    fig.suptitle(
        title
        or f"{follows} of {len(shown)} metrics with data change when each service adopts, "
        f"not before",
        x=0.01,
        ha="left",
    )
    return fig
