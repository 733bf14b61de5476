"""Linking: which deployment shipped each change, which deployment caused each incident.

Every lead-time and failure-rate number rests on these links, so the rules are few and written
down once (docs/METRICS.md, "Linking"):

Change -> deployment (``link_changes``), first rule that applies wins:

1. ``explicit``: ``changes.deployment_id`` names a successful production deployment. When it names
   a known deployment that is not production or did not succeed, the change is carried forward
   to the first successful production deployment of the same service finished at or after that
   one (still labelled ``explicit``: the export's own statement anchors it); if there is none, the
   change stays unlinked. An id that is not in ``deployments`` is ignored (next rules).
2. ``ancestry`` (only when ``commit_parents`` is given): the first successful production
   deployment of the same service whose deployed commit has the change's ``commit_sha`` as an
   ancestor (itself included). Applies when the change's commit is in the graph and the service
   has production deployments with commits in the graph; a change that no such deployment
   contains stays unlinked (not yet shipped). Abbreviated SHAs (7+ characters) are expanded when
   they abbreviate exactly one commit of the graph.
3. ``service_time``: the first successful production deployment of the same service finished at
   or after ``merged_at`` (``committed_at`` when ``merged_at`` is empty).

A change deployed only to staging (or any non-production environment) stays unlinked.

Incident -> deployment (``link_incidents``):

1. ``explicit``: ``caused_by_deployment_id`` names a deployment in ``deployments`` (any
   environment or status: the export's statement is trusted). Unknown ids are ignored.
2. ``previous_deployment``: the last successful production deployment of the same service finished
   strictly before ``opened_at``, at most ``window_hours`` earlier (``None`` = no limit). Incidents
   without a service stay unlinked. This is Apache DevLake's rule with a window added; DevLake
   matches by project instead of service and has no window.

Production environments are compared case-insensitively, ignoring surrounding spaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from analytics.data.guards import require_columns
from analytics.metrics._link_frames import DEPLOYMENT_COLUMNS, LINK_METHODS, _text, _time
from analytics.metrics.change_links import CHANGE_LINK_COLUMNS, change_link_rows, link_changes
from analytics.metrics.incident_links import (
    INCIDENT_LINK_COLUMNS,
    incident_link_rows,
    link_incidents,
)

__all__ = [
    "CHANGE_LINK_COLUMNS",
    "COVERAGE_COLUMNS",
    "DEPLOYMENT_COLUMNS",
    "INCIDENT_LINK_COLUMNS",
    "LINK_METHODS",
    "change_link_rows",
    "incident_link_rows",
    "link_changes",
    "link_coverage",
    "link_incidents",
    "previous_success",
]

COVERAGE_COLUMNS = ["table", "rows", "linked", "share", *LINK_METHODS, "unlinked"]


# --------------------------------------------------------------------------- deployments
def previous_success(
    deployments: pd.DataFrame, by: Sequence[str] = ("service", "environment")
) -> pd.Series:
    """The previous successful deployment of the same ``by`` group, ordered by finish time.

    Apache DevLake's ``prev_success_deployment_commit`` step (their key is cicd_scope_id,
    repo_url, environment). Only successful rows with a finish time and non-blank ``by`` values
    take part; the others get a missing value, as does the first of each group. Equal finish
    times keep the input order.

    Parameters
    ----------
    deployments
        ``deployment_id``, ``status``, ``finished_at`` and the ``by`` columns.
    by
        Columns that define a sequence of deployments.

    Returns
    -------
    Series
        ``prev_success_deployment_id`` (str), aligned with ``deployments.index``.
    """
    by = list(by)
    require_columns(deployments, ["deployment_id", "status", "finished_at", *by], "deployments")
    d = pd.DataFrame({c: _text(deployments, c) for c in ["deployment_id", *by]})
    d["finished_at"] = _time(deployments, "finished_at")
    ok = (_text(deployments, "status").str.lower() == "success").fillna(False).astype(bool)
    ok &= d["finished_at"].notna()
    for col in by:
        ok &= d[col].notna()
    out = pd.Series(pd.NA, index=d.index, dtype="str", name="prev_success_deployment_id")
    if ok.any():
        sub = d[ok].sort_values("finished_at", kind="stable")
        prev = sub.groupby(by, sort=False)["deployment_id"].shift(1)
        out[prev.index] = prev
    out.index = deployments.index
    return out


# --------------------------------------------------------------------------- coverage
def link_coverage(
    changes: pd.DataFrame,
    incidents: pd.DataFrame,
    change_links: pd.DataFrame,
    incident_links: pd.DataFrame,
) -> pd.DataFrame:
    """Share of changes and incidents that got a deployment, and by which rule.

    Parameters
    ----------
    changes, incidents
        The canonical tables (``change_id`` / ``incident_id`` are used).
    change_links, incident_links
        Outputs of ``link_changes`` and ``link_incidents``.

    Returns
    -------
    DataFrame
        Two rows (``changes``, ``incidents``): ``table``, ``rows``, ``linked``, ``share``
        (NaN when there are no rows), one count per link method and ``unlinked``.
    """
    out = []
    for table, frame, links, key in (
        ("changes", changes, change_links, "change_id"),
        ("incidents", incidents, incident_links, "incident_id"),
    ):
        require_columns(frame, [key], table)
        require_columns(links, [key, "deployment_id", "link_method"], f"{table} links")
        ids = _text(frame, key)
        got = links.drop_duplicates(key).assign(
            _key=_text(links.drop_duplicates(key), key).to_numpy()
        )
        got = got[got["deployment_id"].notna()]
        methods = ids.map(pd.Series(got["link_method"].to_numpy(), index=got["_key"].to_numpy()))
        linked = int(methods.notna().sum())
        row: dict[str, Any] = {"table": table, "rows": len(ids), "linked": linked}
        row["share"] = row["linked"] / row["rows"] if row["rows"] else float("nan")
        for m in LINK_METHODS:
            row[m] = int((methods == m).sum())
        row["unlinked"] = row["rows"] - row["linked"]
        out.append(row)
    frame = pd.DataFrame(out, columns=COVERAGE_COLUMNS)
    return frame.astype({c: "int64" for c in COVERAGE_COLUMNS if c not in ("table", "share")})
