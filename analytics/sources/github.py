"""GitHub: REST API JSON of deployments (with their statuses) and of pull requests.

Files are recognised by content, so any mix can be given:

* deployments, ``GET /repos/{owner}/{repo}/deployments``: a list of objects with ``sha``, ``ref``,
  ``environment``, ``created_at``; each may carry its statuses inline under ``statuses`` (the
  script in docs/adapters.md adds them), or the statuses come in separate files;
* deployment statuses, ``GET /repos/{owner}/{repo}/deployments/{id}/statuses``: objects with
  ``state`` and ``deployment_url`` (which names the deployment);
* pull requests, ``GET /repos/{owner}/{repo}/pulls?state=closed``: objects with ``number``,
  ``merged_at``, ``merge_commit_sha``; optionally ``commits`` (``/pulls/{n}/commits``) inline.

``gh api --paginate`` prints one JSON array per page back to back; that is read as one list.

A deployment's outcome is its last *terminal* status (success -> success; failure and error ->
failed), at that status's time. ``inactive`` only means a newer deployment replaced it, so it is
skipped; a deployment with only inactive / pending / in_progress / queued statuses has no known
outcome and is dropped (logged).
"""

from __future__ import annotations

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

TERMINAL = {"success": "success", "failure": "failed", "error": "failed"}
PENDING = {"pending", "queued", "in_progress"}


def read(paths: list[Path], options: SourceOptions) -> tuple[dict[str, pd.DataFrame], QualityLog]:
    """Deployments (from deployments + statuses) and changes (from merged pull requests)."""
    log = QualityLog()
    deployments: list = []
    statuses: list = []
    pulls: list = []
    for path in paths:
        items = records_of(read_json(path), path, None, "GitHub objects")
        kind = _kind(items, path)
        target = {"deployments": deployments, "statuses": statuses, "pulls": pulls}[kind]
        target.extend((path, i, item) for i, item in enumerate(items))
    tables, files = {}, {}
    if deployments:
        tables["deployments"] = _deployments(deployments, statuses, options, log)
        files["deployments"] = str(deployments[0][0])
    elif statuses:
        raise DataValidationError(
            "deployment statuses without the deployments export they belong to",
            file=str(statuses[0][0]),
        )
    if pulls:
        tables["changes"] = _pulls(pulls, options, log)
        files["changes"] = str(pulls[0][0])
    return finish(tables, options, log, files), log


def _kind(items: list[dict], path: Path) -> str:
    if not items:
        raise DataValidationError("the JSON list is empty: nothing to import", file=str(path))
    first = items[0]
    if "deployment_url" in first and "state" in first:
        return "statuses"
    if "merged_at" in first or ("number" in first and "head" in first):
        return "pulls"
    if "environment" in first and "sha" in first:
        return "deployments"
    raise DataValidationError(
        "not a GitHub deployments, deployment statuses or pull requests export "
        f"(first object has keys: {', '.join(list(first)[:8])})",
        file=str(path),
    )


def _require(item: dict, key: str, path: Path, n: int, what: str):
    value = field_of(item, key)
    if value in (None, ""):
        raise DataValidationError(
            f"{what}[{n}] has no '{key}'", file=str(path), rows=[n + 1], column=key
        )
    return value


def _deployments(
    deps: list, statuses: list, options: SourceOptions, log: QualityLog
) -> pd.DataFrame:
    by_dep: dict[str, list[dict]] = {}
    for _path, _n, st in statuses:
        dep_id = str(st.get("deployment_url", "")).rstrip("/").rsplit("/", 1)[-1]
        by_dep.setdefault(dep_id, []).append(st)
    records, index = [], []
    dropped: dict[str, list] = {"inactive": [], "pending": [], "none": []}
    for path, n, d in deps:
        dep_id = str(_require(d, "id", path, n, "deployment"))
        created = _require(d, "created_at", path, n, "deployment")
        sts = list(d.get("statuses") or []) + by_dep.get(dep_id, [])
        sts = sorted(
            {str(s.get("id", i)): s for i, s in enumerate(sts)}.values(),
            key=lambda s: (str(s.get("created_at", "")), str(s.get("id", ""))),
        )
        final = [s for s in sts if s.get("state") in TERMINAL]
        if not final:
            key = (
                "none" if not sts else "pending" if sts[-1].get("state") in PENDING else "inactive"
            )
            dropped[key].append(dep_id)
            continue
        last = final[-1]
        records.append(
            {
                "deployment_id": f"github:{dep_id}",
                "environment": d.get("environment") or "production",
                "finished_at": last.get("created_at"),
                "status": TERMINAL[last["state"]],
                "started_at": created,
                "commit_sha": d.get("sha"),
                "version": d.get("ref"),
                "service": options.service
                or str(d.get("repository_url") or "").rstrip("/").rsplit("/", 1)[-1]
                or None,
            }
        )
        index.append(n + 1)
        if last["state"] == "error":
            dropped.setdefault("error", []).append(dep_id)
    log.add(
        "deployments",
        "replaced (inactive) before any success/failure was reported: outcome unknown, dropped",
        "dropped",
        len(dropped["inactive"]),
        dropped["inactive"],
    )
    log.add(
        "deployments",
        "still pending / queued / in progress: dropped",
        "dropped",
        len(dropped["pending"]),
        dropped["pending"],
    )
    log.add(
        "deployments",
        "no statuses at all: outcome unknown, dropped",
        "dropped",
        len(dropped["none"]),
        dropped["none"],
    )
    log.add(
        "deployments",
        "status 'error' (the deployment system failed) counted as failed",
        "repaired",
        len(dropped.get("error", [])),
        dropped.get("error", []),
    )
    frame = raw_frame(records, "deployments", index)
    if len(frame) and frame["service"].isna().any():
        log.add(
            "deployments",
            "no repository_url: service named 'github' (use --service)",
            "noted",
            int(frame["service"].isna().sum()),
        )
        frame["service"] = frame["service"].fillna("github")
    return frame


def _pulls(pulls: list, options: SourceOptions, log: QualityLog) -> pd.DataFrame:
    records, index, unmerged, no_commits = [], [], [], []
    for path, n, pr in pulls:
        number = _require(pr, "number", path, n, "pull request")
        if not pr.get("merged_at"):
            unmerged.append(f"#{number}")
            continue
        created = _require(pr, "created_at", path, n, "pull request")
        repo = field_of(pr, "base.repo.name") or field_of(pr, "head.repo.name")
        commits = pr.get("commits") if isinstance(pr.get("commits"), list) else []
        committed = [field_of(c, "commit.committer.date") for c in commits]
        authored = [field_of(c, "commit.author.date") for c in commits]
        committed = [c for c in committed if c]
        authored = [a for a in authored if a]
        if not committed:
            no_commits.append(f"#{number}")
        records.append(
            {
                "change_id": f"github:{field_of(pr, 'base.repo.full_name') or repo or ''}#{number}",
                "service": options.service or repo or "github",
                "committed_at": min(committed, key=_ts) if committed else created,
                "authored_at": min(authored, key=_ts) if authored else None,
                "pr_opened_at": created,
                "merged_at": pr.get("merged_at"),
                "commit_sha": pr.get("merge_commit_sha"),
                "author": field_of(pr, "user.login"),
            }
        )
        index.append(n + 1)
    log.add(
        "changes",
        "pull requests closed without merging: dropped",
        "dropped",
        len(unmerged),
        unmerged,
    )
    log.add(
        "changes",
        "no commits in the export: committed_at taken from the pull request's created_at",
        "repaired",
        len(no_commits),
        no_commits,
    )
    return raw_frame(records, "changes", index)


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)
