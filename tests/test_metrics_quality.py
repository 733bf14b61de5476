"""Quality metrics: unit-test pass rate and test coverage (hand-computed)."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.data.dataset import Dataset
from analytics.metrics import coverage_by_service, metric_table, unit_test_runs, unit_test_totals
from tests.helpers import cell, make_dataset

# r2 has an empty suite (= unit); r3 is an integration run (not in the pass rate); r4 has no
# coverage (api's last covered run in March stays r2); r6 is web's earlier run; r7 only skipped.
RUNS = """
    run_id,service,finished_at,tests_passed,tests_failed,tests_skipped,suite,coverage
    r1,api,2021-03-01T10:00:00Z,90,10,5,unit,0.50
    r2,api,2021-03-02T10:00:00Z,100,0,0,,0.60
    r3,api,2021-03-03T10:00:00Z,10,40,0,integration,
    r4,api,2021-03-04T10:00:00Z,50,0,0,unit,
    r5,web,2021-03-05T10:00:00Z,20,5,0,unit,0.90
    r6,web,2021-03-01T10:00:00Z,0,0,7,unit,0.10
    r7,web,2021-05-01T10:00:00Z,0,0,3,unit,
"""


@pytest.fixture(scope="module")
def runs() -> Dataset:
    return make_dataset(test_runs=RUNS)


@pytest.fixture(scope="module")
def table(runs) -> pd.DataFrame:
    return metric_table(runs)


def test_pass_rate_is_pooled_over_unit_runs(table):
    row = cell(table, "unit_test_pass_rate", "2021-03-01")
    assert row["value"] == pytest.approx(260 / 275)  # skipped and integration runs excluded
    assert row["n"] == 275


def test_pass_rate_without_executed_tests_is_missing(table):
    for period in ("2021-04-01", "2021-05-01"):  # no runs; only skipped tests
        row = cell(table, "unit_test_pass_rate", period)
        assert pd.isna(row["value"]) and row["n"] == 0


def test_coverage_is_the_last_covered_run_per_service_averaged(table):
    row = cell(table, "test_coverage", "2021-03-01")
    assert row["value"] == pytest.approx((0.60 + 0.90) / 2) and row["n"] == 2
    assert pd.isna(cell(table, "test_coverage", "2021-05-01")["value"])


def test_quality_by_service(runs):
    by = metric_table(runs, by="service")
    assert cell(by, "unit_test_pass_rate", "2021-03-01", service="api")["value"] == pytest.approx(
        240 / 250
    )
    assert cell(by, "test_coverage", "2021-03-01", service="web")["value"] == pytest.approx(0.90)


def test_per_run_and_per_period_helpers(runs):
    per_run = unit_test_runs(runs)
    assert per_run["run_id"].tolist() == ["r1", "r6", "r2", "r4", "r5", "r7"]
    totals = unit_test_totals(runs, freq="month").set_index("period_start")
    assert totals.loc[pd.Timestamp("2021-03-01"), "runs"] == 5
    assert totals.loc[pd.Timestamp("2021-03-01"), "tests_failed"] == 15
    cov = coverage_by_service(runs)
    assert cov[["service", "run_id", "coverage"]].values.tolist() == [
        ["api", "r2", 0.6],
        ["web", "r5", 0.9],
    ]


def test_weekly_coverage_takes_the_last_run_of_each_week(runs):
    cov = coverage_by_service(runs, freq="week")
    api = cov[cov["service"] == "api"]
    assert api["coverage"].tolist() == [0.6]  # r1 and r2 share the week of Monday 1 March
