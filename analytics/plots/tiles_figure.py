"""KPI tiles drawn as a Figure: the facts of :func:`analytics.plots.tiles.tile_facts`."""

from __future__ import annotations

import functools
import math
import textwrap

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from analytics.plots.style import INK, MUTED, is_empty, new_figure, no_data_figure, styled
from analytics.plots.tiles import _COLOUR, _summary, _tiles


@styled
def kpi_tiles(
    scorecard: pd.DataFrame, *, per_row: int = 5, title: str | None = None, judged: bool = True
) -> Figure:
    """KPI tiles drawn as a Figure (same facts and columns as :func:`kpi_tiles_html`)."""
    if is_empty(scorecard):
        return no_data_figure(title or "Key indicators")
    tiles = _tiles(scorecard, judged)
    per_row = max(1, min(per_row, len(tiles)))
    nrows = math.ceil(len(tiles) / per_row)
    height = 2.4 * nrows + 0.5
    fig, axes = new_figure(nrows, per_row, height=height, squeeze=False, layout=None)
    fig.subplots_adjust(
        left=0.01, right=0.99, bottom=0.02, top=1 - 0.5 / height, wspace=0.06, hspace=0.08
    )
    for ax in axes.ravel():
        ax.set_axis_off()
    for t, ax in zip(tiles, axes.ravel(), strict=False):
        colour = _COLOUR[t.status]
        ax.add_patch(
            FancyBboxPatch(
                (0.02, 0.02),
                0.96,
                0.96,
                boxstyle="round,pad=0,rounding_size=0.04",
                transform=ax.transAxes,
                facecolor="#FAFAFA",
                edgecolor=colour,
                lw=1.6,
                gid="tile",
            )
        )
        put = functools.partial(ax.text, 0.08, transform=ax.transAxes, va="center", clip_on=True)
        put(0.86, textwrap.fill(t.label, 24), fontsize=9.5, fontweight="bold", color=MUTED)
        put(0.65, t.value, fontsize=19, fontweight="bold", color=INK, gid="tile-value")
        put(0.51, "\n".join(x for x in (t.suffix, t.detail) if x), fontsize=8.5, color=MUTED)
        if t.trend:
            put(
                0.39,
                f"{t.arrow} {t.trend}".strip(),
                fontsize=9.5,
                fontweight="bold",
                color=_COLOUR[t.trend_good],
            )
        put(
            0.23,
            "\n".join(x for x in (t.target, t.overall, t.baseline) if x),
            fontsize=8.5,
            color=INK,
            linespacing=1.4,
        )
        put(0.08, t.met_text, fontsize=9, fontweight="bold", color=colour)
        if t.band:
            ax.text(
                0.92,
                0.08,
                f"DORA {t.band}",
                transform=ax.transAxes,
                ha="right",
                va="center",
                fontsize=8.5,
                color=INK,
            )
    fig.suptitle(title if title is not None else _summary(tiles), x=0.01, ha="left")
    return fig
