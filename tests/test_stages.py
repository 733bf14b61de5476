"""Lead time in stages (analytics/metrics/stages.py), hand-computed, and its chart."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from analytics.metrics import lead_time_stages, stage_summary
from analytics.plots.stages import stage_chart
from tests.helpers import make_dataset

DEPLOYMENTS = """
deployment_id,service,environment,finished_at,status
d1,api,production,2021-03-05T12:00:00Z,success
"""
# c1: authored 08:00 -> committed 09:00 -> PR 10:00 -> merged 14:00 (4 h) -> deployed
#     12:00 on the 5th (2 d 22 h = 70 h); lead time from commit 3 d 3 h = 75 h
# c2: no PR: only the deploy stage is unknown too (never merged), lead time 27 h
# c3: PR opened before it was authored (a data error): coding missing, the rest kept
CHANGES = """
change_id,service,committed_at,authored_at,pr_opened_at,merged_at,deployment_id
c1,api,2021-03-02T09:00:00Z,2021-03-02T08:00:00Z,2021-03-02T10:00:00Z,2021-03-02T14:00:00Z,d1
c2,api,2021-03-04T09:00:00Z,,,,d1
c3,api,2021-03-04T09:00:00Z,2021-03-04T11:00:00Z,2021-03-04T10:00:00Z,2021-03-04T12:00:00Z,d1
"""


@pytest.fixture
def stages():
    return lead_time_stages(make_dataset(deployments=DEPLOYMENTS, changes=CHANGES))


def test_stages_of_each_change_in_hours(stages):
    s = stages.set_index("change_id")
    assert s.loc["c1", ["coding_hours", "review_hours", "deploy_hours"]].tolist() == [
        2.0,
        4.0,
        70.0,
    ]
    assert s.loc["c1", "lead_time_hours"] == 75.0
    assert np.isnan(s.loc["c1", "pickup_hours"])  # the contract has no first-review time
    assert not s.loc["c2", "has_pr"] and s.loc["c2", "lead_time_hours"] == 27.0
    assert np.isnan(s.loc["c3", "coding_hours"])  # negative span: missing, not negative
    assert s.loc["c3", ["review_hours", "deploy_hours"]].tolist() == [2.0, 24.0]


def test_a_first_review_time_splits_pickup_from_review():
    ds = make_dataset(deployments=DEPLOYMENTS, changes=CHANGES)
    reviewed = pd.to_datetime(["2021-03-02T11:30:00Z", None, None], utc=True)
    ds = dataclasses.replace(ds, changes=ds.changes.assign(first_review_at=reviewed))
    c1 = lead_time_stages(ds).set_index("change_id").loc["c1"]
    assert (c1["pickup_hours"], c1["review_hours"]) == (1.5, 2.5)


def test_summary_counts_only_changes_with_pr_data(stages):
    summary = stage_summary(stages).set_index("stage")
    # c1 and c3: deploy 70 h and 24 h -> median 47, P90 24 + 0.9 * 46 = 65.4
    assert summary.loc["deploy", "median_hours"] == pytest.approx(47.0)
    assert summary.loc["deploy", "p90_hours"] == pytest.approx(65.4)
    assert summary.loc["coding", "n"] == 1 and summary.loc["pickup", "n"] == 0
    assert summary.loc["lead_time", "n"] == 2


def test_input_is_not_modified():
    ds = make_dataset(deployments=DEPLOYMENTS, changes=CHANGES)
    before = ds.changes.copy()
    lead_time_stages(ds)
    pd.testing.assert_frame_equal(ds.changes, before)


def test_chart_stacks_the_stages_and_names_the_longest(stages):
    fig = stage_chart(stage_summary(stages).assign(period="after"))
    assert fig.axes[0].get_title(loc="left") == "After: the longest stage is deploy (median 47 h)"
    gids = {p.get_gid() for p in fig.axes[0].patches}
    assert gids == {"stage:coding", "stage:review", "stage:deploy"}  # no pickup without data
