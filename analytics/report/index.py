"""``reports/index.html``: every rendered month, newest first, with a link to each page.

Each rendered month folder holds a ``manifest.json`` written by the render (pages in order
with their titles, render time, data through). The index is rebuilt from the folders on disk,
so deleting a month folder and re-running the index removes it; folders without a manifest
are listed with their HTML files.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from analytics.report.html import TEMPLATE_DIR, report_css
from analytics.report.safety import neutralise_page
from analytics.wording.safe import DISPLAY_LIMIT, clean_text

MANIFEST = "manifest.json"
INDEX = "index.html"
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass
class MonthEntry:
    """One rendered month as the index shows it."""

    month: str
    pages: list[dict[str, str]] = field(default_factory=list)
    rendered_at: str = ""
    data_through: str = ""
    program: str = ""
    status: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return month_label(self.month)

    @property
    def headline(self) -> str:
        """'5 of 5 targets met' or 'Not judged yet: 2 of 5 on track' ("" without a status).

        Read from the status the executive summary published into the manifest (never
        recomputed here: the index says what the month's pages say).
        """
        s = self.status
        total = s.get("targets_total")
        if not isinstance(total, int) or isinstance(total, bool) or total <= 0:
            return ""
        if s.get("judged"):
            return f"{_int(s.get('targets_met'))} of {total} targets met"
        return f"Not judged yet: {_int(s.get('on_track'))} of {total} targets on track"

    @property
    def met_all(self) -> bool | None:
        """True when every target was met (judged months), False when not, None otherwise."""
        s = self.status
        if not s.get("judged") or not s.get("targets_total"):
            return None
        return s.get("targets_met") == s.get("targets_total")

    @property
    def verdict(self) -> str:
        return clean_text(self.status.get("verdict", ""), DISPLAY_LIMIT)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def month_label(month: str) -> str:
    """``"2021-12"`` -> ``"December 2021"``."""
    year, mon = (int(x) for x in month.split("-"))
    return f"{calendar.month_name[mon]} {year}"


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write a month's ``manifest.json`` (month, pages, rendered_at, data_through, provenance)."""
    write_atomic(folder / MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")


def list_months(out: str | Path) -> list[MonthEntry]:
    """The month folders of ``out`` (named ``YYYY-MM``), newest first."""
    out = Path(out)
    entries: list[MonthEntry] = []
    if not out.is_dir():
        return entries
    for folder in out.iterdir():
        if not (folder.is_dir() and MONTH_RE.match(folder.name)):
            continue
        entry = MonthEntry(folder.name)
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = None
        if isinstance(manifest, dict):
            entry.pages = [
                {"title": str(p["title"]), "file": str(p["file"])}
                for p in manifest.get("pages", [])
                if (folder / str(p.get("file"))).is_file()
            ]
            entry.rendered_at = str(manifest.get("rendered_at", ""))
            entry.data_through = str(manifest.get("data_through", ""))
            entry.program = str(manifest.get("program", ""))
            status = manifest.get("status")
            entry.status = dict(status) if isinstance(status, dict) else {}
        if not entry.pages:
            entry.pages = [{"title": p.stem, "file": p.name} for p in sorted(folder.glob("*.html"))]
        if entry.pages:
            entries.append(entry)
    return sorted(entries, key=lambda e: e.month, reverse=True)


def render_index(out: str | Path, *, version: str = "") -> str:
    """The HTML of the index page for the months in ``out``."""
    months = list_months(out)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR / "devops_index")),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    program = next((m.program for m in months if m.program), "") or "DevOps program"
    program = clean_text(program, DISPLAY_LIMIT)  # data text: one line, no bidi, not too long
    page = env.get_template("index.html.j2").render(
        months=months,
        program=program,
        title="Monthly DevOps reports",
        css=report_css(),
        version=version,
        written_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    )
    return neutralise_page(page)


def write_index(out: str | Path, *, version: str | None = None) -> Path:
    """Rebuild ``out/index.html`` from the month folders; returns its path."""
    if version is None:
        from analytics import __version__

        version = __version__
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / INDEX
    write_atomic(path, render_index(out, version=version))
    return path


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (readers never see half)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
