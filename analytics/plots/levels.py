"""Capability levels: the CAICT level each measurable item reaches, per window, on one scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analytics.plots.style import (
    GRID,
    INK,
    MUTED,
    is_empty,
    new_figure,
    no_data_figure,
    phase_color,
    require_columns,
    styled,
)

_COLUMNS = ("window", "item", "level", "max_level")


@styled
def level_chart(evidence: pd.DataFrame, *, title: str | None = None) -> Figure:
    """One row per item: a marker per window at the level the data supports (L1..L5), the
    first window (the month) in black; the levels past what data can show are hatched.

    ``evidence`` is ``analytics.program.caict.caict_evidence`` (window, item, level,
    max_level). Items the data cannot judge in a window get no marker for it.
    """
    if is_empty(evidence):
        return no_data_figure(title or "CAICT levels")
    require_columns(evidence, _COLUMNS, "evidence")
    items = list(dict.fromkeys(evidence["item"]))
    windows = list(dict.fromkeys(evidence["window"]))
    fig, ax = new_figure(height=0.55 * len(items) + 1.6)
    y = {item: len(items) - 1 - i for i, item in enumerate(items)}
    ceiling = evidence.drop_duplicates("item").set_index("item")["max_level"]
    for item, top in ceiling.items():
        if top < 5:
            ax.barh(
                y[item],
                5.5 - (top + 0.5),
                left=top + 0.5,
                height=0.8,
                color="white",
                edgecolor=GRID,
                hatch="///",
                lw=0,
                zorder=0,
            )
    offsets = np.linspace(-0.22, 0.22, len(windows)) if len(windows) > 1 else [0.0]
    for k, (window, dy) in enumerate(zip(windows, offsets, strict=True)):
        rows = evidence[(evidence["window"] == window) & evidence["level"].notna()]
        colour = INK if k == 0 else phase_color(str(window), k)
        ax.scatter(
            rows["level"].astype(float),
            [y[i] + dy for i in rows["item"]],
            s=90 if k == 0 else 55,
            marker="D" if k == 0 else "o",
            color=colour,
            label=str(window),
            zorder=3,
            gid=f"window:{window}",
        )
    ax.set_yticks(list(y.values()), list(y.keys()))
    ax.set_xticks([1, 2, 3, 4, 5], [f"L{i}" for i in range(1, 6)])
    ax.set_xlim(0.5, 5.5)
    ax.set_ylim(-0.6, len(items) - 0.4)
    ax.grid(axis="x", color=GRID)
    ax.set_xlabel(
        "Level the data supports (hatched: needs practice the exports do not show)", color=MUTED
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, frameon=False)
    ax.set_title(title or _finding(evidence, windows[0]), loc="left")
    return fig


def _finding(evidence: pd.DataFrame, window: str) -> str:
    """'In 2021-12 the data supports level 3 or more on 4 of 6 items (2 not judged)'."""
    month = evidence[evidence["window"] == window]
    judged = month["level"].dropna()
    skipped = len(month) - len(judged)
    text = (
        f"In {window} the data supports level 3 or more on {int((judged >= 3).sum())} of "
        f"{len(month)} measurable items"
    )
    return text + (f" ({skipped} not judged)" if skipped else "")


__all__ = ["level_chart"]
