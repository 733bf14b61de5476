"""A month's results computed once per render and read by every kernel (the render's hand-over).

The render's kernels each open the month their page shows (``open_month``). Without help,
each kernel would load the data and compute the month's tables, program impact and by-team
impact again, and the render process a third time for the month's files. Instead the render
process builds the month once (``build``: the data it has already loaded, cut at the month's
end, with the results the pages read computed) and leaves it, pickled, in a folder the
kernels know (``use``). A kernel's ``open_month`` then:

- finds the month's file: reads it (milliseconds), and computes nothing;
- finds the month's marker (``.building``): the render is computing that month; waits for it;
- finds neither (other arguments, or the render could not build it): computes as before.

Files are named after the month's full key (data files with their sizes and times, month,
program file, services, preset), so a kernel only ever reads the month it would have computed;
the pages' results are the same either way (tests compare them). Pickle is safe here: the
render writes the folder, a fresh private temporary folder, and only its own kernels read it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: the results pages and the month's files read, computed before the month is handed over
SHARED_RESULTS = (
    "monthly",
    "weekly",
    "has_phases",
    "impact",
    "scorecard",
    "lead_stages",
    "grouping",
    "monthly_by_team",
    "impact_by_team",
    "rollout",
    "bands",
)
WAIT_S = 900  # longest a kernel waits for a month being built before computing it itself

_FOLDER: Path | None = None


def use(folder: str | Path | None) -> None:
    """Read (and wait for) months handed over in ``folder``; None: stop."""
    global _FOLDER
    _FOLDER = Path(folder) if folder is not None else None


@contextlib.contextmanager
def using(folder: str | Path | None) -> Iterator[None]:
    """``use(folder)`` for the duration of a ``with`` block, then as before."""
    before = _FOLDER
    use(folder)
    try:
        yield
    finally:
        use(before)


def _name(key: tuple) -> str:
    return hashlib.sha256(repr(key).encode()).hexdigest()[:32]


def fetch(key: tuple) -> Any | None:
    """The month handed over under ``key`` (waiting while it is built), or None."""
    if _FOLDER is None:
        return None
    path = _FOLDER / f"{_name(key)}.pickle"
    marker = path.with_suffix(".building")
    deadline = time.monotonic() + WAIT_S
    while marker.exists() and not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)  # noqa: S301 - the render's own private folder
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        return None


def announce(folder: Path, key: tuple) -> None:
    """Mark ``key`` as being built: kernels wait for it instead of computing it."""
    (folder / f"{_name(key)}.building").touch()


def withdraw(folder: Path, key: tuple) -> None:
    """The month will not be handed over (it failed): kernels compute it themselves."""
    (folder / f"{_name(key)}.building").unlink(missing_ok=True)


def hand_over(folder: Path, key: tuple, report: Any) -> None:
    """Compute ``SHARED_RESULTS`` on ``report`` and write it for the kernels, atomically.

    A result that raises is left out: the page that reads it raises it itself, as before.
    """
    for name in SHARED_RESULTS:
        try:
            getattr(report, name)
        except Exception:  # noqa: S112 - the page computes it again and shows the error
            continue
    path = folder / f"{_name(key)}.pickle"
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as handle:
        pickle.dump(report, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    withdraw(folder, key)


def discard(folder: Path, key: tuple) -> None:
    """Remove the month handed over under ``key`` (the render has finished with it)."""
    (folder / f"{_name(key)}.pickle").unlink(missing_ok=True)
    withdraw(folder, key)
