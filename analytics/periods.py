"""Calendars: local day / week / month buckets and program phases.

Timestamps are held tz-aware in UTC; every bucket is taken in the program's time zone, so
a deployment at 23:30 UTC on 2021-03-01 falls on 2021-03-02 in Asia/Shanghai. Period starts
are returned as tz-naive local dates (midnight), which is how people name periods.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analytics.catalog import FREQUENCIES
from analytics.config import ProgramConfig
from analytics.exceptions import AnalyticsError

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_NS_PER_DAY = 86_400_000_000_000
_NAT = np.iinfo(np.int64).min


def parse_month(text: object) -> str:
    """Check a ``YYYY-MM`` month and return it stripped; AnalyticsError otherwise.

    The one place a month argument is read (the render plan and ``views.open_month``).

    >>> parse_month(" 2021-12 ")
    '2021-12'
    """
    month = str(text).strip()
    if not _MONTH.match(month):
        raise AnalyticsError(f"month must be YYYY-MM (e.g. 2021-12), got {text!r}")
    return month


def local_day(ts: pd.Series, timezone: str) -> pd.Series:
    """Local calendar day (tz-naive midnight) of each UTC timestamp; NaT stays NaT."""
    local = ts.dt.tz_convert(timezone).dt.tz_localize(None)
    if local.dtype != "datetime64[ns]":
        return local.dt.normalize()
    ns = local.to_numpy().view(np.int64)
    day = ns - ns % _NS_PER_DAY  # floor to midnight (NaT is left as it is below)
    day[ns == _NAT] = _NAT
    return pd.Series(day.view("datetime64[ns]"), index=local.index, name=local.name)


def period_start(
    ts: pd.Series, freq: str, timezone: str = "UTC", week_start: str = "monday"
) -> pd.Series:
    """Start (local date) of the day, week or month each timestamp falls in.

    Parameters
    ----------
    ts
        tz-aware timestamps.
    freq
        ``"day"``, ``"week"`` or ``"month"``.
    timezone
        IANA zone in which days begin.
    week_start
        ``"monday"`` or ``"sunday"``.

    Examples
    --------
    >>> s = pd.Series(pd.to_datetime(["2021-03-01T23:30:00Z"]))
    >>> str(period_start(s, "day", "Asia/Shanghai").iloc[0].date())
    '2021-03-02'
    """
    day = local_day(ts, timezone)
    return floor_dates(day, freq, week_start)


def floor_dates(day: pd.Series, freq: str, week_start: str = "monday") -> pd.Series:
    """Floor tz-naive local dates to the start of their day, week or month."""
    _check_freq(freq)
    if freq == "day":
        return day
    fast = _floor_midnights(day, freq, week_start)
    if fast is not None:
        return fast
    if freq == "week":
        shift = day.dt.day_of_week if week_start == "monday" else (day.dt.day_of_week + 1) % 7
        return day - pd.to_timedelta(shift, unit="D")
    return day - pd.to_timedelta(day.dt.day - 1, unit="D")


def _floor_midnights(day: pd.Series, freq: str, week_start: str) -> pd.Series | None:
    """``floor_dates`` in numpy for local midnights (datetime64[ns]); None for other input."""
    if day.dtype != "datetime64[ns]":
        return None
    ns = day.to_numpy().view(np.int64)
    nat = ns == _NAT
    if (ns[~nat] % _NS_PER_DAY).any():
        return None
    days = day.to_numpy().astype("datetime64[D]")
    if freq == "month":
        out = days.astype("datetime64[M]").astype("datetime64[ns]")
    else:
        weekday = (days.view(np.int64) + 3) % 7  # Monday = 0; 1970-01-01 was a Thursday
        shift = weekday if week_start == "monday" else (weekday + 1) % 7
        out = (days - shift).astype("datetime64[ns]")
    out[nat] = np.datetime64("NaT")
    return pd.Series(out, index=day.index, name=day.name)


def period_range(
    first: pd.Timestamp, last: pd.Timestamp, freq: str, week_start: str = "monday"
) -> pd.DatetimeIndex:
    """Every period start from the period holding ``first`` to the one holding ``last``."""
    _check_freq(freq)
    lo = floor_dates(pd.Series([pd.Timestamp(first).normalize()]), freq, week_start).iloc[0]
    hi = floor_dates(pd.Series([pd.Timestamp(last).normalize()]), freq, week_start).iloc[0]
    step = {"day": "D", "week": "7D", "month": "MS"}[freq]
    return pd.date_range(lo, hi, freq=step, name="period_start")


def days_in_period(starts: pd.Series | pd.DatetimeIndex, freq: str) -> pd.Series:
    """Calendar days in each period (1, 7, or the month's length)."""
    _check_freq(freq)
    starts = pd.Series(pd.DatetimeIndex(starts))
    if freq == "day":
        return pd.Series(1, index=starts.index, dtype="int64")
    if freq == "week":
        return pd.Series(7, index=starts.index, dtype="int64")
    return starts.dt.days_in_month.astype("int64")


def phase_of_dates(day: pd.Series, config: ProgramConfig) -> pd.Series:
    """The program phase (name) each local date falls in, or missing when none."""
    out = pd.Series(pd.NA, index=day.index, dtype="str")
    for p in config.phases:
        inside = (day >= pd.Timestamp(p.start)) & (day <= pd.Timestamp(p.end))
        out[inside] = p.name
    return out


def phase_of(ts: pd.Series, config: ProgramConfig) -> pd.Series:
    """The program phase each UTC timestamp falls in (local dates, inclusive)."""
    return phase_of_dates(local_day(ts, config.timezone), config)


def _check_freq(freq: str) -> None:
    if freq not in FREQUENCIES:
        raise ValueError(f"freq must be one of {', '.join(FREQUENCIES)}, got {freq!r}")
