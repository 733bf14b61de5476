"""Delivery metrics: throughput, releases, deployment frequency, lead time (hand-computed)."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.data.dataset import Dataset
from analytics.metrics import deployment_frequency_band, lead_times, metric_table
from tests.helpers import cell, make_dataset

# Asia/Shanghai (+08:00). d1 and d6 finish exactly at local midnight; d5 one second before.
SHANGHAI_DEPLOYMENTS = """
    deployment_id,service,environment,finished_at,status,kind
    d1,api,production,2021-03-01T00:00:00+08:00,success,regular
    d2,api,staging,2021-03-01T09:00:00+08:00,success,regular
    d3,api,production,2021-03-01T15:00:00+08:00,success,regular
    d4,api,production,2021-03-10T10:00:00+08:00,rolled_back,regular
    d5,api,test,2021-03-31T23:59:59+08:00,success,regular
    d6,api,production,2021-04-01T00:00:00+08:00,success,regular
    d7,api,production,2021-03-20T10:00:00+08:00,cancelled,regular
    d8,api,production,2021-06-02T10:00:00+08:00,success,regular
    d9,web,staging,2021-03-05T10:00:00+08:00,success,regular
"""
# c5 only ever reached staging; c6 is deployed the instant it was committed (lead time 0).
SHANGHAI_CHANGES = """
    change_id,service,committed_at
    c1,api,2021-02-28T20:00:00+08:00
    c2,api,2021-03-01T10:00:00+08:00
    c3,api,2021-03-01T12:00:30+08:00
    c4,api,2021-03-31T12:00:00+08:00
    c5,web,2021-03-04T10:00:00+08:00
    c6,api,2021-04-01T00:00:00+08:00
"""


# A February test run opens the date range before the deployments table's first day.
SHANGHAI_RUNS = """
    run_id,service,finished_at,tests_passed,tests_failed
    r0,api,2021-02-15T10:00:00+08:00,5,0
"""


@pytest.fixture(scope="module")
def shanghai() -> Dataset:
    return make_dataset(
        "Asia/Shanghai",
        deployments=SHANGHAI_DEPLOYMENTS,
        changes=SHANGHAI_CHANGES,
        test_runs=SHANGHAI_RUNS,
    )


@pytest.fixture(scope="module")
def shanghai_table(shanghai) -> pd.DataFrame:
    return metric_table(shanghai)


# (metric, period, value, n): successes d1 d2 d3 d5 d9 in March, d6 in April (local midnight),
# none in May (a real 0: the deployments table spans March..June), d8 in June. February only
# has a test run: outside the deployments' span, so no data.
COUNTS = [
    ("delivery_throughput_per_day", "2021-03-01", 5 / 31, 31),
    ("production_releases", "2021-03-01", 2, 31),
    ("deployment_frequency_per_day", "2021-03-01", 2 / 31, 31),
    ("deployment_days_per_week", "2021-03-01", 1 / (31 / 7), 31),
    ("delivery_throughput_per_day", "2021-04-01", 1 / 30, 30),
    ("production_releases", "2021-04-01", 1, 30),
    ("deployment_days_per_week", "2021-04-01", 7 / 30, 30),
    ("delivery_throughput_per_day", "2021-05-01", 0.0, 31),
    ("production_releases", "2021-05-01", 0.0, 31),
    ("deployment_days_per_week", "2021-05-01", 0.0, 31),
    ("production_releases", "2021-06-01", 1, 30),
]


@pytest.mark.parametrize(("metric", "period", "value", "n"), COUNTS)
def test_counts_are_hand_computed(shanghai_table, metric, period, value, n):
    row = cell(shanghai_table, metric, period)
    assert row["value"] == pytest.approx(value)
    assert row["n"] == n


@pytest.mark.parametrize(
    "metric",
    [
        "delivery_throughput_per_day",
        "production_releases",
        "deployment_frequency_per_day",
        "deployment_days_per_week",
        "lead_time_hours",
    ],
)
def test_period_outside_the_deployments_span_has_no_data(shanghai_table, metric):
    row = cell(shanghai_table, metric, "2021-02-01")
    assert pd.isna(row["value"]) and row["n"] == 0


def test_units_follow_the_catalog_and_releases_name_the_period(shanghai, shanghai_table):
    assert (
        cell(shanghai_table, "delivery_throughput_per_day", "2021-03-01")["unit"]
        == "deployments/day"
    )
    assert cell(shanghai_table, "production_releases", "2021-03-01")["unit"] == "releases/month"
    weekly = metric_table(shanghai, freq="week")
    assert set(weekly.loc[weekly["metric"] == "production_releases", "unit"]) == {"releases/week"}


def test_absent_deployments_table_gives_no_data_not_zero():
    ds = make_dataset(
        test_runs="""
        run_id,service,finished_at,tests_passed,tests_failed
        r1,api,2021-03-01T10:00:00Z,5,0
    """
    )
    table = metric_table(ds)
    for metric in (
        "delivery_throughput_per_day",
        "production_releases",
        "deployment_days_per_week",
    ):
        row = cell(table, metric, "2021-03-01")
        assert pd.isna(row["value"]) and row["n"] == 0


def test_lead_times_per_change(shanghai):
    lt = lead_times(shanghai).set_index("change_id")
    assert "c5" not in lt.index  # staging only: never reached production
    assert lt.loc["c1", "deployment_id"] == "d1"
    assert lt.loc["c3", "lead_time_hours"] == pytest.approx((2 * 3600 + 59 * 60 + 30) / 3600)
    assert lt.loc["c4", "deployment_id"] == "d6"
    assert lt.loc["c6", "lead_time_hours"] == 0.0
    assert lt.loc["c4", "day"] == pd.Timestamp("2021-04-01")


def test_lead_time_is_grouped_by_the_deployments_period(shanghai_table):
    march = cell(shanghai_table, "lead_time_hours", "2021-03-01")  # c1 4 h, c2 5 h, c3 2.99 h
    c3 = (2 * 3600 + 59 * 60 + 30) / 3600
    assert march["n"] == 3
    assert march["value"] == march["median"] == pytest.approx(4.0)
    assert march["p90"] == pytest.approx(4 + 0.8 * 1)
    assert march["mean"] == pytest.approx((4 + 5 + c3) / 3)
    april = cell(
        shanghai_table, "lead_time_hours", "2021-04-01"
    )  # c4 12 h (committed in March), c6 0 h
    assert april["n"] == 2 and april["value"] == pytest.approx(6.0)


# The same changes with the deployment each was listed in (Four Keys links only those).
LISTED_CHANGES = """
    change_id,service,committed_at,deployment_id
    c1,api,2021-02-28T20:00:00+08:00,d1
    c2,api,2021-03-01T10:00:00+08:00,d3
    c3,api,2021-03-01T12:00:30+08:00,d3
    c4,api,2021-03-31T12:00:00+08:00,d6
    c5,web,2021-03-04T10:00:00+08:00,d9
    c6,api,2021-04-01T00:00:00+08:00,d6
"""


def test_fourkeys_uses_utc_months_truncated_minutes_and_drops_zero():
    shanghai = make_dataset(
        "Asia/Shanghai", deployments=SHANGHAI_DEPLOYMENTS, changes=LISTED_CHANGES
    )
    table = metric_table(shanghai, preset="fourkeys")
    # d1 finished 2021-02-28T16:00Z: February in UTC; d6 (2021-03-31T16:00Z) is March.
    assert cell(table, "production_releases", "2021-02-01")["value"] == 1
    assert cell(table, "production_releases", "2021-03-01")["value"] == 2
    assert cell(table, "production_releases", "2021-04-01")["value"] == 0
    march = cell(
        table, "lead_time_hours", "2021-03-01"
    )  # 300, 179 (truncated), 720 min; c6's 0 dropped
    assert march["n"] == 3
    assert march["median"] == pytest.approx(300 / 60)
    assert march["mean"] == pytest.approx((300 + 179 + 720) / 3 / 60)
    # c1 (240 min) went out with d1, in February in UTC
    assert cell(table, "lead_time_hours", "2021-02-01")["median"] == pytest.approx(4.0)


def test_fourkeys_links_only_listed_changes(shanghai):
    # no change of SHANGHAI_CHANGES names its deployment: Four Keys has no lead time at all,
    # where the default preset links c1..c4 and c6 by service and time
    fk = lead_times(shanghai, preset="fourkeys")
    assert fk.empty
    assert len(lead_times(shanghai)) == 5


def test_devlake_pr_cycle_time_is_ceiled_and_uses_authored_opened_merged():
    ds = make_dataset(
        deployments="""
            deployment_id,service,environment,finished_at,status
            d1,api,production,2021-03-01T13:00:30Z,success
            d2,api,production,2021-03-02T08:00:00Z,success
            d3,api,production,2021-03-03T13:00:00Z,success
        """,
        changes="""
            change_id,service,committed_at,authored_at,pr_opened_at,merged_at,deployment_id
            a,api,2021-03-01T10:30:00Z,2021-03-01T10:00:00Z,2021-03-01T11:00:00Z,2021-03-01T12:00:00Z,d1
            b,api,2021-03-01T10:30:00Z,2021-03-01T11:30:00Z,2021-03-01T11:00:00Z,2021-03-01T12:00:00Z,d1
            c,api,2021-03-01T09:00:00Z,,,,d1
            d,api,2021-03-01T20:00:00Z,,2021-03-01T21:00:00Z,2021-03-02T09:00:00Z,d2
            e,api,2021-03-03T10:30:00Z,2021-03-03T10:00:20Z,2021-03-03T11:00:00Z,2021-03-03T12:00:20Z,d3
        """,
    )
    lt = lead_times(ds, preset="devlake").set_index("change_id")["lead_time_hours"]
    assert lt["a"] == pytest.approx(181 / 60)  # authored 10:00 -> deployed 13:00:30, ceil'd
    assert lt["b"] == pytest.approx(121 / 60)  # authored after the PR opened: start at PR opened
    assert lt["c"] == pytest.approx(241 / 60)  # no PR data: from the commit
    assert lt["d"] == pytest.approx(12.0)  # deployed before the merge: ends at merged_at
    assert lt["e"] == pytest.approx(181 / 60)  # 60 + 61 + 60: each part rounded up, not the total
    default = lead_times(ds).set_index("change_id")["lead_time_hours"]
    assert default["a"] == pytest.approx((2 * 3600 + 30 * 60 + 30) / 3600)


def test_devlake_lead_time_median_is_the_lower_middle_value():
    ds = make_dataset(
        deployments="""
            deployment_id,service,environment,finished_at,status
            d1,api,production,2021-03-10T12:00:00Z,success
        """,
        changes="""
            change_id,service,committed_at,deployment_id
            a,api,2021-03-10T11:00:00Z,d1
            b,api,2021-03-10T09:00:00Z,d1
        """,
    )
    assert (
        cell(metric_table(ds, preset="devlake"), "lead_time_hours", "2021-03-01")["median"] == 1.0
    )
    assert (
        cell(metric_table(ds, preset="fourkeys"), "lead_time_hours", "2021-03-01")["median"] == 2.0
    )


LONDON_DEPLOYMENTS = """
    deployment_id,service,environment,finished_at,status
    e1,api,production,2021-03-27T23:30:00Z,success
    e3,api,production,2021-03-28T00:30:00Z,success
    e2,api,production,2021-03-28T23:30:00Z,success
    e4,api,production,2021-10-30T23:30:00Z,success
    e5,api,production,2021-10-31T23:30:00Z,success
"""


def test_europe_london_days_across_both_dst_changes():
    daily = metric_table(make_dataset("Europe/London", deployments=LONDON_DEPLOYMENTS), freq="day")
    releases = daily[daily["metric"] == "production_releases"].set_index("period_start")["value"]
    # e2 is 00:30 BST on the 29th; e4 is 00:30 BST and e5 23:30 GMT, both on 31 October.
    assert releases[pd.Timestamp("2021-03-27")] == 1
    assert releases[pd.Timestamp("2021-03-28")] == 1
    assert releases[pd.Timestamp("2021-03-29")] == 1
    assert releases[pd.Timestamp("2021-10-31")] == 2
    assert releases[pd.Timestamp("2021-10-30")] == 0
    assert cell(daily, "deployment_days_per_week", "2021-10-31")["value"] == 7.0


@pytest.mark.parametrize(
    ("week_start", "counts"),
    [
        ("monday", {"2021-03-22": 2, "2021-03-29": 1}),
        ("sunday", {"2021-03-21": 1, "2021-03-28": 2}),
    ],
)
def test_weeks_start_on_the_configured_day_in_local_time(week_start, counts):
    ds = make_dataset("Europe/London", week_start, deployments=LONDON_DEPLOYMENTS)
    weekly = metric_table(ds, freq="week")
    for start, n in counts.items():
        assert cell(weekly, "production_releases", start)["value"] == n
        assert cell(weekly, "deployment_days_per_week", start)["value"] == n  # one a day


def test_shanghai_puts_the_same_instants_in_other_days_and_months():
    monthly = metric_table(make_dataset("Asia/Shanghai", deployments=LONDON_DEPLOYMENTS))
    assert cell(monthly, "production_releases", "2021-10-01")["value"] == 1  # e4
    assert cell(monthly, "production_releases", "2021-11-01")["value"] == 1  # e5 is 07:30 on 1 Nov


def _daily_deployments(days: pd.DatetimeIndex) -> Dataset:
    text = "deployment_id,service,environment,finished_at,status\n" + "".join(
        f"d{i},api,production,{d:%Y-%m-%d}T12:00:00Z,success\n" for i, d in enumerate(days)
    )
    return make_dataset(deployments=text)


@pytest.mark.parametrize(
    ("days", "fourkeys", "devlake"),
    [
        (pd.date_range("2021-01-01", "2021-06-30", freq="D"), "Daily", "elite"),
        (pd.bdate_range("2021-01-01", "2021-06-30"), "Daily", "high"),
        (pd.date_range("2021-01-04", "2021-06-30", freq="14D"), "Monthly", "medium"),
        (pd.DatetimeIndex(["2021-01-04", "2021-06-30"]), "Yearly", "low"),
    ],
)
def test_deployment_frequency_buckets_of_the_peers(days, fourkeys, devlake):
    ds = _daily_deployments(days)
    assert deployment_frequency_band(ds, "fourkeys", end="2021-06-30") == fourkeys
    assert deployment_frequency_band(ds, "devlake", end="2021-06-30") == devlake


def test_default_preset_has_no_buckets_of_its_own(shanghai):
    with pytest.raises(ValueError, match="default"):
        deployment_frequency_band(shanghai, "default")
