"""The time-to-restore survival curve (Kaplan-Meier) by phase."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from analytics.config import ProgramConfig
from analytics.plots.decorations import vertical_threshold
from analytics.plots.phase_groups import by_phase, compared_pair, phase_colour
from analytics.plots.style import (
    MUTED,
    duration_log_axis,
    is_empty,
    new_figure,
    no_data_figure,
    require_columns,
    styled,
)
from analytics.stats.survival import kaplan_meier, survival_at
from analytics.wording.numbers import format_hours, format_percent, phase_title


def _threshold_words(hours: float) -> str:
    return f"{hours * 60:.0f} min" if hours <= 2 else format_hours(hours)


def _clock_words(items: pd.DataFrame) -> str:
    """What the restore durations are measured from, for the x axis (see restore_times)."""
    if {"started_at", "opened_at"} <= set(items.columns) and len(items):
        started, opened = pd.to_datetime(items["started_at"]), pd.to_datetime(items["opened_at"])
        if bool((started.isna() | started.eq(opened)).all()):  # every clock started at the opening
            return "Time since the incident opened"
    return (
        "Time since impact started, or since the incident opened when no impact start was recorded"
    )


@styled
def survival_curve(
    restore_items: pd.DataFrame,
    config: ProgramConfig,
    threshold_hours: float = 1.0,
    *,
    duration_col: str = "restore_hours",
    phase_col: str = "phase",
    censored_col: str = "censored",
    severity: str | None = None,
    log: bool = True,
    title: str | None = None,
) -> Figure:
    """Share of incidents still unresolved against the time since the restore clock started
    (Kaplan–Meier), one curve per phase, still-open incidents marked '+', a vertical line at
    ``threshold_hours``.

    Parameters
    ----------
    restore_items
        One row per incident: ``duration_col`` (hours), ``phase_col`` and, optionally, a bool
        ``censored_col`` (True = still open; its duration is the time so far) and ``severity``.
        With the columns started_at and opened_at (as from
        ``analytics.metrics.restore_times``), the x axis names the start its durations were
        measured from: the impact start, or the opening when no impact start was recorded
        (docs/METRICS.md, "Time to restore"); the presets that time from the opening say so.
    severity
        Keep only incidents of this severity (needs a ``severity`` column).

    Returns
    -------
    Figure
        Titled with the share resolved within the threshold, after against baseline.
    """
    subject = f"{severity} incidents" if severity else "incidents"
    fallback = f"Share of {subject} still unresolved over time"
    if is_empty(restore_items):
        return no_data_figure(title or fallback)
    require_columns(
        restore_items,
        [duration_col, phase_col] + (["severity"] if severity else []),
        "restore_items",
    )
    items = restore_items[restore_items["severity"] == severity] if severity else restore_items
    groups = by_phase(items, duration_col, phase_col, config, censored_col)
    if not groups:
        return no_data_figure(title or fallback)
    curves = {name: kaplan_meier(g["value"], ~g["censored"]) for name, g in groups.items()}
    pair = compared_pair(groups, config)
    limit = _threshold_words(threshold_hours)
    if title is None and pair:
        before, after = (1 - survival_at(curves[p], threshold_hours) for p in pair)
        title = (
            f"{format_percent(after)} of {subject} were resolved within {limit} "
            f"in the {pair[1]} phase, "
            f"against {format_percent(before)} in the {pair[0]} phase"
        )
    fig, ax = new_figure()
    every = np.concatenate([km["time"].to_numpy() for km in curves.values()])
    floor = (
        max(
            min(every[every > 0].min() if (every > 0).any() else 1 / 60, threshold_hours) / 2,
            1 / 3600,
        )
        if log
        else 0.0
    )
    handles = []
    for name, km in curves.items():
        colour = phase_colour(config, name)
        times = np.maximum(km["time"].to_numpy(), floor)
        xs, ys = np.r_[floor, times], np.r_[1.0, km["survival"].to_numpy()]
        (line,) = ax.step(
            xs,
            ys,
            where="post",
            color=colour,
            lw=2.0,
            gid=f"km:{name}",
            label=f"{phase_title(name)} (n={int(km['n_events'].sum() + km['n_censored'].sum())})",
        )
        handles.append(line)
        cens = km[km["n_censored"] > 0]
        if len(cens):
            ax.plot(
                np.maximum(cens["time"], floor),
                cens["survival"],
                ls="none",
                marker="+",
                markersize=9,
                mew=1.5,
                color=colour,
                zorder=4,
                gid="censored",
            )
    vertical_threshold(ax, threshold_hours, limit, fontsize=9)
    if any(len(km[km["n_censored"] > 0]) for km in curves.values()):
        handles.append(
            Line2D(
                [],
                [],
                ls="none",
                marker="+",
                markersize=9,
                mew=1.5,
                color=MUTED,
                label="Still open (censored)",
            )
        )
    # outside the plot area: a legend inside would cover a curve (they span the whole width)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    ax.set_ylim(0, 1.03)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v * 100:g}%"))
    ax.set_ylabel(f"{subject[:1].upper()}{subject[1:]} still unresolved")
    if log:
        ax.set_xscale("log")
        duration_log_axis(ax.xaxis)
    ax.set_xlabel(_clock_words(items) + (" (log scale)" if log else " (hours)"))
    ax.grid(axis="x", visible=True)
    ax.set_title(title or fallback)
    return fig
