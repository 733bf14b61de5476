"""Everything the render decides before a kernel starts: months, parameters, jobs, provenance.

``prepare`` checks the month format, that the months are inside the data, the preset, the
services, and every parameter name against each notebook's ``parameters`` cell (read with
nbformat/papermill, no kernel), then lists the (month, notebook, parameters) jobs.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat
import papermill

from analytics.catalog import PRESETS
from analytics.data.schema import TABLE_NAMES
from analytics.exceptions import RenderError
from analytics.report.registry import REPORTS, Report, default_notebook_dir

#: What every report notebook may declare in its ``parameters`` cell (data_dir and month: must).
STANDARD_PARAMETERS = ("data_dir", "month", "program_file", "services", "preset")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Job:
    month: str
    report: Report
    notebook: Path
    parameters: dict[str, Any]
    parameters_cell: int  # index of the parameters cell in the source notebook


@dataclass
class Plan:
    """Everything checked and decided before any kernel starts."""

    out: Path
    months: list[str]
    jobs: list[Job]
    reports: list[Report]
    provenance: dict[str, list[tuple[str, str]]]
    notes: dict[str, str]
    program: str
    data_through: dict[str, str]  #: per month: the last local date its report uses


def parse_month(text: str) -> str:
    """Check ``YYYY-MM`` and return it; RenderError otherwise."""
    match = _MONTH.match(str(text).strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise RenderError(f"month must be YYYY-MM (e.g. 2021-12), got {text!r}")
    return str(text).strip()


def _month_end(month: str) -> dt.date:
    first = dt.date.fromisoformat(f"{month}-01")
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def data_months(first: dt.date, last: dt.date) -> list[str]:
    """Every month from ``first``'s to ``last``'s, inclusive, as ``YYYY-MM``."""
    out, year, mon = [], first.year, first.month
    while (year, mon) <= (last.year, last.month):
        out.append(f"{year:04d}-{mon:02d}")
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return out


#: days at the end of the program's final phase that may pass without events (weekends, freezes)
PHASE_END_SLACK_DAYS = 3


def latest_complete_month(first: dt.date, last: dt.date, phase_end: dt.date | None = None) -> str:
    """The latest month whose data is complete.

    A month is complete when its last day is on or before ``last`` (the data's last local
    date). The data's final month also counts as complete when the program's final phase ends
    in it (``phase_end``) and the data reach that end (within ``PHASE_END_SLACK_DAYS``, as the
    last days may have no events): the export was taken at the close of the program. An export
    that stops earlier in that month is partial like any other. Otherwise the month before the
    data's final month; RenderError if that is before the data starts.
    """
    final = data_months(last, last)[0]
    closes_program = (
        phase_end is not None
        and phase_end.strftime("%Y-%m") == final
        and last >= phase_end - dt.timedelta(days=PHASE_END_SLACK_DAYS)
    )
    if last >= _month_end(final) or closes_program:
        return final
    months = data_months(first, last)
    if len(months) < 2:
        raise RenderError(f"no complete month in the data ({first} to {last}); give --month")
    return months[-2]


def prepare(
    data_dir: str | Path,
    months: Sequence[str] | str,
    *,
    out: str | Path = "reports",
    reports: Sequence[Report] = REPORTS,
    notebook_dir: str | Path | None = None,
    jobs: int = 2,
    preset: str | None = None,
    program_file: str | Path | None = None,
    services: Sequence[str] | None = None,
    params: Mapping[str, Any] | None = None,
    cwd: Path | None = None,
    kernel_name: str = "python3",
) -> Plan:
    """Validate every input and list the jobs; starts no kernel. Arguments as ``render_months``.

    Raises
    ------
    RenderError
        bad month, month outside the data, unknown preset/service/parameter/kernel, a
        notebook missing or without a ``parameters`` cell.
    DataValidationError, ConfigError
        from loading the data folder.
    """
    from analytics.data.load import load

    cwd = cwd if cwd is not None else Path.cwd()
    wanted = (
        [months]
        if isinstance(months, str) and months in ("latest", "all")
        else [parse_month(m) for m in ([months] if isinstance(months, str) else months)]
    )
    if not wanted:
        raise RenderError("no month to render: give a month, 'latest' or 'all'")
    if int(jobs) < 1:
        raise RenderError(f"jobs must be at least 1, got {jobs}")
    if preset is not None and preset not in PRESETS:
        raise RenderError(f"unknown preset {preset!r} (known: {', '.join(PRESETS)})")
    params = dict(params or {})
    for key in params:
        if key in STANDARD_PARAMETERS:
            raise RenderError(f"parameter {key!r} has its own option; do not pass it as --param")
    _check_kernel(kernel_name)
    folder = Path(notebook_dir) if notebook_dir is not None else default_notebook_dir()
    declared = {r.slug: _declared_parameters(folder, r) for r in reports}
    known_extra = set().union(*(names for names, _ in declared.values())) - set(STANDARD_PARAMETERS)
    unknown = sorted(set(params) - known_extra)
    if unknown:
        raise RenderError(
            f"unknown parameter {', '.join(map(repr, unknown))}: no report notebook "
            f"declares it (extra parameters they declare: {', '.join(sorted(known_extra)) or 'none'})"
        )
    services = [s.strip() for s in services if s.strip()] if services else None
    given = {
        "program_file": str(program_file) if program_file is not None else None,
        "services": services,
        "preset": preset,
    }
    for report in reports:
        names = declared[report.slug][0]
        missing = [n for n in ("data_dir", "month") if n not in names]
        missing += [n for n, v in given.items() if v is not None and n not in names]
        if missing:
            raise RenderError(
                f"{report.notebook} does not declare {', '.join(missing)} in its parameters cell"
            )

    ds = load(
        _resolve(data_dir, cwd), _resolve(program_file, cwd) if program_file is not None else None
    )
    span = ds.date_range()
    if span is None:
        raise RenderError(f"{data_dir}: the data has no dated rows to report on")
    first, last = span[0].date(), span[1].date()
    if services:
        present = set().union(*(set(ds.table(t)["service"].dropna()) for t in TABLE_NAMES))
        absent = sorted(set(services) - present)
        if absent:
            raise RenderError(
                f"unknown service {', '.join(map(repr, absent))} "
                f"(services in the data: {', '.join(sorted(present))})"
            )
    phase_end = max((p.end for p in ds.config.phases), default=None)
    try:
        latest = latest_complete_month(first, last, phase_end)
    except RenderError:
        if wanted in (["latest"], ["all"]):
            raise
        latest = None
    if wanted == ["latest"]:
        chosen = [latest]
    elif wanted == ["all"]:
        chosen = [m for m in data_months(first, last) if m <= latest]
    else:
        chosen = list(dict.fromkeys(wanted))
    notes = {}
    for month in chosen:
        if month < first.strftime("%Y-%m") or month > last.strftime("%Y-%m"):
            raise RenderError(f"month {month} is outside the data ({first} to {last})")
        if latest is None or month > latest:
            notes[month] = f"{month} is incomplete: the data ends {last}"

    rendered = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    base = {**given, "data_dir": str(data_dir)}
    jobs_out, provenance = [], {}
    through = {m: min(last, _month_end(m)) for m in chosen}  # a month's report is cut at its end
    for month in chosen:
        provenance[month] = _provenance(
            data_dir, month, ds, given, params, last, through[month], rendered
        )
        for report in reports:
            names, p_index = declared[report.slug]
            values = {
                k: v for k, v in {**base, "month": month}.items() if k in names and v is not None
            }
            values.update({k: v for k, v in params.items() if k in names})
            jobs_out.append(Job(month, report, folder / report.notebook, values, p_index))
    return Plan(
        Path(out),
        chosen,
        jobs_out,
        list(reports),
        provenance,
        notes,
        ds.config.name,
        {m: str(d) for m, d in through.items()},
    )


def _check_kernel(name: str) -> None:
    """The kernelspec exists (reads kernel.json; starts nothing)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise RenderError(
            f"no Jupyter kernel named {name!r}: run `make install` (it registers "
            f"the python3 kernel of .venv)"
        ) from None


def _resolve(path: str | Path, cwd: Path) -> Path:
    """``path`` as given when it already points where the kernels will look, else under ``cwd``."""
    path = Path(path)
    return path if path.is_absolute() or cwd.resolve() == Path.cwd().resolve() else cwd / path


def _declared_parameters(folder: Path, report: Report) -> tuple[set[str], int]:
    path = folder / report.notebook
    if not path.is_file():
        raise RenderError(f"{path}: report notebook not found")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several types for a damaged file
        raise RenderError(f"{path}: not a readable notebook ({type(exc).__name__})") from None
    index = next(
        (i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])), None
    )
    if index is None:
        raise RenderError(f"{path}: no cell is tagged 'parameters'")
    return assigned_names(nb.cells[index].source) | set(
        papermill.inspect_notebook(str(path))
    ), index


def assigned_names(source: str) -> set[str]:
    """Names a ``parameters`` cell assigns at top level (``x = 1``, ``x: int | None = None``).

    Read with ``ast``, which also understands the annotations papermill's own parser misses
    (``str | None``, ``list[str]``); empty when the cell is not plain Python.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Name):
                    names.add(leaf.id)
    return names


def _provenance(
    data_dir, month, ds, given, params, last, through, rendered
) -> list[tuple[str, str]]:
    import analytics
    from analytics.metrics.working_time import clock_note

    cfg = ds.config
    preset = given["preset"] or f"{cfg.definitions} (program.yml)"
    commit = git_commit()
    rows = [
        ("Data folder", str(data_dir)),
        (
            "Data through",
            f"{through} (local dates, {cfg.timezone})"
            + (
                f"; later rows of the export, which runs to {last}, are not used"
                if last > through
                else ""
            ),
        ),
        ("Month", month),
        ("Definitions preset", preset),
        ("Calendar", clock_note(cfg, given["preset"])),
        (
            "Program file",
            given["program_file"]
            or ("program.yml in the data folder" if cfg.source else "none (defaults)"),
        ),
        ("Services", ", ".join(given["services"]) if given["services"] else "all"),
    ]
    if params:
        rows.append(("Parameters", ", ".join(f"{k}={v!r}" for k, v in sorted(params.items()))))
    rows += [
        ("Package", f"devops-analytics {analytics.__version__}"),
        ("Git commit", commit or "not a git checkout"),
        ("Rendered", rendered),
    ]
    return rows


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The short commit of the package's checkout (``+changes`` when dirty), or None."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        )
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return sha.stdout.strip() + (" +changes" if dirty.stdout.strip() else "")
