"""Tests for analytics.wording.levels: each metric's level named once, and read by the topic
tables, the chart titles and the DORA table."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import views
from analytics.catalog import METRICS
from analytics.config import parse_config
from analytics.plots import trend_finding
from analytics.wording.levels import LEVELS, level_label, scoped_label, title_suffix
from tests.conftest import SAMPLE_DIR

CONFIG = parse_config(
    {
        "phases": {
            "baseline": {"start": "2020-10-01", "end": "2020-12-31"},
            "after": {"start": "2021-09-01", "end": "2021-12-31"},
        }
    }
)
MONTHS = ["2020-10-01", "2020-11-01", "2020-12-01", "2021-09-01", "2021-10-01", "2021-11-01"]


def _table(metric: str) -> pd.DataFrame:
    """Monthly values 10, 20, 30 h in the baseline and 2 h in each after month, n = 1 each:
    by hand, the baseline level is 20 h and the after level 2 h."""
    return pd.DataFrame(
        {
            "period_start": pd.to_datetime(MONTHS),
            "service": "all",
            "severity": "all",
            "metric": metric,
            "value": [10.0, 20.0, 30.0, 2.0, 2.0, 2.0],
            "n": 1,
        }
    )


def test_every_metric_of_the_catalogue_has_a_named_level():
    assert set(LEVELS) == set(METRICS)


@pytest.mark.parametrize(
    ("metric", "title"),
    [
        ("lead_time_hours", "Lead time for changes (monthly median) fell from 20 h to 2 h"),
        ("time_to_restore_hours", "Time to restore fell from 20 h to 2 h"),
    ],
)
def test_a_chart_title_names_the_statistic_only_where_the_table_says_so(metric, title):
    assert trend_finding(_table(metric), metric, CONFIG) == title
    assert title_suffix(metric) == (" (monthly median)" if metric == "lead_time_hours" else "")


def test_the_topic_tables_and_the_dora_table_read_the_same_names():
    december = views.open_month(str(SAMPLE_DIR), "2021-12")
    metrics = ("lead_time_hours", "time_to_restore_hours", "production_releases", "test_coverage")
    assert list(views.month_values(december, metrics).index) == [
        "Lead time for changes, monthly median",
        "Time to restore, all incidents, mean",
        "Production releases, monthly average",
        "Test coverage, mean of services",
    ]
    assert [level_label(m) for m in metrics] == list(views.month_values(december, metrics).index)
    assert "Time to restore, all incidents" in views.dora_table(december).index
    assert scoped_label("change_failure_rate") == "Change failure rate"
