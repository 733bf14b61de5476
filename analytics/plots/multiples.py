"""Small multiples of the headline metrics: one run chart per metric, titled with its finding."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analytics.catalog import HEADLINE_METRICS
from analytics.config import ProgramConfig
from analytics.plots.decorations import phase_handles
from analytics.plots.runs import (
    METRIC_TABLE_COLUMNS,
    _draw_run,
    _phase_levels,
    _target_for,
    metric_series,
    trend_finding,
)
from analytics.plots.style import (
    INK,
    MUTED,
    SERIES,
    WIDTH_IN,
    draw_no_data,
    is_empty,
    metric_info,
    new_figure,
    no_data_figure,
    require_columns,
    styled,
)


def _headline_sentence(improved: int, compared: int) -> str:
    """Direction only: whether the phase means moved the right way (tests are in program impact)."""
    if compared == 0:
        return "Headline metrics over time"
    if improved == compared:
        return (
            f"All {compared} headline metrics moved in the right direction from baseline to after"
            if compared > 1
            else "The headline metric moved in the right direction from baseline to after"
        )
    return (
        f"{improved} of {compared} headline metrics moved in the right direction from "
        "baseline to after"
    )


@styled
def small_multiples(
    metric_table: pd.DataFrame,
    config: ProgramConfig,
    metrics: Sequence[str] = HEADLINE_METRICS,
    *,
    service: str = "all",
    title: str | None = None,
    ncols: int = 3,
    width: float | None = None,
) -> Figure:
    """A grid of run charts, one per metric, each titled with its finding.

    Time to restore is drawn for the severity its target names (e.g. critical) when the table
    has those rows. The figure title counts the metrics that moved the right way between the
    baseline and after phases. Phases and milestones are explained once, in the spare panel
    (or a legend below the grid). A metric whose target applies to every service is titled
    and labelled as in :func:`run_chart`. Columns needed: as :func:`run_chart`. ``width``
    (inches) narrows the figure, e.g. one column for phones (``plots.responsive_chart``).
    """
    metrics = list(metrics)
    if is_empty(metric_table) or not metrics:
        return no_data_figure(title or "Headline metrics")
    require_columns(metric_table, METRIC_TABLE_COLUMNS, "metric_table")
    ncols = max(1, min(ncols, len(metrics)))
    nrows = math.ceil(len(metrics) / ncols)
    fig, axes = new_figure(
        nrows, ncols, height=3.1 * nrows + 0.7, width=width or WIDTH_IN, squeeze=False
    )
    flat = list(axes.ravel())
    # characters per title line (one column: the y axis labels take a fifth of the width)
    wrap = max(
        20, int(fig.get_figwidth() / ncols * 72 / (10.5 * 0.66) * (0.8 if ncols == 1 else 0.9))
    )
    improved = compared = drawn = 0
    for metric, ax in zip(metrics, flat, strict=False):
        info = metric_info(metric)
        target = config.target(metric)
        severity = "all"
        if (
            target is not None
            and target.severity is not None
            and not metric_series(metric_table, metric, target.severity, service).dropna().empty
        ):
            severity = target.severity
        series = metric_series(metric_table, metric, severity, service)
        finding = trend_finding(metric_table, metric, config, severity, service)
        if series.dropna().empty:
            draw_no_data(ax)
        else:
            _draw_run(
                ax,
                series,
                info,
                config,
                _target_for(config, metric, severity),
                labels=False,
                service=service,
            )
            drawn += 1
            before, after = _phase_levels(metric_table, metric, config, severity, service)
            if not (math.isnan(before) or math.isnan(after)):
                compared += 1
                improved += (after > before) == info.higher_is_better and after != before
        ax.set_title(textwrap.fill(finding, wrap), fontsize=10.5, pad=6)
    handles = [
        Line2D([], [], color=SERIES, marker="o", markersize=4.5, label="Value per period"),
        *phase_handles(config),
    ]
    if config.targets:
        handles.append(Line2D([], [], color=INK, lw=1.2, ls=(0, (5, 3)), label="Target"))
    if config.milestones:
        handles.append(Line2D([], [], color=MUTED, lw=1.0, ls=(0, (2, 2)), label="Milestone"))
    spare = flat[len(metrics) :]
    for ax in spare:
        ax.set_axis_off()
    if spare:
        spare[0].legend(handles=handles, loc="upper left", fontsize=9)
        if config.milestones:
            text = "\n".join(
                textwrap.shorten(f"{m.date:%d %b %Y}  {m.label}", 48) for m in config.milestones[:8]
            )
            spare[0].text(
                0.02,
                0.35,
                "Milestones\n" + text,
                transform=spare[0].transAxes,
                va="top",
                fontsize=8.5,
                color=MUTED,
                linespacing=1.5,
            )
    else:
        across = max(1, min(len(handles), 5, int(fig.get_figwidth() // 2.2)))
        fig.legend(handles=handles, loc="outside lower center", ncols=across, fontsize=9)
    if not drawn:
        return no_data_figure(title or "Headline metrics")
    heading = title if title is not None else _headline_sentence(improved, compared)
    chars = int(fig.get_figwidth() * 72 / (14.0 * 0.6))  # characters a line at the title's size
    fig.suptitle(textwrap.fill(heading, max(chars, 20)), x=0.01, ha="left")
    return fig
