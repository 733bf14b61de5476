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
from pathlib import Path

from analytics.report.plan import Plan, _resolve
from analytics.views import shared_months
from analytics.views.month import month_key, month_of


class MonthBuilder:
    """Builds the months of ``plan`` to render into ``folder``, in order, on one thread."""

    def __init__(self, plan: Plan, folder: Path | None, cwd: Path) -> None:
        self.plan, self.folder, self.cwd = plan, folder, cwd
        self.keys: dict[str, tuple] = {}
        self.thread: threading.Thread | None = None
        self.stopped = threading.Event()

    def start(self) -> MonthBuilder:
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
        for month, key in list(self.keys.items()):
            if self.stopped.is_set():
                shared_months.withdraw(self.folder, key)
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
                shared_months.hand_over(self.folder, key, report)
            except Exception:  # noqa: BLE001 - the pages compute the month and show the error
                shared_months.withdraw(self.folder, key)

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
