"""Jenkins adapter: millisecond epochs, running / NOT_BUILT / UNSTABLE builds, environment
parameters."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analytics import DataValidationError
from analytics.sources import SourceOptions, read
from tests.conftest import FIXTURES

JK = FIXTURES / "sources" / "jenkins" / "builds.json"


@pytest.fixture(scope="module")
def imported():
    return read("jenkins", [JK], SourceOptions(service="payments-api"))


def test_builds_become_deployments(imported):
    dep = imported[0]["deployments"].set_index("deployment_id")
    assert list(dep.index) == [f"jenkins:payments-api#{n}" for n in (125, 127, 128, 129, 130)]
    b129 = dep.loc["jenkins:payments-api#129"]
    # timestamp 1709629200000 ms = 2024-03-05T09:00:00Z, duration 312448 ms
    assert b129["started_at"] == pd.Timestamp("2024-03-05T09:00:00Z")
    assert b129["finished_at"] == pd.Timestamp("2024-03-05T09:05:12.448Z")
    assert b129["version"] == "2.14.2" and b129["commit_sha"] == "aa" * 20
    assert dep["status"].to_dict() == {
        "jenkins:payments-api#125": "success",
        "jenkins:payments-api#127": "failed",
        "jenkins:payments-api#128": "failed",
        "jenkins:payments-api#129": "success",
        "jenkins:payments-api#130": "cancelled",
    }
    assert dep["environment"].to_dict()["jenkins:payments-api#127"] == "staging"
    assert dep["environment"].to_dict()["jenkins:payments-api#128"] == "prod"  # 'PROD' lower-cased
    assert dep["environment"].to_dict()["jenkins:payments-api#125"] == "production"  # no parameter


def test_quirks_logged(imported):
    log = imported[1].frame().set_index("rule")["rows"]
    assert log["builds still running (result null): dropped"] == 1
    assert log["builds NOT_BUILT (never ran): dropped"] == 1
    assert log["UNSTABLE builds counted as failed deployments"] == 1
    assert log["no environment parameter: taken as production"] == 1


def test_service_defaults_to_job_name():
    tables, _ = read("jenkins", [JK])
    assert set(tables["deployments"]["service"]) == {"payments/deploy-payments-api"}


def test_folder_export_and_bad_timestamp(tmp_path):
    doc = {
        "jobs": [
            {
                "name": "deploy-a",
                "builds": [
                    {
                        "number": 1,
                        "result": "SUCCESS",
                        "timestamp": 1709629200000,
                        "duration": 1000,
                        "actions": [],
                    }
                ],
            },
            {"name": "deploy-b", "builds": []},
        ]
    }
    path = tmp_path / "jobs.json"
    path.write_text(json.dumps(doc))
    tables, _ = read("jenkins", [path])
    assert list(tables["deployments"]["deployment_id"]) == ["jenkins:deploy-a#1"]
    doc["jobs"][0]["builds"][0]["timestamp"] = "2024-03-05 09:00"
    path.write_text(json.dumps(doc))
    with pytest.raises(DataValidationError, match="is not a millisecond timestamp"):
        read("jenkins", [path])


def test_not_a_builds_export(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"_class": "hudson.model.Hudson", "mode": "NORMAL"}')
    with pytest.raises(DataValidationError, match="not a Jenkins builds export"):
        read("jenkins", [path])


def test_all_builds_tree(tmp_path):
    doc = {
        "name": "deploy-x",
        "allBuilds": [
            {
                "number": 7,
                "result": "SUCCESS",
                "timestamp": 1709629200000,
                "duration": 500,
                "actions": [{}],
            }
        ],
    }
    path = tmp_path / "all.json"
    path.write_text(json.dumps(doc))
    tables, _ = read("jenkins", [path])
    assert list(tables["deployments"]["deployment_id"]) == ["jenkins:deploy-x#7"]
