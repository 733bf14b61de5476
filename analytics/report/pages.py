"""One page of the render: execute a notebook in the worker's warm kernel, convert it to HTML.

Also the hook for a month's further files (``MonthFiles``, ``write_month_files``).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from papermill.exceptions import PapermillExecutionError

from analytics.exceptions import RenderError
from analytics.report.html import notebook_to_html, offline_problems
from analytics.report.index import month_label
from analytics.report.kernels import KernelPool, WarmKernel
from analytics.report.manifest import pop_status
from analytics.report.plan import Job, Plan
from analytics.report.registry import MONTH_FILES, Report


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


class PageRunner:
    """Executes jobs on the calling thread's warm kernel; one kernel of the pool per worker."""

    def __init__(self, plan: Plan, pool: KernelPool, timeout_s: float) -> None:
        self.plan, self.pool, self.timeout_s = plan, pool, timeout_s
        self.local = threading.local()
        self.status: dict[tuple[str, str], dict] = {}

    def kernel(self) -> WarmKernel:
        if getattr(self.local, "kernel", None) is None:
            self.local.kernel = self.pool.take()
        return self.local.kernel

    def run(self, job: Job, stage: Path) -> tuple[NotebookFailure | None, float]:
        start = time.perf_counter()
        failure = self._page(job, stage)
        return failure, time.perf_counter() - start

    def _page(self, job: Job, stage: Path) -> NotebookFailure | None:
        executed = stage / f"{job.report.slug}.ipynb"
        kept = lambda: executed if executed.exists() else None  # noqa: E731
        try:
            nb = self.kernel().execute(job.notebook, executed, job.parameters, self.timeout_s)
        except PapermillExecutionError as exc:
            cell = exc.cell_index + (0 if exc.cell_index <= job.parameters_cell else -1) + 1
            error = f"{exc.ename}: {_one_line(exc.evalue)}" if exc.evalue else exc.ename
            return NotebookFailure(job.month, job.report, error, cell, exc.exec_count, kept())
        except Exception as exc:  # kernel died, cell timed out, notebook unreadable ...
            error = f"{type(exc).__name__}: {_one_line(str(exc))}"
            return NotebookFailure(job.month, job.report, error, kept=kept())
        try:
            status = pop_status(nb)
            html = notebook_to_html(nb, _page(job, self.plan))
            problems = offline_problems(html)
            if problems:
                raise RenderError(
                    f"the page is not self-contained: {'; '.join(sorted(set(problems))[:3])}"
                )
            (stage / job.report.html_name).write_text(html, encoding="utf-8")
            self.status[(job.month, job.report.slug)] = status
        except Exception as exc:
            error = f"HTML conversion: {type(exc).__name__}: {_one_line(str(exc))}"
            return NotebookFailure(job.month, job.report, error, kept=executed)
        return None


class JobQueue:
    """Hands jobs to the worker threads, keeping each worker on one month while it can.

    A worker takes the next page of the month it is working on; when that has none left, the
    next month no worker has started; else it helps with any month. So ``--all-months`` renders
    each month in one kernel (the month's data and tables are built once,
    ``views.month_cache.keep_opened_months``) while the two kernels of a single month share its
    pages.
    Results come back to the calling thread through ``done``.
    """

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = list(jobs)
        self.started: set[str] = set()
        self.lock = threading.Lock()
        self.results: queue.Queue = queue.Queue()
        self.stopped = False

    def next(self, current: str | None) -> Job | None:
        """The next job for a worker last busy with month ``current`` (None: nothing left)."""
        with self.lock:
            if self.stopped or not self.jobs:
                return None
            pick = next((j for j in self.jobs if j.month == current), None)
            pick = pick or next((j for j in self.jobs if j.month not in self.started), None)
            pick = pick or self.jobs[0]
            self.jobs.remove(pick)
            self.started.add(pick.month)
            return pick

    def work(self, run: Callable[[Job], Any]) -> None:
        """A worker's loop: run jobs until none is left; results (or a crash) go to ``done``."""
        current = None
        try:
            while (job := self.next(current)) is not None:
                current = job.month
                self.results.put((job, run(job)))
        except BaseException as exc:  # reported to the calling thread, which re-raises
            self.results.put((None, exc))

    def done(self, count: int):
        """Yield ``(job, result)`` for ``count`` jobs as they finish."""
        for _ in range(count):
            job, result = self.results.get()
            if job is None:
                raise result
            yield job, result

    def stop(self) -> None:
        """Hand out no more jobs (after an interrupt or a crash)."""
        with self.lock:
            self.stopped = True


@dataclass(frozen=True)
class MonthFiles:
    """What a writer of a month's further files gets (``registry.register_month_files``)."""

    month: str
    folder: Path  #: the month's unpublished folder: write here only
    plan: Plan

    def dataset(self):
        """The data as the month's pages see them: cut at the month's end, services kept."""
        from analytics.views.month import month_end

        ds = self.plan.dataset
        cut = ds.until(month_end(self.month, ds.config.timezone))
        return cut.filter_services(self.plan.services)


def write_month_files(
    plan: Plan, month: str, folder: Path, writers: Iterable[Callable] | None = None
) -> list[str]:
    """Run every registered writer of further month files into ``folder``; the names written."""
    names: list[str] = []
    for writer in MONTH_FILES if writers is None else writers:
        names += [str(n) for n in writer(MonthFiles(month, folder, plan)) or []]
    return names


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


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
