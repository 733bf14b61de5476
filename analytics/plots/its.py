"""Interrupted time series charts, drawn from ``analytics.stats.trend.segmented_regression``
results (process-behaviour charts: process.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analytics.config import ProgramConfig
from analytics.plots.decorations import (
    comparison_phases,
    date_axis,
    mark_milestones,
    phase_bounds,
    shade_phases,
)
from analytics.plots.style import (
    INK,
    NEUTRAL,
    SERIES,
    format_y_axis,
    metric_info,
    new_figure,
    no_data_figure,
    require_columns,
    styled,
)
from analytics.wording.numbers import format_value, rate_suffix


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
    before, _ = comparison_phases(config)  # the baseline: the first compared phase, as in runs
    if before is None:
        return title
    baseline = data.loc[data.index < phase_bounds(before)[1], "observed"].dropna()
    if baseline.empty:
        return title
    return f"{title}; the baseline averaged {format_value(baseline.mean(), unit)}{suffix}"
