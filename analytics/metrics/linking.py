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

import numpy as np
import pandas as pd

from analytics.ancestry import expand_short_shas, first_shipped_by, graph_commits, parent_map
from analytics.arrowtext import is_trimmed_text
from analytics.exceptions import DataValidationError
from analytics.metrics._keys import (
    asof,
    first_positions,
    instants,
    labels,
    positions,
    shared_codes,
    take_text,
)

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
    return _clean_text(frame, col)[0]


def _clean_text(frame: pd.DataFrame, col: str) -> tuple[pd.Series, bool]:
    """``_text``, and whether the column already was that text (nothing stripped or blanked)."""
    if col not in frame.columns:
        return pd.Series([pd.NA] * len(frame), dtype="str"), False
    s = frame[col].reset_index(drop=True)
    if is_trimmed_text(s):  # nothing to strip or blank out
        return s, True
    s = s.astype("str").str.strip()
    return s.mask(s == ""), False


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
    return dep.iloc[_production_rows(dep)][["deployment_id", "service", "finished_at", "commit_sha"]]


def _production_rows(dep: pd.DataFrame) -> np.ndarray:
    """Positions of ``_production_sequence``'s rows in ``dep``, in that order."""
    keep = (
        dep["good"]
        & dep["service"].notna()
        & dep["finished_at"].notna()
        & dep["deployment_id"].notna()
    ).to_numpy()
    rows = np.flatnonzero(keep)
    return rows[np.argsort(instants(dep["finished_at"])[rows], kind="stable")]


def _empty(columns: Sequence[str], times: Sequence[str] = ()) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=UTC_NS if c in times else "str") for c in columns})


def _as_given(column: pd.Series) -> pd.Series | np.ndarray:
    """An id column for the output exactly as ``column.to_numpy()`` would give it, without
    turning millions of ``str`` values into Python objects first."""
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.na_value is not pd.NA:
        return column.reset_index(drop=True)
    return column.to_numpy()


def _times_at(dep: pd.DataFrame, rows: np.ndarray) -> pd.Series:
    """``dep.finished_at`` at ``rows`` (NaT for -1), positionally indexed."""
    values = instants(dep["finished_at"])
    taken = np.where(rows >= 0, values[np.clip(rows, 0, None)] if len(values) else 0, np.iinfo(np.int64).min)
    return pd.Series(taken.view("datetime64[ns]")).dt.tz_localize("UTC").astype(UTC_NS)


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
    rows, method, dep, _ = change_link_rows(changes, deployments, production_environments, commit_parents)
    if changes.empty:
        return _empty(CHANGE_LINK_COLUMNS, times=["deployed_at"])
    return pd.DataFrame(
        {
            "change_id": _as_given(changes["change_id"]),  # as given, so joins back are exact
            "deployment_id": take_text(dep["deployment_id"], rows),
            "deployed_at": _times_at(dep, rows),
            "link_method": labels(method, LINK_METHODS),
        }
    )


def change_link_rows(
    changes: pd.DataFrame,
    deployments: pd.DataFrame,
    production_environments: Sequence[str] = ("production",),
    commit_parents: pd.DataFrame | dict | None = None,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame, tuple[np.ndarray, list | None]]:
    """``link_changes`` as positions: for each change, the row of ``deployments`` (positional;
    the first row with the linked id) or -1, the rule as an index into ``LINK_METHODS`` or -1,
    the positional deployments frame the rows point into (``deployment_id``, ``service``,
    ``finished_at``, ``commit_sha``, ``good``), and the changes' services as (codes, names);
    names is None when the raw service names needed cleaning (the codes are of the cleaned ones)."""
    _require(changes, ["change_id", "service", "committed_at"], "changes")
    dep = _deployment_frame(deployments, production_environments)
    n = len(changes)
    if changes.empty:
        empty = np.full(n, -1, dtype=np.int64)
        return empty, empty.copy(), dep, (np.zeros(0, dtype=np.int64), [])
    service, clean = _clean_text(changes, "service")
    first = first_positions(dep["deployment_id"])
    by_id = np.flatnonzero(first == np.arange(len(dep)))  # first row of each id
    unique = len(by_id) == len(dep)
    named = positions(_text(changes, "deployment_id"), dep["deployment_id"].iloc[by_id])
    if not unique:
        named = np.append(by_id, -1)[named]  # position among firsts -> row (-1 stays -1)
    known = named >= 0
    direct = np.append(dep["good"].to_numpy(dtype=bool), False)[named]
    rows = np.where(direct, named, -1)
    prod = _production_rows(dep)
    vocabulary: dict = {}
    dep_code, change_code = shared_codes(dep["service"], service, vocabulary=vocabulary)
    finished = instants(dep["finished_at"])

    # 1. explicit, with fall-forward from a non-production or unsuccessful deployment
    forward = np.flatnonzero(known & ~direct)
    if len(forward):
        src = named[forward]
        code = np.where(change_code[forward] >= 0, change_code[forward], dep_code[src])
        hit = asof(code, finished[src], dep_code[prod], finished[prod], direction="forward", exact=True)
        rows[forward[hit >= 0]] = prod[hit[hit >= 0]]
    method = np.where(known & (rows >= 0), LINK_METHODS.index("explicit"), -1)
    decided = known

    # 2. ancestry through the commit graph
    if commit_parents is not None:
        decided = known.copy()
        undecided = np.flatnonzero(~decided)
        ch = pd.DataFrame({"service": service, "commit_sha": _text(changes, "commit_sha")}).iloc[undecided]
        applies, hit = _ancestry_links(ch, _production_sequence(dep), parent_map(commit_parents))
        at = positions(hit.astype("str"), dep["deployment_id"].iloc[by_id])
        rows[hit.index.to_numpy()] = np.where(at >= 0, by_id[np.clip(at, 0, None)], -1)
        method[hit.index.to_numpy()] = LINK_METHODS.index("ancestry")
        decided[applies.index[applies.to_numpy(dtype=bool)].to_numpy()] = True

    # 3. first production deployment of the service at or after merge (or commit)
    todo = np.flatnonzero(~decided)
    if len(todo):
        merged = instants(_time(changes, "merged_at"))[todo]
        t = np.where(merged == np.iinfo(np.int64).min, instants(_time(changes, "committed_at"))[todo], merged)
        hit = asof(change_code[todo], t, dep_code[prod], finished[prod], direction="forward", exact=True)
        ok = hit >= 0
        rows[todo[ok]] = prod[hit[ok]]
        method[todo[ok]] = LINK_METHODS.index("service_time")
    if not unique:
        linked = rows >= 0
        rows[linked] = first[rows[linked]]  # the deployment named by the id: its first row
    return rows, method, dep, (change_code, list(vocabulary) if clean else None)


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
    rows, method, dep = incident_link_rows(incidents, deployments, production_environments, window_hours)
    if incidents.empty:
        return _empty(INCIDENT_LINK_COLUMNS)
    return pd.DataFrame(
        {
            "incident_id": _as_given(incidents["incident_id"]),  # as given
            "deployment_id": take_text(dep["deployment_id"], rows),
            "link_method": labels(method, LINK_METHODS),
        }
    )


def incident_link_rows(
    incidents: pd.DataFrame,
    deployments: pd.DataFrame,
    production_environments: Sequence[str] = ("production",),
    window_hours: float | None = 24.0,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """``link_incidents`` as positions: for each incident, the row of ``deployments``
    (positional; the first row with the linked id) or -1, the rule as an index into
    ``LINK_METHODS`` or -1, and the positional deployments frame (see ``change_link_rows``)."""
    _require(incidents, ["incident_id", "opened_at"], "incidents")
    dep = _deployment_frame(deployments, production_environments)
    tolerance = _tolerance(window_hours)
    n = len(incidents)
    rows = np.full(n, -1, dtype=np.int64)
    method = np.full(n, -1, dtype=np.int64)
    if incidents.empty:
        return rows, method, dep
    first = first_positions(dep["deployment_id"])
    by_id = np.flatnonzero(first == np.arange(len(dep)))
    named = positions(_text(incidents, "caused_by_deployment_id"), dep["deployment_id"].iloc[by_id])
    explicit = named >= 0
    rows[explicit] = by_id[named[explicit]]
    method[explicit] = LINK_METHODS.index("explicit")
    todo = np.flatnonzero(~explicit)
    if len(todo):
        prod = _production_rows(dep)
        dep_code, inc_code = shared_codes(dep["service"], _text(incidents, "service"))
        finished = instants(dep["finished_at"])
        hit = asof(inc_code[todo], instants(_time(incidents, "opened_at"))[todo], dep_code[prod],
                   finished[prod], direction="backward", exact=False,
                   tolerance_ns=None if tolerance is None else tolerance.value)
        ok = hit >= 0
        rows[todo[ok]] = first[prod[hit[ok]]]
        method[todo[ok]] = LINK_METHODS.index("previous_deployment")
    return rows, method, dep


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
