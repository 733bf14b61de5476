"""``Dataset``: the validated canonical tables of one data folder, with their quality log."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

import pandas as pd

from analytics.config import ProgramConfig
from analytics.periods import local_day
from analytics.schema import TABLE_NAMES, TABLES, empty_table

QUALITY_COLUMNS = ["table", "rule", "action", "rows", "examples"]


class QualityLog:
    """Collects every repair, drop and note made while loading (one row per rule)."""

    def __init__(self) -> None:
        self._rows: list[dict] = []

    def add(self, table: str, rule: str, action: str, rows: int, examples=()) -> None:
        """Record ``rows`` rows of ``table`` affected by ``rule``; action is repaired/dropped/noted."""
        if rows <= 0:
            return
        shown = ", ".join(str(e) for e in itertools.islice(examples, 3))
        self._rows.append(
            {"table": table, "rule": rule, "action": action, "rows": int(rows), "examples": shown}
        )

    def extend(self, other: QualityLog | pd.DataFrame) -> None:
        frame = other.frame() if isinstance(other, QualityLog) else other
        self._rows.extend(frame.to_dict("records"))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self._rows, columns=QUALITY_COLUMNS).astype({"rows": "int64"})


@dataclass
class Dataset:
    """The four canonical tables (absent ones are empty), the program config and the quality log.

    Timestamps are tz-aware UTC. ``files`` maps each table to the file it came from
    (None when absent); ``rows_read`` counts data rows before repairs and drops.
    """

    deployments: pd.DataFrame
    changes: pd.DataFrame
    incidents: pd.DataFrame
    test_runs: pd.DataFrame
    config: ProgramConfig = field(default_factory=ProgramConfig)
    source: str = ""
    files: dict[str, str | None] = field(default_factory=dict)
    rows_read: dict[str, int] = field(default_factory=dict)
    quality: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=QUALITY_COLUMNS))

    @classmethod
    def from_tables(
        cls, tables: dict[str, pd.DataFrame], config: ProgramConfig | None = None, **kw
    ) -> Dataset:
        """Build a Dataset from already-canonical frames; missing tables become empty."""
        frames = {t: tables.get(t, empty_table(t)) for t in TABLE_NAMES}
        return cls(**frames, config=config or ProgramConfig(), **kw)

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    def has(self, name: str) -> bool:
        """True when the table has at least one row."""
        return len(self.table(name)) > 0

    def date_range(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """First and last local date of the events (deployments, incidents, test runs), or None.

        Changes are left out: a change is counted in the period of the deployment that shipped
        it, and commits made long before the first deployment must not stretch the range.
        """
        days = []
        for t in ("deployments", "incidents", "test_runs"):
            col = self.table(t)[TABLES[t].time_column].dropna()
            if len(col):
                days.append(local_day(col, self.config.timezone))
        if not days:
            return None
        all_days = pd.concat(days)
        return all_days.min(), all_days.max()

    def summary(self) -> pd.DataFrame:
        """One row per table: file, rows read, rows loaded, first and last local date."""
        out = []
        for t in TABLE_NAMES:
            frame = self.table(t)
            col = frame[TABLES[t].time_column].dropna()
            first = last = None
            if len(col):
                day = local_day(col, self.config.timezone)
                first, last = day.min().date(), day.max().date()
            out.append(
                {
                    "table": t,
                    "file": self.files.get(t) or "(absent)",
                    "rows_read": self.rows_read.get(t, len(frame)),
                    "rows_loaded": len(frame),
                    "first": first,
                    "last": last,
                }
            )
        return pd.DataFrame(out)

    def filter_services(self, services: list[str] | None) -> Dataset:
        """A copy keeping only rows of the given services (None or [] keeps all).

        Incidents without a service are kept only when no filter is given.
        """
        if not services:
            return self
        keep = set(services)
        frames = {
            t: self.table(t)[self.table(t)["service"].isin(keep)].reset_index(drop=True)
            for t in TABLE_NAMES
        }
        return replace(self, **frames)
