"""Apache DevLake's pull-request cycle time, part by part (the ``devlake`` preset's lead time).

DevLake (``dora`` plugin, ``calculateChangeLeadTime``) splits each merged PR's cycle time into:

- coding: first commit authored -> PR created;
- pickup: PR created -> first comment by someone other than the PR author;
- review: that first comment -> PR merged;
- deploy: PR merged -> the deployment that shipped the merge commit finished;
- cycle: coding + (created -> merged) + deploy, over the parts that exist.

Each span is rounded *up* to whole minutes and a negative span is missing. The deployment is the
earliest-started successful PRODUCTION deployment commit whose newly shipped commits
(``commits_diffs`` against its previous successful deployment) include the merge commit; a
deployment without a previous successful one (a repo's first) is never used.

The inputs are DataFrames shaped like DevLake's domain tables; scope them to one project before
calling (DevLake joins ``project_mapping``). Date columns may be strings or datetimes; strings
without an offset are read as UTC, as DevLake stores them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.data.guards import require_columns
from analytics.data.schema import UTC_NS
from analytics.metrics.linking import previous_success

PR_CYCLE_COLUMNS = [
    "pr_id",
    "first_commit_sha",
    "first_commit_authored_at",
    "first_review_id",
    "first_review_at",
    "created_at",
    "merged_at",
    "deployment_commit_id",
    "deployed_at",
    "coding_minutes",
    "pickup_minutes",
    "review_minutes",
    "deploy_minutes",
    "cycle_minutes",
]
_NS_PER_MINUTE = 60_000_000_000


def _utc(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, utc=True, format="mixed").astype(UTC_NS)


def _text(s: pd.Series) -> pd.Series:
    out = s.astype("str").str.strip()
    return out.mask(out == "")


def span_minutes(start: pd.Series, end: pd.Series) -> pd.Series:
    """``end - start`` rounded up to whole minutes (DevLake's ``computeTimeSpan``).

    Negative spans and missing ends give <NA>. A span between -1 and 0 minutes rounds up to 0
    and is kept, as in DevLake.

    Examples
    --------
    >>> t = pd.to_datetime(pd.Series(["2023-04-11 04:51:47", "2023-04-11 05:51:47"]), utc=True)
    >>> start, end = (t.iloc[[i]].reset_index(drop=True) for i in (0, 1))
    >>> span_minutes(start, end).tolist()
    [60]
    """
    delta = (end - start).to_numpy(dtype="timedelta64[ns]")
    missing = np.isnat(delta)
    ns = np.where(missing, 0, delta.astype("int64"))
    minutes = -((-ns) // _NS_PER_MINUTE)  # ceiling division, exact in integers
    out = pd.Series(minutes, index=start.index, dtype="Int64")
    return out.mask(missing | (minutes < 0))


def pr_cycle_times(
    pull_requests: pd.DataFrame,
    pull_request_commits: pd.DataFrame,
    pull_request_comments: pd.DataFrame,
    deployment_commits: pd.DataFrame,
    commits_diffs: pd.DataFrame,
    *,
    production_environment: str = "PRODUCTION",
) -> pd.DataFrame:
    """DevLake's PR cycle-time parts, one row per merged pull request.

    Parameters
    ----------
    pull_requests
        ``id``, ``merge_commit_sha``, ``created_date``, ``merged_date``; optional ``author_id``.
        PRs without ``merged_date`` are left out.
    pull_request_commits
        ``pull_request_id``, ``commit_sha``, ``commit_authored_date``.
    pull_request_comments
        ``id``, ``pull_request_id``, ``created_date``, ``account_id``.
    deployment_commits
        DevLake's cicd_deployment_commits: ``id``, ``commit_sha``, ``result``, ``environment``,
        ``started_date``, ``finished_date``; ``prev_success_deployment_commit_id`` is used when
        present, else computed per (``cicd_scope_id``, ``repo_url``, ``environment``) with
        ``previous_success``.
    commits_diffs
        ``new_commit_sha``, ``old_commit_sha`` (blank for a first deployment), ``commit_sha``
        (see ``analytics.data.ancestry.commits_shipped``).
    production_environment
        The environment value that counts (case-insensitive).

    Returns
    -------
    DataFrame
        Columns ``PR_CYCLE_COLUMNS``, minutes as Int64 (<NA> when a part is missing; cycle is never
        missing: it sums the parts that exist). Inputs are not modified.
    """
    require_columns(
        pull_requests, ["id", "merge_commit_sha", "created_date", "merged_date"], "pull_requests"
    )
    require_columns(
        pull_request_commits,
        ["pull_request_id", "commit_sha", "commit_authored_date"],
        "pull_request_commits",
    )
    require_columns(
        pull_request_comments,
        ["id", "pull_request_id", "created_date", "account_id"],
        "pull_request_comments",
    )
    require_columns(
        deployment_commits,
        ["id", "commit_sha", "result", "environment", "started_date", "finished_date"],
        "cicd_deployment_commits",
    )
    require_columns(
        commits_diffs, ["new_commit_sha", "old_commit_sha", "commit_sha"], "commits_diffs"
    )

    pr = pd.DataFrame(
        {
            "pr_id": _text(pull_requests["id"]),
            "author_id": _text(pull_requests["author_id"])
            if "author_id" in pull_requests
            else pd.NA,
            "merge_sha": _text(pull_requests["merge_commit_sha"]),
            "created_at": _utc(pull_requests["created_date"]),
            "merged_at": _utc(pull_requests["merged_date"]),
        }
    ).reset_index(drop=True)
    pr = pr[pr["merged_at"].notna()].reset_index(drop=True)

    first = _first_commits(pull_request_commits)
    review = _first_reviews(pull_request_comments, pr)
    deploy = _deployments(deployment_commits, commits_diffs, production_environment)

    out = pr.merge(first, on="pr_id", how="left").merge(review, on="pr_id", how="left")
    out = out.merge(deploy, left_on="merge_sha", right_on="merge_sha", how="left")
    out["coding_minutes"] = span_minutes(out["first_commit_authored_at"], out["created_at"])
    out["pickup_minutes"] = span_minutes(out["created_at"], out["first_review_at"])
    out["review_minutes"] = span_minutes(out["first_review_at"], out["merged_at"])
    out["deploy_minutes"] = span_minutes(out["merged_at"], out["deployed_at"])
    during = span_minutes(out["created_at"], out["merged_at"])
    parts = [out["coding_minutes"], during, out["deploy_minutes"]]
    out["cycle_minutes"] = sum(p.fillna(0) for p in parts).astype("Int64")
    return out[PR_CYCLE_COLUMNS]


def _first_commits(commits: pd.DataFrame) -> pd.DataFrame:
    c = pd.DataFrame(
        {
            "pr_id": _text(commits["pull_request_id"]),
            "first_commit_sha": _text(commits["commit_sha"]),
            "first_commit_authored_at": _utc(commits["commit_authored_date"]),
        }
    ).reset_index(drop=True)
    c = c.sort_values("first_commit_authored_at", kind="stable", na_position="last")
    return c.dropna(subset=["pr_id"]).drop_duplicates("pr_id")


def _first_reviews(comments: pd.DataFrame, pr: pd.DataFrame) -> pd.DataFrame:
    c = pd.DataFrame(
        {
            "pr_id": _text(comments["pull_request_id"]),
            "first_review_id": _text(comments["id"]),
            "account_id": _text(comments["account_id"]),
            "first_review_at": _utc(comments["created_date"]),
        }
    ).reset_index(drop=True)
    authors = pr.drop_duplicates("pr_id").set_index("pr_id")["author_id"]
    by_author = c["account_id"].fillna("") == c["pr_id"].map(authors).fillna("")
    c = c[~by_author].sort_values("first_review_at", kind="stable", na_position="last")
    c = c.dropna(subset=["pr_id"]).drop_duplicates("pr_id")
    return c[["pr_id", "first_review_id", "first_review_at"]]


def _deployments(dc: pd.DataFrame, diffs: pd.DataFrame, environment: str) -> pd.DataFrame:
    """merge_sha -> the deployment commit that first shipped it (id, finished time)."""
    d = pd.DataFrame(
        {
            "deployment_commit_id": _text(dc["id"]),
            "commit_sha": _text(dc["commit_sha"]),
            "result": _text(dc["result"]).str.upper(),
            "environment": _text(dc["environment"]).str.upper(),
            "started_at": _utc(dc["started_date"]),
            "deployed_at": _utc(dc["finished_date"]),
        }
    ).reset_index(drop=True)
    if "prev_success_deployment_commit_id" in dc.columns:
        d["prev_id"] = _text(dc["prev_success_deployment_commit_id"]).to_numpy()
    else:
        canon = pd.DataFrame(
            {
                "deployment_id": d["deployment_commit_id"],
                "status": d["result"].str.lower(),
                "finished_at": d["deployed_at"],
                "environment": d["environment"],
                "cicd_scope_id": _text(dc["cicd_scope_id"]).to_numpy(),
                "repo_url": _text(dc["repo_url"]).to_numpy(),
            }
        )
        d["prev_id"] = previous_success(
            canon, by=("cicd_scope_id", "repo_url", "environment")
        ).to_numpy()
    prev_sha = d.drop_duplicates("deployment_commit_id").set_index("deployment_commit_id")[
        "commit_sha"
    ]
    d["old_sha"] = d["prev_id"].map(prev_sha).astype("str").fillna("")
    eligible = d[
        d["prev_id"].notna()
        & (d["environment"] == environment.strip().upper())
        & (d["result"] == "SUCCESS")
    ]
    cd = pd.DataFrame(
        {
            "new_sha": _text(diffs["new_commit_sha"]),
            "old_sha": _text(diffs["old_commit_sha"]).fillna(""),
            "merge_sha": _text(diffs["commit_sha"]),
        }
    ).reset_index(drop=True)
    hits = eligible.merge(cd, left_on=["commit_sha", "old_sha"], right_on=["new_sha", "old_sha"])
    hits = hits.sort_values(["started_at", "deployment_commit_id"], kind="stable")
    hits = hits.dropna(subset=["merge_sha"]).drop_duplicates("merge_sha")
    return hits[["merge_sha", "deployment_commit_id", "deployed_at"]]
