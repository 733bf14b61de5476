"""Distributions of per-item durations by phase: points, boxes and medians, drawn with seaborn
(the time-to-restore survival curve is in survival.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import MatplotlibDeprecationWarning
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from analytics.config import ProgramConfig
from analytics.plots.decorations import vertical_threshold
from analytics.plots.phase_groups import by_phase, compared_pair, phase_colour
from analytics.plots.style import (
    INK,
    duration_log_axis,
    is_empty,
    new_figure,
    no_data_figure,
    require_columns,
    styled,
)
from analytics.wording.numbers import change_sentence, format_value, phase_title, unit_from_column

_WORDS = {
    "lead_time_hours": "lead time for changes",
    "restore_hours": "time to restore",
    "time_to_restore_hours": "time to restore",
}
_MAX_POINTS = 1500  # per phase in a strip; the box and median always use every item


@styled
def distribution_before_after(
    items: pd.DataFrame,
    value_col: str,
    phase_col: str,
    config: ProgramConfig,
    log: bool = True,
    threshold: float | None = None,
    *,
    title: str | None = None,
    label: str | None = None,
    unit: str | None = None,
    censored_col: str = "censored",
) -> Figure:
    """Each phase's distribution of per-item durations: every item as a point, a box for the
    quartiles, whiskers for the 10th–90th percentiles and the median written out.

    Parameters
    ----------
    items
        One row per item; needs ``value_col`` (float, NaN ignored) and ``phase_col`` (phase
        name; rows without a phase are left out). A bool ``censored_col``, when present, draws
        still-open items hollow (their value is the time so far).
    log
        Log scale for the values (durations); values <= 0 are drawn at a floor (1 minute for
        hours) and counted in a note.
    threshold
        A vertical reference line (e.g. 1 hour).
    label, unit
        Words for the value ("lead time for changes") and its catalogue unit; by default from
        ``value_col`` ("..._hours" gives hours).

    Returns
    -------
    Figure
        Titled with the change of the median between the baseline and after phases.
    """
    label = label or _WORDS.get(value_col, str(value_col).replace("_", " "))
    unit = unit_from_column(value_col) if unit is None else unit
    fallback = f"{label[:1].upper()}{label[1:]} by phase"
    if is_empty(items):
        return no_data_figure(title or fallback)
    require_columns(items, [value_col, phase_col], "items")
    groups = by_phase(items, value_col, phase_col, config, censored_col)
    if not groups:
        return no_data_figure(title or fallback)
    medians = {name: float(np.median(g["value"])) for name, g in groups.items()}
    pair = compared_pair(groups, config)
    if title is None:
        title = (
            change_sentence(f"Median {label}", medians[pair[0]], medians[pair[1]], unit)
            if pair
            else fallback
        )
    fig, ax = new_figure(height=1.2 + 1.05 * len(groups))
    positive = np.concatenate([g["value"].to_numpy() for g in groups.values()])
    positive = positive[positive > 0]
    floor = (  # values below are drawn at the floor on a log axis (unused on a linear one)
        float(1 / 60 if unit == "hours" else positive.min() / 2 if positive.size else 1e-3)
        if log
        else 0.0
    )
    rng = np.random.default_rng(0)
    n_floored, any_censored = 0, False
    for i, (name, g) in enumerate(groups.items()):
        colour = phase_colour(config, name)
        v = g["value"].to_numpy()
        if log:
            n_floored += int(np.sum(v < floor))
            v = np.maximum(v, floor)
        cens = g["censored"].to_numpy()
        any_censored |= bool(cens.any())
        shown = (
            rng.choice(v.size, _MAX_POINTS, replace=False)
            if v.size > _MAX_POINTS
            else np.arange(v.size)
        )
        jitter = rng.uniform(-0.3, 0.3, shown.size)
        for mask, face in ((~cens[shown], colour), (cens[shown], "none")):
            ax.scatter(
                v[shown][mask],
                i + jitter[mask],
                s=12,
                facecolors=face,
                edgecolors=colour,
                alpha=0.45,
                linewidths=0.8,
                zorder=3,
                gid=f"points:{name}",
            )
        q50 = _box(ax, v, name, list(groups), colour)
        ax.annotate(
            f"median {format_value(medians[name], unit)}",
            xy=(q50, i - 0.32),
            xytext=(0, 1),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=9.5,
            fontweight="bold",
            color=INK,
            zorder=5,
            gid="median-label",
        )
    ax.set_yticks(
        range(len(groups)), [f"{phase_title(n)}\nn={len(g):,}" for n, g in groups.items()]
    )
    ax.set_ylim(len(groups) - 0.5, -0.6)
    ax.set_ylabel("")  # the phases name themselves (seaborn labels the axis "phase")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    if threshold is not None:
        vertical_threshold(ax, threshold, format_value(threshold, unit), fontsize=8.5, zorder=1)
    if log:
        ax.set_xscale("log")
        if unit == "hours":
            duration_log_axis(ax.xaxis)
    notes = [
        "box: middle half of items, whiskers: furthest items within the 10th to 90th percentile"
    ]
    if n_floored:
        notes.append(
            f"{n_floored} value(s) below {format_value(floor, unit)} "
            f"drawn at {format_value(floor, unit)}"
        )
    if any_censored:
        notes.append("hollow points: still open (time so far)")
    ax.set_xlabel(
        f"{label[:1].upper()}{label[1:]}"
        + (" (log scale)" if log else f" ({unit})" if unit else "")
        + "\n"
        + "; ".join(notes)
    )
    ax.set_title(title)
    return fig


def _box(ax, values: np.ndarray, name: str, order: list[str], colour: str) -> float:
    """One phase's box (quartiles), whiskers (the furthest items within the 10th to 90th
    percentiles, seaborn's and matplotlib's rule) and median line, drawn by seaborn at the
    phase's row of ``order``; returns the median's position."""
    frame = pd.DataFrame({"value": values, "phase": name})
    before = len(ax.patches)
    with warnings.catch_warnings():  # seaborn 0.13 passes matplotlib 3.11's deprecated vert=
        warnings.filterwarnings("ignore", "vert: bool", MatplotlibDeprecationWarning)
        sns.boxplot(
            data=frame,
            x="value",
            y="phase",
            order=order,
            whis=(10, 90),
            showfliers=False,
            showcaps=False,
            width=0.44,
            color=colour,
            linecolor=colour,
            linewidth=1.2,
            boxprops={"facecolor": to_rgba(colour, 0.18), "zorder": 2},
            whiskerprops={"zorder": 2},
            medianprops={"color": INK, "linewidth": 2.5, "zorder": 4, "gid": "median"},
            ax=ax,
        )
    for patch in ax.patches[before:]:
        patch.set_gid(f"box:{name}")
    return float(np.median(values))
