"""Run charts of the metric table: one metric over time (small multiples: ``plots.multiples``)."""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from analytics.catalog import MetricInfo
from analytics.config import ProgramConfig, Target
from analytics.plots.decorations import (
    comparison_phases,
    date_axis,
    keep_target_label_inside,
    mark_milestones,
    shade_phases,
    target_line,
)
from analytics.plots.style import (
    SERIES,
    draw_no_data,
    duration_log_axis,
    format_y_axis,
    is_empty,
    metric_info,
    new_figure,
    no_data_figure,
    require_columns,
    styled,
)
from analytics.program.scorecard import phase_value
from analytics.wording.levels import title_suffix
from analytics.wording.numbers import change_sentence, format_value
from analytics.wording.safe import DISPLAY_LIMIT, clean_text
from analytics.wording.targets import bound_text

METRIC_TABLE_COLUMNS = ("period_start", "service", "severity", "metric", "value")


def metric_series(
    metric_table: pd.DataFrame, metric: str, severity: str = "all", service: str = "all"
) -> pd.Series:
    """The values of one metric for one (service, severity), indexed by period_start, sorted.

    Empty (not an error) when the table has no such rows.
    """
    if is_empty(metric_table):
        return pd.Series(dtype=float, index=pd.DatetimeIndex([], name="period_start"), name=metric)
    require_columns(metric_table, METRIC_TABLE_COLUMNS, "metric_table")
    rows = metric_table[
        (metric_table["metric"] == metric)
        & (metric_table["service"] == service)
        & (metric_table["severity"] == severity)
    ]
    values = pd.to_numeric(rows["value"], errors="coerce").astype(float)
    index = pd.DatetimeIndex(pd.to_datetime(rows["period_start"]), name="period_start")
    if index.tz is not None:  # the contract says local tz-naive dates; accept aware ones as local
        index = index.tz_localize(None)
    return pd.Series(values.to_numpy(), index=index, name=metric).sort_index()


def series_label(
    metric: str, severity: str = "all", service: str = "all", *, mean_of_services: bool = False
) -> str:
    """'Time to restore for critical incidents (payments)'.

    ``mean_of_services`` says the value is the mean over services ("Mean test coverage of
    services"), for a total plotted against a target that applies to every service.
    """
    label = metric_info(metric).label
    if mean_of_services:
        label = f"Mean {label[:1].lower()}{label[1:]} of services"
    if severity != "all":
        label += f" for {severity} incidents"
    if service != "all":
        label += f" ({clean_text(service, DISPLAY_LIMIT)})"
    return label


def _phase_levels(
    metric_table: pd.DataFrame,
    metric: str,
    config: ProgramConfig,
    severity: str = "all",
    service: str = "all",
) -> tuple[float, float]:
    """The metric's level over the compared phases (baseline, after), by
    :func:`analytics.program.scorecard.phase_value`: the one definition the tiles and tables use
    too, so a chart title shows the same baseline as every other page. NaN when a phase is missing
    or has no values.
    """
    before, after = comparison_phases(config)
    if before is None or after is None or is_empty(metric_table):
        return math.nan, math.nan
    require_columns(metric_table, METRIC_TABLE_COLUMNS, "metric_table")
    table = metric_table[metric_table["metric"] == metric]
    if service != "all":  # phase_value reads service "all": hand it this service's rows as such
        table = table[table["service"] == service].assign(service="all")
    return (
        phase_value(table, config, metric, before.name, severity),
        phase_value(table, config, metric, after.name, severity),
    )


def trend_finding(
    metric_table: pd.DataFrame,
    metric: str,
    config: ProgramConfig,
    severity: str = "all",
    service: str = "all",
) -> str:
    """The sentence a run chart's title states: the metric's level in the baseline phase
    against its level in the after phase ("Production releases rose from 3.7 to 19.8 a month").

    The levels are :func:`analytics.program.scorecard.phase_value`'s (months weighted by their n for
    shares and durations, the mean of the months otherwise), the baseline the tiles and tables
    show. Falls back to the metric's label when either phase is missing or has no values.
    When the metric's target applies to every service, the total is the mean over services and
    the sentence says so ("Mean test coverage of services rose from 49.7% to 98.0%").
    """
    info = metric_info(metric)
    per_service = _per_service_target(_target_for(config, metric, severity), service)
    label = series_label(metric, severity, service, mean_of_services=per_service)
    label += title_suffix(metric)  # " (monthly median)": not the phase's pooled median
    before, after = _phase_levels(metric_table, metric, config, severity, service)
    if math.isnan(before) or math.isnan(after):
        return label
    return change_sentence(label, before, after, info.unit)


def _target_for(config: ProgramConfig, metric: str, severity: str) -> Target | None:
    target = config.target(metric)
    if target is None or (target.severity is not None and target.severity != severity):
        return None
    return target


def _per_service_target(target: Target | None, service: str) -> bool:
    """Whether a total (service "all", the mean over services) is drawn against a target
    that each service must meet: then the line and the title must not read as one comparison."""
    return target is not None and target.applies_to == "every_service" and service == "all"


def _target_label(target: Target, unit: str, *, per_service: bool) -> str | None:
    """'Target ≥ 95% per service' for a per-service target; None keeps the default wording."""
    if not per_service:
        return None
    words = bound_text(target.op, target.threshold, unit, format_value(target.threshold, unit))
    return f"Target {words} per service"


def _draw_run(
    ax: Axes,
    series: pd.Series,
    info: MetricInfo,
    config: ProgramConfig,
    target: Target | None,
    *,
    labels: bool,
    service: str = "all",
) -> None:
    shade_phases(ax, config, labels=labels)
    ax.plot(
        series.index,
        series.to_numpy(),
        color=SERIES,
        marker="o",
        markersize=4.5,
        lw=2.0,
        zorder=3,
        gid="series",
        label=info.label,
        clip_on=False,
    )  # whole markers at a zero on the axis
    if target is not None:
        target_line(
            ax,
            target,
            unit=info.unit,
            label=_target_label(
                target, info.unit, per_service=_per_service_target(target, service)
            ),
        )
    positive = series.dropna()
    if info.unit == "hours" and len(positive) and (positive > 0).all():
        # durations span orders of magnitude (days before, hours after): a log axis keeps the
        # after phase readable instead of flat against the baseline
        values = [*positive, *([target.threshold] if target is not None else [])]
        ax.set_yscale("log")
        ax.set_ylim(min(values) / 1.6, max(values) * 1.6)
        duration_log_axis(ax.yaxis)
        keep_target_label_inside(ax)
        ax.set_ylabel("Hours (log scale)")
    else:
        lo, hi = ax.get_ylim()
        if not (series < 0).any():  # counts, rates, shares, durations: zero baseline
            lo = 0.0
            hi = min(hi, 1.05) if info.unit == "share" else hi
        ax.set_ylim(lo, hi)
        keep_target_label_inside(ax)
        format_y_axis(ax, info.unit)
    date_axis(ax)
    mark_milestones(ax, config, labels=labels)


@styled
def run_chart(
    metric_table: pd.DataFrame,
    metric: str,
    config: ProgramConfig,
    severity: str = "all",
    service: str = "all",
    title: str | None = None,
    *,
    ax: Axes | None = None,
) -> Figure | SubFigure:
    """One metric over time with phases shaded, milestones, the target line and units.

    Parameters
    ----------
    metric_table
        Long-form metric table (``analytics.metrics.metric_table``); needs the columns
        period_start (local dates), service, severity, metric, value (float, NaN = no data).
    metric
        A name from ``analytics.catalog.METRICS``.
    config
        Phases, milestones and targets. The target is drawn when it applies to ``severity``; a
        target that applies to every service is labelled "per service" on the totals (the mean
        over services), and the title then names the mean.
    severity, service
        Which rows to draw (``"all"`` for the totals).
    title
        Default: the finding, see :func:`trend_finding`.
    ax
        Draw into these axes instead of a new figure.

    Returns
    -------
    Figure
        A new one, or the figure (or subfigure) holding ``ax``; not registered with pyplot.
        A clear "No data for this period" figure when there are no values.
    """
    info = metric_info(metric)
    series = metric_series(metric_table, metric, severity, service)
    if title is None:
        title = trend_finding(metric_table, metric, config, severity, service)
    if series.dropna().empty:
        if ax is None:
            return no_data_figure(title)
        draw_no_data(ax)
        ax.set_title(title)
        return ax.figure
    fig, ax = new_figure() if ax is None else (ax.figure, ax)
    _draw_run(
        ax,
        series,
        info,
        config,
        _target_for(config, metric, severity),
        labels=True,
        service=service,
    )
    ax.set_title(title)
    return fig
