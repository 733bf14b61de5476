"""The visual language shared by every chart: palette, fonts, sizes, formats, the figure class.

Colours are Okabe-Ito (safe for the common colour-vision deficiencies); the font is DejaVu Sans,
which ships with matplotlib (no web fonts); figures are 11 inches wide, drawn at 100 CSS px per
inch, so they fit a 1280 px page. Meaning is never carried by colour alone: markers, line
styles and words repeat it.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import io
import math
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, SupportsFloat, SupportsIndex, TypeVar

import matplotlib as mpl
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

from analytics.catalog import METRICS, MetricInfo
from analytics.data import guards
from analytics.wording.numbers import axis_label

if TYPE_CHECKING:  # matplotlib >= 3.9 names the rcParams keys
    from matplotlib.typing import RcKeyType

OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
SERIES = OKABE_ITO["blue"]
GOOD = OKABE_ITO["bluish_green"]
BAD = OKABE_ITO["vermillion"]
#: darker shades of GOOD and BAD for text: at least 4.5:1 on white (WCAG AA), 5.3:1 and 5.5:1
GOOD_TEXT = "#007A5A"
BAD_TEXT = "#B34700"
NEUTRAL = "#767676"
INK = "#222222"
MUTED = "#595959"
GRID = "#E4E4E4"
PHASE_COLORS: dict[str, str] = {
    "baseline": "#6E6E6E",
    "program": OKABE_ITO["orange"],
    "after": OKABE_ITO["blue"],
}
_EXTRA_PHASE_COLORS = (
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["sky_blue"],
)

WIDTH_IN = 11.0  #: figure width in inches: 1100 CSS px, fits a 1280 px page with margins
HEIGHT_IN = 4.4
CSS_PX_PER_INCH = 100
PNG_DPI = 200  #: PNGs are drawn at 2x their displayed size, sharp on high-density screens and paper
NO_DATA = "No data for this period"

STYLE: dict[RcKeyType, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 10.5,
    "text.color": INK,
    "axes.titlesize": 12.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 16.0,
    "axes.titlecolor": INK,
    "axes.labelsize": 10.0,
    "axes.labelcolor": MUTED,
    "axes.edgecolor": "#9A9A9A",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "axes.facecolor": "white",
    "axes.prop_cycle": cycler(
        color=[
            OKABE_ITO[k]
            for k in (
                "blue",
                "orange",
                "bluish_green",
                "vermillion",
                "sky_blue",
                "reddish_purple",
                "black",
            )
        ]
    ),
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "legend.frameon": False,
    "legend.fontsize": 9.5,
    "lines.linewidth": 2.0,
    "lines.markersize": 5.0,
    "figure.facecolor": "white",
    "figure.figsize": (WIDTH_IN, HEIGHT_IN),
    "figure.dpi": CSS_PX_PER_INCH,
    "figure.titlesize": 14.0,
    "figure.titleweight": "bold",
    "savefig.dpi": PNG_DPI,
    "savefig.facecolor": "white",
    # text from data (service names, milestone labels) is never read as mathtext: a "$" pair in
    # a name would be parsed as TeX, and bad TeX stops the page (issue #15)
    "text.parse_math": False,
}

# Ticks for duration axes on a log scale (hours), labelled as people say them.
_DURATION_TICKS = (
    (1 / 60, "1 min"),
    (5 / 60, "5 min"),
    (15 / 60, "15 min"),
    (0.5, "30 min"),
    (1.0, "1 h"),
    (2.0, "2 h"),
    (4.0, "4 h"),
    (8.0, "8 h"),
    (24.0, "1 d"),
    (48.0, "2 d"),
    (168.0, "1 wk"),
    (336.0, "2 wk"),
    (720.0, "30 d"),
    (2160.0, "90 d"),
)


def apply_style() -> None:
    """Make the house style the default for every later matplotlib figure (notebooks)."""
    mpl.rcParams.update(STYLE)


@contextlib.contextmanager
def plot_style() -> Iterator[None]:
    """Use the house style inside a ``with`` block; the previous settings come back after."""
    with mpl.rc_context(STYLE):
        yield


P = ParamSpec("P")
R = TypeVar("R")


def styled(func: Callable[P, R]) -> Callable[P, R]:
    """Run a chart function inside :func:`plot_style` (every public chart uses it)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with plot_style():
            return func(*args, **kwargs)

    return wrapper


class ChartFigure(Figure):
    """A matplotlib Figure that shows itself once in Jupyter, with any backend, with alt text.

    Chart functions build these directly (not through pyplot), so nothing is left open in
    pyplot's registry, the inline backend does not show them twice, and ``MPLBACKEND=Agg``
    does not reduce them to ``<Figure size ...>``: the notebook output carries a PNG and the
    metadata ``width``/``height`` (CSS px) and ``alt`` (the titles, which state the finding).
    """

    @property
    def alt_text(self) -> str:
        """The figure's titles, joined: they state what the chart shows."""
        parts = []
        if self.get_suptitle():  # "" when there is none
            parts.append(self.get_suptitle())
        for ax in self.axes:
            text = ax.get_title(loc="left") or ax.get_title()
            if text and text not in parts:
                parts.append(" ".join(text.split()))
        return ". ".join(parts) or "Chart"

    def to_png(self, dpi: float = PNG_DPI) -> bytes:
        """The figure as PNG bytes."""
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=dpi, facecolor="white")
        return buf.getvalue()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        png = self.to_png()
        w_px, h_px = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        scale = PNG_DPI / CSS_PX_PER_INCH
        data = {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": self.alt_text}
        meta = {
            "image/png": {
                "width": round(w_px / scale),
                "height": round(h_px / scale),
                "alt": self.alt_text,
            }
        }
        return data, meta


#: the image types a shell's own figure printers (the inline backend's) may produce
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "application/pdf")


def show_charts_as_drawn(shell: Any) -> None:
    """Let ``shell`` show a :class:`ChartFigure` only as its own bundle says (IPython).

    The inline backend registers an image printer for every matplotlib ``Figure``, and
    IPython lets a printer registered for a type override the bundle a figure gives: each
    chart was drawn twice, and the page kept the printer's 1x PNG cut to a tight box instead
    of the chart's 2x PNG. A printer that returns None keeps the bundle's image.
    """
    formatters = shell.display_formatter.formatters
    for mime in _IMAGE_TYPES:
        if mime in formatters:
            formatters[mime].for_type(ChartFigure, _keep_bundle)


def _keep_bundle(fig: ChartFigure) -> None:
    return None


def new_figure(
    nrows: int = 1,
    ncols: int = 1,
    *,
    height: float = HEIGHT_IN,
    width: float = WIDTH_IN,
    layout: Literal["constrained", "compressed", "tight"] | None = "constrained",
    **subplots_kw: Any,
) -> tuple[ChartFigure, Any]:
    """A :class:`ChartFigure` with constrained layout and its axes (``squeeze`` as in pyplot)."""
    fig = ChartFigure(figsize=(width, height), layout=layout)
    axes = fig.subplots(nrows, ncols, **subplots_kw)
    return fig, axes


def draw_no_data(ax: Axes, message: str = NO_DATA) -> None:
    """Turn ``ax`` into a clear empty state."""
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        message,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=12,
        color=MUTED,
        gid="no-data",
    )


def no_data_figure(title: str, message: str = NO_DATA) -> ChartFigure:
    """A small figure that says there is nothing to show, with ``title``."""
    fig, ax = new_figure(height=2.4)
    draw_no_data(ax, message)
    ax.set_title(title, pad=6)
    return fig


def is_empty(frame: pd.DataFrame | pd.Series | None) -> bool:
    """True for None or a frame/series without rows."""
    return frame is None or len(frame) == 0


def require_columns(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    """ValueError naming the columns ``frame`` lacks: a plot given the wrong result is a
    programming error, not bad data (analytics.data.guards.require_columns)."""
    guards.require_columns(frame, columns, name, error=ValueError)


def metric_info(metric: str, *, strict: bool = True) -> MetricInfo:
    """The catalogue entry of ``metric``; an unknown name raises ValueError, or with
    ``strict=False`` gives a neutral stand-in labelled with the name itself."""
    if metric in METRICS:
        return METRICS[metric]
    if strict:
        raise ValueError(f"unknown metric {metric!r} (known: {', '.join(METRICS)})")
    return MetricInfo(str(metric), str(metric), "", True, "", "level")


def phase_color(name: str, index: int = 0) -> str:
    """The colour of a program phase (baseline grey, program orange, after blue)."""
    return PHASE_COLORS.get(name, _EXTRA_PHASE_COLORS[index % len(_EXTRA_PHASE_COLORS)])


def format_y_axis(ax: Axes, unit: str) -> None:
    """Axis label and tick format for a catalogue unit."""
    ax.set_ylabel(axis_label(unit))
    if unit == "share":
        # no tick over 100%: the axis may run higher only to leave room for milestone labels
        ax.yaxis.set_major_formatter(
            FuncFormatter(lambda v, _pos: f"{v * 100:g}%" if v <= 1 + 1e-9 else "")
        )


def duration_log_axis(axis: Any) -> None:
    """Put a log-scaled hours axis on human ticks (1 min, 1 h, 1 d...)."""
    axis.set_major_locator(FixedLocator([t for t, _ in _DURATION_TICKS]))
    labels = dict(_DURATION_TICKS)
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: labels.get(v, "")))
    axis.set_minor_locator(NullLocator())
    axis.set_minor_formatter(NullFormatter())


def as_float(value: object) -> float:
    """One cell of a results table as a float; NaN when it is missing or no number.

    >>> as_float("0.5"), as_float(3)
    (0.5, 3.0)
    >>> [math.isnan(as_float(v)) for v in (None, pd.NA, pd.NaT, "n/a", float("nan"))]
    [True, True, True, True, True]
    """
    if not isinstance(value, str | bytes | SupportsFloat | SupportsIndex):
        return math.nan  # None, pd.NA, NaT...: nothing float() takes
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def as_float_array(values: Any) -> np.ndarray:
    return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
