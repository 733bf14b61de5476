"""GitLab: REST API JSON of deployments and of merge requests.

* deployments, ``GET /projects/:id/deployments``: objects with ``id``, ``iid``, ``ref``, ``sha``,
  ``status`` (created / running / success / failed / canceled / skipped / blocked),
  ``created_at``, ``updated_at``, ``finished_at`` (GitLab 15.x+), ``environment.name`` and
  ``deployable`` (the deploy job: ``started_at``, ``finished_at``, ``commit.web_url``);
* merge requests, ``GET /projects/:id/merge_requests?state=merged``: objects with ``iid``,
  ``state``, ``created_at``, ``merged_at``, ``merge_commit_sha`` / ``squash_commit_sha`` /
  ``sha``, ``references.full``; optionally ``commits`` (``/merge_requests/:iid/commits``) inline.

Unfinished deployments (created, running, blocked) and skipped ones are dropped (logged).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analytics.data.dataset import QualityLog
from analytics.exceptions import DataValidationError
from analytics.sources._common import (
    SourceOptions,
    field_of,
    finish,
    raw_frame,
    read_json,
    records_of,
)

STATUSES = {"success": "success", "failed": "failed", "canceled": "cancelled"}
UNFINISHED = {"created", "running", "blocked", "waiting"}
_PROJECT_RE = re.compile(r"^https?://[^/]+/(.+?)/-/")


def read(paths: list[Path], options: SourceOptions) -> tuple[dict[str, pd.DataFrame], QualityLog]:
    """Deployments and changes (merged merge requests)."""
    log = QualityLog()
    deps: list = []
    mrs: list = []
    for path in paths:
        items = records_of(read_json(path), path, None, "GitLab objects")
        if not items:
            raise DataValidationError("the JSON list is empty: nothing to import", file=str(path))
        first = items[0]
        if "merged_at" in first or "source_branch" in first:
            mrs.extend((path, i, x) for i, x in enumerate(items))
        elif "deployable" in first or ("environment" in first and "sha" in first):
            deps.extend((path, i, x) for i, x in enumerate(items))
        else:
            raise DataValidationError(
                "not a GitLab deployments or merge requests export (first object has "
                f"keys: {', '.join(list(first)[:8])})",
                file=str(path),
            )
    tables, files = {}, {}
    if deps:
        tables["deployments"], files["deployments"] = (
            _deployments(deps, options, log),
            str(deps[0][0]),
        )
    if mrs:
        tables["changes"], files["changes"] = _merge_requests(mrs, options, log), str(mrs[0][0])
    return finish(tables, options, log, files), log


def _need(item: dict, key: str, path: Path, n: int, what: str):
    value = field_of(item, key)
    if value in (None, ""):
        raise DataValidationError(
            f"{what}[{n}] has no '{key}'", file=str(path), rows=[n + 1], column=key
        )
    return value


def _project(d: dict) -> str | None:
    url = (
        field_of(d, "deployable.commit.web_url") or field_of(d, "deployable.pipeline.web_url") or ""
    )
    m = _PROJECT_RE.match(str(url))
    return m.group(1).rsplit("/", 1)[-1] if m else None


def _deployments(deps: list, options: SourceOptions, log: QualityLog) -> pd.DataFrame:
    records, index, unfinished, skipped, patched = [], [], [], [], []
    for path, n, d in deps:
        dep_id = _need(d, "id", path, n, "deployment")
        status = str(_need(d, "status", path, n, "deployment")).lower()
        if status in UNFINISHED:
            unfinished.append(dep_id)
            continue
        if status == "skipped":
            skipped.append(dep_id)
            continue
        if status not in STATUSES:
            raise DataValidationError(
                f"deployment[{n}] has unknown status {status!r}",
                file=str(path),
                rows=[n + 1],
                column="status",
            )
        finished = d.get("finished_at") or field_of(d, "deployable.finished_at")
        if not finished:
            finished = _need(d, "updated_at", path, n, "deployment")
            patched.append(dep_id)
        env = (
            field_of(d, "environment.name")
            if isinstance(d.get("environment"), dict)
            else d.get("environment")
        )
        records.append(
            {
                "deployment_id": f"gitlab:{dep_id}",
                "service": options.service or _project(d),
                "environment": env or "production",
                "finished_at": finished,
                "status": STATUSES[status],
                "started_at": field_of(d, "deployable.started_at"),
                "commit_sha": d.get("sha"),
                "version": d.get("ref"),
            }
        )
        index.append(n + 1)
    log.add(
        "deployments",
        "not finished (created / running / blocked): dropped",
        "dropped",
        len(unfinished),
        unfinished,
    )
    log.add(
        "deployments",
        "skipped (the deploy job never ran): dropped",
        "dropped",
        len(skipped),
        skipped,
    )
    log.add("deployments", "no finished_at: updated_at used", "repaired", len(patched), patched)
    frame = raw_frame(records, "deployments", index)
    if len(frame) and frame["service"].isna().any():
        log.add(
            "deployments",
            "no project in the export: service named 'gitlab' (use --service)",
            "noted",
            int(frame["service"].isna().sum()),
        )
        frame["service"] = frame["service"].fillna("gitlab")
    return frame


def _merge_requests(mrs: list, options: SourceOptions, log: QualityLog) -> pd.DataFrame:
    records, index, unmerged, no_commits = [], [], [], []
    for path, n, mr in mrs:
        iid = _need(mr, "iid", path, n, "merge request")
        ref = field_of(mr, "references.full") or f"{mr.get('project_id', '')}!{iid}"
        if mr.get("state") != "merged" or not mr.get("merged_at"):
            unmerged.append(ref)
            continue
        created = _need(mr, "created_at", path, n, "merge request")
        commits = mr.get("commits") if isinstance(mr.get("commits"), list) else []
        committed = sorted(
            (c.get("committed_date") for c in commits if c.get("committed_date")), key=pd.Timestamp
        )
        authored = sorted(
            (c.get("authored_date") for c in commits if c.get("authored_date")), key=pd.Timestamp
        )
        if not committed:
            no_commits.append(ref)
        project = ref.split("!")[0].rsplit("/", 1)[-1] if "/" in ref else None
        records.append(
            {
                "change_id": f"gitlab:{ref}",
                "service": options.service or project or "gitlab",
                "committed_at": committed[0] if committed else created,
                "authored_at": authored[0] if authored else None,
                "pr_opened_at": created,
                "merged_at": mr["merged_at"],
                "commit_sha": mr.get("merge_commit_sha")
                or mr.get("squash_commit_sha")
                or mr.get("sha"),
                "author": field_of(mr, "author.username"),
            }
        )
        index.append(n + 1)
    log.add(
        "changes",
        "merge requests not merged (opened / closed / locked): dropped",
        "dropped",
        len(unmerged),
        unmerged,
    )
    log.add(
        "changes",
        "no commits in the export: committed_at taken from the merge request's created_at",
        "repaired",
        len(no_commits),
        no_commits,
    )
    return raw_frame(records, "changes", index)
