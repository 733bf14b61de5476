"""The monthly report pipeline: notebooks -> papermill -> offline HTML pages and an index.

Typical use::

    from analytics.report import render_month
    result = render_month("data/sample", "2021-12", out="reports", jobs=2)
    assert result.ok, result.failures

The command line is ``devops-analytics render`` (``analytics/commands/render.py``).

The names below are imported on first use (PEP 562), not with the package: a report notebook
imports ``analytics.report.manifest`` in its kernel, and importing nbconvert and papermill
there as well would cost each render about 1.7 s of CPU for nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: public name -> the module of this package that defines it
_WHERE = {
    "notebook_to_html": "html",
    "offline_problems": "html",
    "list_months": "index",
    "write_index": "index",
    "latest_complete_month": "plan",
    "parse_month": "plan",
    "REPORTS": "registry",
    "Report": "registry",
    "discover": "registry",
    "MonthResult": "render",
    "NotebookFailure": "render",
    "PageDone": "render",
    "render_month": "render",
    "render_months": "render",
}

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

if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
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


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
