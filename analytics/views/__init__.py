"""Report-ready views: what a report notebook shows, computed once per month.

A notebook opens a :class:`MonthReport` with :func:`open_month` and then makes one call per
section, so the notebooks hold no logic (STYLE #9). Everything is computed lazily and cached
on the object. Text that comes from data is left as data: pandas escapes it when a table is
displayed, and :func:`verdict_markdown` escapes what it writes.
"""

from analytics.data.dataset import check_services
from analytics.views.drill import outlier_rows, rows_behind
from analytics.views.event_study import rollout_markdown
from analytics.views.executive import (
    claims_markdown,
    dora_table,
    flags,
    flags_markdown,
    status_of,
    status_sentence,
    targets_table,
)
from analytics.views.headline import Headline, headline_numbers
from analytics.views.impact import (
    if_judged,
    impact_display,
    impact_or_status,
    impact_readable,
    impact_status_html,
    later,
)
from analytics.views.month import MonthReport, month_end, open_month
from analytics.views.quality import (
    definitions_table,
    link_coverage_table,
    load_summary,
    long_names,
    long_names_display,
    quality_log,
    rows_per_month,
)
from analytics.views.stages import lead_stage_summary, lead_time_breakdown
from analytics.views.summary import (
    effect_markdown,
    kpi_table,
    month_warnings,
    release_mix,
    verdict_markdown,
)
from analytics.views.teams import (
    team_impact_table,
    team_month_values,
    team_status_counts,
    team_verdict_markdown,
)
from analytics.views.topics import (
    change_point_table,
    control_frame,
    coverage_table,
    incidents_of_month,
    its_frame,
    month_values,
    phase_items,
    restore_by_severity,
    weekly_series,
)
from analytics.views.wide import wide_metric_table

__all__ = [
    "Headline",
    "MonthReport",
    "claims_markdown",
    "dora_table",
    "effect_markdown",
    "flags",
    "flags_markdown",
    "headline_numbers",
    "status_of",
    "status_sentence",
    "targets_table",
    "change_point_table",
    "check_services",
    "control_frame",
    "coverage_table",
    "definitions_table",
    "long_names",
    "long_names_display",
    "if_judged",
    "impact_display",
    "impact_or_status",
    "impact_status_html",
    "impact_readable",
    "incidents_of_month",
    "its_frame",
    "kpi_table",
    "later",
    "lead_stage_summary",
    "lead_time_breakdown",
    "link_coverage_table",
    "load_summary",
    "month_end",
    "month_values",
    "month_warnings",
    "outlier_rows",
    "open_month",
    "phase_items",
    "quality_log",
    "release_mix",
    "restore_by_severity",
    "rollout_markdown",
    "rows_behind",
    "rows_per_month",
    "team_impact_table",
    "team_month_values",
    "team_status_counts",
    "team_verdict_markdown",
    "verdict_markdown",
    "weekly_series",
    "wide_metric_table",
]
