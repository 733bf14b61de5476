"""The one column guard: every layer that needs columns from a frame it was given asks here.

>>> import pandas as pd
>>> require_columns(pd.DataFrame({"a": [1]}), ["a", "b"], "deployments.csv")
Traceback (most recent call last):
...
analytics.exceptions.DataValidationError: deployments.csv, column b: missing column 'b' (found: a)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analytics.exceptions import DataValidationError

_SHOWN = 12  # columns listed after "found:"


def require_columns(
    frame: pd.DataFrame,
    columns: Iterable[str],
    where: str | Path,
    *,
    why: str = "",
    error: type[Exception] = DataValidationError,
) -> None:
    """Raise naming the columns of ``columns`` that ``frame`` lacks, and those it has.

    ``where`` is the file or table named in the message, ``why`` words appended to "missing
    column 'x'" (e.g. " needed for this metric"). Data errors are ``DataValidationError``
    (``file``/``column`` set); a function given the wrong result passes ``error=ValueError``.
    """
    missing = [c for c in columns if c not in frame.columns]
    if not missing:
        return
    found = ", ".join(map(str, frame.columns[:_SHOWN])) or "none"
    found += " ..." if len(frame.columns) > _SHOWN else ""
    names = ", ".join(f"'{c}'" for c in missing)
    message = f"missing column{'s' if len(missing) > 1 else ''} {names}{why} (found: {found})"
    if error is DataValidationError:
        raise DataValidationError(message, file=str(where), column=missing[0])
    raise error(f"{where}: {message}")
