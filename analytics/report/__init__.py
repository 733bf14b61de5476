"""The monthly report pipeline: notebooks -> papermill -> offline HTML pages and an index.

Typical use::

    from analytics.report import render_month
    result = render_month("data/sample", "2021-12", out="reports", jobs=2)
    assert result.ok, result.failures

The command line is ``devops-analytics render`` (``analytics/commands/render.py``).
"""

from analytics.report.html import notebook_to_html, offline_problems
from analytics.report.index import list_months, write_index
from analytics.report.plan import latest_complete_month, parse_month
from analytics.report.registry import REPORTS, Report, discover
from analytics.report.render import (
    MonthResult,
    NotebookFailure,
    PageDone,
    render_month,
    render_months,
)

__all__ = [
    "REPORTS",
    "MonthResult",
    "NotebookFailure",
    "PageDone",
    "Report",
    "discover",
    "latest_complete_month",
    "list_months",
    "notebook_to_html",
    "offline_problems",
    "parse_month",
    "render_month",
    "render_months",
    "write_index",
]
