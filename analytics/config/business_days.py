"""Working-day and working-hour arithmetic of one program's business calendar.

numpy's business-day functions do the day counting (weekmask + holiday list); the holidays come
from the ``holidays`` library via :class:`~analytics.config.calendar.CalendarConfig`.

>>> cal = BusinessCalendar(CalendarConfig(country="CN"), "Asia/Shanghai")
>>> cal.working_days("2021-02-01", "2021-02-28")  # Spring Festival 11-17, make-up 7th and 20th
17
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from analytics.config.calendar import CalendarConfig, _seconds

_NS_PER_S = 1_000_000_000
_S_PER_DAY = 86_400
_NAT = np.iinfo(np.int64).min


class BusinessCalendar:
    """Working days and working hours of one program (``CalendarConfig`` + time zone).

    Day arithmetic uses numpy's business-day functions (weekmask + holiday list); numpy has
    no notion of a weekend day that is worked, so the make-up working days are counted on top
    of it with a sorted array (the only hand-written part). Timestamps are tz-aware; days and
    hours are taken in ``timezone``.
    """

    def __init__(self, config: CalendarConfig, timezone: str = "UTC") -> None:
        self.config = config
        self.timezone = timezone

    @cached_property
    def _weekmask(self) -> str:
        return "".join("0" if d in self.config.weekend else "1" for d in range(7))

    def _tables(self, first_year: int, last_year: int) -> tuple[np.ndarray, np.ndarray]:
        """(holidays, make-up working days) as sorted datetime64[D] arrays for the years."""
        return _day_tables(self.config, first_year, last_year)

    def _years(self, days: np.ndarray) -> tuple[int, int]:
        valid = days[~np.isnat(days)]
        if valid.size == 0:
            return 2000, 2000
        years = valid.astype("datetime64[Y]").astype(int) + 1970
        return int(years.min()), int(years.max())

    def is_working_day(self, days: Any) -> np.ndarray:
        """True for each local date that is a working day (NaT gives False).

        >>> cal = BusinessCalendar(CalendarConfig(country="CN"))
        >>> cal.is_working_day(["2021-02-07", "2021-02-12", "2021-09-18"]).tolist()
        [True, False, True]
        """
        d = _as_days(days)
        holidays, extra = self._tables(*self._years(d))
        nat = np.isnat(d)
        safe = np.where(nat, np.datetime64("2000-01-03"), d)
        out = np.is_busday(safe, weekmask=self._weekmask, holidays=holidays)
        out |= np.isin(safe, extra)
        return out & ~nat

    def _working_days_before(self, days: np.ndarray, origin: np.datetime64) -> np.ndarray:
        """Working days in [origin, day) for each day (negative when day < origin)."""
        holidays, extra = self._tables(*self._years(np.append(days, origin)))
        count = np.busday_count(origin, days, weekmask=self._weekmask, holidays=holidays)
        made_up = np.searchsorted(extra, days) - np.searchsorted(extra, origin)
        return count + made_up

    def working_days(self, start: Any, end: Any) -> int:
        """Working days from ``start`` to ``end``, both local dates included (0 if end < start).

        >>> BusinessCalendar(CalendarConfig()).working_days("2021-03-01", "2021-03-07")
        5
        """
        a, b = _as_days([start])[0], _as_days([end])[0]
        if b < a:
            return 0
        return int(self._working_days_before(np.array([b + 1]), a)[0])

    def working_days_in_periods(self, starts: pd.Series | pd.DatetimeIndex, freq: str) -> pd.Series:
        """Working days in each day / week / month period starting at ``starts``."""
        first = _as_days(starts)
        step = {"day": np.timedelta64(1, "D"), "week": np.timedelta64(7, "D")}
        if freq == "month":
            nxt = (first.astype("datetime64[M]") + 1).astype("datetime64[D]")
        else:
            nxt = first + step[freq]
        origin = first.min() if first.size else np.datetime64("2000-01-01")
        count = self._working_days_before(nxt, origin) - self._working_days_before(first, origin)
        return pd.Series(count.astype("int64"))

    def working_hours_between(self, start: pd.Series, end: pd.Series) -> pd.Series:
        """Working hours between two tz-aware timestamp Series, element by element.

        Only the hours between ``work_start`` and ``work_end`` of working days count; a span
        that ends before it starts is negative, NaT gives NaN.

        >>> cal = BusinessCalendar(CalendarConfig(), "UTC")
        >>> t0 = pd.Series(pd.to_datetime(["2021-03-05T17:00Z"]))  # Friday 17:00
        >>> t1 = pd.Series(pd.to_datetime(["2021-03-08T10:30Z"]))  # Monday 10:30
        >>> cal.working_hours_between(t0, t1).tolist()
        [2.5]
        """
        both = np.concatenate([_local_days(start, self.timezone), _local_days(end, self.timezone)])
        both = both[~np.isnat(both)]
        origin = both.min() if both.size else np.datetime64("2000-01-03")  # shared by both ends
        a, b = self._clock(start, origin), self._clock(end, origin)
        hours = (b - a) / 3600
        hours[np.isnan(a) | np.isnan(b)] = np.nan
        return pd.Series(hours, index=end.index)

    def _clock(self, ts: pd.Series, origin: np.datetime64) -> np.ndarray:
        """Working seconds from midnight of ``origin`` up to each timestamp (NaN for NaT)."""
        local = ts.dt.tz_convert(self.timezone).dt.tz_localize(None)
        ns = local.to_numpy("datetime64[ns]").view(np.int64)
        nat = ns == _NAT
        days = local.to_numpy("datetime64[ns]").astype("datetime64[D]")
        days[nat] = origin
        before = self._working_days_before(days, origin)
        start, end = _seconds(self.config.work_start), _seconds(self.config.work_end)
        tod = (ns - days.astype("datetime64[ns]").view(np.int64)) / _NS_PER_S
        today = np.clip(tod - start, 0, end - start) * self.is_working_day(days)
        out = before * float(end - start) + today
        out[nat] = np.nan
        return out


def _local_days(ts: pd.Series, timezone: str) -> np.ndarray:
    """The local dates of tz-aware timestamps as datetime64[D] (NaT kept)."""
    local = ts.dt.tz_convert(timezone).dt.tz_localize(None)
    return local.to_numpy("datetime64[ns]").astype("datetime64[D]")


def _as_days(values: Any) -> np.ndarray:
    """Dates, strings, Timestamps or a datetime Series/Index as datetime64[D] (NaT kept)."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    return pd.to_datetime(pd.Index(values)).to_numpy("datetime64[D]")


_CACHE: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def _day_tables(config: CalendarConfig, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Holidays and make-up working days of ``config`` for the years, cached per calendar."""
    key = (config, first, last)
    if key not in _CACHE:
        off: set[dt.date] = set(config.extra_holidays)
        worked: set[dt.date] = set(config.extra_working_days)
        if config.country:
            import holidays  # imported where used: a report kernel without a calendar skips it

            lib = holidays.country_holidays(
                config.country, subdiv=config.subdivision, years=range(first - 1, last + 2)
            )
            off |= set(lib)
            worked |= set(getattr(lib, "weekend_workdays", ()))
        worked -= set(config.extra_holidays)  # a freeze wins over a make-up working day
        off -= set(config.extra_working_days)
        _CACHE[key] = (
            np.array(sorted(off), dtype="datetime64[D]"),
            np.array(sorted(worked), dtype="datetime64[D]"),
        )
    return _CACHE[key]
