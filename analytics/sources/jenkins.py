"""Jenkins: the builds JSON of deploy jobs.

Export per job: ``{JOB_URL}/api/json?tree=name,fullName,builds[number,result,building,timestamp,
duration,actions[parameters[name,value],lastBuiltRevision[SHA1]]]`` (``allBuilds[...]`` for more
than the last 100 builds; or a folder's ``api/json?tree=jobs[name,fullName,builds[...]]``).
``timestamp`` is the build *start* in milliseconds since the epoch and ``duration`` is in
milliseconds, so a build finished at ``timestamp + duration``. ``result``: SUCCESS -> success,
FAILURE and UNSTABLE -> failed, ABORTED -> cancelled; builds still running (``building`` true
or ``result`` null) and NOT_BUILT ones are dropped (logged). The environment comes from a build
parameter named like ENVIRONMENT / ENV / DEPLOY_ENV / TARGET_ENV / STAGE (else
``--environment``, default production).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analytics.data.dataset import QualityLog
from analytics.exceptions import DataValidationError
from analytics.sources._common import SourceOptions, Tally, epoch_ms, finish, raw_frame, read_json

RESULTS = {"SUCCESS": "success", "FAILURE": "failed", "UNSTABLE": "failed", "ABORTED": "cancelled"}
ENV_PARAMS = (
    "environment",
    "env",
    "deploy_env",
    "deploy_environment",
    "target_env",
    "target_environment",
    "stage",
    "target",
)
VERSION_PARAMS = ("version", "release", "tag", "image_tag", "release_version")
SHA_PARAMS = ("git_commit", "commit", "commit_sha", "sha", "revision")


def read(paths: list[Path], options: SourceOptions) -> tuple[dict[str, pd.DataFrame], QualityLog]:
    """Deployments, one per finished build."""
    log, tally = QualityLog(), Tally()
    records: list[dict] = []
    index: list[int] = []
    first = None
    for path in paths:
        for job_name, builds in _jobs(read_json(path), path):
            service = options.service or job_name or path.stem
            for n, b in enumerate(builds):
                rec = _build(b, n, path, service, options, tally)
                if rec:
                    records.append(rec)
                    index.append(len(index) + 1)
            first = first or str(path)
    tally.flush(log)
    frame = raw_frame(records, "deployments", index)
    return finish({"deployments": frame}, options, log, {"deployments": first or ""}), log


def _jobs(values: list, path: Path) -> list[tuple[str | None, list]]:
    out = []
    for value in values:
        if isinstance(value, dict) and "allBuilds" in value and "builds" not in value:
            value = {
                **value,
                "builds": value["allBuilds"],
            }  # tree=allBuilds[...]: every build, not the last 100
        if isinstance(value, dict) and "jobs" in value and "builds" not in value:
            for job in value["jobs"] or []:
                if isinstance(job, dict) and isinstance(job.get("builds"), list):
                    out.append((job.get("fullName") or job.get("name"), job["builds"]))
        elif isinstance(value, dict) and isinstance(value.get("builds"), list):
            out.append(
                (
                    value.get("fullName") or value.get("name") or _job_from_url(value.get("url")),
                    value["builds"],
                )
            )
        elif isinstance(value, list):
            out.append((None, value))
        else:
            raise DataValidationError(
                "not a Jenkins builds export (expected an object with 'builds' or "
                "'jobs', from api/json?tree=builds[...])",
                file=str(path),
                column="builds",
            )
    return out


def _job_from_url(url: object) -> str | None:
    parts = [p for p in str(url or "").rstrip("/").split("/") if p]
    return parts[-1] if len(parts) >= 2 and parts[-2] == "job" else None


def _params(build: dict) -> dict[str, str]:
    out = {}
    for action in build.get("actions") or []:
        if not isinstance(action, dict):
            continue
        for p in action.get("parameters") or []:
            if (
                isinstance(p, dict)
                and p.get("name") is not None
                and p.get("value") not in (None, "")
            ):
                out[str(p["name"]).lower()] = str(p["value"])
        sha = (
            (action.get("lastBuiltRevision") or {}).get("SHA1")
            if isinstance(action.get("lastBuiltRevision"), dict)
            else None
        )
        if sha:
            out.setdefault("__sha1", sha)
    return out


def _build(
    b: dict, n: int, path: Path, service: str, options: SourceOptions, tally: Tally
) -> dict | None:
    if not isinstance(b, dict) or "number" not in b:
        raise DataValidationError(
            f"builds[{n}] has no 'number'", file=str(path), rows=[n + 1], column="number"
        )
    number = b["number"]
    dep_id = f"jenkins:{service}#{number}"
    result = b.get("result")
    if b.get("building") or result is None:
        tally.add("deployments", "builds still running (result null): dropped", "dropped", dep_id)
        return None
    if result == "NOT_BUILT":
        tally.add("deployments", "builds NOT_BUILT (never ran): dropped", "dropped", dep_id)
        return None
    if result not in RESULTS:
        raise DataValidationError(
            f"builds[{n}] has unknown result {result!r}",
            file=str(path),
            rows=[n + 1],
            column="result",
        )
    if b.get("timestamp") is None:
        raise DataValidationError(
            f"builds[{n}] has no 'timestamp'", file=str(path), rows=[n + 1], column="timestamp"
        )
    started = epoch_ms(b["timestamp"], path, f"builds[{n}].timestamp")
    duration = b.get("duration") or 0
    if not isinstance(duration, int | float):
        raise DataValidationError(
            f"builds[{n}].duration {duration!r} is not a number of milliseconds",
            file=str(path),
            rows=[n + 1],
            column="duration",
        )
    finished = epoch_ms(int(b["timestamp"]) + int(duration), path, f"builds[{n}].duration")
    if not duration:
        tally.add("deployments", "duration 0: finished_at = start time", "repaired", dep_id)
    if result == "UNSTABLE":
        tally.add(
            "deployments", "UNSTABLE builds counted as failed deployments", "repaired", dep_id
        )
    params = _params(b)
    env = next((params[k] for k in ENV_PARAMS if k in params), None)
    if env is None:
        tally.add(
            "deployments",
            f"no environment parameter: taken as {options.environment or 'production'}",
            "noted",
            dep_id,
        )
    return {
        "deployment_id": dep_id,
        "service": service,
        "environment": env or options.environment or "production",
        "finished_at": finished,
        "status": RESULTS[result],
        "started_at": started,
        "commit_sha": next((params[k] for k in SHA_PARAMS if k in params), params.get("__sha1")),
        "version": next((params[k] for k in VERSION_PARAMS if k in params), None),
    }
