"""The ``calendar:`` block of program.yml: working days (weekends, public holidays, make-up
working days, release freezes) and working hours, as a :class:`CalendarConfig`.

Public holidays come from the maintained ``holidays`` library (``country: CN`` also brings
China's official make-up working days, the weekend days worked in exchange for a long holiday,
e.g. Sunday 2021-02-07 and Saturday 2021-09-18). ``extra_holidays`` adds days off of the
program's own (release freezes, company days), ``extra_working_days`` adds worked weekend days.
The default, without a ``calendar:`` block, is Monday to Friday, 09:00-18:00, no holidays, and
durations in calendar time. The arithmetic on it is :mod:`analytics.config.business_days`.
Definitions: docs/METRICS.md ("Business calendar").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from analytics.config.sections import as_date

DURATION_CLOCKS = ("calendar", "working_hours")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CALENDAR_KEYS = (
    "country",
    "subdivision",
    "weekend",
    "extra_holidays",
    "extra_working_days",
    "working_hours",
    "durations",
)


@dataclass(frozen=True)
class CalendarConfig:
    """The validated ``calendar:`` block of program.yml (every field optional).

    ``weekend`` holds weekday numbers (Monday = 0); ``work_start``/``work_end`` bound the
    working hours of a working day (local time); ``durations`` says which clock lead time,
    time to restore and CI recovery time use: ``calendar`` (default) or ``working_hours``.
    """

    country: str | None = None
    subdivision: str | None = None
    weekend: tuple[int, ...] = (5, 6)
    extra_holidays: tuple[dt.date, ...] = ()
    extra_working_days: tuple[dt.date, ...] = ()
    work_start: dt.time = dt.time(9, 0)
    work_end: dt.time = dt.time(18, 0)
    durations: str = "calendar"

    @property
    def working_hours_per_day(self) -> float:
        return (_seconds(self.work_end) - _seconds(self.work_start)) / 3600

    def describe_days(self) -> str:
        """Which days are working days, in words (for report footers and pages).

        >>> CalendarConfig(country="CN").describe_days()
        'working days: Sat/Sun off, CN public holidays and official make-up working days'
        """
        holidays = (
            f"{self.country} public holidays and official make-up working days"
            if self.country
            else "no public holidays"
        )
        text = f"working days: {_weekend_words(self.weekend)} off, {holidays}"
        if self.extra_holidays:
            text += f", {len(self.extra_holidays)} extra day(s) off"
        if self.extra_working_days:
            text += f", {len(self.extra_working_days)} extra working day(s)"
        return text


def _seconds(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _weekend_words(weekend: tuple[int, ...]) -> str:
    if not weekend:
        return "no weekend"
    return "/".join(WEEKDAYS[d][:3].capitalize() for d in weekend)


def parse_calendar(raw: Any, fail: Callable[[str, str], Exception]) -> CalendarConfig:
    """Validate the ``calendar:`` block of program.yml (``fail(key, message)`` builds the error).

    >>> parse_calendar({"country": "CN", "durations": "working_hours"}, ValueError).durations
    'working_hours'
    """
    if not isinstance(raw, dict):
        raise fail("calendar", "must be a mapping (country, weekend, extra_holidays, ...)")
    unknown = sorted(set(raw) - set(CALENDAR_KEYS))
    if unknown:
        raise fail(f"calendar.{unknown[0]}", f"unknown key (known: {', '.join(CALENDAR_KEYS)})")
    out: dict[str, Any] = {}
    if raw.get("country") is not None:
        out["country"], out["subdivision"] = _country(raw, fail)
    if "weekend" in raw:
        out["weekend"] = _weekend(raw["weekend"], fail)
    out["extra_holidays"] = _dates(raw.get("extra_holidays", []), "extra_holidays", fail)
    out["extra_working_days"] = _dates(
        raw.get("extra_working_days", []), "extra_working_days", fail
    )
    if "working_hours" in raw:
        out["work_start"], out["work_end"] = _hours(raw["working_hours"], fail)
    if "durations" in raw:
        clock = str(raw["durations"]).strip().lower()
        if clock not in DURATION_CLOCKS:
            raise fail("calendar.durations", f"must be one of {', '.join(DURATION_CLOCKS)}")
        out["durations"] = clock
    return CalendarConfig(**out)


def _country(raw: dict, fail) -> tuple[str, str | None]:
    import holidays

    code = str(raw["country"]).strip().upper()
    subdiv = raw.get("subdivision")
    subdiv = None if subdiv is None else str(subdiv).strip()
    try:
        holidays.country_holidays(code, subdiv=subdiv, years=2021)
    except NotImplementedError:
        raise fail(
            "calendar.country", f"{code!r} is not a country the holidays library knows"
        ) from None
    return code, subdiv


def _weekend(value: Any, fail) -> tuple[int, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise fail("calendar.weekend", "must be a list of weekday names, e.g. [saturday, sunday]")
    out = []
    for item in items:
        name = str(item).strip().lower()
        if name not in WEEKDAYS:
            raise fail("calendar.weekend", f"{item!r} is not a weekday name")
        out.append(WEEKDAYS.index(name))
    if len(set(out)) == 7:
        raise fail("calendar.weekend", "a week without working days leaves nothing to count")
    return tuple(sorted(set(out)))


def _dates(items: Any, key: str, fail) -> tuple[dt.date, ...]:
    """A list of dates or {start, end} ranges (inclusive), e.g. a release freeze."""
    if not isinstance(items, list):
        raise fail(f"calendar.{key}", "must be a list of dates or {start: date, end: date}")
    out: set[dt.date] = set()
    for i, item in enumerate(items):
        if isinstance(item, dict) and set(item) - {"label"} == {"start", "end"}:
            a, b = (
                as_date(item["start"], f"calendar.{key}[{i}].start", fail),
                as_date(item["end"], f"calendar.{key}[{i}].end", fail),
            )
            if b < a:
                raise fail(f"calendar.{key}[{i}]", f"ends ({b}) before it starts ({a})")
            out |= {a + dt.timedelta(days=k) for k in range((b - a).days + 1)}
        else:
            out.add(as_date(item, f"calendar.{key}[{i}]", fail))
    return tuple(sorted(out))


def _hours(value: Any, fail) -> tuple[dt.time, dt.time]:
    """``"09:00-18:00"`` as two times; the day may not wrap past midnight."""
    text = str(value).replace(" ", "")
    try:
        a, b = text.split("-")
        start, end = dt.time.fromisoformat(a), dt.time.fromisoformat(b)
    except ValueError:
        raise fail("calendar.working_hours", f"{value!r} is not HH:MM-HH:MM") from None
    if end <= start:
        raise fail("calendar.working_hours", f"{value!r} ends before it starts")
    return start, end


__all__ = ["CalendarConfig", "DURATION_CLOCKS", "parse_calendar"]
