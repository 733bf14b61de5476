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

_COLOURS = [
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["vermillion"],
]


@styled
def volume_chart(
    counts: pd.DataFrame, config: ProgramConfig, *, title: str | None = None
) -> Figure:
    """Rows per period of each table, one line per table (counts: period_start, table, rows).

    The default title names the tables and months without rows (likely gaps in the export),
    counting gaps and months apart ("5 gaps in the export across 3 months: ..."), or says
    that every table has rows in every month.
    """
    if is_empty(counts):
        return no_data_figure(title or "Rows per month")
    require_columns(counts, ("period_start", "table", "rows"), "counts")
    wide = counts.pivot_table(
        index="period_start", columns="table", values="rows", aggfunc="sum"
    ).fillna(0)
    wide.index = pd.DatetimeIndex(wide.index)
    fig, ax = new_figure(height=3.6)
    shade_phases(ax, config)
    for colour, table in zip(_COLOURS * 2, wide.columns, strict=False):
        ax.plot(
            wide.index,
            wide[table],
            marker="o",
            markersize=3.5,
            lw=1.6,
            color=colour,
            label=table,
            gid=f"table:{table}",
        )
    mark_milestones(ax, config, labels=False)
    ax.set_ylabel("Rows per month")
    ax.set_ylim(bottom=0)
    date_axis(ax)
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    if title is None:
        empty = wide.eq(0).stack()
        title = _gaps_sentence(list(empty[empty].index))
    ax.set_title(title, loc="left")
    return fig


def _gaps_sentence(gaps: list[tuple[pd.Timestamp, str]]) -> str:
    """The title for the (month, table) pairs without rows, in date order; gaps and months are
    counted apart, e.g. 'changes has no rows in Mar 2021: check the export', 'changes and
    incidents have no rows in Mar 2021: check the export', '5 gaps in the export across 3
    months: no rows for changes in Mar 2021, incidents in Mar 2021 and 3 more'.
    """
    if not gaps:
        return "Every table has rows in every month of the data"
    if len(gaps) == 1:
        when, table = gaps[0]
        return f"{table} has no rows in {when:%b %Y}: check the export"
    months = len({when for when, _ in gaps})
    if months == 1:
        tables = [table for _, table in gaps]
        return f"{_and(tables)} have no rows in {gaps[0][0]:%b %Y}: check the export"
    names = [f"{table} in {when:%b %Y}" for when, table in gaps]
    shown = names if len(names) <= 3 else [*names[:2], f"{len(names) - 2} more"]
    return f"{len(gaps)} gaps in the export across {months} months: no rows for {_and(shown)}"


def _and(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" and {words[-1]}"
