"""GitHub adapter: deployments + statuses (inactive / error / pending quirks) and pull requests."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analytics import DataValidationError
from analytics.sources import SourceOptions, read
from tests.conftest import FIXTURES

GH = FIXTURES / "sources" / "github"


@pytest.fixture(scope="module")
def imported():
    return read(
        "github", [GH / "deployments.json", GH / "deployment_statuses.json", GH / "pulls.json"]
    )


def test_outcome_is_last_terminal_status_and_inactive_is_ignored(imported):
    dep = imported[0]["deployments"].set_index("deployment_id")
    assert dep["status"].to_dict() == {
        "github:1296800001": "success",  # pending, success, then inactive (superseded): success
        "github:1296800002": "failed",  # failure, then inactive
        "github:1296800003": "success",
        "github:1296800004": "failed",  # 'error': the deployment system failed
        "github:1296800005": "success",
    }
    assert dep.loc["github:1296800001", "finished_at"] == pd.Timestamp("2024-03-01T17:09:44Z")
    assert dep.loc["github:1296800001", "started_at"] == pd.Timestamp("2024-03-01T17:03:09Z")
    assert dep.loc["github:1296800001", "environment"] == "production"  # 'Production' lower-cased
    assert dep.loc["github:1296800003", "environment"] == "staging"
    assert set(dep["service"]) == {"payments-api"}  # from repository_url
    assert dep.loc["github:1296800005", "commit_sha"] == "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"


def test_unknown_outcomes_dropped_and_logged(imported):
    log = imported[1].frame().set_index("rule")
    assert (
        log.loc[
            "replaced (inactive) before any success/failure was reported: outcome unknown, dropped",
            "examples",
        ]
        == "1296800006"
    )
    assert log.loc["still pending / queued / in progress: dropped", "examples"] == "1296800007"
    assert log.loc["status 'error' (the deployment system failed) counted as failed", "rows"] == 1


def test_merged_pull_requests_become_changes(imported):
    ch = imported[0]["changes"].set_index("change_id")
    assert list(ch.index) == [
        "github:octo-org/payments-api#409",
        "github:octo-org/payments-api#412",
    ]
    pr412 = ch.loc["github:octo-org/payments-api#412"]
    assert pr412["committed_at"] == pd.Timestamp(
        "2024-03-04T01:47:10Z"
    )  # first commit, +08:00 read
    assert pr412["authored_at"] == pd.Timestamp("2024-03-04T01:31:00Z")
    assert pr412["pr_opened_at"] == pd.Timestamp("2024-03-04T10:02:00Z")
    assert pr412["merged_at"] == pd.Timestamp("2024-03-05T10:55:13Z")
    assert pr412["commit_sha"] == "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
    assert list(ch["author"]) == ["mei-lin", "mei-lin"]  # user.login of the pull request
    pr409 = ch.loc["github:octo-org/payments-api#409"]
    assert (
        pr409["committed_at"] == pr409["pr_opened_at"]
    )  # no commits exported: created_at stands in
    rules = set(imported[1].frame()["rule"])
    assert "pull requests closed without merging: dropped" in rules


def test_service_option_overrides(imported):
    tables, _ = read(
        "github",
        [GH / "deployments.json", GH / "deployment_statuses.json"],
        SourceOptions(service="payments"),
    )
    assert set(tables["deployments"]["service"]) == {"payments"}
    assert "changes" not in tables


def test_inline_statuses_and_no_statuses(tmp_path):
    deps = [
        {
            "id": 1,
            "sha": "ab" * 20,
            "ref": "main",
            "environment": "production",
            "created_at": "2024-03-01T10:00:00Z",
            "repository_url": "https://api.github.com/repos/o/shop",
            "statuses": [{"id": 9, "state": "success", "created_at": "2024-03-01T10:04:00Z"}],
        },
        {
            "id": 2,
            "sha": "cd" * 20,
            "ref": "main",
            "environment": "production",
            "created_at": "2024-03-01T11:00:00Z",
            "repository_url": "https://api.github.com/repos/o/shop",
        },
    ]
    path = tmp_path / "deployments.json"
    path.write_text(json.dumps(deps))
    tables, log = read("github", [path])
    assert list(tables["deployments"]["deployment_id"]) == ["github:1"]
    assert "no statuses at all: outcome unknown, dropped" in set(log.frame()["rule"])


def test_truncated_json_names_file_and_line(tmp_path):
    text = (GH / "deployments.json").read_text()
    path = tmp_path / "deployments.json"
    path.write_text(text[: len(text) // 2])
    with pytest.raises(
        DataValidationError,
        match=r"deployments\.json: truncated JSON \(the file ends mid-value\) "
        r"at line \d+, column \d+",
    ):
        read("github", [path])


def test_unrecognised_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('[{"login": "octocat"}]')
    with pytest.raises(DataValidationError, match="not a GitHub deployments"):
        read("github", [path])
    path.write_text('{"message": "Bad credentials"}')
    with pytest.raises(DataValidationError, match="expected a JSON list"):
        read("github", [path])


def test_deployment_without_created_at_names_record(tmp_path):
    deps = [
        {
            "id": 5,
            "sha": "ab" * 20,
            "environment": "production",
            "statuses": [{"id": 1, "state": "success", "created_at": "2024-03-01T10:04:00Z"}],
        }
    ]
    path = tmp_path / "deployments.json"
    path.write_text(json.dumps(deps))
    with pytest.raises(DataValidationError) as err:
        read("github", [path])
    assert err.value.rows == [1] and err.value.column == "created_at"
