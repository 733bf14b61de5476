"""Charts by team or service: a forest plot per metric (small multiples) and trend lines.

Both take results: the by-group impact table (``analytics.program.groups.impact_by``) and the
by-group metric table (``metric_table_by``). Group names come from data or program.yml and
are shortened (``analytics.wording.safe``) so a long name cannot push a chart apart.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from analytics.config import ProgramConfig
from analytics.plots.decorations import date_axis, shade_phases
from analytics.plots.style import (
    BAD,
    GOOD,
    MUTED,
    NEUTRAL,
    OKABE_ITO,
    as_float,
    duration_log_axis,
    format_y_axis,
    is_empty,
    metric_info,
    new_figure,
    no_data_figure,
    require_columns,
    styled,
)
from analytics.wording.safe import clean_text

GROUP_LIMIT = 28  #: characters of a group name shown on a chart
_STATUS_STYLE = {
    "improved": (GOOD, "o"),
    "worsened": (BAD, "D"),
    "no clear change": (NEUTRAL, "s"),
    "no data": (NEUTRAL, "s"),
}
_LINE_COLOURS = tuple(v for k, v in OKABE_ITO.items() if k not in ("black", "yellow"))
FOREST_COLUMNS = ("metric", "effect", "effect_kind", "ci_low", "ci_high", "status")


def _panel_title(label: str, rows: pd.DataFrame, by: str) -> str:
    named = []
    for status, word in (("improved", "improved"), ("worsened", "worse")):
        names = [clean_text(n, GROUP_LIMIT) for n in rows.loc[rows["status"] == status, by]]
        if names:
            named.append(f"{word}: {', '.join(names)}")
    return f"{label}: " + ("; ".join(named) if named else "no clear change")


def _limits(rows: pd.DataFrame, ratio: bool) -> tuple[float, float]:
    values = [
        v
        for c in ("effect", "ci_low", "ci_high")
        for v in map(as_float, rows[c])
        if math.isfinite(v) and (not ratio or v > 0)
    ]
    ref = 1.0 if ratio else 0.0
    lo, hi = min(values + [ref]), max(values + [ref])
    if ratio:
        return lo / 1.5, hi * 1.5
    pad = (hi - lo) * 0.1 or 0.05
    return lo - pad, hi + pad


def _draw_forest(ax: Axes, rows: pd.DataFrame, by: str) -> None:
    ratio = (rows["effect_kind"] == "ratio").all()
    lo_lim, hi_lim = _limits(rows, ratio)
    for j, row in enumerate(rows.itertuples()):
        colour, marker = _STATUS_STYLE.get(row.status, (NEUTRAL, "s"))
        eff, lo, hi = as_float(row.effect), as_float(row.ci_low), as_float(row.ci_high)
        if math.isfinite(lo) and math.isfinite(hi):
            a = lo if (not ratio or lo > 0) else lo_lim
            ax.plot([a, hi], [j, j], color=colour, lw=2.2, solid_capstyle="butt", gid="ci")
        if math.isfinite(eff) and (not ratio or eff > 0):
            ax.plot([eff], [j], marker=marker, markersize=7, color=colour, ls="none", gid="effect")
    ax.axvline(1.0 if ratio else 0.0, color=MUTED, lw=1.0, zorder=1, gid="no-effect")
    labels = [clean_text(n, GROUP_LIMIT) for n in rows[by]]
    ax.set_yticks(np.arange(len(rows)), labels)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlim(lo_lim, hi_lim)
    if ratio:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}x"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("After ÷ baseline (1x = no change)", fontsize=9)
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v * 100:+g} pp"))
        ax.set_xlabel("After − baseline", fontsize=9)


@styled
def group_forest(
    impact_by: pd.DataFrame,
    by: str = "team",
    *,
    metrics: Sequence[str] | None = None,
    ncols: int = 2,
) -> Figure:
    """One forest plot per metric: each group's effect with its 95% interval, by status.

    Parameters
    ----------
    impact_by
        From ``analytics.program.groups.impact_by``: a column ``by`` and metric, effect,
        effect_kind, ci_low, ci_high, status.
    by
        The group column (``"team"``, ``"service"``, ``"department"``).
    metrics
        Metrics to draw, in order (None: every metric of the table).

    Returns
    -------
    Figure
        Each panel titled with the groups that improved and those that got worse; green
        circles improved, vermillion diamonds worsened, grey squares no clear change.
    """
    if is_empty(impact_by):
        return no_data_figure(f"Program impact by {by}")
    require_columns(impact_by, (by, *FOREST_COLUMNS), "impact_by")
    metrics = list(metrics) if metrics is not None else list(dict.fromkeys(impact_by["metric"]))
    impact_by = impact_by[impact_by["metric"].isin(metrics)]
    if impact_by.empty:
        return no_data_figure(f"Program impact by {by}")
    n_groups = impact_by[by].nunique()
    ncols = max(1, min(ncols, len(metrics)))
    nrows = math.ceil(len(metrics) / ncols)
    fig, axes = new_figure(
        nrows, ncols, height=nrows * (1.3 + 0.32 * n_groups) + 0.8, squeeze=False
    )
    flat = list(axes.ravel())
    for metric, ax in zip(metrics, flat, strict=False):
        rows = impact_by[impact_by["metric"] == metric].reset_index(drop=True)
        _draw_forest(ax, rows, by)
        label = rows["label"].iloc[0] if "label" in rows.columns and len(rows) else None
        title = _panel_title(label or metric_info(metric, strict=False).label, rows, by)
        ax.set_title(textwrap.fill(title, 60), fontsize=10, loc="left")
    for ax in flat[len(metrics) :]:
        ax.set_axis_off()
    handles = [
        Line2D([], [], color=GOOD, marker="o", lw=2.2, label="Improved"),
        Line2D([], [], color=BAD, marker="D", lw=2.2, label="Worsened"),
        Line2D([], [], color=NEUTRAL, marker="s", lw=2.2, label="No clear change"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=9)
    fig.suptitle(_forest_title(impact_by, by), x=0.01, ha="left")
    return fig


def _forest_title(impact_by: pd.DataFrame, by: str) -> str:
    counts = impact_by["status"].value_counts()
    text = (
        f"By {by}: {counts.get('improved', 0)} improvements, {counts.get('worsened', 0)} "
        f"worsenings, {counts.get('no clear change', 0)} without a clear change"
    )
    return text + (f", {counts['no data']} without data" if counts.get("no data") else "")


@styled
def group_lines(
    table_by: pd.DataFrame,
    by: str,
    config: ProgramConfig,
    metrics: Sequence[str],
    *,
    ncols: int = 2,
) -> Figure:
    """Small multiples: one panel per metric, one line per group over the periods, phases shaded.

    ``table_by`` comes from ``analytics.program.groups.metric_table_by`` (severity ``all`` is
    drawn).
    """
    if is_empty(table_by) or not metrics:
        return no_data_figure(f"Headline metrics by {by}")
    require_columns(table_by, (by, "period_start", "metric", "severity", "value"), "table_by")
    metrics = list(metrics)
    ncols = max(1, min(ncols, len(metrics)))
    nrows = math.ceil(len(metrics) / ncols)
    fig, axes = new_figure(nrows, ncols, height=2.8 * nrows + 0.8, squeeze=False, sharex=True)
    names = list(dict.fromkeys(table_by[by]))
    colours = {n: _LINE_COLOURS[i % len(_LINE_COLOURS)] for i, n in enumerate(names)}
    rows = table_by[table_by["severity"] == "all"]
    for metric, ax in zip(metrics, axes.ravel(), strict=False):
        info = metric_info(metric, strict=False)
        shade_phases(ax, config, labels=False)
        for name in names:
            s = rows[(rows["metric"] == metric) & (rows[by] == name)]
            s = s.set_index("period_start")["value"].dropna()
            ax.plot(s.index, s.to_numpy(), color=colours[name], lw=1.6, marker="o", markersize=3)
        format_y_axis(ax, info.unit)
        if info.unit == "hours" and (rows.loc[rows["metric"] == metric, "value"] > 0).any():
            ax.set_yscale("log")
            duration_log_axis(ax.yaxis)
        ax.set_title(info.label, fontsize=10, loc="left")
        date_axis(ax)
    for ax in list(axes.ravel())[len(metrics) :]:
        ax.set_axis_off()
    handles = [
        Line2D([], [], color=colours[n], lw=1.6, label=clean_text(n, GROUP_LIMIT)) for n in names
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6), fontsize=9)
    fig.suptitle(f"Headline metrics by {by}, month by month", x=0.01, ha="left")
    return fig
