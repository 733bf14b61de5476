"""Distributions of per-item durations by phase, and the time-to-restore survival curve."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import MatplotlibDeprecationWarning
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from analytics.config import ProgramConfig
from analytics.plots.decorations import comparison_phases
from analytics.plots.style import (
    INK,
    MUTED,
    as_float_array,
    duration_log_axis,
    is_empty,
    new_figure,
    no_data_figure,
    phase_color,
    require_columns,
    styled,
)
from analytics.stats.survival import kaplan_meier, survival_at
from analytics.wording.numbers import (
    change_sentence,
    format_hours,
    format_percent,
    format_value,
    phase_title,
    unit_from_column,
)

_WORDS = {
    "lead_time_hours": "lead time for changes",
    "restore_hours": "time to restore",
    "time_to_restore_hours": "time to restore",
}
_MAX_POINTS = 1500  # per phase in a strip; the box and median always use every item


def _groups(
    items: pd.DataFrame, value_col: str, phase_col: str, config: ProgramConfig, censored_col: str
) -> dict[str, pd.DataFrame]:
    """Rows with a value and a phase, split by phase in program order (unknown phases last).

    Each group has the columns value (float), phase and censored (bool, False when absent).
    """
    phases = items[phase_col]
    frame = pd.DataFrame(
        {
            "value": as_float_array(items[value_col]),
            "phase": phases.astype("object").where(phases.notna(), None).to_numpy(),
            "censored": (
                items[censored_col].fillna(False).astype(bool).to_numpy()
                if censored_col in items.columns
                else np.zeros(len(items), dtype=bool)
            ),
        }
    )
    frame = frame[frame["value"].notna() & frame["phase"].notna()]
    frame["phase"] = frame["phase"].astype(str)
    known = [p.name for p in config.phases]
    order = [p for p in known if (frame["phase"] == p).any()]
    order += sorted(set(frame["phase"]) - set(known))
    return {name: frame[frame["phase"] == name] for name in order}


def _finding_pair(groups: dict, config: ProgramConfig) -> tuple[str, str] | None:
    before, after = comparison_phases(config)
    if before is None or after is None or before.name not in groups or after.name not in groups:
        return None
    return before.name, after.name


def _phase_index(config: ProgramConfig, name: str) -> int:
    return next((i for i, p in enumerate(config.phases) if p.name == name), len(config.phases))


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
    groups = _groups(items, value_col, phase_col, config, censored_col)
    if not groups:
        return no_data_figure(title or fallback)
    medians = {name: float(np.median(g["value"])) for name, g in groups.items()}
    pair = _finding_pair(groups, config)
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
        colour = phase_color(name, _phase_index(config, name))
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
        ax.axvline(threshold, color=INK, lw=1.2, ls=(0, (5, 3)), zorder=1, gid="threshold")
        ax.annotate(
            format_value(threshold, unit),
            xy=(threshold, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -2),
            textcoords="offset points",
            va="top",
            fontsize=8.5,
            color=INK,
        )
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
    groups = _groups(items, duration_col, phase_col, config, censored_col)
    if not groups:
        return no_data_figure(title or fallback)
    curves = {name: kaplan_meier(g["value"], ~g["censored"]) for name, g in groups.items()}
    pair = _finding_pair(groups, config)
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
        colour = phase_color(name, _phase_index(config, name))
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
    ax.axvline(threshold_hours, color=INK, lw=1.2, ls=(0, (5, 3)), gid="threshold")
    ax.annotate(
        limit,
        xy=(threshold_hours, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -2),
        textcoords="offset points",
        va="top",
        fontsize=9,
        color=INK,
    )
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
