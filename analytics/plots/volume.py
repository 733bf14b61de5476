"""Data volume over time: rows per period for each table (gaps in an export show up here)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from analytics.config import ProgramConfig
from analytics.plots.decorations import date_axis, mark_milestones, shade_phases
from analytics.plots.style import (
    OKABE_ITO,
    is_empty,
    new_figure,
    no_data_figure,
    require_columns,
    styled,
)

_COLOURS = [OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["bluish_green"], OKABE_ITO["vermillion"]]


@styled
def volume_chart(counts: pd.DataFrame, config: ProgramConfig, *, title: str | None = None) -> Figure:
    """Rows per period of each table, one line per table (counts: period_start, table, rows).

    The default title names the first table and month without rows (a likely gap in the
    export), or says that every table has rows in every month.
    """
    if is_empty(counts):
        return no_data_figure(title or "Rows per month")
    require_columns(counts, ("period_start", "table", "rows"), "counts")
    wide = counts.pivot_table(index="period_start", columns="table", values="rows", aggfunc="sum").fillna(0)
    wide.index = pd.DatetimeIndex(wide.index)
    fig, ax = new_figure(height=3.6)
    shade_phases(ax, config)
    for colour, table in zip(_COLOURS * 2, wide.columns, strict=False):
        ax.plot(wide.index, wide[table], marker="o", markersize=3.5, lw=1.6, color=colour, label=table, gid=f"table:{table}")
    mark_milestones(ax, config, labels=False)
    ax.set_ylabel("Rows per month")
    ax.set_ylim(bottom=0)
    date_axis(ax)
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    if title is None:
        empty = wide.eq(0).stack()
        gaps = empty[empty]
        if len(gaps):
            when, table = gaps.index[0]
            more = f" (and {len(gaps) - 1} more empty months)" if len(gaps) > 1 else ""
            title = f"{table} has no rows in {when:%b %Y}{more}: check the export"
        else:
            title = "Every table has rows in every month of the data"
    ax.set_title(title, loc="left")
    return fig
