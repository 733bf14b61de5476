"""Everything the render decides before a kernel starts: months, parameters, jobs, provenance.

``prepare`` checks the month format, that the months are inside the data, the preset, the
services, and every parameter name against each notebook's ``parameters`` cell (read with
nbformat/papermill, no kernel), then lists the (month, notebook, parameters) jobs.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analytics.catalog import PRESETS
from analytics.exceptions import RenderError
from analytics.periods import parse_month  # re-exported: the render's month argument
from analytics.report.inputs import month_inputs
from analytics.report.manifest import read_manifest
from analytics.report.months import (
    DataSpan,
    choose_months,
    data_months,
    data_span,
    latest_complete_month,
    month_end,
    wanted_months,
)
from analytics.report.notebooks import check_kernel, declared_parameters, git_commit, provenance
from analytics.report.publish import check_out_folder
from analytics.report.registry import REPORTS, Report, default_notebook_dir

#: What every report notebook may declare in its ``parameters`` cell (data_dir and month: must).
STANDARD_PARAMETERS = ("data_dir", "month", "program_file", "services", "preset")
__all__ = [
    "Job",
    "Plan",
    "data_months",
    "git_commit",
    "latest_complete_month",
    "parse_month",
    "prepare",
]


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
    dataset: Any = None  #: the loaded export (services not filtered)
    services: list[str] | None = None
    span_note: str = ""  #: events set aside as stray (after the export's plausible end)
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)  #: per month, fingerprints
    unchanged: list[str] = field(default_factory=list)  #: months already published as planned

    @property
    def todo(self) -> list[str]:
        """The months to render (``months`` less ``unchanged``)."""
        return [m for m in self.months if m not in self.unchanged]


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
    cell_timeout_s: float = 600,
    force: bool = False,
) -> Plan:
    """Validate every input and list the jobs; starts no kernel. Arguments as ``render_months``.

    Raises
    ------
    RenderError
        bad month, month outside the data, unknown preset/service/parameter/kernel, a
        notebook missing or without a ``parameters`` cell, a bad timeout, an output folder
        that is a file or holds a month folder or index the render did not write.
    DataValidationError, ConfigError
        from loading the data folder.
    """
    cwd = cwd if cwd is not None else Path.cwd()
    req = _check_request(
        months,
        Path(out),
        notebook_dir=notebook_dir,
        jobs=jobs,
        preset=preset,
        program_file=program_file,
        services=services,
        params=params,
        timeout=cell_timeout_s,
        kernel=kernel_name,
    )
    declared = _read_notebooks(req.folder, reports, req.params, req.given)
    ds, span = _load(data_dir, program_file, req.services, cwd)
    chosen, notes = choose_months(
        req.wanted, span, max((p.end for p in ds.config.phases), default=None)
    )
    check_out_folder(req.out, chosen)
    plan = _plan(req, reports, data_dir, ds, span, chosen, notes, declared)
    _decide_unchanged(plan, req.folder, program_file, data_dir, cwd, req.given, req.params, force)
    return plan


@dataclass(frozen=True)
class _Request:
    """The render's arguments once checked (everything that needs no data)."""

    out: Path
    wanted: list[str]  # months, or ["latest"] / ["all"]
    folder: Path  # the notebooks
    params: dict[str, Any]  # --param values
    services: list[str] | None
    given: dict[str, Any]  # program_file, services, preset as the notebooks receive them


def _check_request(
    months,
    out: Path,
    *,
    notebook_dir,
    jobs,
    preset,
    program_file,
    services,
    params,
    timeout,
    kernel,
) -> _Request:
    """Month format, options, output folder, kernel: every check that needs no data."""
    wanted = wanted_months(months)
    params = _check_options(jobs, preset, params, timeout)
    check_out_folder(out, [m for m in wanted if m not in ("latest", "all")])
    check_kernel(kernel)
    services = [s.strip() for s in services if s.strip()] if services else None
    given = {
        "program_file": str(program_file) if program_file is not None else None,
        "services": services,
        "preset": preset,
    }
    folder = Path(notebook_dir) if notebook_dir is not None else default_notebook_dir()
    return _Request(out, wanted, folder, params, services, given)


def _plan(req: _Request, reports, data_dir, ds, span: DataSpan, chosen, notes, declared) -> Plan:
    """The jobs of the chosen months and each month's provenance."""
    through = {m: min(span.last, month_end(m)) for m in chosen}  # a report is cut at its end
    rendered = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    base = {**req.given, "data_dir": str(data_dir)}
    return Plan(
        req.out,
        chosen,
        _jobs(chosen, reports, declared, req.folder, base, req.params),
        list(reports),
        {
            m: provenance(data_dir, m, ds, req.given, req.params, span.last, through[m], rendered)
            for m in chosen
        },
        notes,
        ds.config.name,
        {m: str(d) for m, d in through.items()},
        dataset=ds,
        services=req.services,
        span_note=span.note(),
    )


def _check_options(
    jobs: int, preset: str | None, params: Mapping[str, Any] | None, cell_timeout_s: float
) -> dict[str, Any]:
    """The options that need no data: jobs, preset, timeout, parameter names; the params."""
    if int(jobs) < 1:
        raise RenderError(f"jobs must be at least 1, got {jobs}")
    if preset is not None and preset not in PRESETS:
        raise RenderError(f"unknown preset {preset!r} (known: {', '.join(PRESETS)})")
    check_timeout(cell_timeout_s)
    params = dict(params or {})
    for key in params:
        if key in STANDARD_PARAMETERS:
            raise RenderError(f"parameter {key!r} has its own option; do not pass it as --param")
    return params


def check_timeout(seconds: float) -> float:
    """The per-cell timeout must be a finite number of seconds above 0 (0 would mean no limit).

    >>> check_timeout(600)
    600.0
    """
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise RenderError(f"--timeout must be a number of seconds above 0, got {seconds!r}")
    return value


def _read_notebooks(
    folder: Path, reports: Sequence[Report], params: dict[str, Any], given: dict[str, Any]
) -> dict[str, tuple[set[str], int]]:
    """Each notebook's declared parameters; RenderError for an undeclared name."""
    declared = {r.slug: declared_parameters(folder, r) for r in reports}
    known_extra = set().union(*(names for names, _ in declared.values())) - set(STANDARD_PARAMETERS)
    unknown = sorted(set(params) - known_extra)
    if unknown:
        raise RenderError(
            f"unknown parameter {', '.join(map(repr, unknown))}: no report notebook declares "
            f"it (extra parameters they declare: {', '.join(sorted(known_extra)) or 'none'})"
        )
    for report in reports:
        names = declared[report.slug][0]
        missing = [n for n in ("data_dir", "month") if n not in names]
        missing += [n for n, v in given.items() if v is not None and n not in names]
        if missing:
            raise RenderError(
                f"{report.notebook} does not declare {', '.join(missing)} in its parameters cell"
            )
    return declared


def _load(data_dir, program_file, services, cwd: Path):
    """The dataset and its plausible span; RenderError for no dates or an unknown service."""
    from analytics.data.dataset import check_services
    from analytics.data.load import load

    ds = load(
        _resolve(data_dir, cwd), _resolve(program_file, cwd) if program_file is not None else None
    )
    span = data_span(ds)
    if span is None:
        raise RenderError(f"{data_dir}: the data has no dated rows to report on")
    check_services(ds, services)
    return ds, span


def _jobs(chosen, reports, declared, folder: Path, base: dict, params: dict) -> list[Job]:
    jobs = []
    for month in chosen:
        for report in reports:
            names, p_index = declared[report.slug]
            values = {
                k: v for k, v in {**base, "month": month}.items() if k in names and v is not None
            }
            values.update({k: v for k, v in params.items() if k in names})
            jobs.append(Job(month, report, folder / report.notebook, values, p_index))
    return jobs


def _decide_unchanged(plan: Plan, folder, program_file, data_dir, cwd, given, params, force):
    """Fingerprint each month's inputs; a month whose manifest has the same is not rendered."""
    ds = plan.dataset
    program = _resolve(program_file, cwd) if program_file is not None else None
    if program is None and ds.config.source and Path(ds.config.source).is_file():
        program = Path(ds.config.source)
    notebooks = [(f"{r.slug} {r.title}", folder / r.notebook) for r in plan.reports]
    options = {**given, "data_dir": str(data_dir), "params": params}
    for month in plan.months:
        plan.inputs[month] = month_inputs(
            ds, month, program_path=program, notebooks=notebooks, options=options
        )
        if not force and _published_with(plan.out, month, plan.inputs[month], plan.reports):
            plan.unchanged.append(month)


def _published_with(out: Path, month: str, inputs: dict, reports: Sequence[Report]) -> bool:
    manifest = read_manifest(out / month) or {}
    return manifest.get("inputs") == inputs and all(
        (out / month / r.html_name).is_file() for r in reports
    )


def _resolve(path: str | Path, cwd: Path) -> Path:
    """``path`` as given when it already points where the kernels will look, else under ``cwd``."""
    path = Path(path)
    return path if path.is_absolute() or cwd.resolve() == Path.cwd().resolve() else cwd / path
