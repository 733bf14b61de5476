"""Process-behaviour (XmR) charts, drawn from ``analytics.stats.control.xmr_chart`` results
(interrupted time series: its.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analytics.config import ProgramConfig
from analytics.plots.decorations import date_axis, mark_milestones, shade_phases
from analytics.plots.style import (
    BAD,
    MUTED,
    NEUTRAL,
    SERIES,
    as_float_array,
    format_y_axis,
    is_empty,
    metric_info,
    new_figure,
    no_data_figure,
    require_columns,
    styled,
)
from analytics.wording.numbers import format_value

XMR_COLUMNS = ("value", "centre", "lower", "upper", "signal", "segment")


def _x_values(frame: pd.DataFrame, x: str | None) -> pd.Index:
    if x is not None:
        return pd.Index(frame[x])
    if "period_start" in frame.columns:
        return pd.DatetimeIndex(pd.to_datetime(frame["period_start"]))
    return frame.index


def _non_negative(metric: str | None, unit: str) -> bool:
    """Whether values in this unit cannot be negative: counts and rates, durations, shares
    (``analytics.catalog`` kind and unit). Unknown metrics and plain units are not assumed so."""
    kind = metric_info(metric, strict=False).kind if metric else ""
    return kind in ("count", "duration", "proportion") or unit in ("share", "hours") or "/" in unit


def _signal_count(n: int) -> str:
    """'1 point signals' / '31 points signal'."""
    return "1 point signals" if n == 1 else f"{n} points signal"


def _half_step(xs: pd.Index):
    if len(xs) < 2:
        return pd.Timedelta(days=3) if isinstance(xs, pd.DatetimeIndex) else 0.5
    return pd.Series(xs).diff().dropna().median() / 2


@styled
def control_chart(
    xmr_frame: pd.DataFrame,
    title: str | None = None,
    *,
    metric: str | None = None,
    unit: str | None = None,
    config: ProgramConfig | None = None,
    x: str | None = None,
) -> Figure:
    """An XmR (individuals) chart: values, the centre line and natural process limits drawn per
    segment (limits recomputed after a confirmed shift), signals highlighted.

    Parameters
    ----------
    xmr_frame
        From ``analytics.stats.control.xmr_chart``: one row per point with value, centre,
        lower, upper (floats, NaN = no limit), signal (rule name, or "" / missing for none) and
        segment (label of the limits' stretch). The x values come from column ``x``, else
        ``period_start``, else the index.
    metric, unit
        Catalogue metric for the label and unit (``unit`` overrides, e.g. for weekly counts).
        For values that cannot be negative (counts, rates, durations, shares) a lower limit
        below 0 is drawn at 0; the frame's limits are not changed.
    config
        When given, phases are shaded and milestones marked.

    Returns
    -------
    Figure
        Titled with how many points signal non-routine variation and when the first one fell.
    """
    label = metric_info(metric).label if metric else "Process behaviour"
    unit = unit if unit is not None else (metric_info(metric).unit if metric else "")
    if is_empty(xmr_frame):
        return no_data_figure(title or f"{label}: process behaviour chart")
    require_columns(xmr_frame, XMR_COLUMNS, "xmr_frame")
    xs = _x_values(xmr_frame, x)
    values = as_float_array(xmr_frame["value"])
    if np.isnan(values).all():
        return no_data_figure(title or f"{label}: process behaviour chart")
    signal = xmr_frame["signal"].fillna("").astype(str).str.strip().to_numpy()
    flagged = signal != ""
    if title is None:
        title = _control_finding(label, xs, flagged)
    fig, ax = new_figure()
    dates = isinstance(xs, pd.DatetimeIndex)
    if config is not None and dates:
        shade_phases(ax, config)
    ax.plot(
        xs,
        values,
        color=NEUTRAL,
        marker="o",
        markersize=4,
        lw=1.2,
        zorder=3,
        gid="series",
        label="Value",
    )
    _draw_limits(ax, xmr_frame, xs, metric, unit)
    centre = as_float_array(xmr_frame["centre"])[len(xs) - 1]
    if np.isfinite(centre):  # limits are in the legend; labels would collide
        ax.annotate(
            f"Centre {format_value(centre, unit)}",
            xy=(1.0, centre),
            xycoords=("axes fraction", "data"),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8.5,
            color=MUTED,
        )
    handles = [
        Line2D([], [], color=NEUTRAL, marker="o", markersize=4, lw=1.2, label="Value"),
        Line2D([], [], color=SERIES, lw=1.4, label="Centre line"),
        Line2D([], [], color=MUTED, lw=1.1, ls=(0, (4, 3)), label="Natural process limits"),
    ]
    if flagged.any():
        ax.scatter(
            xs[flagged], values[flagged], s=60, marker="D", color=BAD, zorder=4, gid="signal"
        )
        handles.append(
            Line2D([], [], ls="none", marker="D", color=BAD, label="Signal (Wheeler's rules)")
        )
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=9)
    format_y_axis(ax, unit)
    if dates:
        date_axis(ax)
        if config is not None:
            mark_milestones(ax, config)
    ax.set_title(title)
    return fig


def _control_finding(label: str, xs: pd.Index, flagged: np.ndarray) -> str:
    """'Production releases: 2 points signal a real change, the first in Feb 2021'."""
    if not flagged.any():
        return f"{label}: routine variation only, no signals"
    first = xs[np.argmax(flagged)]
    when = f"{first:%b %Y}" if isinstance(first, pd.Timestamp) else str(first)
    return f"{label}: {_signal_count(int(flagged.sum()))} a real change, the first in {when}"


def _draw_limits(
    ax: Axes, xmr_frame: pd.DataFrame, xs: pd.Index, metric: str | None, unit: str
) -> None:
    """The centre line and natural process limits of each segment, as steps half a period
    beyond its first and last points. A limit past what the values can be (below 0 for
    counts and durations, above 100% for shares) is drawn there; the frame is not changed."""
    half = _half_step(xs)
    segments = pd.Series(xmr_frame["segment"].to_numpy()).astype(str)
    floor = 0.0 if _non_negative(metric, unit) else -np.inf
    share = unit == "share" or (
        metric is not None and metric_info(metric, strict=False).unit == "share"
    )
    ceiling = 1.0 if share else np.inf  # a share cannot pass 100%
    for seg in segments.unique():
        pos = np.flatnonzero(segments.to_numpy() == seg)
        sx = xs[pos]
        ext = [sx[0] - half, *sx, sx[-1] + half]
        for col, style, gid in (
            ("centre", "-", "centre"),
            ("lower", (0, (4, 3)), "limit"),
            ("upper", (0, (4, 3)), "limit"),
        ):
            v = as_float_array(xmr_frame[col].iloc[pos])
            if np.isnan(v).all():
                continue
            if col == "lower":  # a limit below what the values can be: drawn at the floor
                v = np.where(v < floor, floor, v)
            if col == "upper":  # ... nor one above: a share's at 100%
                v = np.where(v > ceiling, ceiling, v)
            ax.plot(
                ext,
                [v[0], *v, v[-1]],
                drawstyle="steps-mid",
                color=SERIES if gid == "centre" else MUTED,
                lw=1.4 if gid == "centre" else 1.1,
                ls=style,
                zorder=2,
                gid=gid,
            )
