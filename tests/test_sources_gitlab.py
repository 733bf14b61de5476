"""GitLab adapter: deployments (unfinished / skipped / old-API quirks) and merge requests."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import DataValidationError
from analytics.sources import read
from tests.conftest import FIXTURES

GL = FIXTURES / "sources" / "gitlab"


@pytest.fixture(scope="module")
def imported():
    return read("gitlab", [GL / "deployments.json", GL / "merge_requests.json"])


def test_finished_deployments_with_mapped_status(imported):
    dep = imported[0]["deployments"].set_index("deployment_id")
    assert dep["status"].to_dict() == {
        "gitlab:115": "failed",
        "gitlab:116": "success",
        "gitlab:117": "cancelled",
        "gitlab:118": "success",
    }
    assert dep.loc["gitlab:116", "environment"] == "staging"
    assert set(dep["service"]) == {"payments-api"}  # from the job's commit web_url
    assert dep.loc["gitlab:118", "finished_at"] == pd.Timestamp("2024-03-05T10:16:40.517Z")
    assert dep.loc["gitlab:118", "started_at"] == pd.Timestamp("2024-03-05T10:11:20Z")
    # older GitLab: no top-level finished_at, the deploy job's is used
    assert dep.loc["gitlab:115", "finished_at"] == pd.Timestamp("2024-03-04T16:07:30Z")


def test_unfinished_and_skipped_dropped(imported):
    log = imported[1].frame().set_index("rule")
    assert log.loc["not finished (created / running / blocked): dropped", "rows"] == 2
    assert log.loc["skipped (the deploy job never ran): dropped", "examples"] == "114"


def test_merged_merge_requests(imported):
    ch = imported[0]["changes"].set_index("change_id")
    assert list(ch.index) == ["gitlab:acme/payments-api!55", "gitlab:acme/payments-api!57"]
    mr55 = ch.loc["gitlab:acme/payments-api!55"]
    assert mr55["committed_at"] == pd.Timestamp("2024-03-01T10:02:00Z")  # first commit (+01:00)
    assert mr55["authored_at"] == pd.Timestamp("2024-03-01T09:55:00Z")
    assert mr55["merged_at"] == pd.Timestamp("2024-03-04T15:40:00Z")
    assert mr55["commit_sha"] == "a5" * 20
    assert list(ch["author"]) == ["ana", "ana"]  # author.username of the merge request
    assert ch.loc["gitlab:acme/payments-api!57", "commit_sha"] == "a8" * 20  # squash commit
    assert (
        imported[1]
        .frame()
        .set_index("rule")
        .loc["merge requests not merged (opened / closed / locked): dropped", "rows"]
        == 2
    )


def test_unknown_status_names_record(tmp_path):
    path = tmp_path / "deployments.json"
    path.write_text(
        '[{"id": 1, "sha": "ab", "status": "exploded", "environment": {"name": "production"},'
        ' "deployable": {}, "created_at": "2024-03-01T10:00:00Z"}]'
    )
    with pytest.raises(DataValidationError) as err:
        read("gitlab", [path])
    assert err.value.rows == [1] and err.value.column == "status"
