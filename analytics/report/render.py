"""Render the monthly report set: papermill in one process, a small pool of kernels, nbconvert.

``render_months`` first checks everything it can without a kernel (``plan.prepare``), then runs
every (month, notebook) job on a thread pool of ``jobs`` workers; each worker executes one
notebook in a fresh ``python3`` kernel (papermill) and converts it to HTML in-process. Pages of a
month go to a staging folder beside the output; the month folder is replaced only when every page
of that month succeeded. Otherwise the previous month stays as it was, each failed executed
notebook is kept in ``<out>/_failed/<month>/`` and the failures are returned, all of them.

Kernels get the inline matplotlib backend whatever ``MPLBACKEND`` says (``Agg`` would silently
drop every figure) and print a figure as its title, which becomes the image's alt text.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import papermill
from papermill.exceptions import PapermillExecutionError

from analytics.exceptions import RenderError
from analytics.report.export import export_staged_month
from analytics.report.html import notebook_to_html, offline_problems
from analytics.report.index import month_label, write_index, write_manifest
from analytics.report.plan import Job, Plan, prepare
from analytics.report.registry import REPORTS, Report

FAILED_DIR = "_failed"
_KERNEL_SETUP = (
    "from matplotlib.figure import Figure as _F; "
    "get_ipython().display_formatter.formatters['text/plain'].for_type(_F, lambda f, p, c: p.text("
    "f.get_suptitle() or '; '.join(t for t in (a.get_title() for a in f.axes) if t) or repr(f))); "
    "del _F"
)
KERNEL_ARGUMENTS = (
    "--IPKernelApp.matplotlib=inline",  # figures are displayed even when MPLBACKEND=Agg
    "--HistoryManager.enabled=False",  # no shared sqlite history between parallel kernels
    "--log-level=ERROR",
    "--IPKernelApp.exec_lines=" + _KERNEL_SETUP,
)


@dataclass(frozen=True)
class NotebookFailure:
    """A page that could not be rendered: where and why, and the executed notebook kept."""

    month: str
    report: Report
    error: str
    cell: int | None = None  # 1-based cell number in the source notebook
    execution_count: int | None = None
    kept: Path | None = None

    def __str__(self) -> str:
        where = f"cell {self.cell}" if self.cell else "notebook"
        if self.execution_count:
            where += f" (In [{self.execution_count}])"
        text = f"{self.month} {self.report.notebook}, {where}: {self.error}"
        return text + (f" (executed notebook kept: {self.kept})" if self.kept else "")


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

    @property
    def ok(self) -> bool:
        return not self.failures


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

    Returns
    -------
    One ``MonthResult`` per month, in order; a month with failures was not replaced.

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
    progress=None,
    kernel_name: str = "python3",
    cell_timeout_s: float = 600,
    cwd: Path | None = None,
) -> list[MonthResult]:
    """Run a prepared plan; see ``render_months``."""
    cwd = cwd or Path.cwd()
    out = plan.out
    out.mkdir(parents=True, exist_ok=True)
    stages = {m: Path(tempfile.mkdtemp(prefix=f".render-{m}-", dir=out)) for m in plan.months}
    results = {m: MonthResult(m, out / m, note=plan.notes.get(m, "")) for m in plan.months}
    pending = {m: sum(1 for j in plan.jobs if j.month == m) for m in plan.months}
    published = False
    mute = _DeclaredParameters()
    logging.getLogger("papermill").addFilter(mute)
    try:
        with ThreadPoolExecutor(max_workers=int(jobs), thread_name_prefix="render") as pool:
            futures = {
                pool.submit(
                    _run_job, job, stages[job.month], plan, kernel_name, cell_timeout_s, cwd
                ): job
                for job in plan.jobs
            }
            try:
                for future in as_completed(futures):
                    job = futures[future]
                    failure, seconds = future.result()
                    result = results[job.month]
                    if failure:
                        result.failures.append(failure)
                    if progress:
                        progress(PageDone(job.month, job.report, failure is None, seconds))
                    pending[job.month] -= 1
                    if pending[job.month] == 0:
                        if not result.failures:  # every page rendered: its tables beside them
                            export_staged_month(plan, job.month, stages[job.month], cwd)
                        published |= _finish_month(plan, result, stages.pop(job.month))
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        logging.getLogger("papermill").removeFilter(mute)
        for stage in stages.values():
            shutil.rmtree(stage, ignore_errors=True)
    if published:
        write_index(out)
    return [results[m] for m in plan.months]


KERNEL_START_ATTEMPTS = 3
_START_FAILURES = ("Kernel died before replying to kernel_info", "Address already in use")


def _execute_with_start_retry(
    job: Job, executed: Path, kernel_name: str, timeout_s: float, cwd: Path
):
    """papermill.execute_notebook, retried when the kernel dies while starting.

    Kernels started in parallel can race for the same free TCP port (jupyter_client picks a
    port, releases it, and the kernel binds it later); the loser dies before its first reply.
    Only that start-up failure is retried; an error inside a cell is never retried.
    """
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        try:
            return papermill.execute_notebook(
                str(job.notebook),
                str(executed),
                parameters=job.parameters,
                kernel_name=kernel_name,
                progress_bar=False,
                request_save_on_cell_execute=False,
                log_output=False,
                start_timeout=60,
                execution_timeout=timeout_s,
                extra_arguments=list(KERNEL_ARGUMENTS),
                resources={"metadata": {"path": str(cwd)}},
                shutdown_kernel="immediate",
            )
        except PapermillExecutionError:
            raise
        except Exception as exc:
            if attempt == KERNEL_START_ATTEMPTS or not any(m in str(exc) for m in _START_FAILURES):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _run_job(
    job: Job, stage: Path, plan: Plan, kernel_name: str, timeout_s: float, cwd: Path
) -> tuple[NotebookFailure | None, float]:
    start = time.perf_counter()
    executed = stage / f"{job.report.slug}.ipynb"
    try:
        nb = _execute_with_start_retry(job, executed, kernel_name, timeout_s, cwd)
    except PapermillExecutionError as exc:
        cell = exc.cell_index + (0 if exc.cell_index <= job.parameters_cell else -1) + 1
        error = f"{exc.ename}: {_one_line(exc.evalue)}" if exc.evalue else exc.ename
        return NotebookFailure(
            job.month,
            job.report,
            error,
            cell,
            exc.exec_count,
            executed if executed.exists() else None,
        ), time.perf_counter() - start
    except Exception as exc:  # kernel died, cell timed out, notebook unreadable ...
        return NotebookFailure(
            job.month,
            job.report,
            f"{type(exc).__name__}: {_one_line(str(exc))}",
            kept=executed if executed.exists() else None,
        ), time.perf_counter() - start
    try:
        html = notebook_to_html(nb, _page(job, plan))
        problems = offline_problems(html)
        if problems:
            raise RenderError(
                f"the page is not self-contained: {'; '.join(sorted(set(problems))[:3])}"
            )
        (stage / job.report.html_name).write_text(html, encoding="utf-8")
    except Exception as exc:
        return NotebookFailure(
            job.month,
            job.report,
            f"HTML conversion: {type(exc).__name__}: {_one_line(str(exc))}",
            kept=executed,
        ), time.perf_counter() - start
    return None, time.perf_counter() - start


def _page(job: Job, plan: Plan) -> dict[str, Any]:
    import analytics

    label = month_label(job.month)
    return {
        "title": job.report.title,
        "page_title": f"{job.report.title}, {label} - {plan.program}",
        "program": plan.program,
        "month_label": label,
        "nav": [
            {"title": r.title, "href": r.html_name, "current": r == job.report}
            for r in plan.reports
        ],
        "provenance": plan.provenance[job.month],
        "version": analytics.__version__,
    }


def _finish_month(plan: Plan, result: MonthResult, stage: Path) -> bool:
    """Publish a fully rendered month (True), or keep the failed notebooks and drop the stage."""
    failed_dir = plan.out / FAILED_DIR / result.month
    shutil.rmtree(failed_dir, ignore_errors=True)
    if result.failures:
        failed_dir.mkdir(parents=True, exist_ok=True)
        kept = []
        for failure in result.failures:
            if failure.kept and failure.kept.exists():
                target = failed_dir / failure.kept.name
                shutil.move(str(failure.kept), target)
                failure = replace(failure, kept=target)
            kept.append(failure)
        result.failures = sorted(kept, key=lambda f: f.report.slug)
        shutil.rmtree(stage, ignore_errors=True)
        return False
    for executed in stage.glob("*.ipynb"):
        executed.unlink()
    write_manifest(
        stage,
        {
            "month": result.month,
            "program": plan.program,
            "data_through": plan.data_through[result.month],
            "rendered_at": dict(plan.provenance[result.month])["Rendered"],
            "pages": [
                {"slug": r.slug, "title": r.title, "file": r.html_name} for r in plan.reports
            ],
            "provenance": dict(plan.provenance[result.month]),
        },
    )
    os.chmod(stage, 0o755)
    _swap(stage, result.folder)
    result.pages = [result.folder / r.html_name for r in plan.reports]
    _remove_if_empty(plan.out / FAILED_DIR)
    return True


def _swap(stage: Path, target: Path) -> None:
    """Replace ``target`` by ``stage`` with renames on one filesystem; restore on failure."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.monotonic_ns()}")
        os.replace(target, old)
    try:
        os.replace(stage, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
