"""How report tables are shown in a notebook: whole texts, never cut at pandas' 50 characters.

Nothing here runs on import (importing the package changes no global state): ``open_month``
calls :func:`show_whole_texts`, which tells the running IPython (if any) to draw DataFrames
with :func:`whole_text_html`, an ``option_context`` around pandas' own HTML.
"""

from __future__ import annotations

import pandas as pd


def whole_text_html(frame: pd.DataFrame) -> str | None:
    """``frame``'s notebook HTML (pandas' ``_repr_html_``) with every cell's text whole.

    >>> html = whole_text_html(pd.DataFrame({"title": ["x" * 80]}))
    >>> "x" * 80 in html, pd.get_option("display.max_colwidth")
    (True, 50)
    """
    with pd.option_context("display.max_colwidth", None):
        return frame._repr_html_()


def show_whole_texts() -> None:
    """In an IPython kernel, draw DataFrames with :func:`whole_text_html`; elsewhere nothing."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebook dependencies
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, whole_text_html)
