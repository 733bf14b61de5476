"""Which months a data folder covers (its plausible span, the latest complete month, month
lists) and which of them a render asks for (``wanted_months``, ``choose_months``).

A month argument is read by ``analytics.periods.parse_month`` (one home for render and views).
``data_span`` finds the export's *plausible* end: events dated in the future, or a handful of
events after a long silence at the very end of the export (a stray row, e.g. a timestamp typed
as 2100), are set aside so that ``--latest`` and ``--all-months`` do not follow them; the
render prints a note and ``devops-analytics validate`` a warning naming them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from analytics.exceptions import RenderError
from analytics.periods import local_day, parse_month

#: days at the end of the program's final phase that may pass without events (weekends, freezes)
PHASE_END_SLACK_DAYS = 3
#: a gap longer than this before the last events of an export makes them stray ...
STRAY_GAP_DAYS = 62
#: ... when they are at most this share of the events (and at least 100 events were read)
STRAY_SHARE = 0.01
_EVENT_TABLES = ("deployments", "incidents", "test_runs")


@dataclass(frozen=True)
class Stray:
    """An event after the export's plausible end."""

    table: str
    row_id: str
    day: dt.date
    reason: str  # "in the future" or "after N days without events"

    def __str__(self) -> str:
        return f"{self.table} {self.row_id} dated {self.day} ({self.reason})"


@dataclass(frozen=True)
class DataSpan:
    """First and last plausible local dates of the events, and the events set aside."""

    first: dt.date
    last: dt.date
    stray: list[Stray] = field(default_factory=list)

    def note(self) -> str:
        """One line about the stray events ('' when there are none)."""
        if not self.stray:
            return ""
        shown = "; ".join(str(s) for s in self.stray[:3])
        more = f" and {len(self.stray) - 3} more" if len(self.stray) > 3 else ""
        return (
            f"{len(self.stray)} event(s) after the export's plausible end {self.last} are "
            f"ignored when choosing months: {shown}{more}"
        )


def data_span(dataset, today: dt.date | None = None) -> DataSpan | None:
    """The plausible span of ``dataset``'s events (None when it has no dated events).

    >>> from analytics.data.dataset import Dataset
    >>> data_span(Dataset.from_tables({})) is None
    True
    """
    events = _events(dataset)
    if events.empty:
        return None
    today = today or dt.datetime.now(dt.UTC).date()
    future = events["day"] > today + dt.timedelta(days=1)
    kept, stray = events[~future], [_stray(r, "in the future") for r in events[future].itertuples()]
    cut = _silent_tail(kept["day"].tolist())
    if cut is not None:
        gap = (kept["day"].iloc[cut] - kept["day"].iloc[cut - 1]).days
        stray = [
            _stray(r, f"after {gap} days without events") for r in kept.iloc[cut:].itertuples()
        ]
        stray += [_stray(r, "in the future") for r in events[future].itertuples()]
        kept = kept.iloc[:cut]
    if kept.empty:
        raise RenderError(
            f"every dated event is in the future (first: {stray[0]}); check the time stamps"
        )
    return DataSpan(kept["day"].iloc[0], kept["day"].iloc[-1], stray)


def _events(dataset) -> pd.DataFrame:
    from analytics.data.schema import TABLES

    parts = []
    for t in _EVENT_TABLES:
        frame = dataset.table(t)
        spec = TABLES[t]
        when = frame[spec.time_column]
        ok = when.notna()
        if ok.any():
            day = local_day(when[ok], dataset.config.timezone).dt.date
            ids = frame.loc[ok, spec.id_column].astype(str)
            parts.append(
                pd.DataFrame({"table": t, "row_id": ids.to_numpy(), "day": day.to_numpy()})
            )
    if not parts:
        return pd.DataFrame(columns=["table", "row_id", "day"])
    return pd.concat(parts, ignore_index=True).sort_values("day", kind="stable", ignore_index=True)


def _silent_tail(days: list[dt.date]) -> int | None:
    """Where a small group of last events starts after a long silence, or None."""
    if len(days) < 100:
        return None
    most = max(1, int(len(days) * STRAY_SHARE))
    for k in range(most, 0, -1):  # the largest stray group first
        if (days[-k] - days[-k - 1]).days > STRAY_GAP_DAYS:
            return len(days) - k
    return None


def _stray(row, reason: str) -> Stray:
    return Stray(row.table, row.row_id, row.day, reason)


def month_end(month: str) -> dt.date:
    """The last day of ``month`` (``YYYY-MM``).

    >>> month_end("2024-02")
    datetime.date(2024, 2, 29)
    """
    first = dt.date.fromisoformat(f"{month}-01")
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def data_months(first: dt.date, last: dt.date) -> list[str]:
    """Every month from ``first``'s to ``last``'s, inclusive, as ``YYYY-MM``.

    >>> data_months(dt.date(2021, 11, 5), dt.date(2022, 1, 2))
    ['2021-11', '2021-12', '2022-01']
    """
    out, year, mon = [], first.year, first.month
    while (year, mon) <= (last.year, last.month):
        out.append(f"{year:04d}-{mon:02d}")
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return out


def latest_complete_month(first: dt.date, last: dt.date, phase_end: dt.date | None = None) -> str:
    """The latest month whose data is complete.

    A month is complete when its last day is on or before ``last`` (the data's last local
    date). The data's final month also counts as complete when the program's final phase ends
    in it (``phase_end``) and the data reach that end (within ``PHASE_END_SLACK_DAYS``, as the
    last days may have no events): the export was taken at the close of the program. An export
    that stops earlier in that month is partial like any other. Otherwise the month before the
    data's final month; RenderError if that is before the data starts.

    >>> latest_complete_month(dt.date(2021, 1, 4), dt.date(2021, 12, 20))
    '2021-11'
    """
    final = data_months(last, last)[0]
    closes_program = (
        phase_end is not None
        and phase_end.strftime("%Y-%m") == final
        and last >= phase_end - dt.timedelta(days=PHASE_END_SLACK_DAYS)
    )
    if last >= month_end(final) or closes_program:
        return final
    months = data_months(first, last)
    if len(months) < 2:
        raise RenderError(f"no complete month in the data ({first} to {last}); give --month")
    return months[-2]


def wanted_months(months: Sequence[str] | str) -> list[str]:
    """The months asked for, each checked (``parse_month``), or ["latest"] / ["all"]."""
    if isinstance(months, str) and months in ("latest", "all"):
        return [months]
    wanted = [parse_month(m) for m in ([months] if isinstance(months, str) else months)]
    if not wanted:
        raise RenderError("no month to render: give a month, 'latest' or 'all'")
    return wanted


def choose_months(
    wanted: list[str], span: DataSpan, phase_end: dt.date | None
) -> tuple[list[str], dict[str, str]]:
    """The months to render (in order, once each) and a note for each incomplete one."""
    latest: str | None = None
    try:
        latest = latest_complete_month(span.first, span.last, phase_end)
    except RenderError:
        if wanted in (["latest"], ["all"]):
            raise
    if latest is not None and wanted == ["latest"]:
        chosen = [latest]
    elif latest is not None and wanted == ["all"]:
        chosen = [m for m in data_months(span.first, span.last) if m <= latest]
    else:
        chosen = list(dict.fromkeys(wanted))
    notes = {}
    for month in chosen:
        if not span.first.strftime("%Y-%m") <= month <= span.last.strftime("%Y-%m"):
            raise RenderError(f"month {month} is outside the data ({span.first} to {span.last})")
        if latest is None or month > latest:
            notes[month] = f"{month} is incomplete: the data ends {span.last}"
    return chosen, notes
