"""Local calendars: days, weeks and months in the program's time zone."""

import pandas as pd
import pytest

from analytics.config import parse_config
from analytics.periods import days_in_period, period_range, period_start, phase_of


def ts(*values):
    return pd.Series(pd.to_datetime(list(values), utc=True))


def test_late_utc_evening_is_next_day_in_shanghai():
    s = ts("2021-03-01T23:30:00Z")
    assert period_start(s, "day", "Asia/Shanghai").iloc[0] == pd.Timestamp("2021-03-02")
    assert period_start(s, "day", "UTC").iloc[0] == pd.Timestamp("2021-03-01")


@pytest.mark.parametrize(
    "when, week_start, expected",
    [
        ("2021-03-07T12:00:00Z", "monday", "2021-03-01"),  # a Sunday
        ("2021-03-07T12:00:00Z", "sunday", "2021-03-07"),
        ("2021-03-06T12:00:00Z", "sunday", "2021-02-28"),  # a Saturday
        ("2021-03-08T00:00:00Z", "monday", "2021-03-08"),
    ],
)
def test_week_start(when, week_start, expected):
    assert period_start(ts(when), "week", "UTC", week_start).iloc[0] == pd.Timestamp(expected)


def test_month_in_local_time():
    # 2021-01-31T16:30Z is 2021-02-01 00:30 in Shanghai
    s = ts("2021-01-31T16:30:00Z")
    assert period_start(s, "month", "Asia/Shanghai").iloc[0] == pd.Timestamp("2021-02-01")
    assert period_start(s, "month", "UTC").iloc[0] == pd.Timestamp("2021-01-01")


def test_dst_zone_days():
    # Europe/London switches to BST on 2021-03-28 at 01:00 UTC;
    # 23:30 UTC on the 28th is 00:30 on the 29th
    s = ts("2021-03-28T23:30:00Z", "2021-03-27T23:30:00Z")
    days = period_start(s, "day", "Europe/London")
    assert list(days) == [pd.Timestamp("2021-03-29"), pd.Timestamp("2021-03-27")]


def test_period_range_and_days():
    months = period_range(pd.Timestamp("2021-01-15"), pd.Timestamp("2021-03-02"), "month")
    assert list(months.strftime("%Y-%m-%d")) == ["2021-01-01", "2021-02-01", "2021-03-01"]
    assert list(days_in_period(months, "month")) == [31, 28, 31]
    weeks = period_range(pd.Timestamp("2021-03-03"), pd.Timestamp("2021-03-15"), "week", "sunday")
    assert list(weeks.strftime("%Y-%m-%d")) == ["2021-02-28", "2021-03-07", "2021-03-14"]
    assert list(days_in_period(weeks, "week")) == [7, 7, 7]


def test_phase_assignment_is_inclusive_in_local_time():
    cfg = parse_config(
        {
            "timezone": "Asia/Shanghai",
            "phases": {
                "baseline": {"start": "2020-10-01", "end": "2020-12-31"},
                "after": {"start": "2021-09-01", "end": "2021-12-31"},
            },
        }
    )
    s = ts(
        "2020-12-31T15:59:00Z",
        "2020-12-31T16:00:00Z",
        "2021-09-01T00:00:00+08:00",
        "2020-09-30T15:00:00Z",
    )
    assert list(phase_of(s, cfg).fillna("-")) == ["baseline", "-", "after", "-"]


def test_nat_stays_nat():
    s = pd.Series([pd.Timestamp("2021-03-01", tz="UTC"), pd.NaT], dtype="datetime64[ns, UTC]")
    out = period_start(s, "month", "Asia/Shanghai")
    assert out.isna().tolist() == [False, True]


def test_unknown_freq():
    with pytest.raises(ValueError, match="freq"):
        period_start(ts("2021-03-01T00:00:00Z"), "quarter")
