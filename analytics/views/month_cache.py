"""Months kept in a render kernel: ``open_month`` hands back the month it opened last.

The render's warm kernels execute several pages of one month in turn; with
:func:`keep_opened_months` on, the month is computed once per kernel (or read from the render's
hand-over, :mod:`analytics.views.shared_months`) instead of once per page.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.paths import find_data_dir
from analytics.periods import parse_month
from analytics.views import shared_months

if TYPE_CHECKING:
    from analytics.views.month import MonthReport

__all__ = ["keep_opened_months", "kept", "kept_months", "key_of", "month_key"]


def kept() -> dict[tuple, MonthReport] | None:
    """The months kept in this process (None: keeping is off)."""
    return _KEPT


#: Months opened in this process, when ``keep_opened_months`` is on (None: off).
_KEPT: dict[tuple, MonthReport] | None = None


def keep_opened_months(on: bool = True, shared: str | Path | None = None) -> None:
    """Let ``open_month`` hand back the month it opened last in this process.

    The render's warm kernels execute several pages of one month in turn; with this on, the
    month's data, metric tables, program impact and scorecard are computed once per kernel
    instead of once per page. The key holds every argument and the size and modification time
    of each file of the data folder and of the program file, so changed files are read again.
    Pages must not modify the report's tables (they only read them). ``shared``: the folder
    where the render hands over the months it built (``analytics.views.shared_months``).
    """
    global _KEPT
    _KEPT = {} if on else None
    shared_months.use(shared if on else None)


@contextlib.contextmanager
def kept_months(shared: str | Path | None) -> Iterator[None]:
    """``keep_opened_months(True, shared)`` inside a ``with`` block, then as it was before."""
    global _KEPT
    before = _KEPT
    _KEPT = {}
    try:
        with shared_months.using(shared):
            yield
    finally:
        _KEPT = before


def month_key(
    data_dir: str | Path,
    month: str,
    program_file: str | None = None,
    services: list[str] | None = None,
    preset: str | None = None,
    teams: list[str] | None = None,
) -> tuple | None:
    """The key ``open_month`` files a month under (None: no such data folder)."""
    folder = find_data_dir(data_dir)
    return key_of(folder, parse_month(month), program_file, services, preset, teams)


def key_of(folder, month, program_file, services, preset, teams=None) -> tuple | None:
    if not Path(folder).is_dir():
        return None  # load() names the problem
    folder = Path(folder).resolve()  # the same key whichever folder it is named from
    program = Path(program_file).resolve() if program_file else None
    files = [folder / n for n in sorted(os.listdir(folder))] + ([program] if program else [])
    stats = tuple((str(f), *_stat(f)) for f in files)
    return (
        str(folder),
        month,
        str(program) if program else None,
        tuple(services or ()),
        preset,
        tuple(teams or ()),
        stats,
    )


def _stat(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)
