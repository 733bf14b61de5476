"""Change -> deployment links: which successful production deployment shipped each change.

The rules (``explicit``, ``ancestry``, ``service_time``) are described in
``analytics.metrics.linking`` and docs/METRICS.md ("Linking").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.data.ancestry import expand_short_shas, first_shipped_by, graph_commits, parent_map
from analytics.data.guards import require_columns
from analytics.data.schema import UTC_NS
from analytics.metrics._keys import (
    asof,
    first_positions,
    instants,
    labels,
    positions,
    shared_codes,
    take_text,
)
from analytics.metrics._link_frames import (
    LINK_METHODS,
    _as_given,
    _clean_text,
    _deployment_frame,
    _empty,
    _production_rows,
    _production_sequence,
    _text,
    _time,
)

CHANGE_LINK_COLUMNS = ["change_id", "deployment_id", "deployed_at", "link_method"]


def link_changes(
    changes: pd.DataFrame,
    deployments: pd.DataFrame,
    production_environments: Sequence[str] = ("production",),
    commit_parents: pd.DataFrame | dict | None = None,
    explicit_only: bool = False,
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
        (see ``analytics.data.ancestry``).
    explicit_only
        Only what the export names: a change is linked when its ``deployment_id`` names a
        successful production deployment, and otherwise stays unlinked (no carrying forward,
        no ancestry, no service and time); the ``fourkeys`` preset's rule.

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
    >>> changes = pd.DataFrame({"change_id": ["c1"], "service": ["api"],
    ...                         "committed_at": [t("2021-03-01 09:00")]})
    >>> deps = pd.DataFrame({"deployment_id": ["d1"], "service": ["api"],
    ...                      "environment": ["production"],
    ...                      "finished_at": [t("2021-03-01 10:00")], "status": ["success"]})
    >>> links = link_changes(changes, deps)
    >>> links[["change_id", "deployment_id", "link_method"]].to_dict("records")
    [{'change_id': 'c1', 'deployment_id': 'd1', 'link_method': 'service_time'}]
    """
    rows, method, dep, _ = change_link_rows(
        changes, deployments, production_environments, commit_parents, explicit_only
    )
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
    explicit_only: bool = False,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame, tuple[np.ndarray, list | None]]:
    """``link_changes`` as positions: for each change, the row of ``deployments`` (positional;
    the first row with the linked id) or -1, the rule as an index into ``LINK_METHODS`` or -1,
    the positional deployments frame the rows point into (``deployment_id``, ``service``,
    ``finished_at``, ``commit_sha``, ``good``), and the changes' services as (codes, names);
    names is None when the raw service names needed cleaning (the codes are of the cleaned ones)."""
    require_columns(changes, ["change_id", "service", "committed_at"], "changes")
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
    if explicit_only:  # only what the export names: nothing carried forward or inferred
        forward = forward[:0]
        commit_parents = None
    if len(forward):
        src = named[forward]
        code = np.where(change_code[forward] >= 0, change_code[forward], dep_code[src])
        hit = asof(
            code, finished[src], dep_code[prod], finished[prod], direction="forward", exact=True
        )
        rows[forward[hit >= 0]] = prod[hit[hit >= 0]]
    method = np.where(known & (rows >= 0), LINK_METHODS.index("explicit"), -1)
    decided = known

    # 2. ancestry through the commit graph
    if commit_parents is not None:
        decided = known.copy()
        undecided = np.flatnonzero(~decided)
        ch = pd.DataFrame({"service": service, "commit_sha": _text(changes, "commit_sha")}).iloc[
            undecided
        ]
        applies, hit = _ancestry_links(ch, _production_sequence(dep), parent_map(commit_parents))
        at = positions(hit.astype("str"), dep["deployment_id"].iloc[by_id])
        rows[hit.index.to_numpy()] = np.where(at >= 0, by_id[np.clip(at, 0, None)], -1)
        method[hit.index.to_numpy()] = LINK_METHODS.index("ancestry")
        decided[applies.index[applies.to_numpy(dtype=bool)].to_numpy()] = True

    # 3. first production deployment of the service at or after merge (or commit)
    todo = np.flatnonzero(~(decided | explicit_only))
    if len(todo):
        merged = instants(_time(changes, "merged_at"))[todo]
        t = np.where(
            merged == np.iinfo(np.int64).min, instants(_time(changes, "committed_at"))[todo], merged
        )
        hit = asof(
            change_code[todo], t, dep_code[prod], finished[prod], direction="forward", exact=True
        )
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


def _times_at(dep: pd.DataFrame, rows: np.ndarray) -> pd.Series:
    """``dep.finished_at`` at ``rows`` (NaT for -1), positionally indexed."""
    values = instants(dep["finished_at"])
    taken = np.where(
        rows >= 0, values[np.clip(rows, 0, None)] if len(values) else 0, np.iinfo(np.int64).min
    )
    return pd.Series(taken.view("datetime64[ns]")).dt.tz_localize("UTC").astype(UTC_NS)
