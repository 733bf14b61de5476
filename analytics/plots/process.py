"""Process-behaviour (XmR) charts and interrupted time series, drawn from analytics.stats.trend results."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analytics.config import ProgramConfig
from analytics.plots.decorations import (
    comparison_phases,
    date_axis,
    mark_milestones,
    phase_bounds,
    shade_phases,
)
from analytics.plots.style import (
    BAD,
    INK,
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
from analytics.wording.numbers import format_value, rate_suffix

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
        From ``analytics.stats.trend.xmr_chart``: one row per point with value, centre, lower, upper
        (floats, NaN = no limit), signal (rule name, or "" / missing for none) and segment
        (label of the limits' stretch). The x values come from column ``x``, else
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
        if flagged.any():
            first = xs[np.argmax(flagged)]
            when = f"{first:%b %Y}" if isinstance(first, pd.Timestamp) else str(first)
            title = (
                f"{label}: {_signal_count(int(flagged.sum()))} a real change, the first in {when}"
            )
        else:
            title = f"{label}: routine variation only, no signals"
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
            if (
                col == "lower"
            ):  # a limit below what the values can be is no limit: draw it at the floor
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
    last = len(xs) - 1
    for col, name in (("centre", "Centre"),):  # limits are in the legend; labels would collide
        v = as_float_array(xmr_frame[col])[last]
        if np.isfinite(v):
            ax.annotate(
                f"{name} {format_value(v, unit)}",
                xy=(1.0, v),
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


def _as_series(values, name: str) -> pd.Series:
    if values is None:
        return pd.Series(dtype=float, name=name)
    s = pd.Series(values).copy()
    return pd.Series(
        pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan),
        index=s.index,
        name=name,
    )


@styled
def its_chart(
    observed: pd.Series | pd.DataFrame,
    fitted: pd.Series | None = None,
    counterfactual: pd.Series | None = None,
    config: ProgramConfig | None = None,
    *,
    metric: str | None = None,
    unit: str | None = None,
    title: str | None = None,
) -> Figure:
    """Interrupted time series: observed values, the segmented-regression fit (broken at the
    phase boundaries) and the baseline carried forward for comparison.

    Parameters
    ----------
    observed, fitted, counterfactual
        Series indexed by period start (local dates), aligned on their index; counterfactual
        NaN where it is not defined. Or ``observed`` alone as a DataFrame with the columns
        observed, fitted, counterfactual (indexed by period start, or with a period_start column).
    config
        Phases (shaded; the fit is broken at their edges) and milestones.
    metric, unit
        Label and unit; pass ``unit`` when the series is not in the metric's catalogue unit
        (e.g. releases per week).

    Returns
    -------
    Figure
        Titled with the last fitted value and what was measured in the baseline: the mean of
        the observed values up to the end of the baseline phase (the first compared phase,
        as in the run charts). The title claims no counterfactual ("what would have happened"):
        the dashed line only carries the baseline forward for comparison.
    """
    if isinstance(observed, pd.DataFrame):
        frame = (
            observed.set_index("period_start") if "period_start" in observed.columns else observed
        )
        require_columns(frame, ["observed", "fitted", "counterfactual"], "observed")
        observed, fitted, counterfactual = (
            frame["observed"],
            frame["fitted"],
            frame["counterfactual"],
        )
    config = config or ProgramConfig()
    label = metric_info(metric).label if metric else "Value"
    unit = unit if unit is not None else (metric_info(metric).unit if metric else "")
    data = pd.concat(
        [
            _as_series(observed, "observed"),
            _as_series(fitted, "fitted"),
            _as_series(counterfactual, "counterfactual"),
        ],
        axis=1,
    )
    if data.empty or data["observed"].isna().all():
        return no_data_figure(title or f"{label}: interrupted time series")
    data.index = pd.DatetimeIndex(pd.to_datetime(data.index))
    if data.index.tz is not None:
        data.index = data.index.tz_localize(None)
    data = data.sort_index()
    if title is None:
        title = _its_finding(data, config, label, unit)
    fig, ax = new_figure()
    shade_phases(ax, config)
    ax.plot(
        data.index,
        data["observed"],
        ls="none",
        marker="o",
        markersize=4,
        color=NEUTRAL,
        zorder=3,
        gid="observed",
        label="Observed",
    )
    breaks = [phase_bounds(p)[0] for p in config.phases] + [
        phase_bounds(p)[1] for p in config.phases
    ]
    piece = np.searchsorted(
        np.array(sorted(set(breaks)), dtype="datetime64[ns]"), data.index.to_numpy(), side="right"
    )
    for k, part in enumerate(np.unique(piece)):
        rows = data[piece == part]
        ax.plot(
            rows.index,
            rows["fitted"],
            color=SERIES,
            lw=2.2,
            zorder=4,
            gid="fitted",
            label="Fitted (segmented regression)" if k == 0 else None,
        )
    cf = data["counterfactual"].dropna()
    if len(cf):
        ax.plot(
            cf.index,
            cf.to_numpy(),
            color=INK,
            lw=1.6,
            ls=(0, (5, 3)),
            zorder=4,
            gid="counterfactual",
            label="Baseline carried forward",
        )
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize=9)
    format_y_axis(ax, unit)
    date_axis(ax)
    mark_milestones(ax, config)
    ax.set_title(title)
    return fig


def _its_finding(data: pd.DataFrame, config: ProgramConfig, label: str, unit: str) -> str:
    """'Production releases: 4.6 a week by Dec 2021; the baseline averaged 0.71 a week'.

    States what was measured (the last fitted value, the baseline's observed mean), never a
    projection "without the program": a flat level of a few noisy weeks supports no such claim.
    """
    fitted = data["fitted"].dropna()
    if fitted.empty:
        return f"{label}: interrupted time series"
    suffix = rate_suffix(unit)
    title = f"{label}: {format_value(fitted.iloc[-1], unit)}{suffix} by {fitted.index[-1]:%b %Y}"
    before, _ = comparison_phases(
        config
    )  # the baseline: the first compared phase, as in run charts
    if before is None:
        return title
    baseline = data.loc[data.index < phase_bounds(before)[1], "observed"].dropna()
    if baseline.empty:
        return title
    return f"{title}; the baseline averaged {format_value(baseline.mean(), unit)}{suffix}"
