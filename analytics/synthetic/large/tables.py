"""The four tables: generated in one random stream (deployments, changes, incidents, test runs,
in that order) and framed with the contract's columns and dtypes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from analytics.data.schema import UTC_NS
from analytics.synthetic.large.changes import _changes
from analytics.synthetic.large.deployments import _deployments
from analytics.synthetic.large.incidents import _incidents
from analytics.synthetic.large.runs import _test_runs
from analytics.synthetic.large.story import (
    _DAY,
    _TITLES,
    DEFAULT_SEED,
    FULL_ROWS,
    _days,
    _services,
    rows_for,
)


def generate_large(
    scale: str | float = "large", seed: int = DEFAULT_SEED
) -> dict[str, pd.DataFrame]:
    """The four canonical tables as typed frames (timestamps as UTC, as ``analytics.load`` gives).

    Parameters
    ----------
    scale
        ``"tiny"``, ``"small"``, ``"medium"``, ``"large"`` (see ``SCALES``) or a row factor.
    seed
        seed of ``numpy.random.PCG64``; the same seed gives the same tables.

    Returns
    -------
    dict
        table name -> DataFrame with the contract's columns (``program_yaml()`` is the config).
        ``severity`` holds the raw labels ``P1``..``P4``; ``kind``/``suite`` canonical values.
    """
    rows = rows_for(scale)
    factor = rows["deployments"] / FULL_ROWS["deployments"]
    rng = np.random.Generator(np.random.PCG64(seed))
    services = _services(factor)
    n_svc = len(services)
    svc_p = 1.0 / np.arange(1, n_svc + 1) ** 0.7
    svc_p /= svc_p.sum()
    midnight, progress = _days()
    export_at = int(midnight[-1] + _DAY - 60)  # 23:59 local on the last day

    dep = _deployments(rng, rows["deployments"], n_svc, svc_p, midnight, progress)
    chg = _changes(rng, rows["changes"], dep, midnight, progress, export_at)
    inc = _incidents(rng, rows["incidents"], n_svc, svc_p, dep, midnight, progress, export_at)
    runs = _test_runs(rng, rows["test_runs"], n_svc, svc_p, midnight, progress)
    return {
        "deployments": _frame(dep, services, "deployments"),
        "changes": _frame(chg, services, "changes"),
        "incidents": _frame(inc, services, "incidents"),
        "test_runs": _frame(runs, services, "test_runs"),
    }


def _utc(seconds: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    out = pd.Series(pd.to_datetime(seconds, unit="s", utc=True)).astype(UTC_NS)
    return out.mask(missing) if missing is not None else out


def _text(values) -> pd.Series:
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return pd.Series(values.to_pandas(), dtype="str")
    return pd.Series(values, dtype="str")


def _frame(d: dict, services: np.ndarray, table: str) -> pd.DataFrame:
    svc = _text(services[d["service"]])
    if table == "deployments":
        cols = {
            "deployment_id": _text(d["deployment_id"]),
            "service": svc,
            "environment": _text(
                np.array(["test", "staging", "production"], object)[d["environment"]]
            ),
            "finished_at": _utc(d["finished_at"]),
            "status": _text(
                np.array(["success", "failed", "rolled_back", "cancelled"], object)[d["status"]]
            ),
            "started_at": _utc(d["started_at"]),
            "commit_sha": _text(d["commit_sha"]),
            "version": _text(d["version"]),
            "kind": _text(np.array(["regular", "hotfix", "rollback"], object)[d["kind"]]),
        }
    elif table == "changes":
        cols = {
            "change_id": _text(d["change_id"]),
            "service": svc,
            "committed_at": _utc(d["committed_at"]),
            "merged_at": _utc(d["merged_at"]),
            "deployment_id": _text(d["deployment_id"]),
            "commit_sha": _text(d["commit_sha"]),
        }
    elif table == "incidents":
        cols = {
            "incident_id": _text(d["incident_id"]),
            "severity": _text(np.array(["P1", "P2", "P3", "P4"], object)[d["severity"]]),
            "opened_at": _utc(d["opened_at"]),
            "resolved_at": _utc(d["resolved_at"], d["still_open"]),
            "impact_started_at": _utc(d["impact_started_at"], d["no_impact"]),
            "service": svc.mask(d["unassigned"]),
            "caused_by_deployment_id": _text(d["caused_by_deployment_id"]),
            "title": _text(np.array(_TITLES, object)[d["title"]]),
        }
    else:
        cols = {
            "run_id": _text(d["run_id"]),
            "service": svc,
            "finished_at": _utc(d["finished_at"]),
            "tests_passed": pd.Series(d["tests_passed"], dtype="int64"),
            "tests_failed": pd.Series(d["tests_failed"], dtype="int64"),
            "tests_skipped": pd.Series(d["tests_skipped"], dtype="int64"),
            "suite": _text(np.array(["unit", "integration", "e2e"], object)[d["suite"]]),
            "coverage": pd.Series(np.where(d["suite"] == 0, d["coverage"], np.nan)),
            "environment": _text(np.full(len(d["run_id"]), "ci", dtype=object)),
        }
    frame = pd.DataFrame(cols)
    frame.attrs["zulu"] = np.asarray(d["zulu"], bool)
    return frame
