"""Executed notebook -> one self-contained, code-free HTML page (nbconvert, in-process).

The page uses the ``devops_report`` template (``templates/devops_report``): JupyterLab's cell
markup with an offline shell (no require.js, MathJax, web fonts or any script), one inline
stylesheet, a header and a provenance footer. ``ReportPreprocessor`` drops what a reader should
not see (parameter cells, stderr, empty code cells, the notebook's own title cell) and gives
every image an alt text. ``neutralise_page`` then removes from the converted page whatever data
text might still have smuggled in (scripts, event handlers, links that are not relative links
to the report's own pages, external fetches, bidi controls), and ``offline_problems`` checks the
result: a page that would load anything from the network, run a script or link anywhere but
the report's pages is refused.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config

from analytics.report.safety import neutralise_page, offline_problems, own_page_link

__all__ = [
    "make_exporter",
    "neutralise_page",
    "notebook_to_html",
    "offline_problems",
    "own_page_link",
    "report_css",
    "ReportPreprocessor",
]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "devops_report"
CSS_FILE = TEMPLATE_DIR / TEMPLATE_NAME / "static" / "report.css"

#: Cells with any of these tags are left out of the page (papermill tags the first two).
REMOVE_CELL_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell", "remove_cell"})
REMOVE_OUTPUT_TAGS = frozenset({"remove-output", "remove_output"})
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_TITLE_LINE = re.compile(r"\A\s*#\s+[^\n]*\n?")
#: The reprs a cell ending in ``ax.set_title(...)`` or ``plt.bar(...)`` leaves behind.
_PLOT_REPR = re.compile(
    r"^\[?(Text\(|<matplotlib\.|<Axes|<Figure|<BarContainer|<ErrorbarContainer)"
)


@lru_cache(maxsize=1)
def report_css() -> str:
    """The stylesheet every page (and the index) inlines."""
    return CSS_FILE.read_text(encoding="utf-8")


class ReportPreprocessor(Preprocessor):
    """Prepare an executed report notebook for readers.

    - drops stderr streams (warnings belong in the render log, not the executive page) and
      the leftover text reprs of plotting calls (``Text(0.5, 1.0, '...')``),
    - drops code cells left without output, and the ``# Title`` line that opens the first
      Markdown cell (the page header shows the title),
    - sets ``output.metadata["alt"]`` on every image: the alt the notebook gave
      (``metadata={"alt": ...}`` or ``{"image/png": {"alt": ...}}``), else the chart's title
      (the render kernels print a figure as its title), else the nearest heading above it,
      else the page title.
    """

    def preprocess(self, nb, resources):
        page_title = (resources.get("report") or {}).get("title", "Chart")
        cells = _without_title_line(list(nb.cells))
        heading = None
        kept = []
        for cell in cells:
            if cell.cell_type == "markdown":
                heading = _last_heading(cell.source) or heading
                kept.append(cell)
                continue
            if cell.cell_type != "code":
                kept.append(cell)
                continue
            cell.outputs, heading = _reader_outputs(cell.get("outputs", []), heading, page_title)
            if cell.outputs:
                kept.append(cell)
        nb.cells = kept
        return nb, resources


def _without_title_line(cells: list) -> list:
    """``cells`` without the ``# Title`` line that opens the first Markdown cell when only
    code cells without output come before it (the cell goes when nothing else is in it)."""
    first_md = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"), None)
    if first_md is not None and all(
        c.cell_type == "code" and not c.get("outputs") for c in cells[:first_md]
    ):
        rest, n = _TITLE_LINE.subn("", cells[first_md].source or "", count=1)
        if n and rest.strip():
            cells[first_md].source = rest
        elif n:
            del cells[first_md]
    return cells


def _reader_outputs(outputs: list, heading: str | None, page_title: str) -> tuple[list, str | None]:
    """A code cell's outputs for readers (no stderr, no plotting reprs; images given alt text)
    and the heading in force after them (a Markdown output may bring a new one)."""
    kept = []
    for out in outputs:
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            continue
        data = out.get("data", {})
        if set(data) == {"text/plain"} and _PLOT_REPR.match(str(data["text/plain"])):
            continue
        if "text/markdown" in data:
            heading = _last_heading(data["text/markdown"]) or heading
        if any(t in data for t in IMAGE_TYPES):
            out.setdefault("metadata", {})["alt"] = _alt_text(out, heading or page_title)
        kept.append(out)
    return kept, heading


def _last_heading(text: str) -> str | None:
    found = _HEADING.findall(text or "")
    return _plain(found[-1]) if found else None


def _plain(text: str) -> str:
    return re.sub(r"[*_`]|<[^>]+>", "", text).strip()


def _alt_text(output: Any, fallback: str) -> str:
    meta = output.get("metadata", {})
    given = meta.get("alt") or next(
        (
            meta[t].get("alt")
            for t in IMAGE_TYPES
            if isinstance(meta.get(t), dict) and meta[t].get("alt")
        ),
        None,
    )
    if given:
        return str(given)
    plain = str(output.get("data", {}).get("text/plain", "")).strip()
    if plain and not plain.startswith("<") and len(plain) < 300:
        return plain
    return f"Chart: {fallback}"


def make_exporter() -> HTMLExporter:
    """An HTMLExporter for report pages: offline template, no input, parameter cells removed."""
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    c.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    c.CSSHTMLHeaderPreprocessor.enabled = False
    exporter = HTMLExporter(
        config=c,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        sanitize_html=False,
    )
    exporter.register_preprocessor(ReportPreprocessor(), enabled=True)
    return exporter


_EXPORTERS = threading.local()


def _thread_exporter() -> HTMLExporter:
    """This thread's exporter, made once: an exporter compiles its Jinja templates on first
    use (about 0.06 s a page), and the render converts pages on several threads."""
    exporter = getattr(_EXPORTERS, "exporter", None)
    if exporter is None:
        exporter = _EXPORTERS.exporter = make_exporter()
    return exporter


def notebook_to_html(nb: nbformat.NotebookNode, page: dict[str, Any]) -> str:
    """Convert an executed notebook into a report page.

    Parameters
    ----------
    nb
        The executed notebook (it is not modified).
    page
        What the shell shows: ``title``, ``page_title``, ``program``, ``month_label``,
        ``nav`` (list of dicts with ``title``, ``href``, ``current``), ``provenance``
        (list of ``(label, value)``) and ``version``.
    """
    report = {**page, "css": report_css()}
    body, _ = _thread_exporter().from_notebook_node(
        nbformat.from_dict(nb), resources={"report": report}
    )
    return neutralise_page(body)
