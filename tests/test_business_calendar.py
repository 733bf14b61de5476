"""The business calendar: working days and working hours, hand-counted on a wall calendar.

China 2021 (State Council notice of 2020-11-25): Spring Festival off Thu 11 .. Wed 17 February,
make-up working days Sun 7 and Sat 20 February; Mid-Autumn off Sun 19 .. Tue 21 September,
make-up Sat 18 September; National Day off 1 .. 7 October, make-up Sun 26 September and
Sat 9 October.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.config import parse_config
from analytics.config.business_days import BusinessCalendar
from analytics.config.calendar import CalendarConfig, parse_calendar
from analytics.exceptions import ConfigError

CN = BusinessCalendar(CalendarConfig(country="CN"), "Asia/Shanghai")
PLAIN = BusinessCalendar(CalendarConfig(), "UTC")


def _ts(*values: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values), utc=True))


@pytest.mark.parametrize(
    "day, working",
    [
        ("2021-02-07", True),  # Sunday, make-up working day
        ("2021-02-08", True),  # Monday
        ("2021-02-11", False),  # Thursday, Spring Festival
        ("2021-02-17", False),  # Wednesday, Spring Festival
        ("2021-02-20", True),  # Saturday, make-up working day
        ("2021-02-21", False),  # Sunday
        ("2021-09-18", True),  # Saturday, make-up working day
        ("2021-09-20", False),  # Monday, Mid-Autumn
        ("2021-10-09", True),  # Saturday, make-up working day
    ],
)
def test_china_holidays_and_make_up_days(day, working):
    assert CN.is_working_day([day]).tolist() == [working]


@pytest.mark.parametrize(
    "start, end, expected",
    [
        # 20 weekdays - 5 weekday holidays (11, 12, 15, 16, 17) + 2 make-up days (7, 20)
        ("2021-02-01", "2021-02-28", 17),
        # 22 weekdays - 2 (Mon 20, Tue 21) + make-up Sat 18 and Sun 26
        ("2021-09-01", "2021-09-30", 22),
        # 21 weekdays - 5 (1, 4, 5, 6, 7) + make-up Sat 9
        ("2021-10-01", "2021-10-31", 17),
        ("2021-02-11", "2021-02-17", 0),  # the whole Spring Festival week
        ("2021-02-20", "2021-02-20", 1),  # one make-up Saturday
        ("2021-02-21", "2021-02-20", 0),  # end before start
    ],
)
def test_working_days_in_china(start, end, expected):
    assert CN.working_days(start, end) == expected


def test_working_days_of_monthly_periods():
    starts = pd.DatetimeIndex(["2021-02-01", "2021-09-01", "2021-10-01"])
    assert CN.working_days_in_periods(starts, "month").tolist() == [17, 22, 17]
    weeks = pd.DatetimeIndex(["2021-02-08", "2021-02-15"])  # Mon 8..Sun 14, Mon 15..Sun 21
    # 8, 9, 10 worked; 15-17 off, 18, 19 and make-up Saturday 20 worked
    assert CN.working_days_in_periods(weeks, "week").tolist() == [3, 3]


def test_default_calendar_is_monday_to_friday():
    assert PLAIN.working_days("2021-03-01", "2021-03-07") == 5
    assert PLAIN.working_days("2021-02-01", "2021-02-28") == 20


def test_extra_holidays_and_working_days():
    cfg = parse_calendar(
        {
            "extra_holidays": [{"start": "2021-03-01", "end": "2021-03-02", "label": "freeze"}],
            "extra_working_days": ["2021-03-06"],
        },
        ValueError,
    )
    cal = BusinessCalendar(cfg, "UTC")
    # March 2021: 23 weekdays - 2 freeze days + Saturday 6
    assert cal.working_days("2021-03-01", "2021-03-31") == 22


def test_working_hours_across_spring_festival():
    cal = CN
    start = _ts("2021-02-10T17:00:00+08:00", "2021-02-19T17:30:00+08:00")
    end = _ts("2021-02-18T10:00:00+08:00", "2021-02-22T09:30:00+08:00")
    hours = cal.working_hours_between(start, end).tolist()
    # Wed 10th 17-18 (1 h) + holidays 11-17 + Thu 18th 9-10 (1 h) = 2 h, against 185 calendar h;
    # Fri 19th 17:30-18 (0.5) + make-up Sat 20th (9) + Sun 21st (0) + Mon 22nd 9-9:30 (0.5)
    assert hours == [2.0, 10.0]


def test_working_hours_edge_cases():
    start = _ts("2021-03-06T12:00:00Z", "2021-03-08T07:00:00Z", "2021-03-08T12:00:00Z", None)
    end = _ts("2021-03-06T15:00:00Z", "2021-03-08T08:30:00Z", "2021-03-08T11:00:00Z", None)
    hours = PLAIN.working_hours_between(start, end)
    # a Saturday: 0; Monday before opening: 0; end before start: -1; NaT: NaN
    assert hours.iloc[:3].tolist() == [0.0, 0.0, -1.0]
    assert pd.isna(hours.iloc[3])


def test_working_hours_are_taken_in_the_program_time_zone():
    # 01:00-02:00 UTC is 09:00-10:00 in Shanghai on a working Monday
    t0, t1 = _ts("2021-03-08T01:00:00Z"), _ts("2021-03-08T02:00:00Z")
    assert CN.working_hours_between(t0, t1).tolist() == [1.0]
    assert PLAIN.working_hours_between(t0, t1).tolist() == [0.0]


def test_calendar_block_in_program_yml():
    cfg = parse_config(
        {
            "timezone": "Asia/Shanghai",
            "calendar": {
                "country": "cn",
                "weekend": ["friday", "saturday"],
                "working_hours": "08:30-17:00",
                "durations": "working_hours",
            },
        }
    )
    assert cfg.calendar.country == "CN"
    assert cfg.calendar.weekend == (4, 5)
    assert (cfg.calendar.work_start, cfg.calendar.work_end) == (dt.time(8, 30), dt.time(17))
    assert cfg.calendar.working_hours_per_day == 8.5
    assert cfg.business_calendar.timezone == "Asia/Shanghai"
    assert cfg.calendar.describe_days() == (
        "working days: Fri/Sat off, CN public holidays and official make-up working days"
    )
    assert parse_config({}).calendar.durations == "calendar"


@pytest.mark.parametrize(
    "block, key",
    [
        ({"country": "XX"}, "calendar.country"),
        ({"weekend": ["caturday"]}, "calendar.weekend"),
        ({"extra_holidays": ["2021-02-30"]}, "calendar.extra_holidays[0]"),
        ({"extra_holidays": [{"start": "2021-03-02", "end": "2021-03-01"}]}, "extra_holidays[0]"),
        ({"working_hours": "18:00-09:00"}, "calendar.working_hours"),
        ({"durations": "wall"}, "calendar.durations"),
        ({"holiday": []}, "calendar.holiday"),
        ("CN", "calendar"),
    ],
)
def test_bad_calendar_blocks_name_the_key(block, key):
    with pytest.raises(ConfigError, match=f"key '[^']*{key.replace('[', '.').replace(']', '.')}"):
        parse_config({"calendar": block})


_instants = st.integers(
    min_value=int(pd.Timestamp("2020-12-01T00:00Z").timestamp()),
    max_value=int(pd.Timestamp("2021-11-30T00:00Z").timestamp()),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_instants, _instants, _instants), min_size=1, max_size=20))
def test_working_hours_add_up_and_never_exceed_calendar_hours(triples):
    a, b, c = (
        pd.Series(pd.to_datetime([sorted(t)[i] for t in triples], unit="s", utc=True))
        for i in range(3)
    )
    ab, bc, ac = (CN.working_hours_between(x, y) for x, y in ((a, b), (b, c), (a, c)))
    assert np.allclose(ab + bc, ac)  # additive over consecutive spans
    calendar = (c - a).dt.total_seconds() / 3600
    assert ((ac >= 0) & (ac <= calendar + 1e-9)).all()
    assert np.allclose(CN.working_hours_between(c, a), -ac)  # reversed spans are negative
