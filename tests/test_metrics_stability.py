"""Stability metrics: change failure rate, rework rate, time to restore (hand-computed)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from analytics.data.dataset import Dataset
from analytics.metrics import deployment_facts, metric_table, restore_times
from tests.helpers import cell, make_dataset

# p1 is followed by a hotfix within 24 h, p3 failed, p4 was rolled back (p5 is the rollback),
# p6 has two incidents (one by window, one explicit), p7's hotfix comes 30 h later (not a
# failure), p9 was cancelled (not counted), s1 is not production.
DEPLOYMENTS = """
    deployment_id,service,environment,finished_at,status,kind
    p1,api,production,2021-03-01T10:00:00Z,success,regular
    p2,api,production,2021-03-01T12:00:00Z,success,hotfix
    p3,api,production,2021-03-03T10:00:00Z,failed,regular
    p4,api,production,2021-03-04T10:00:00Z,rolled_back,regular
    p5,api,production,2021-03-04T10:05:00Z,success,rollback
    p6,api,production,2021-03-10T10:00:00Z,success,regular
    p7,api,production,2021-03-15T10:00:00Z,success,regular
    p8,api,production,2021-03-16T16:00:00Z,success,hotfix
    p9,api,production,2021-03-20T10:00:00Z,cancelled,regular
    s1,api,staging,2021-03-21T10:00:00Z,failed,regular
"""
INCIDENTS_ON_P6 = """
    incident_id,severity,opened_at,resolved_at,service,caused_by_deployment_id
    i1,high,2021-03-10T12:00:00Z,2021-03-10T13:00:00Z,api,
    i2,low,2021-03-10T13:00:00Z,2021-03-10T14:00:00Z,api,p6
"""


@pytest.fixture(scope="module")
def failures() -> Dataset:
    return make_dataset(deployments=DEPLOYMENTS, incidents=INCIDENTS_ON_P6)


def test_deployment_facts_flags_each_way_of_failing(failures):
    facts = deployment_facts(failures).set_index("deployment_id")
    assert facts.loc[facts["failed_change"]].index.tolist() == ["p1", "p3", "p4", "p6"]
    assert facts.loc["p1", "followed_by_fix"] and not facts.loc["p7", "followed_by_fix"]
    assert facts.loc["p6", "incident_count"] == 2
    assert not facts.loc["p9", "in_cfr"] and not facts.loc["s1", "in_cfr"]
    assert facts.loc[facts["rework"]].index.tolist() == ["p2", "p5", "p8"]
    assert facts["failures"].max() == 1  # each deployment counted once


@pytest.fixture(scope="module")
def failure_tables(failures) -> dict[str, pd.DataFrame]:
    return {p: metric_table(failures, preset=p) for p in ("default", "fourkeys", "devlake")}


@pytest.mark.parametrize(
    ("preset", "cfr", "n"),
    [
        ("default", 4 / 8, 8),  # p1 p3 p4 p6 of the 8 non-cancelled production deployments
        # only i2 names its cause (p6); Four Keys links no incident by time: 1 / 6
        ("fourkeys", 1 / 6, 6),
        ("devlake", 1 / 6, 6),  # one deployment with an incident / six
    ],
)
def test_change_failure_rate_per_preset(failure_tables, preset, cfr, n):
    row = cell(failure_tables[preset], "change_failure_rate", "2021-03-01")
    assert row["value"] == pytest.approx(cfr)
    assert row["n"] == n
    assert np.isnan(row["median"]) and row["n_censored"] == 0


def test_rework_rate(failure_tables):
    row = cell(failure_tables["default"], "rework_rate", "2021-03-01")
    assert row["value"] == pytest.approx(3 / 8) and row["n"] == 8


TWO_ON_ONE = """
    deployment_id,service,environment,finished_at,status
    a,api,production,2021-03-01T10:00:00Z,success
    b,api,production,2021-03-05T10:00:00Z,success
    c,api,production,2021-03-09T10:00:00Z,success
"""


@pytest.mark.parametrize(
    # neither incident names a cause: linked by time (default, devlake), not at all (fourkeys)
    ("preset", "cfr"),
    [("default", 1 / 3), ("fourkeys", 0.0), ("devlake", 1 / 3)],
)
def test_two_incidents_on_one_deployment(preset, cfr):
    ds = make_dataset(
        deployments=TWO_ON_ONE,
        incidents="""
        incident_id,severity,opened_at,resolved_at,service
        x,high,2021-03-05T11:00:00Z,2021-03-05T12:00:00Z,api
        y,low,2021-03-05T15:00:00Z,2021-03-05T16:00:00Z,api
    """,
    )
    assert cell(metric_table(ds, preset=preset), "change_failure_rate", "2021-03-01")[
        "value"
    ] == pytest.approx(cfr)


def test_fourkeys_rate_can_exceed_one():
    ds = make_dataset(
        deployments=TWO_ON_ONE.replace("b,api", "b,web").replace("c,api", "c,web"),
        incidents="""
        incident_id,severity,opened_at,service,caused_by_deployment_id
        x,high,2021-03-01T11:00:00Z,api,a
        y,high,2021-03-01T12:00:00Z,api,a
        z,high,2021-03-01T13:00:00Z,api,a
    """,
    )
    assert (
        cell(
            metric_table(ds, preset="fourkeys", by="service"),
            "change_failure_rate",
            "2021-03-01",
            service="api",
        )["value"]
        == 3.0
    )


# a1 0.5 h; a2 zero length; a3 3 h from impact start (2 h from opened); a4 open until the
# latest timestamp (a5's resolution, 2021-03-06T14:45Z): 28.75 h censored; a5 4.75 h.
INCIDENTS = """
    incident_id,severity,opened_at,resolved_at,impact_started_at,service
    a1,critical,2021-03-01T10:00:00Z,2021-03-01T10:30:00Z,,api
    a2,critical,2021-03-02T10:00:00Z,2021-03-02T10:00:00Z,,api
    a3,critical,2021-03-03T10:00:00Z,2021-03-03T12:00:00Z,2021-03-03T09:00:00Z,api
    a4,high,2021-03-05T10:00:00Z,,,api
    a5,high,2021-03-06T10:00:00Z,2021-03-06T14:45:00Z,,api
"""


@pytest.fixture(scope="module")
def incidents() -> Dataset:
    return make_dataset(incidents=INCIDENTS)


def test_restore_times_censor_open_incidents_at_the_latest_timestamp(incidents):
    rt = restore_times(incidents).set_index("incident_id")
    assert rt["restore_hours"].to_dict() == pytest.approx(
        {"a1": 0.5, "a2": 0.0, "a3": 3.0, "a4": 28.75, "a5": 4.75}
    )
    assert rt["censored"].to_dict() == {
        "a1": False,
        "a2": False,
        "a3": False,
        "a4": True,
        "a5": False,
    }


def test_restore_times_as_of_an_earlier_moment(incidents):
    rt = restore_times(incidents, as_of="2021-03-05T12:00:00Z").set_index("incident_id")
    assert "a5" not in rt.index  # opened after as_of
    assert rt.loc["a4", "restore_hours"] == 2.0 and rt.loc["a4", "censored"]
    naive = restore_times(incidents, as_of="2021-03-05 12:00")  # naive = program time zone (UTC)
    assert naive.set_index("incident_id").loc["a4", "restore_hours"] == 2.0


# (preset, severity, value, n, median, p90, mean, n_censored)
RESTORE = [
    ("default", "critical", 3.5 / 3, 3, 0.5, 0.5 + 0.8 * 2.5, 3.5 / 3, 0),
    ("default", "high", 16.75, 2, 4.75, np.nan, 16.75, 1),  # Kaplan-Meier: S(4.75) = 0.5
    ("default", "all", 7.4, 5, 3.0, np.nan, 7.4, 1),  # KM: S = .8, .6, .4 at 0, .5, 3
    ("fourkeys", "critical", 2 / 3, 3, 0.0, 1.6, 2 / 3, 0),  # truncated hours 0, 0, 2
    ("fourkeys", "all", 1.5, 4, 1.0, 3.4, 1.5, 0),  # 0, 0, 2, 4; the open one is left out
    ("devlake", "all", 7.25 / 4, 4, 0.5, 2.0, 7.25 / 4, 0),  # lower median of 0, .5, 2, 4.75
]


@pytest.fixture(scope="module")
def incident_tables(incidents) -> dict[str, pd.DataFrame]:
    return {p: metric_table(incidents, preset=p) for p in ("default", "fourkeys", "devlake")}


@pytest.mark.parametrize(
    ("preset", "severity", "value", "n", "median", "p90", "mean", "n_censored"), RESTORE
)
def test_time_to_restore(
    incident_tables, preset, severity, value, n, median, p90, mean, n_censored
):
    row = cell(incident_tables[preset], "time_to_restore_hours", "2021-03-01", severity)
    got = row[["value", "n", "median", "p90", "mean", "n_censored"]].to_numpy(float)
    np.testing.assert_allclose(got, [value, n, median, p90, mean, n_censored], equal_nan=True)


def test_time_to_restore_has_a_row_per_severity_present(incident_tables):
    table = incident_tables["default"]
    ttr = table[table["metric"] == "time_to_restore_hours"]
    assert ttr["severity"].tolist() == ["all", "critical", "high"]
    assert set(table.loc[table["metric"] != "time_to_restore_hours", "severity"]) == {"all"}


def test_a_single_incident():
    ds = make_dataset(
        incidents="""
        incident_id,severity,opened_at,resolved_at
        z,medium,2021-03-01T10:00:00Z,2021-03-01T11:15:00Z
    """
    )
    row = cell(metric_table(ds), "time_to_restore_hours", "2021-03-01", "medium")
    assert (row["value"], row["median"], row["p90"], row["mean"], row["n"]) == (
        1.25,
        1.25,
        1.25,
        1.25,
        1,
    )


def test_zero_length_incidents_give_zero_not_missing():
    ds = make_dataset(
        incidents="""
        incident_id,severity,opened_at,resolved_at
        z1,low,2021-03-01T10:00:00Z,2021-03-01T10:00:00Z
        z2,low,2021-03-02T10:00:00Z,2021-03-02T10:00:00Z
    """
    )
    row = cell(metric_table(ds), "time_to_restore_hours", "2021-03-01")
    assert (row["value"], row["median"], row["n"]) == (0.0, 0.0, 2)


def test_incidents_are_bucketed_by_the_local_day_they_opened():
    ds = make_dataset(
        "Asia/Shanghai",
        incidents="""
        incident_id,severity,opened_at,resolved_at
        n1,high,2021-03-31T16:30:00Z,2021-03-31T17:30:00Z
    """,
    )
    assert cell(metric_table(ds), "time_to_restore_hours", "2021-04-01")["n"] == 1


def test_zero_length_incidents_kept_or_excluded():
    # z1 posted already resolved (0 h), z2 2 h, z3 30 min; z4 has an impact start before
    # opened_at but was resolved when opened: still zero-length (posted already resolved)
    text = """
        incident_id,severity,opened_at,resolved_at,impact_started_at,service
        z1,low,2021-03-01T10:00:00Z,2021-03-01T10:00:00Z,,api
        z2,low,2021-03-02T10:00:00Z,2021-03-02T12:00:00Z,,api
        z3,low,2021-03-03T10:00:00Z,2021-03-03T10:30:00Z,,api
        z4,low,2021-03-04T10:00:00Z,2021-03-04T10:00:00Z,2021-03-04T09:00:00Z,api
    """
    keep = make_dataset(incidents=text)
    exclude = replace(keep, config=replace(keep.config, zero_length_incidents="exclude"))
    assert sorted(restore_times(keep)["incident_id"]) == ["z1", "z2", "z3", "z4"]
    assert sorted(restore_times(exclude)["incident_id"]) == ["z2", "z3"]
    row = cell(metric_table(exclude), "time_to_restore_hours", "2021-03-01")
    assert row["n"] == 2 and row["mean"] == pytest.approx(1.25)
    kept = cell(metric_table(keep), "time_to_restore_hours", "2021-03-01")
    assert kept["n"] == 4 and kept["mean"] == pytest.approx((0 + 2 + 0.5 + 1) / 4)
