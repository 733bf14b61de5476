"""Charts with one visual language: phases shaded, milestones marked, target lines, findings as
titles, Okabe-Ito colours. Plots take results (metric tables, impact tables, scorecards), never
raw data, and return :class:`~matplotlib.figure.Figure` objects that are not registered with
pyplot: return one from a notebook cell (or ``display`` it) to show it; ``fig.savefig`` to save.

Typical use::

    from analytics.plots import run_chart, small_multiples
    small_multiples(metric_table(ds, freq="month"), config)
"""

from analytics.plots.decorations import mark_milestones, shade_phases, target_line
from analytics.plots.distributions import distribution_before_after
from analytics.plots.effects import effect_forest
from analytics.plots.event_study import event_study_chart
from analytics.plots.groups import group_forest, group_lines
from analytics.plots.its import its_chart
from analytics.plots.levels import level_chart
from analytics.plots.multiples import small_multiples
from analytics.plots.process import control_chart
from analytics.plots.responsive import NARROW_WIDTH_IN, responsive_chart
from analytics.plots.runs import run_chart, trend_finding
from analytics.plots.stages import stage_chart
from analytics.plots.style import (
    NO_DATA,
    OKABE_ITO,
    ChartFigure,
    apply_style,
    no_data_figure,
    plot_style,
)
from analytics.plots.survival import survival_curve
from analytics.plots.tiles import HtmlFragment, kpi_tiles_html
from analytics.plots.tiles_figure import kpi_tiles
from analytics.plots.volume import volume_chart
from analytics.wording.numbers import format_value

__all__ = [
    "NARROW_WIDTH_IN",
    "NO_DATA",
    "OKABE_ITO",
    "ChartFigure",
    "HtmlFragment",
    "apply_style",
    "control_chart",
    "distribution_before_after",
    "effect_forest",
    "event_study_chart",
    "format_value",
    "group_forest",
    "group_lines",
    "its_chart",
    "kpi_tiles",
    "kpi_tiles_html",
    "responsive_chart",
    "level_chart",
    "mark_milestones",
    "no_data_figure",
    "plot_style",
    "run_chart",
    "shade_phases",
    "small_multiples",
    "stage_chart",
    "survival_curve",
    "target_line",
    "trend_finding",
    "volume_chart",
]
