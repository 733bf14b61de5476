"""Apache DevLake's own end-to-end fixtures, reproduced with our functions.

The CSVs under tests/fixtures/devlake are copied unchanged from apache/incubator-devlake (see
SOURCE.txt there). Each test adapts DevLake's tables to our functions the way DevLake scopes them
(project_mapping) and compares with DevLake's expected CSV.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analytics.data.ancestry import commits_shipped
from analytics.metrics import deployment_facts, lead_times, metric_table
from analytics.metrics.linking import link_incidents, previous_success
from analytics.metrics.pr_cycle import PR_CYCLE_COLUMNS, pr_cycle_times
from tests.helpers import cell, make_dataset

DEVLAKE = Path(__file__).resolve().parent / "fixtures" / "devlake"
DORA = DEVLAKE / "dora" / "e2e"
REFDIFF = DEVLAKE / "refdiff" / "e2e" / "deployment_commit_diff"


def read(path: Path) -> pd.DataFrame:
    """A DevLake CSV with every column as text ('' for blanks, like DevLake's CSV importer)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def utc(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s.replace("", None), utc=True, format="mixed").astype(
        "datetime64[ns, UTC]"
    )


def scopes_of(mapping: pd.DataFrame, project: str, table: str) -> set[str]:
    rows = mapping[(mapping["project_name"] == project) & (mapping["table"] == table)]
    return set(rows["row_id"])


def minutes(s: pd.Series) -> list:
    return [None if pd.isna(v) else int(v) for v in s]


# --------------------------------------------------------------------------- change lead time
def test_pr_cycle_parts_equal_project_pr_metrics():
    d = DORA / "change_lead_time"
    mapping = read(d / "project_mapping.csv")
    prs = read(d / "pull_requests.csv")
    dc = read(d / "cicd_deployment_commits.csv")
    prs = prs[prs["base_repo_id"].isin(scopes_of(mapping, "project1", "repos"))]
    dc_project = dc[dc["cicd_scope_id"].isin(scopes_of(mapping, "project1", "cicd_scopes"))]

    got = pr_cycle_times(
        prs,
        read(d / "pull_request_commits.csv"),
        read(d / "pull_request_comments.csv"),
        dc_project,
        read(d / "commits_diffs.csv"),
    ).set_index("pr_id")
    want = read(d / "project_pr_metrics.csv").set_index("id")

    assert sorted(got.index) == sorted(want.index)  # pr6 is not merged
    got = got.loc[want.index]
    pairs = {
        "coding_minutes": "pr_coding_time",
        "pickup_minutes": "pr_pickup_time",
        "review_minutes": "pr_review_time",
        "deploy_minutes": "pr_deploy_time",
        "cycle_minutes": "pr_cycle_time",
    }
    for ours, theirs in pairs.items():
        assert minutes(got[ours]) == [None if v == "" else int(v) for v in want[theirs]], ours
    for ours, theirs in {
        "first_commit_sha": "first_commit_sha",
        "first_review_id": "first_review_id",
        "deployment_commit_id": "deployment_commit_id",
    }.items():
        assert got[ours].fillna("").tolist() == want[theirs].tolist(), ours
    for ours, theirs in {
        "first_commit_authored_at": "first_commit_authored_date",
        "first_review_at": "first_comment_date",
        "created_at": "pr_created_date",
        "merged_at": "pr_merged_date",
        "deployed_at": "pr_deployed_date",
    }.items():
        pd.testing.assert_series_equal(
            got[ours], utc(want[theirs]), check_names=False, check_index=False
        )


def test_pr_cycle_computes_previous_success_when_absent():
    d = DORA / "change_lead_time"
    dc = read(d / "cicd_deployment_commits.csv")
    with_prev = pr_cycle_times(
        read(d / "pull_requests.csv"),
        read(d / "pull_request_commits.csv"),
        read(d / "pull_request_comments.csv"),
        dc,
        read(d / "commits_diffs.csv"),
    )
    without = pr_cycle_times(
        read(d / "pull_requests.csv"),
        read(d / "pull_request_commits.csv"),
        read(d / "pull_request_comments.csv"),
        dc.drop(columns="prev_success_deployment_commit_id"),
        read(d / "commits_diffs.csv"),
    )
    pd.testing.assert_frame_equal(with_prev, without)


# --------------------------------------------------------------------------- previous success
def test_previous_success_per_scope_repo_environment():
    d = DORA / "prev_success_deployment_commit"
    before = read(d / "cicd_deployment_commits_before.csv")
    after = read(d / "cicd_deployment_commits_after.csv").set_index("id")
    deployments = pd.DataFrame(
        {
            "deployment_id": before["id"],
            "status": before["result"].str.lower(),
            "finished_at": utc(before["finished_date"]),
            "cicd_scope_id": before["cicd_scope_id"],
            "repo_url": before["repo_url"],
            "environment": before["environment"],
        }
    )
    got = previous_success(deployments, by=("cicd_scope_id", "repo_url", "environment"))
    got.index = before["id"]
    want = after.loc[got.index, "prev_success_deployment_commit_id"]
    assert got.fillna("").tolist() == want.tolist()


# --------------------------------------------------------------------------- incidents
def _incident_inputs():
    d = DORA / "connect_incident_to_deployment"
    mapping = read(d / "raw_tables" / "project_mapping.csv")
    project_of = {(r.table, r.row_id): r.project_name for r in mapping.itertuples()}
    dc = read(d / "prev_success_deployment_commit" / "cicd_deployment_commits_after.csv")
    dc = dc.assign(
        service=[project_of.get(("cicd_scopes", s)) for s in dc["cicd_scope_id"]],
        finished_at=utc(dc["finished_date"]),
    )
    # DevLake (at this commit) picks the latest successful PRODUCTION deployment-commit row of the
    # project finished before the incident and reports its cicd_deployment_id: one row = one
    # candidate, so each row becomes a deployment here and is mapped back to its pipeline after.
    deployments = pd.DataFrame(
        {
            "deployment_id": dc["id"],
            "service": dc["service"],
            "environment": dc["environment"],
            "finished_at": dc["finished_at"],
            "status": dc["result"].str.lower(),
            "pipeline": dc["cicd_deployment_id"],
        }
    )
    raw = read(d / "raw_tables" / "incidents.csv")
    incidents = pd.DataFrame(
        {
            "incident_id": raw["id"],
            "opened_at": utc(raw["created_date"]),
            "service": [
                project_of.get((t, s)) for t, s in zip(raw["table"], raw["scope_id"], strict=True)
            ],
        }
    )
    want = read(d / "snapshot_tables" / "project_incident_deployment_relationships.csv")
    return deployments, incidents, want


def _pipelines(links: pd.DataFrame, deployments: pd.DataFrame) -> pd.Series:
    return links["deployment_id"].map(deployments.set_index("deployment_id")["pipeline"])


def test_incident_links_equal_project_incident_deployment_relationships():
    deployments, incidents, want = _incident_inputs()
    links = link_incidents(
        incidents, deployments, production_environments=("PRODUCTION",), window_hours=None
    )
    links = links.assign(deployment_id=_pipelines(links, deployments))
    project1 = incidents["service"] == "project1"
    got = links[project1.to_numpy()]
    assert dict(zip(got["incident_id"], got["deployment_id"], strict=True)) == dict(
        zip(want["id"], want["deployment_id"], strict=True)
    )
    assert set(got["link_method"]) == {"previous_deployment"}


def test_incident_links_with_default_window_leave_old_deployments_alone():
    deployments, incidents, _ = _incident_inputs()
    links = link_incidents(incidents, deployments, production_environments=("PRODUCTION",))
    links = links.assign(deployment_id=_pipelines(links, deployments))
    # the November incidents are weeks after the last deployment (2022-09-24): no link in 24 h
    by_id = dict(zip(links["incident_id"], links["deployment_id"], strict=True))
    assert pd.isna(by_id["github:GithubIssue:1:1367714738"])
    assert by_id["github:GithubIssue:1:1373792478"] == "pipeline2"  # 19 h after pipeline2


def test_change_failure_rate_of_project1_is_0_40():
    deployments, incidents, _ = _incident_inputs()
    links = link_incidents(
        incidents, deployments, production_environments=("PRODUCTION",), window_hours=None
    )
    prod = deployments[
        (deployments["service"] == "project1")
        & (deployments["environment"] == "PRODUCTION")
        & (deployments["status"] == "success")
    ]
    prod = pd.Series(prod["pipeline"].unique())  # a DevLake deployment is a pipeline
    failed = prod.isin(_pipelines(links, deployments).dropna())
    assert len(prod) == 5
    assert failed.sum() == 2
    assert failed.mean() == pytest.approx(0.40)


# --------------------------------------------------------------------------- refdiff
def test_commits_shipped_equal_commits_diffs():
    mapping = read(REFDIFF / "project_mapping.csv")
    repos = scopes_of(mapping, "project1", "repos")
    repo_commits = read(REFDIFF / "repo_commits.csv")
    parents = read(REFDIFF / "commit_parents.csv")
    parents = parents[
        parents["commit_sha"].isin(
            repo_commits.loc[repo_commits["repo_id"].isin(repos), "commit_sha"]
        )
    ]
    dc = read(REFDIFF / "cicd_deployment_commits.csv")
    dc = dc[dc["cicd_scope_id"].isin(scopes_of(mapping, "project1", "cicd_scopes"))]
    dc = dc.assign(started=utc(dc["started_date"])).sort_values(
        ["cicd_scope_id", "repo_url", "environment", "started"], kind="stable"
    )

    got = commits_shipped(dc[["id", "commit_sha"]].rename(columns={"id": "deployment_id"}), parents)
    want = read(REFDIFF / "commits_diffs.csv")
    cols = ["new_commit_sha", "old_commit_sha", "commit_sha", "sorting_index"]
    got_rows = got[cols].fillna({"old_commit_sha": ""}).astype(str).values.tolist()
    assert got_rows == want[cols].values.tolist()

    finished = read(REFDIFF / "_tool_refdiff_finished_commits_diffs.csv")
    pairs = got[["new_commit_sha", "old_commit_sha"]].drop_duplicates().fillna("")
    assert pairs.values.tolist() == finished[["new_commit_sha", "old_commit_sha"]].values.tolist()


def test_pr_cycle_does_not_mutate_and_handles_empty_tables():
    d = DORA / "change_lead_time"
    names = [
        "pull_requests",
        "pull_request_commits",
        "pull_request_comments",
        "cicd_deployment_commits",
        "commits_diffs",
    ]
    tables = [read(d / f"{n}.csv") for n in names]
    copies = [t.copy(deep=True) for t in tables]
    pr_cycle_times(*tables)
    for t, c in zip(tables, copies, strict=True):
        pd.testing.assert_frame_equal(t, c)
    empty = pr_cycle_times(*[t.iloc[0:0] for t in tables])
    assert empty.empty and list(empty.columns) == PR_CYCLE_COLUMNS


# --------------------------------------------------------------------------- --preset devlake
def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False)


def test_preset_devlake_lead_time_with_several_prs_on_one_deployment():
    # DevLake's change_lead_time fixture as canonical tables: a change per merged PR of
    # project1, deployed by the deployment commit DevLake's commit diffs give (our
    # pr_cycle_times reproduces them, test above); deployments are deployment-commit rows.
    d = DORA / "change_lead_time"
    mapping = read(d / "project_mapping.csv")
    dc = read(d / "cicd_deployment_commits.csv")
    prs = read(d / "pull_requests.csv")
    cycle = pr_cycle_times(
        prs[prs["base_repo_id"].isin(scopes_of(mapping, "project1", "repos"))],
        read(d / "pull_request_commits.csv"),
        read(d / "pull_request_comments.csv"),
        dc[dc["cicd_scope_id"].isin(scopes_of(mapping, "project1", "cicd_scopes"))],
        read(d / "commits_diffs.csv"),
    )
    shipped = cycle[cycle["deployment_commit_id"].notna()]
    changes = pd.DataFrame(
        {
            "change_id": shipped["pr_id"],
            "service": "project1",
            "committed_at": shipped["first_commit_authored_at"],
            "authored_at": shipped["first_commit_authored_at"],
            "pr_opened_at": shipped["created_at"],
            "merged_at": shipped["merged_at"],
            "deployment_id": shipped["deployment_commit_id"],
        }
    )
    project = {s: "project1" for s in scopes_of(mapping, "project1", "cicd_scopes")}
    deployments = pd.DataFrame(
        {
            "deployment_id": dc["id"],
            "service": dc["cicd_scope_id"].map(project).fillna("project2"),
            "environment": dc["environment"].replace("", "none").str.lower(),
            "finished_at": dc["finished_date"],
            "status": dc["result"].str.lower(),
        }
    )
    ds = make_dataset(deployments=_csv(deployments), changes=_csv(changes))
    want = read(d / "project_pr_metrics.csv").set_index("id")
    got = lead_times(ds, preset="devlake").set_index("change_id")
    assert sorted(got.index) == ["pr1", "pr2", "pr3"]  # pr1 and pr2 share deployment 5
    for pr in got.index:
        assert got.loc[pr, "lead_time_hours"] * 60 == pytest.approx(
            int(want.loc[pr, "pr_cycle_time"])
        )
    # DevLake's monthly median: max(pr_cycle_time) where percent_rank <= 0.5: 4478 of
    # (1598, 4478, 10203) minutes, in April 2023
    row = cell(metric_table(ds, preset="devlake"), "lead_time_hours", "2023-04-01")
    assert row["median"] * 60 == pytest.approx(4478) and row["n"] == 3


def test_preset_devlake_change_failure_rate_of_project1_is_0_40():
    # connect_incident_to_deployment as canonical tables: one deployment per pipeline, in
    # production from its first successful production deployment-commit row (DevLake links an
    # incident to the latest such row before it); the incident's project is its service.
    deployments, incidents, _ = _incident_inputs()
    ok = (deployments["status"] == "success") & (deployments["environment"] == "PRODUCTION")
    first = deployments[ok].sort_values("finished_at").drop_duplicates("pipeline")
    canonical = pd.DataFrame(
        {
            "deployment_id": first["pipeline"],
            "service": first["service"].fillna("none"),
            "environment": "production",
            "finished_at": first["finished_at"],
            "status": "success",
        }
    )
    ds = make_dataset(
        deployments=_csv(canonical),
        incidents=_csv(incidents.assign(severity="high", service=incidents["service"].fillna(""))),
    )
    table = metric_table(ds, preset="devlake", by="service")
    row = cell(table, "change_failure_rate", "2022-09-01", service="project1")
    assert row["value"] == pytest.approx(0.40) and row["n"] == 5
    facts = deployment_facts(ds, preset="devlake").set_index("deployment_id")
    assert facts.loc[facts["failed_change"]].index.tolist() == ["pipeline2", "pipeline7"]
