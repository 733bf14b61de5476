"""The package's exceptions: one shallow tree, so callers can catch ``AnalyticsError``.

The command line turns any ``AnalyticsError`` into a one-line message and exit code 2.
"""

from __future__ import annotations

from collections.abc import Sequence


class AnalyticsError(Exception):
    """Base class of every error this package raises on purpose."""


class DataValidationError(AnalyticsError):
    """Input data breaks the data contract.

    The message always names the file, and where they are known the row number(s)
    (1-based data rows, the header not counted) and the column.

    Parameters
    ----------
    message
        What is wrong, in one sentence.
    file
        The file (or table name, when the data did not come from a file).
    rows
        Data row numbers concerned; at most five are shown.
    column
        The column concerned.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        rows: Sequence[int] | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.rows = list(rows) if rows is not None else []
        self.column = column
        self.reason = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            more = f" (and {len(self.rows) - 5} more)" if len(self.rows) > 5 else ""
            where.append(f"row{'s' if len(self.rows) > 1 else ''} {shown}{more}")
        if self.column:
            where.append(f"column {self.column}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason


class ConfigError(AnalyticsError):
    """program.yml (or a mapping file) is missing a key, has an unknown key or a bad value."""


class RenderError(AnalyticsError):
    """A report could not be rendered; the previous output was left as it was."""
