"""``--preset fourkeys`` equals Four Keys' own dashboard queries, month by month.

The oracle (benchmarks/fourkeys_duckdb.py) is Four Keys' SQL (dora-team/fourkeys
``queries/deployments.sql``, ``queries/incidents.sql`` and the panels of
``dashboard/fourkeys_dashboard.json``) run in DuckDB on the canonical tables, bucketed by UTC
month instead of day. It shares no code with ``analytics.metrics``.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

import analytics
from analytics.metrics import lead_times, metric_table
from tests.conftest import REPO, SAMPLE_DIR
from tests.helpers import make_dataset

pytest.importorskip("duckdb")

_spec = importlib.util.spec_from_file_location(
    "fourkeys_duckdb", REPO / "benchmarks" / "fourkeys_duckdb.py"
)
fourkeys_duckdb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fourkeys_duckdb)


def side_by_side(dataset) -> pd.DataFrame:
    """Four Keys' monthly figures next to ours (``metric_table(preset="fourkeys")``)."""
    theirs = fourkeys_duckdb.fourkeys_monthly(dataset).set_index("month")
    table = metric_table(dataset, preset="fourkeys")
    table = table[table["severity"] == "all"]

    def ours(metric: str, column: str) -> pd.Series:
        rows = table[table["metric"] == metric].set_index("period_start")[column]
        rows.index = pd.to_datetime(rows.index).astype("datetime64[ns]")
        return rows.astype("float64")

    return pd.DataFrame(
        {
            "deployments": theirs["deployments"].astype("float64"),
            "ours_deployments": ours("production_releases", "value"),
            "lead_hours": theirs["median_minutes"] / 60,
            "ours_lead_hours": ours("lead_time_hours", "median"),
            "cfr": theirs["change_fail_rate"].astype("float64"),
            "ours_cfr": ours("change_failure_rate", "value"),
            "restore_hours": theirs["median_hours"],
            "ours_restore_hours": ours("time_to_restore_hours", "median"),
        }
    )


def assert_agree(both: pd.DataFrame) -> None:
    """Every month: the same figure on both sides (NaN on ours where the dashboard shows 0
    because a month has no data of that kind, or no row at all on theirs)."""
    for name in ("deployments", "lead_hours", "cfr", "restore_hours"):
        a = both[f"ours_{name}"].to_numpy()
        b = both[name].to_numpy()
        same = np.isclose(a, b, rtol=1e-12, atol=1e-9) | (np.isnan(a) & np.isnan(b))
        if name == "deployments":  # a month without deployments: our 0, their missing row
            same |= (a == 0) & np.isnan(b)
        assert same.all(), f"{name}:\n{both.loc[~same, [name, f'ours_{name}']]}"


@pytest.fixture(scope="module")
def sample():
    return analytics.load(SAMPLE_DIR)


def test_sample_agrees_every_month(sample):
    both = side_by_side(sample)
    assert_agree(both)
    # not vacuous: 15 months, each with lead times, failures in several, restore times
    assert len(both) >= 15 and both["lead_hours"].notna().all()
    assert (both["cfr"] > 0).sum() >= 8 and both["restore_hours"].notna().sum() >= 12


def test_sample_values_named_in_issue_16(sample):
    # issue #16 measured Four Keys at 0 (January 2021) and 0.125 (June 2021) on the sample
    # before its staggered rollout (#18). Counted by hand on the raw rows of today's sample
    # (UTC months, successful production deployments, incidents whose named deployment has
    # the same commit): January 2021 1 incident / 3 deployments, June 2021 2 / 17
    both = side_by_side(sample)
    assert both.loc["2021-01-01", "ours_cfr"] == pytest.approx(1 / 3)
    assert both.loc["2021-06-01", "ours_cfr"] == pytest.approx(2 / 17)


# d2 rolls back to d1's commit; d3 is a staging deployment; d4 failed.
DEPLOYMENTS = """
    deployment_id,service,environment,finished_at,status,commit_sha
    d1,api,production,2021-03-31T20:00:00Z,success,aaa
    d2,api,production,2021-04-02T10:00:00Z,success,aaa
    d3,api,staging,2021-04-03T10:00:00Z,success,bbb
    d4,api,production,2021-04-04T10:00:00Z,failed,ccc
    d5,web,production,2021-04-05T10:00:00Z,success,ddd
"""
# c1 lists d1 (Shanghai April, UTC March); c2 was committed after its deployment (dropped);
# c3 names the staging deployment and c4 the failed one (no lead time: Four Keys never
# carries a change forward); c5 names nothing; c6 lists d5 with 30 s (0 whole minutes).
CHANGES = """
    change_id,service,committed_at,deployment_id
    c1,api,2021-03-31T17:30:00Z,d1
    c2,api,2021-03-31T21:00:00Z,d1
    c3,api,2021-04-03T09:00:00Z,d3
    c4,api,2021-04-04T09:00:00Z,d4
    c5,web,2021-04-05T09:00:00Z,
    c6,web,2021-04-05T09:59:30Z,d5
    c7,web,2021-04-01T10:00:00Z,d5
"""
# i1 names d1: counts against d1 and its rollback d2 (same commit), starts at d1's finish;
# i2 names nothing (not linked, starts when opened); i3 is still open; i4 names the failed d4.
INCIDENTS = """
    incident_id,severity,opened_at,resolved_at,service,caused_by_deployment_id
    i1,high,2021-04-01T02:00:00Z,2021-04-01T05:30:00Z,api,d1
    i2,high,2021-04-05T11:00:00Z,2021-04-05T13:59:00Z,web,
    i3,low,2021-04-06T11:00:00Z,,web,
    i4,low,2021-04-04T12:00:00Z,2021-04-04T14:00:00Z,api,d4
"""


@pytest.fixture(scope="module")
def edges():
    return make_dataset(
        "Asia/Shanghai", deployments=DEPLOYMENTS, changes=CHANGES, incidents=INCIDENTS
    )


def test_edge_cases_agree(edges):
    assert_agree(side_by_side(edges))


def test_edge_cases_by_hand(edges):
    both = side_by_side(edges)
    march, april = both.loc["2021-03-01"], both.loc["2021-04-01"]
    # March (UTC): d1 with c1 (150 min; c2 negative, dropped); i1 on d1: 1 / 1
    assert march["ours_lead_hours"] == pytest.approx(2.5) and march["ours_cfr"] == 1.0
    # i1 starts at d1's finish (March 31 20:00) and ends April 1 05:30: 9 whole hours
    assert march["ours_restore_hours"] == 9.0
    # April: d2 and d5; lead times c7 only (c6's 0 minutes ignored): 4 days = 96 h;
    # i1 against the rollback d2 too: 1 / 2; i2 2 whole hours (2:59), i3 open, i4 4-12 2 h
    assert april["ours_lead_hours"] == pytest.approx(96.0)
    assert april["ours_cfr"] == pytest.approx(0.5)
    assert april["ours_restore_hours"] == 2.0
    fk = lead_times(edges, preset="fourkeys")
    assert sorted(fk["change_id"]) == ["c1", "c7"]
    # the default preset also links c5 by service and time (c3, c4: no later api release)
    assert sorted(lead_times(edges)["change_id"]) == ["c1", "c5", "c6", "c7"]


def test_link_coverage_page_follows_the_preset():
    from analytics import views

    fk = views.open_month(SAMPLE_DIR, "2021-06", None, None, "fourkeys")
    default = views.open_month(SAMPLE_DIR, "2021-06", None, None, "default")
    fk_cov = views.link_coverage_table(fk)
    default_cov = views.link_coverage_table(default)
    # Four Keys infers nothing: every link is by id, none by service and time or by window
    assert set(fk_cov.loc[:, "By service and time"]) == {"0"}
    assert set(fk_cov.loc[:, "To the previous deployment"]) == {"0"}
    assert (default_cov.loc[:, "By service and time"] != "0").any()
