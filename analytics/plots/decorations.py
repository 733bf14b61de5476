"""Decorations every time chart shares: program phases, milestones, target lines."""

from __future__ import annotations

import math

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation
from matplotlib.transforms import blended_transform_factory

from analytics.config import Phase, ProgramConfig, Target
from analytics.plots.style import INK, MUTED, phase_color
from analytics.wording.numbers import format_value, phase_title
from analytics.wording.safe import clean_text
from analytics.wording.targets import bound_text

#: milestone labels sit on narrow charts: longer ones are cut (the full text is in program.yml
#: and on the data-quality page)
MILESTONE_LABEL_LIMIT = 40

_LABEL_LEVELS = 4  # milestone labels stack at most this deep before reusing the top row


def phase_bounds(phase: Phase) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Start and (exclusive) end of a phase as local timestamps: the end date is inclusive."""
    return pd.Timestamp(phase.start), pd.Timestamp(phase.end) + pd.Timedelta(days=1)


def comparison_phases(config: ProgramConfig) -> tuple[Phase | None, Phase | None]:
    """The phases compared in findings: ``baseline`` and ``after`` (by name), else the first
    and the last phase when there are at least two; missing ones are None."""
    before, after = config.phase("baseline"), config.phase("after")
    if len(config.phases) >= 2:
        before = before or config.phases[0]
        after = after or config.phases[-1]
    return before, after


def shade_phases(
    ax: Axes, config: ProgramConfig, *, labels: bool = True, alpha: float = 0.11
) -> list[Patch]:
    """Shade each program phase across a date axis, with its name above the plot area.

    Parameters
    ----------
    ax
        Axes whose x axis holds dates (local, tz-naive).
    config
        Its ``phases`` (inclusive local dates) are drawn; none gives no shading.
    labels
        Write each phase's name centred above its band.

    Returns
    -------
    list of Patch
        One per phase, in order, with ``gid`` ``"phase:<name>"``.
    """
    patches: list[Patch] = []
    on_top = blended_transform_factory(ax.transData, ax.transAxes)
    for i, phase in enumerate(config.phases):
        start, end = phase_bounds(phase)
        patch = ax.axvspan(
            start,
            end,
            color=phase_color(phase.name, i),
            alpha=alpha,
            lw=0,
            zorder=0,
            gid=f"phase:{phase.name}",
        )
        patches.append(patch)
        if labels:
            ax.text(
                start + (end - start) / 2,
                1.01,
                phase_title(phase.name),
                transform=on_top,
                ha="center",
                va="bottom",
                fontsize=8.5,
                color=MUTED,
                clip_on=False,
                gid="phase-label",
            )
    return patches


def mark_milestones(
    ax: Axes, config: ProgramConfig, *, labels: bool = True, fontsize: float = 8.5
) -> list[Line2D]:
    """Draw a dotted vertical line at each milestone, labels staggered so they do not overlap.

    Call it after the data are drawn: labels are placed against the final x limits. A label
    that would run past the right edge is written to the left of its line.

    Returns
    -------
    list of Line2D
        One per milestone, with ``gid`` ``"milestone"``.
    """
    lines = [
        ax.axvline(
            pd.Timestamp(m.date), color=MUTED, lw=1.0, ls=(0, (2, 2)), zorder=1.5, gid="milestone"
        )
        for m in config.milestones
    ]
    if not labels or not lines:
        return lines
    x0, x1 = ax.get_xlim()
    fig = ax.figure.figure  # the whole figure, also when ax sits in a subfigure
    # the axes' width in inches, from its share of the figure (0.8: the layout shrinks axes)
    axes_width_in = max(ax.get_position().width * fig.get_figwidth() * 0.8, 0.5)
    taken: list[list[tuple[float, float]]] = [[] for _ in range(_LABEL_LEVELS)]
    placed = []
    for m in config.milestones:
        xf = (mdates.date2num(pd.Timestamp(m.date)) - x0) / (x1 - x0)
        if not 0 <= xf <= 1:
            continue
        label = clean_text(m.label, MILESTONE_LABEL_LIMIT)  # the full label: data-quality page
        width = (len(label) * 0.58 * fontsize / 72 + 0.08) / axes_width_in
        left_side = xf + width > 1.0
        span = (xf - width, xf) if left_side else (xf, xf + width)
        level = next(
            (k for k, row in enumerate(taken) if all(span[1] < a or span[0] > b for a, b in row)), 0
        )
        taken[level].append(span)
        placed.append((m, label, left_side, level))
    # labels sit in a band at the top of the axes: lift the y axis so no data point is under them
    if placed:
        _make_headroom(ax, 0.04 + 0.085 * (max(p[3] for p in placed) + 1))
    for m, label, left_side, level in placed:
        ax.annotate(
            label,
            xy=(pd.Timestamp(m.date), 0.98 - 0.085 * level),
            xycoords=("data", "axes fraction"),
            xytext=(-3 if left_side else 3, 0),
            textcoords="offset points",
            ha="right" if left_side else "left",
            va="top",
            fontsize=fontsize,
            color=INK,
            gid="milestone-label",
            bbox={"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
        )
    return lines


def target_line(
    ax: Axes, target: Target | float, *, unit: str = "", label: str | None = None
) -> Line2D:
    """A dashed horizontal line at the target, labelled at its left end ("Target ≥ 18").

    Parameters
    ----------
    target
        A :class:`~analytics.config.Target` (its threshold and direction are used) or a number.
    unit
        Catalogue unit used to write the value (``"share"`` gives per cent).

    Returns
    -------
    Line2D
        With ``gid`` ``"target"``.
    """
    if isinstance(target, Target):
        threshold = target.threshold
        words = bound_text(target.op, threshold, unit, format_value(threshold, unit))
    else:
        threshold = float(target)
        words = format_value(threshold, unit)
    text = label or f"Target {words}"
    line = ax.axhline(
        threshold, color=INK, lw=1.2, ls=(0, (5, 3)), zorder=2, gid="target", label=text
    )
    ax.annotate(
        text,
        xy=(0.0, threshold),
        xycoords=("axes fraction", "data"),
        xytext=(3, 3),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=8.5,
        color=INK,
        gid="target-label",
    )
    return line


def vertical_threshold(
    ax: Axes, x: float, label: str, *, fontsize: float, zorder: float | None = None
) -> None:
    """A dashed vertical line at a threshold (a duration target), labelled at the top; ``zorder``
    None keeps matplotlib's default for lines."""
    ax.axvline(x, color=INK, lw=1.2, ls=(0, (5, 3)), gid="threshold", zorder=zorder)
    ax.annotate(
        label,
        xy=(x, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -2),
        textcoords="offset points",
        va="top",
        fontsize=fontsize,
        color=INK,
    )


def keep_target_label_inside(ax: Axes) -> None:
    """Move target labels below their line when the line runs along the top of the axes.

    Call once the y limits are final.
    """
    for text in ax.texts:
        if not isinstance(text, Annotation) or text.get_gid() != "target-label":
            continue  # target labels are annotations (target_line)
        if _axes_fraction(ax, text.xy[1]) > 0.9:
            text.set_position((3, -3))
            text.set_verticalalignment("top")


def _axes_fraction(ax: Axes, y: float) -> float:
    """Where data value ``y`` sits on the y axis, 0 (bottom) to 1 (top), on any scale."""
    return float(ax.transLimits.transform(ax.transScale.transform((0.0, y)))[1])


def _make_headroom(ax: Axes, free: float) -> None:
    """Raise the top of the y axis so the data stay below ``1 - free`` of the axes height (the
    band the milestone labels use), on a linear or a log scale."""
    lines = [ln for ln in ax.lines if ln.get_gid() not in ("milestone", "target")]
    ys = [float(y) for ln in lines for y in np.asarray(ln.get_ydata(), dtype=float) if y == y]
    if not ys or not 0 < free < 1:
        return
    top = _axes_fraction(ax, max(ys))
    if top <= 1 - free:
        return
    lo, hi = ax.get_ylim()
    if ax.get_yscale() == "log":
        span = math.log(hi / lo) * top / (1 - free)
        ax.set_ylim(lo, lo * math.exp(span))
    else:
        ax.set_ylim(lo, lo + (hi - lo) * top / (1 - free))


def phase_handles(config: ProgramConfig) -> list[Patch]:
    """Legend entries for the phases: 'Baseline (Oct 2020 - Dec 2020)'."""
    return [
        Patch(
            color=phase_color(p.name, i),
            alpha=0.3,
            label=f"{phase_title(p.name)} ({p.start:%b %Y} – {p.end:%b %Y})",
        )
        for i, p in enumerate(config.phases)
    ]


def date_axis(ax: Axes) -> None:
    """Concise date ticks on the x axis."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
