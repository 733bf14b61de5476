"""The monthly metric table in DuckDB SQL (benchmarks/duckdb_metrics.py) equals metric_table's.

Two independent implementations of docs/METRICS.md (pandas, and SQL in the style of Four Keys'
queries) agreeing on data/sample and on generated data is evidence for both; the benchmark
relies on it to compare like with like.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import analytics
from analytics.metrics import metric_table
from analytics.synthetic import large as sample_large
from tests.conftest import REPO, SAMPLE_DIR

duckdb = pytest.importorskip("duckdb")

_spec = importlib.util.spec_from_file_location(
    "duckdb_metrics", REPO / "benchmarks" / "duckdb_metrics.py"
)
duckdb_metrics = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(duckdb_metrics)

REQUIRED = {
    "delivery_throughput_per_day",
    "production_releases",
    "deployment_frequency_per_day",
    "change_failure_rate",
    "lead_time_hours",
    "time_to_restore_hours",
    "unit_test_pass_rate",
}


@pytest.fixture(scope="module")
def sample():
    return analytics.load(SAMPLE_DIR)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("generated")
    sample_large.write_large(out, 0.004, formats=("csv",))
    return analytics.load(out)


def _check(dataset, freq: str, by: str | None):
    ours = metric_table(dataset, freq=freq, by=by)
    theirs = duckdb_metrics.duckdb_metric_table(dataset, freq=freq, by=by)
    bad = duckdb_metrics.compare(ours, theirs)
    assert bad.empty, bad.head(10).to_string()
    assert len(ours) == len(theirs)
    assert REQUIRED <= set(theirs["metric"])
    return ours, theirs


def test_sample_monthly_by_service(sample):
    ours, _ = _check(sample, "month", "service")
    # the comparison is not vacuous: medians, means and censored restore times are all there
    ttr = ours[(ours["metric"] == "time_to_restore_hours") & (ours["n_censored"] > 0)]
    assert len(ttr) > 0 and ttr["median"].notna().any()


def test_sample_weekly_and_whole_program(sample):
    _check(sample, "week", None)


def test_generated_data_monthly_by_service_and_daily(generated):
    ours, _ = _check(generated, "month", "service")
    assert ours.loc[ours["metric"] == "lead_time_hours", "n"].sum() > 10_000
    _check(generated, "day", None)


def test_compare_reports_a_difference(sample):
    ours = metric_table(sample, freq="month", by="service")
    theirs = duckdb_metrics.duckdb_metric_table(sample, freq="month", by="service")
    row = np.flatnonzero(ours["value"].notna().to_numpy())[0]
    ours.loc[row, "value"] = ours.loc[row, "value"] + 1e-6
    assert len(duckdb_metrics.compare(ours, theirs)) == 1
    assert len(duckdb_metrics.compare(ours.iloc[1:], theirs)) >= 1  # a missing row counts too


def test_the_query_follows_the_program_settings(sample):
    sql = duckdb_metrics.metrics_sql(sample, "month", "service")
    assert "Asia/Shanghai" in sql and "'production'" in sql
    with pytest.raises(ValueError):
        duckdb_metrics.metrics_sql(sample, "quarter", None)
