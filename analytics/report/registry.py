"""The report set: which notebooks make up a month, in which order, under which titles.

``REPORTS`` is the monthly set of BLUEPRINT §6. Each entry names a notebook file inside the
notebook folder (by default ``notebooks/reports/``); the render engine takes the list and the
folder as arguments, so tests and analysts can render any other set (``discover``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NOTEBOOK_SUBDIR = Path("notebooks") / "reports"
_NUMBERED = re.compile(r"^\d{2}-[a-z0-9][a-z0-9-]*\.ipynb$")


@dataclass(frozen=True)
class Report:
    """One page of the monthly report.

    Parameters
    ----------
    slug
        ``NN-name``: orders the pages and names the output file ``<slug>.html``.
    title
        The page title shown to readers.
    notebook
        The notebook file, relative to the notebook folder.
    """

    slug: str
    title: str
    notebook: str

    @property
    def html_name(self) -> str:
        return f"{self.slug}.html"


REPORTS: tuple[Report, ...] = (
    Report("01-executive-summary", "Executive summary", "01-executive-summary.ipynb"),
    Report("02-delivery", "Delivery", "02-delivery.ipynb"),
    Report("03-stability", "Stability", "03-stability.ipynb"),
    Report("04-quality", "Quality", "04-quality.ipynb"),
    Report("05-program-impact", "Program impact", "05-program-impact.ipynb"),
    Report("06-data-quality", "Data quality", "06-data-quality.ipynb"),
    Report("07-caict-evidence", "CAICT evidence", "07-caict-evidence.ipynb"),
    Report("08-teams", "By team and service", "08-teams.ipynb"),
)


#: Writers of a month's further files (CSV, xlsx, digests) beside its pages; see
#: ``register_month_files``. Each is called with a ``render.MonthFiles`` and returns the names
#: (relative to ``MonthFiles.folder``) of the files it wrote.
MONTH_FILES: list[Callable[[Any], Iterable[str]]] = []


def register_month_files(writer: Callable[[Any], Iterable[str]]) -> Callable[[Any], Iterable[str]]:
    """Add a writer of further files of each rendered month (usable as a decorator).

    The render calls every writer after all pages of a month succeeded, with a
    ``analytics.report.render.MonthFiles``: ``month``, ``folder`` (the month's unpublished
    folder: write there, nowhere else), ``dataset()`` (the data cut at the month's end, services
    filtered) and ``plan``. The files are published together with the pages, in the same atomic
    step, and listed in the manifest's ``files``. A writer that raises fails the month (the
    previous version stays published), like a failing page.
    """
    if writer not in MONTH_FILES:
        MONTH_FILES.append(writer)
    return writer


def default_notebook_dir() -> Path:
    """``notebooks/reports`` of the current folder when it exists, else of this checkout."""
    here = Path.cwd() / NOTEBOOK_SUBDIR
    if here.is_dir():
        return NOTEBOOK_SUBDIR
    return Path(__file__).resolve().parents[2] / NOTEBOOK_SUBDIR


def discover(folder: str | Path) -> tuple[Report, ...]:
    """The numbered notebooks (``NN-name.ipynb``) of ``folder`` as a report set, in order.

    The title is the notebook's ``metadata.title``, else its first Markdown ``# heading``,
    else the name with dashes as spaces.
    """
    found = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        if _NUMBERED.match(path.name):
            found.append(Report(path.stem, _title_of(path), path.name))
    return tuple(found)


def _title_of(path: Path) -> str:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        nb = {}
    title = (nb.get("metadata") or {}).get("title")
    if title:
        return str(title)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = "".join(cell.get("source", []))
            match = re.match(r"\s*#\s+(.+)", source)
            if match:
                return match.group(1).strip()
            break
    return path.stem.split("-", 1)[-1].replace("-", " ").capitalize()
