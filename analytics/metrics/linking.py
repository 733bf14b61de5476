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

import math
from collections.abc import Sequence

import pandas as pd

from analytics.ancestry import expand_short_shas, first_shipped_by, graph_commits, parent_map
from analytics.exceptions import DataValidationError

CHANGE_LINK_COLUMNS = ["change_id", "deployment_id", "deployed_at", "link_method"]
INCIDENT_LINK_COLUMNS = ["incident_id", "deployment_id", "link_method"]
LINK_METHODS = ("explicit", "ancestry", "service_time", "previous_deployment")
COVERAGE_COLUMNS = ["table", "rows", "linked", "share", *LINK_METHODS, "unlinked"]
DEPLOYMENT_COLUMNS = ["deployment_id", "service", "environment", "finished_at", "status"]
UTC_NS = "datetime64[ns, UTC]"


# --------------------------------------------------------------------------- helpers
def _require(frame: pd.DataFrame, columns: Sequence[str], table: str) -> None:
    """Raise DataValidationError naming the first required column that ``frame`` lacks."""
    for col in columns:
        if col not in frame.columns:
            raise DataValidationError(f"required column {col!r} is missing", file=table, column=col)


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    """Column as ``str`` with blanks as missing, positionally indexed; all-missing when absent."""
    if col not in frame.columns:
        return pd.Series([pd.NA] * len(frame), dtype="str")
    s = frame[col].reset_index(drop=True).astype("str").str.strip()
    return s.mask(s == "")


def _time(frame: pd.DataFrame, col: str) -> pd.Series:
    """Column as UTC nanosecond timestamps, positionally indexed; all-NaT when absent."""
    if col not in frame.columns:
        return pd.Series(pd.NaT, index=range(len(frame)), dtype=UTC_NS)
    s = frame[col].reset_index(drop=True)
    return pd.to_datetime(s, utc=True, format="mixed").astype(UTC_NS)


def _good_production(
    deployments: pd.DataFrame, production_environments: Sequence[str]
) -> pd.Series:
    """Positional mask of successful deployments to a production environment."""
    envs = {str(e).strip().lower() for e in production_environments}
    env = _text(deployments, "environment").str.lower()
    status = _text(deployments, "status").str.lower()
    return (env.isin(envs) & (status == "success")).fillna(False).astype(bool)


def _deployment_frame(
    deployments: pd.DataFrame, production_environments: Sequence[str]
) -> pd.DataFrame:
    """A positional working copy: id, service, finished_at, commit_sha, good (successful production)."""
    _require(deployments, DEPLOYMENT_COLUMNS, "deployments")
    return pd.DataFrame(
        {
            "deployment_id": _text(deployments, "deployment_id"),
            "service": _text(deployments, "service"),
            "finished_at": _time(deployments, "finished_at"),
            "commit_sha": _text(deployments, "commit_sha"),
            "good": _good_production(deployments, production_environments),
        }
    )


def _production_sequence(dep: pd.DataFrame) -> pd.DataFrame:
    """Successful production deployments with a service and a finish time, in finish order."""
    keep = (
        dep["good"]
        & dep["service"].notna()
        & dep["finished_at"].notna()
        & dep["deployment_id"].notna()
    )
    return dep.loc[keep, ["deployment_id", "service", "finished_at", "commit_sha"]].sort_values(
        "finished_at", kind="stable"
    )


def _asof(
    keys: pd.DataFrame,
    prod: pd.DataFrame,
    *,
    direction: str,
    exact: bool,
    tolerance: pd.Timedelta | None = None,
) -> pd.Series:
    """``merge_asof`` by service: for each key row (service, t) the matching deployment id.

    Returns a Series indexed like ``keys`` (rows without a service or time are left out).
    """
    left = keys.dropna(subset=["service", "t"])
    if left.empty or prod.empty:
        return pd.Series([], dtype="str")
    left = left.assign(_row=left.index).sort_values("t", kind="stable")
    right = prod[["service", "finished_at", "deployment_id"]]
    merged = pd.merge_asof(
        left[["_row", "service", "t"]],
        right,
        left_on="t",
        right_on="finished_at",
        by="service",
        direction=direction,
        allow_exact_matches=exact,
        tolerance=tolerance,
    )
    return pd.Series(
        merged["deployment_id"].to_numpy(), index=merged["_row"].to_numpy(), dtype="str"
    )


def _empty(columns: Sequence[str], times: Sequence[str] = ()) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=UTC_NS if c in times else "str") for c in columns})


# --------------------------------------------------------------------------- changes
def link_changes(
    changes: pd.DataFrame,
    deployments: pd.DataFrame,
    production_environments: Sequence[str] = ("production",),
    commit_parents: pd.DataFrame | dict | None = None,
) -> pd.DataFrame:
    """Link each change to the first successful production deployment that shipped it.

    Rules, in order: ``explicit`` deployment id, commit ``ancestry`` (when ``commit_parents`` is
    given), ``service_time``; see the module docstring and docs/METRICS.md ("Linking").

    Parameters
    ----------
    changes
        Canonical changes: ``change_id``, ``service``, ``committed_at`` (datetime64[ns, UTC]);
        optional ``merged_at``, ``deployment_id``, ``commit_sha``.
    deployments
        Canonical deployments: ``deployment_id``, ``service``, ``environment``, ``finished_at``,
        ``status``; optional ``commit_sha`` (needed for the ancestry rule).
    production_environments
        Environment names that count as production (case-insensitive).
    commit_parents
        Optional commit graph: DataFrame[commit, parent] or dict commit -> tuple(parents)
        (see ``analytics.ancestry``).

    Returns
    -------
    DataFrame
        One row per change, in input order: ``change_id``, ``deployment_id``, ``deployed_at``
        (the deployment's finished_at, UTC), ``link_method`` (``explicit`` / ``ancestry`` /
        ``service_time``; missing when unlinked). Inputs are not modified.

    Raises
    ------
    DataValidationError
        When a required column is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> t = lambda s: pd.Timestamp(s, tz="UTC")
    >>> changes = pd.DataFrame({"change_id": ["c1"], "service": ["api"], "committed_at": [t("2021-03-01 09:00")]})
    >>> deps = pd.DataFrame({"deployment_id": ["d1"], "service": ["api"], "environment": ["production"],
    ...                      "finished_at": [t("2021-03-01 10:00")], "status": ["success"]})
    >>> link_changes(changes, deps)[["change_id", "deployment_id", "link_method"]].to_dict("records")
    [{'change_id': 'c1', 'deployment_id': 'd1', 'link_method': 'service_time'}]
    """
    _require(changes, ["change_id", "service", "committed_at"], "changes")
    dep = _deployment_frame(deployments, production_environments)
    if changes.empty:
        return _empty(CHANGE_LINK_COLUMNS, times=["deployed_at"])
    ch = pd.DataFrame(
        {
            "service": _text(changes, "service"),
            "t": _time(changes, "merged_at").fillna(_time(changes, "committed_at")),
            "explicit_id": _text(changes, "deployment_id"),
            "commit_sha": _text(changes, "commit_sha"),
        }
    )
    prod = _production_sequence(dep)
    by_id = (
        dep.dropna(subset=["deployment_id"])
        .drop_duplicates("deployment_id")
        .set_index("deployment_id")
    )
    linked = pd.Series(pd.NA, index=ch.index, dtype="str")
    method = pd.Series(pd.NA, index=ch.index, dtype="str")

    # 1. explicit, with fall-forward from a non-production or unsuccessful deployment
    known = ch["explicit_id"].isin(by_id.index)
    good_ids = by_id.index[by_id["good"].to_numpy()]
    direct = known & ch["explicit_id"].isin(good_ids)
    linked[direct] = ch.loc[direct, "explicit_id"]
    forward = known & ~direct
    if forward.any():
        named = by_id.loc[ch.loc[forward, "explicit_id"]]
        keys = pd.DataFrame(
            {
                "service": ch.loc[forward, "service"].fillna(
                    pd.Series(named["service"].to_numpy(), index=ch.index[forward])
                ),
                "t": named["finished_at"].to_numpy(),
            },
            index=ch.index[forward],
        )
        hit = _asof(keys, prod, direction="forward", exact=True)
        linked[hit.index] = hit
    method[known & linked.notna()] = "explicit"
    decided = known.copy()

    # 2. ancestry through the commit graph
    if commit_parents is not None:
        applies, hit = _ancestry_links(ch[~decided], prod, parent_map(commit_parents))
        linked[hit.index] = hit
        method[hit.index] = "ancestry"
        decided |= applies.reindex(ch.index, fill_value=False)

    # 3. first production deployment of the service at or after merge (or commit)
    todo = ~decided
    if todo.any():
        hit = _asof(ch.loc[todo, ["service", "t"]], prod, direction="forward", exact=True).dropna()
        linked[hit.index] = hit
        method[hit.index] = "service_time"

    deployed_at = pd.Series(pd.NaT, index=ch.index, dtype=UTC_NS)
    has = linked.notna()
    if has.any():
        deployed_at[has] = by_id.loc[linked[has], "finished_at"].to_numpy()
    return pd.DataFrame(
        {
            "change_id": changes["change_id"].to_numpy(),  # as given, so joins back are exact
            "deployment_id": linked,
            "deployed_at": deployed_at,
            "link_method": method,
        }
    )


def _ancestry_links(
    ch: pd.DataFrame, prod: pd.DataFrame, graph: dict
) -> tuple[pd.Series, pd.Series]:
    """Ancestry rule for the still-undecided changes ``ch``.

    Returns (applies, deployment_id): ``applies`` marks changes the rule decides (linked or
    confirmed not shipped); ``deployment_id`` holds the links found.
    """
    applies = pd.Series(False, index=ch.index)
    found = pd.Series([], dtype="str")
    if not graph or ch.empty or prod.empty:
        return applies, found
    nodes = graph_commits(graph)
    short = expand_short_shas(pd.concat([ch["commit_sha"], prod["commit_sha"]]).dropna(), nodes)

    def resolve(shas: pd.Series) -> list:
        return [short.get(v, v) if isinstance(v, str) and v else None for v in shas]

    change_sha = pd.Series(resolve(ch["commit_sha"]), index=ch.index, dtype=object)
    in_graph = pd.Series([v in nodes for v in change_sha], index=ch.index) & ch["service"].notna()
    candidates = ch.index[in_graph].groupby(ch.loc[in_graph, "service"])
    seqs = prod.assign(sha=resolve(prod["commit_sha"]))
    parts = []
    for service, seq in seqs.groupby("service", sort=False):
        rows = candidates.get(service)
        if rows is None or not any(v in nodes for v in seq["sha"]):
            continue  # no change to place, or no deployed commit in the graph: fall through
        applies[rows] = True
        first = first_shipped_by(seq["sha"].tolist(), graph)
        pos = change_sha[rows].map(first).dropna().astype(int)
        ids = seq["deployment_id"].to_numpy()[pos.to_numpy()]
        parts.append(pd.Series(ids, index=pos.index, dtype="str"))
    if parts:
        found = pd.concat(parts)
    return applies, found


# --------------------------------------------------------------------------- incidents
def link_incidents(
    incidents: pd.DataFrame,
    deployments: pd.DataFrame,
    production_environments: Sequence[str] = ("production",),
    window_hours: float | None = 24.0,
) -> pd.DataFrame:
    """Link each incident to the deployment that caused it.

    ``explicit`` when ``caused_by_deployment_id`` names a known deployment; else
    ``previous_deployment``: the last successful production deployment of the same service that
    finished strictly before ``opened_at`` and at most ``window_hours`` before it (an incident
    exactly ``window_hours`` after a deployment is linked). See docs/METRICS.md ("Linking").

    Parameters
    ----------
    incidents
        Canonical incidents: ``incident_id``, ``opened_at`` (datetime64[ns, UTC]); optional
        ``service``, ``caused_by_deployment_id``.
    deployments
        Canonical deployments: ``deployment_id``, ``service``, ``environment``, ``finished_at``,
        ``status``.
    production_environments
        Environment names that count as production (case-insensitive).
    window_hours
        Longest gap between deployment and incident; ``None`` (or ``math.inf``) for no limit,
        which is Apache DevLake's rule.

    Returns
    -------
    DataFrame
        One row per incident, in input order: ``incident_id``, ``deployment_id``, ``link_method``
        (``explicit`` / ``previous_deployment``; missing when unlinked). Incidents without a
        service are linked only explicitly. Inputs are not modified.

    Raises
    ------
    DataValidationError
        When a required column is missing.
    ValueError
        When ``window_hours`` is not positive.
    """
    _require(incidents, ["incident_id", "opened_at"], "incidents")
    dep = _deployment_frame(deployments, production_environments)
    tolerance = _tolerance(window_hours)
    if incidents.empty:
        return _empty(INCIDENT_LINK_COLUMNS)
    inc = pd.DataFrame(
        {
            "service": _text(incidents, "service"),
            "t": _time(incidents, "opened_at"),
            "cause": _text(incidents, "caused_by_deployment_id"),
        }
    )
    linked = pd.Series(pd.NA, index=inc.index, dtype="str")
    method = pd.Series(pd.NA, index=inc.index, dtype="str")
    explicit = inc["cause"].isin(dep["deployment_id"].dropna())
    linked[explicit] = inc.loc[explicit, "cause"]
    method[explicit] = "explicit"
    todo = ~explicit
    if todo.any():
        prod = _production_sequence(dep)
        hit = _asof(
            inc.loc[todo, ["service", "t"]],
            prod,
            direction="backward",
            exact=False,
            tolerance=tolerance,
        ).dropna()
        linked[hit.index] = hit
        method[hit.index] = "previous_deployment"
    return pd.DataFrame(
        {
            "incident_id": incidents["incident_id"].to_numpy(),  # as given
            "deployment_id": linked,
            "link_method": method,
        }
    )


def _tolerance(window_hours: float | None) -> pd.Timedelta | None:
    """The merge_asof tolerance for a window in hours; None (or +inf) means no limit."""
    hours = math.inf if window_hours is None else float(window_hours)
    if not hours > 0:
        raise ValueError(f"window_hours must be positive or None, got {window_hours!r}")
    return None if math.isinf(hours) else pd.Timedelta(hours=hours)


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
    _require(deployments, ["deployment_id", "status", "finished_at", *by], "deployments")
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
        _require(frame, [key], table)
        _require(links, [key, "deployment_id", "link_method"], f"{table} links")
        ids = _text(frame, key)
        got = links.drop_duplicates(key).assign(
            _key=_text(links.drop_duplicates(key), key).to_numpy()
        )
        got = got[got["deployment_id"].notna()]
        methods = ids.map(pd.Series(got["link_method"].to_numpy(), index=got["_key"].to_numpy()))
        row = {"table": table, "rows": len(ids), "linked": int(methods.notna().sum())}
        row["share"] = row["linked"] / row["rows"] if row["rows"] else float("nan")
        for m in LINK_METHODS:
            row[m] = int((methods == m).sum())
        row["unlinked"] = row["rows"] - row["linked"]
        out.append(row)
    frame = pd.DataFrame(out, columns=COVERAGE_COLUMNS)
    return frame.astype({c: "int64" for c in COVERAGE_COLUMNS if c not in ("table", "share")})
