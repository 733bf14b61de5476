"""A rendered month's ``manifest.json``: what the render wrote, from which inputs, with what status.

The manifest marks a month folder as the render's own (a folder without it is never replaced)
and is what the index and the next render read. Format 2, one JSON object:

=================  ===========================================================================
``generator``      ``"devops-analytics render"``: the folder was written by the render
``format``         2 (format 1, before the key existed, had no ``generator``/``inputs``/``status``)
``month``          ``YYYY-MM``
``program``        the program's name (program.yml)
``data_through``   the last local date the month's pages use
``rendered_at``    UTC time of the render
``pages``          ``[{"slug", "title", "file", "seconds"}]`` in reading order
``files``          further files of the month (``register_month_files`` writers), relative names
``provenance``     ``{label: value}`` as in each page's footer
``inputs``         fingerprints the incremental render compares (see ``analytics.report.inputs``)
``status``         a small dict the pages publish with ``publish_status`` (may be ``{}``)
=================  ===========================================================================

``status`` is free-form but small and flat (numbers and short text): e.g. the executive
summary may publish ``{"targets_met": 5, "targets": 7, "verdict": "improved"}``; the index
reads it with ``month_status(folder)``.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> write_manifest(folder, {"month": "2021-12", "status": {"targets_met": 5, "targets": 7}})
>>> month_status(folder)
{'targets_met': 5, 'targets': 7}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analytics.report.plan import Plan
    from analytics.report.render import MonthResult

MANIFEST = "manifest.json"
GENERATOR = "devops-analytics render"
FORMAT = 2
#: The MIME type of a status a page publishes; nbconvert shows nothing for it.
STATUS_MIME = "application/vnd.devops-analytics.status+json"


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write ``folder/manifest.json`` atomically, marked as the render's (``generator``)."""
    from analytics.report.index import write_atomic

    body = {"generator": GENERATOR, "format": FORMAT, **manifest}
    write_atomic(Path(folder) / MANIFEST, json.dumps(body, indent=1, ensure_ascii=False) + "\n")


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    """The manifest of a month folder as a dict, or None when absent or unreadable."""
    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def written_by_render(folder: str | Path) -> bool:
    """True when ``folder`` holds a manifest the render wrote (format 2, or format 1's keys)."""
    manifest = read_manifest(folder)
    if manifest is None:
        return False
    if manifest.get("generator") == GENERATOR:
        return True
    legacy = {"month", "pages", "provenance", "rendered_at"}  # format 1
    return legacy <= set(manifest) and manifest.get("month") == Path(folder).name


def month_status(folder: str | Path) -> dict[str, Any]:
    """The ``status`` dict of a rendered month ({} when there is none)."""
    status = (read_manifest(folder) or {}).get("status")
    return dict(status) if isinstance(status, dict) else {}


def publish_status(**status: Any) -> None:
    """In a report notebook: hand ``status`` to the render, which keeps it in the manifest.

    Displays one output of type ``STATUS_MIME`` (no text, so the page shows nothing). Values
    must be JSON (numbers, short text, booleans). Outside a kernel this does nothing visible.
    """
    from IPython.display import display

    display({STATUS_MIME: json.loads(json.dumps(status))}, raw=True)


def collect_status(nb: Any) -> dict[str, Any]:
    """Every status an executed notebook published, merged in order (later keys win).

    >>> nb = {"cells": [{"cell_type": "code", "outputs": [
    ...     {"output_type": "display_data", "data": {STATUS_MIME: {"targets_met": 3}}}]}]}
    >>> collect_status(nb)
    {'targets_met': 3}
    """
    found: dict[str, Any] = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            value = (output.get("data") or {}).get(STATUS_MIME)
            if isinstance(value, str):  # nbformat may keep JSON outputs as text
                value = json.loads(value)
            if isinstance(value, dict):
                found.update(value)
    return found


def pop_status(nb: Any) -> dict[str, Any]:
    """``collect_status``, then drop those outputs from ``nb`` (nbconvert would warn on them)."""
    found = collect_status(nb)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [
                o for o in cell.get("outputs", []) if STATUS_MIME not in (o.get("data") or {})
            ]
    return found


def month_manifest(plan: Plan, result: MonthResult, files: list[str], status: dict) -> dict:
    """The manifest of a rendered month: its pages, files, provenance, inputs and status (what
    each page published for the index, e.g. targets met)."""
    merged: dict = {}
    for report in plan.reports:
        merged.update(status.get((result.month, report.slug)) or {})
    provenance = dict(plan.provenance[result.month])
    return {
        "month": result.month,
        "program": plan.program,
        "data_through": plan.data_through[result.month],
        "rendered_at": provenance["Rendered"],
        "pages": [
            {
                "slug": r.slug,
                "title": r.title,
                "file": r.html_name,
                "seconds": round(result.seconds.get(r.slug, 0.0), 2),
            }
            for r in plan.reports
        ],
        "files": files,
        "provenance": provenance,
        "inputs": plan.inputs.get(result.month, {}),
        "status": merged,
    }
