"""One chart in two layouts: the wide grid for screens and paper, a single column for phones.

A PNG cannot re-lay itself out: a five-panel grid shrunk to a 390 px phone has 5 px text.
:func:`responsive_chart` embeds both layouts of the same chart, and the report stylesheet
(``.chart-wide`` / ``.chart-narrow`` in report.css) shows the one that fits the screen; print
uses the wide one. Both images are embedded (``data:`` URIs), with the same alt text.
"""

from __future__ import annotations

import base64
import html

from matplotlib.figure import Figure

from analytics.plots.style import CSS_PX_PER_INCH, PNG_DPI
from analytics.plots.tiles import HtmlFragment

#: The single-column layout's width in inches (390 CSS px at 100 px an inch, less margins).
NARROW_WIDTH_IN = 3.6


def _img(fig: Figure, css_class: str, alt: str) -> str:
    png = fig.to_png() if hasattr(fig, "to_png") else _png(fig)
    w_px, h_px = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    scale = PNG_DPI / CSS_PX_PER_INCH
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<img class="{css_class}" alt="{html.escape(alt)}" width="{round(w_px / scale)}" '
        f'height="{round(h_px / scale)}" src="data:image/png;base64,{data}">'
    )


def _png(fig: Figure) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PNG_DPI, facecolor="white")
    return buf.getvalue()


def responsive_chart(wide: Figure, narrow: Figure) -> HtmlFragment:
    """Both layouts of one chart as an HTML fragment; the page's CSS shows one of them.

    ``wide`` is the chart as screens and paper show it, ``narrow`` the same chart laid out in
    one column. The alt text is the wide figure's titles (``ChartFigure.alt_text``).
    """
    alt = getattr(wide, "alt_text", "") or "Chart"
    return HtmlFragment(
        '<div class="chart-responsive" role="img" aria-label="'
        + html.escape(alt)
        + '">'
        + _img(wide, "chart-wide", alt)
        + _img(narrow, "chart-narrow", alt)
        + "</div>"
    )
