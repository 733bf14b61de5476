"""Render the monthly report set: warm kernels run the notebooks, nbconvert makes the pages.

``render_months`` first checks everything it can without a kernel (``plan.prepare``): bad
input stops it with one line before any work; months whose inputs have not changed since
they were published are left as they are (``--force`` renders them again). It then runs the
(month, notebook) jobs of the other months on ``jobs`` worker threads; each worker keeps one
warm kernel (``analytics.report.kernels``) that executes notebook after notebook with
papermill, and converts each executed notebook to HTML in-process. A month's pages, its
manifest and any further files (``registry.register_month_files``) are written into an
unpublished version folder and published in one atomic step (``analytics.report.publish``)
only when every page of that month succeeded. Otherwise the previous month stays as it was,
each failed executed notebook is kept in ``<out>/_failed/<month>/`` and the failures are
returned, all of them.

Kernels get the inline matplotlib backend whatever ``MPLBACKEND`` says (``Agg`` would silently
drop every figure) and print a figure as its title, which becomes the image's alt text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from analytics.report import publish as pub
from analytics.report.export import write_export_files
from analytics.report.handover import FilesAhead, MonthBuilder
from analytics.report.index import write_index
from analytics.report.kernels import KERNEL_ARGUMENTS, KernelPool
from analytics.report.manifest import month_manifest, read_manifest, write_manifest
from analytics.report.pages import (
    JobQueue,
    MonthFiles,
    NotebookFailure,
    PageRunner,
    _one_line,
    write_month_files,
)
from analytics.report.plan import Job, Plan, prepare
from analytics.report.registry import REPORTS, Report, register_month_files
from analytics.views.month_cache import kept_months

FAILED_DIR = pub.FAILED_DIR
__all__ = ["KERNEL_ARGUMENTS", "MonthFiles", "MonthResult", "NotebookFailure", "PageDone"]


@dataclass(frozen=True)
class PageDone:
    """Progress event: one (month, report) page finished, well or not."""

    month: str
    report: Report
    ok: bool
    seconds: float


@dataclass
class MonthResult:
    month: str
    folder: Path
    pages: list[Path] = field(default_factory=list)
    failures: list[NotebookFailure] = field(default_factory=list)
    note: str = ""
    skipped: bool = False  #: inputs unchanged since it was published: not rendered again
    seconds: dict[str, float] = field(default_factory=dict)  #: per page slug

    @property
    def ok(self) -> bool:
        return not self.failures


register_month_files(write_export_files)  # the month's CSVs, workbook and digest


def render_month(data_dir: str | Path, month: str, **kwargs: Any) -> MonthResult:
    """Render one month; see ``render_months`` for the options."""
    return render_months(data_dir, [month], **kwargs)[0]


def render_months(
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
    progress: Callable[[PageDone], None] | None = None,
    kernel_name: str = "python3",
    cell_timeout_s: float = 600,
    cwd: str | Path | None = None,
    force: bool = False,
) -> list[MonthResult]:
    """Render the report set for each month into ``out/<month>/`` and refresh ``out/index.html``.

    Parameters
    ----------
    data_dir
        The data folder, injected into the notebooks as given (relative paths resolve
        against ``cwd``, the kernels' working folder, by default the current one).
    months
        ``YYYY-MM`` strings, or ``"latest"`` (the latest complete month, see
        ``latest_complete_month``) or ``"all"`` (every month up to the latest complete one).
    reports, notebook_dir
        The report set and the folder its notebooks are in (default: ``REPORTS`` in
        ``notebooks/reports``).
    jobs
        Kernels running at once.
    preset, program_file, services
        Injected as ``preset``, ``program_file`` and ``services`` (None: the notebook's default).
    params
        Further notebook parameters; each must be declared by at least one notebook and is
        injected where declared.
    progress
        Called in the calling thread after each page.
    cell_timeout_s
        Longest a single cell may run, in seconds (finite, above 0).
    force
        Render every month again, even one whose inputs have not changed since it was
        published (``analytics.report.inputs``).

    Returns
    -------
    One ``MonthResult`` per month, in order; a month with failures was not replaced, a month
    with ``skipped`` set was already published from the same inputs.

    Raises
    ------
    RenderError, DataValidationError, ConfigError
        for bad parameters or data, before any kernel starts.
    """
    cwd = Path(cwd) if cwd is not None else Path.cwd()
    plan = prepare(
        data_dir,
        months,
        out=out,
        reports=reports,
        notebook_dir=notebook_dir,
        jobs=jobs,
        preset=preset,
        program_file=program_file,
        services=services,
        params=params,
        cwd=cwd,
        kernel_name=kernel_name,
        cell_timeout_s=cell_timeout_s,
        force=force,
    )
    return execute(
        plan,
        jobs=jobs,
        progress=progress,
        kernel_name=kernel_name,
        cell_timeout_s=cell_timeout_s,
        cwd=cwd,
    )


class _DeclaredParameters(logging.Filter):
    """Mute papermill's "Passed unknown parameter": its parser misses annotated parameters
    (``services: list[str] | None = None``); ``plan.prepare`` checked every name already."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Passed unknown parameter" not in record.getMessage()


def execute(
    plan: Plan,
    *,
    jobs: int = 2,
    progress: Callable[[PageDone], None] | None = None,
    kernel_name: str = "python3",
    cell_timeout_s: float = 600,
    cwd: Path | None = None,
    pool: KernelPool | None = None,
) -> list[MonthResult]:
    """Run a prepared plan; see ``render_months``. ``pool``: kernels already warming up
    (``KernelPool.warm``), else ``jobs`` kernels are started for the months to render."""
    out = plan.out
    results = {m: MonthResult(m, out / m, note=plan.notes.get(m, "")) for m in plan.months}
    with pub.locked(out):
        pub.check_out_folder(out, plan.months)  # again, now that no other render writes
        pub.clean_stale(out)
        for month in plan.unchanged:
            results[month].skipped = True
            results[month].pages = [out / month / r.html_name for r in plan.reports]
        pool = pool or KernelPool(jobs, kernel_name, cwd or Path.cwd())
        builder = MonthBuilder(plan, pool.shared, cwd or Path.cwd())
        try:
            with kept_months(pool.shared):  # the month's files read the months built once
                published = _run(plan, results, jobs, progress, pool, cell_timeout_s, builder)
        finally:
            builder.stop()
            pool.shutdown()
        if published or not (out / pub.INDEX).exists():
            write_index(out)
    return [results[m] for m in plan.months]


def _run(plan, results, jobs, progress, pool: KernelPool, timeout_s: float, builder) -> bool:
    """Execute the jobs of the months to render; True when a month was published.

    Each month is built once (``MonthBuilder``) while the kernels start; its further files are
    written as soon as it is built (``FilesAhead``), while its pages are being drawn.
    """
    todo = plan.todo
    if not todo:
        return False
    runner = PageRunner(plan, pool, timeout_s)
    versions = {m: pub.new_version(plan.out, m) for m in todo}
    ahead = FilesAhead(lambda month: write_month_files(plan, month, versions[month]))
    builder.start(on_built=ahead.submit)
    pending = {m: sum(1 for j in plan.jobs if j.month == m) for m in todo}
    queue = JobQueue(_ordered(plan, todo))
    published = False
    mute = _DeclaredParameters()
    logging.getLogger("papermill").addFilter(mute)
    try:
        with ThreadPoolExecutor(max_workers=int(jobs), thread_name_prefix="render") as threads:
            for _ in range(int(jobs)):
                threads.submit(queue.work, lambda job: runner.run(job, versions[job.month]))
            try:
                for job, (failure, seconds) in queue.done(sum(pending.values())):
                    result = results[job.month]
                    result.seconds[job.report.slug] = seconds
                    if failure:
                        result.failures.append(failure)
                    if progress:
                        progress(PageDone(job.month, job.report, failure is None, seconds))
                    pending[job.month] -= 1
                    if pending[job.month] == 0:
                        version = versions.pop(job.month)
                        published |= _finish_month(plan, result, version, runner.status, ahead)
                        builder.release(job.month)
            finally:
                queue.stop()
    finally:
        ahead.close()
        logging.getLogger("papermill").removeFilter(mute)
        for version in versions.values():
            pub.discard(version)
    return published


def _ordered(plan: Plan, todo: list[str]) -> list[Job]:
    """Month by month; within a month the slowest pages first (as timed last time), so the
    two kernels finish a month together."""
    order = []
    for month in todo:
        last = {p.get("slug"): p.get("seconds", 0) for p in _pages_of(plan.out / month)}
        jobs = [j for j in plan.jobs if j.month == month]
        order += sorted(jobs, key=lambda j: -float(last.get(j.report.slug) or 0))
    return order


def _pages_of(folder: Path) -> list[dict]:
    pages = (read_manifest(folder) or {}).get("pages")
    return [p for p in pages if isinstance(p, dict)] if isinstance(pages, list) else []


def _finish_month(plan: Plan, result: MonthResult, version: Path, status: dict, ahead) -> bool:
    """Publish a fully rendered month (True), or keep the failed notebooks and drop it."""
    slugs = [f"{r.slug}.ipynb" for r in plan.reports]
    files: list[str] = []
    if result.failures:
        ahead.drop(result.month)  # a writer still running must not outlive its folder
    else:
        try:
            files = ahead.result(result.month)
        except Exception as exc:
            error = f"{type(exc).__name__}: {_one_line(str(exc))}"
            result.failures.append(NotebookFailure(result.month, _FILES, error))
    if result.failures:
        moved = pub.keep_failed(plan.out, result.month, [f.kept for f in result.failures if f.kept])
        result.failures = sorted(
            (
                replace(f, kept=moved.get(f.kept, f.kept) if f.kept else None)
                for f in result.failures
            ),
            key=lambda f: f.report.slug,
        )
        pub.discard(version)
        return False
    for executed in version.glob("*.ipynb"):
        executed.unlink()
    write_manifest(version, month_manifest(plan, result, files, status))
    pub.publish(plan.out, result.month, version)
    pub.clear_failed(plan.out, result.month, slugs)
    result.pages = [result.folder / r.html_name for r in plan.reports]
    return True


_FILES = Report("99-month-files", "Further files of the month", "(month file writers)")
