"""The render builds each month once and hands it to the kernels (``views.shared_months``).

``MonthBuilder.start`` marks every month to render as being built, then builds them in render
order on a background thread of the render process, from the data the plan has loaded: the
month cut at its end, with the tables, program impact and by-team impact the pages read.
Kernels that open a marked month wait for it and read it instead of computing it; the month's
files (``export``) read the same one, so each figure is computed once per render. A month the
builder cannot build is unmarked, and the kernels compute it as they would without a builder.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

from analytics.report.plan import Plan, _resolve
from analytics.views import shared_months
from analytics.views.month import month_of
from analytics.views.month_cache import month_key


class MonthBuilder:
    """Builds the months of ``plan`` to render into ``folder``, in order, on one thread."""

    def __init__(self, plan: Plan, folder: Path | None, cwd: Path) -> None:
        self.plan, self.folder, self.cwd = plan, folder, cwd
        self.on_built: Callable[[str], None] | None = None
        self.keys: dict[str, tuple] = {}
        self.thread: threading.Thread | None = None
        self.stopped = threading.Event()

    def start(self, on_built: Callable[[str], None] | None = None) -> MonthBuilder:
        """Mark the months and build them; ``on_built(month)`` after each one built."""
        self.on_built = on_built
        if self.folder is None or self.plan.dataset is None:
            return self
        for month in self.plan.todo:
            key = self._key(month)
            if key is not None:
                self.keys[month] = key
                shared_months.announce(self.folder, key)
        self.thread = threading.Thread(target=self._build_all, name="month-builder", daemon=True)
        self.thread.start()
        return self

    def _params(self, month: str) -> dict:
        return next(j.parameters for j in self.plan.jobs if j.month == month)

    def _key(self, month: str) -> tuple | None:
        params = self._params(month)
        program = params.get("program_file")
        try:
            return month_key(
                _resolve(params["data_dir"], self.cwd),
                month,
                str(_resolve(program, self.cwd)) if program else None,
                params.get("services"),
                params.get("preset"),
            )
        except Exception:  # the kernels find the folder, or name the problem, themselves
            return None

    def _build_all(self) -> None:
        folder = self.folder
        if folder is None:  # start() builds nothing without a folder
            return
        for month, key in list(self.keys.items()):
            if self.stopped.is_set():
                shared_months.withdraw(folder, key)
                continue
            params = self._params(month)
            try:
                report = month_of(
                    self.plan.dataset,
                    str(params["data_dir"]),
                    month,
                    params.get("services"),
                    params.get("preset"),
                )
                shared_months.hand_over(folder, key, report)
            except Exception:  # noqa: BLE001 - the pages compute the month and show the error
                shared_months.withdraw(folder, key)
                continue
            if self.on_built is not None:
                self.on_built(month)

    def release(self, month: str) -> None:
        """The month is published or dropped: its file is no longer needed."""
        key = self.keys.pop(month, None)
        if key is not None and self.folder is not None:
            shared_months.discard(self.folder, key)

    def stop(self) -> None:
        """Build nothing more (unmarking what is left) and wait for the month being built."""
        self.stopped.set()
        if self.thread is not None:
            self.thread.join()


class FilesAhead:
    """A month's further files (``registry.register_month_files``), written on one thread of
    the render as soon as the month is built, while its pages are still being drawn.

    ``result(month)`` waits for them (or, when the month was not built ahead, writes them
    now) and raises what the writers raised; a month taken is never written again.
    """

    def __init__(self, write: Callable[[str], list[str]]) -> None:
        self.write = write
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="month-files")
        self.futures: dict[str, Future] = {}
        self.taken: set[str] = set()
        self.lock = threading.Lock()

    def submit(self, month: str) -> None:
        with self.lock:
            if month not in self.taken:
                self.futures[month] = self.pool.submit(self.write, month)

    def result(self, month: str) -> list[str]:
        with self.lock:
            self.taken.add(month)
            future = self.futures.pop(month, None)
        return future.result() if future is not None else self.write(month)

    def drop(self, month: str) -> None:
        """The month failed: write nothing for it, and wait for a writer already running."""
        with self.lock:
            self.taken.add(month)
            future = self.futures.pop(month, None)
        if future is not None:
            future.cancel()
            wait([future])

    def close(self) -> None:
        """Write nothing more; wait for a writer still running (its folder is discarded next)."""
        with self.lock:
            self.taken.update(self.futures)
        self.pool.shutdown(wait=True, cancel_futures=True)
