"""Commit-graph helpers: which commits a deployment shipped.

A deployment of commit ``c`` ships every ancestor of ``c`` (``c`` included, as ``git rev-list c``
lists it). The commits *newly* shipped by a deployment are its ancestors minus the ancestors of the
previous deployment in the same sequence: Apache DevLake's ``commits_diffs`` (refdiff plugin,
``CalculateLostSha``), reproduced here with the same depth-first order.

The graph is given as ``parents``: either a DataFrame with one row per (commit, parent) edge,
columns ``commit``/``parent`` (or DevLake's ``commit_sha``/``parent_commit_sha``), first parent
first; or a mapping ``commit -> tuple of parents``. Commits are strings; a commit that is not in
the graph simply has no parents. Everything is iterative (no recursion limit) and each walk stops
at commits already known, so a sequence of deployments over a ~10k-commit history costs about one
pass over the graph, not one pass per deployment.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TypeAlias, TypeGuard

import numpy as np
import pandas as pd

from analytics.exceptions import DataValidationError

Parents: TypeAlias = pd.DataFrame | Mapping[str, Sequence[str]]
ParentMap: TypeAlias = dict[str, tuple[str, ...]]

SHIPPED_COLUMNS = [
    "deployment_id",
    "new_commit_sha",
    "old_commit_sha",
    "commit_sha",
    "sorting_index",
]
_EDGE_COLUMNS = (("commit", "parent"), ("commit_sha", "parent_commit_sha"))
#: Shortest abbreviated SHA that is expanded against the graph (git's default abbreviation).
MIN_SHORT_SHA = 7


def parent_map(parents: Parents | None) -> ParentMap:
    """Normalise ``parents`` to a dict ``commit -> tuple(parents)`` (first parent first).

    Parameters
    ----------
    parents
        DataFrame with columns ``commit`` and ``parent`` (or ``commit_sha`` and
        ``parent_commit_sha``), one row per edge; or a mapping commit -> parents; or None.

    Returns
    -------
    dict
        A new dict (the input is never modified). Rows with a missing commit or parent are ignored.

    Raises
    ------
    DataValidationError
        When a DataFrame lacks both column pairs.
    """
    if parents is None:
        return {}
    if isinstance(parents, pd.DataFrame):
        cols = next((pair for pair in _EDGE_COLUMNS if set(pair) <= set(parents.columns)), None)
        if cols is None:
            raise DataValidationError(
                "commit graph needs the columns commit and parent "
                "(or commit_sha and parent_commit_sha)",
                file="commit_parents",
                column="commit",
            )
        edges = parents[list(cols)].dropna()
        edges = edges[(edges[cols[0]].astype(str) != "") & (edges[cols[1]].astype(str) != "")]
        if edges.empty:
            return {}
        grouped = edges[cols[1]].astype(str).groupby(edges[cols[0]].astype(str), sort=False)
        return {commit: tuple(ps) for commit, ps in grouped}
    return {str(c): tuple(str(p) for p in ps) for c, ps in parents.items()}


def _is_sha(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value != ""


def _walk(start: str, graph: ParentMap, stop: Collection[str], seen: set[str]) -> list[str]:
    """Pre-order depth-first walk from ``start`` through parents, skipping ``stop`` and ``seen``.

    Visited commits are added to ``seen`` and returned in visiting order (DevLake's order:
    a commit, then its first parent's line, then the other parents).
    """
    out: list[str] = []
    stack = [start]
    while stack:
        node = stack.pop()
        if node in stop or node in seen:
            continue
        seen.add(node)
        out.append(node)
        ps = graph.get(node, ())
        if ps:
            stack.extend(reversed(ps))
    return out


def ancestors(commit: str | None, parents: Parents | ParentMap | None) -> set[str]:
    """The commit and every commit reachable from it through parent links.

    Parameters
    ----------
    commit
        A commit SHA; None, NaN or "" give an empty set.
    parents
        The commit graph (see the module docstring).

    Returns
    -------
    set of str

    Examples
    --------
    >>> sorted(ancestors("c", {"c": ("b",), "b": ("a",)}))
    ['a', 'b', 'c']
    """
    if not _is_sha(commit):
        return set()
    graph = parents if _is_parent_map(parents) else parent_map(parents)
    seen: set[str] = set()
    _walk(commit, graph, (), seen)
    return seen


def _is_parent_map(parents: object) -> TypeGuard[ParentMap]:
    return isinstance(parents, dict) and all(
        isinstance(v, tuple) for v in list(parents.values())[:1]
    )


def commits_between(
    new: str | None, old: str | None, parents: Parents | ParentMap | None
) -> list[str]:
    """Commits in ``ancestors(new)`` but not in ``ancestors(old)``, in depth-first order from
    ``new``.

    This is DevLake's ``CalculateLostSha(old, new)``: what deploying ``new`` after ``old`` shipped.
    """
    graph = parents if _is_parent_map(parents) else parent_map(parents)
    if not _is_sha(new):
        return []
    stop = ancestors(old, graph)
    return _walk(new, graph, stop, set())


def _deploy_frame(deployments_in_order: pd.DataFrame | Iterable[str]) -> pd.DataFrame:
    if isinstance(deployments_in_order, pd.DataFrame):
        if "commit_sha" not in deployments_in_order.columns:
            raise DataValidationError("missing column", file="deployments", column="commit_sha")
        ids = (
            deployments_in_order["deployment_id"]
            if "deployment_id" in deployments_in_order.columns
            else pd.Series(range(len(deployments_in_order)), index=deployments_in_order.index)
        )
        return pd.DataFrame(
            {
                "deployment_id": ids.to_numpy(),
                "commit_sha": deployments_in_order["commit_sha"].to_numpy(),
            }
        )
    shas = list(deployments_in_order)
    return pd.DataFrame({"deployment_id": range(len(shas)), "commit_sha": shas})


def commits_shipped(
    deployments_in_order: pd.DataFrame | Iterable[str], parents: Parents | ParentMap | None
) -> pd.DataFrame:
    """Commits newly shipped by each deployment of one sequence (one service and environment).

    Pass successful deployments only: like DevLake, each deployment is compared with the previous
    *successful* one.

    For deployment *k* (commit ``new``) after deployment *k-1* (commit ``old``): ``ancestors(new)``
    minus ``ancestors(old)``; the first deployment ships all of its ancestors (DevLake's
    ``old_commit_sha = ''``). A deployment without a commit ships nothing and is skipped as a
    predecessor (the next one is compared with the last deployment that had a commit).

    Parameters
    ----------
    deployments_in_order
        Deployed commit SHAs in deployment order, or a DataFrame in deployment order with
        ``commit_sha`` and optionally ``deployment_id`` (else the position is used).
    parents
        The commit graph (see the module docstring).

    Returns
    -------
    DataFrame
        One row per (deployment, shipped commit): ``deployment_id``, ``new_commit_sha``,
        ``old_commit_sha`` (missing for the first), ``commit_sha`` and ``sorting_index``
        (1-based depth-first position from ``new_commit_sha``, as in DevLake's commits_diffs).

    Notes
    -----
    Runs in about O(commits + edges) along a linear history: the ancestor set of the previous
    deployment is grown in place, and is only recomputed when a deployment does not descend from
    its predecessor (a rollback or a switch of branch).
    """
    graph = parents if _is_parent_map(parents) else parent_map(parents)
    deps = _deploy_frame(deployments_in_order)
    rows: list[tuple] = []
    shipped: set[str] = set()  # ancestors of the previous deployment's commit
    old: str | None = None
    for dep_id, new in zip(deps["deployment_id"], deps["commit_sha"], strict=True):
        if not _is_sha(new):
            continue
        lost = _walk(new, graph, shipped, set())
        rows.extend((dep_id, new, old, sha, i) for i, sha in enumerate(lost, start=1))
        if old is None or old == new or _reaches(new, old, graph, shipped, lost):
            shipped.update(
                lost
            )  # old is an ancestor of new: ancestors(new) = ancestors(old) + lost
        else:
            shipped = ancestors(new, graph)
        old = new
    out = pd.DataFrame(rows, columns=SHIPPED_COLUMNS)
    for col in ("new_commit_sha", "old_commit_sha", "commit_sha"):
        out[col] = out[col].astype("str")
    out["sorting_index"] = out["sorting_index"].astype("int64")
    return out


def _reaches(new: str, old: str, graph: ParentMap, shipped: set[str], lost: list[str]) -> bool:
    """True when ``old`` is a parent of some newly walked commit, i.e. an ancestor of ``new``.

    A walk from ``new`` that stops at ``ancestors(old)`` reaches ``old`` itself only through a
    parent link of a walked commit (no other member of ``ancestors(old)`` leads to ``old``).
    """
    return any(old in graph.get(c, ()) for c in lost)


def first_shipped_by(
    deployed_commits_in_order: Sequence[str | None], parents: Parents | ParentMap | None
) -> dict[str, int]:
    """For every commit shipped by the sequence, the position of the first deployment that
    shipped it.

    Parameters
    ----------
    deployed_commits_in_order
        Deployed commit SHAs in deployment order (None/"" for a deployment without a commit).
    parents
        The commit graph.

    Returns
    -------
    dict
        ``commit -> position`` (0-based) of the first deployment whose commit has it as an ancestor.
        One walk over the graph in total: each walk stops at commits already shipped (the union of
        earlier ancestor sets is closed under "parent of").
    """
    graph = parents if _is_parent_map(parents) else parent_map(parents)
    first: dict[str, int] = {}
    seen: set[str] = set()
    for pos, new in enumerate(deployed_commits_in_order):
        if not _is_sha(new):
            continue
        for sha in _walk(new, graph, (), seen):
            first[sha] = pos
    return first


def expand_short_shas(shas: Iterable[object], known: Iterable[str]) -> dict[str, str]:
    """Map abbreviated SHAs to the one known full SHA they abbreviate.

    Only SHAs of at least ``MIN_SHORT_SHA`` characters that are not themselves known and that
    prefix exactly one known SHA are mapped (case-insensitive); ambiguous ones are left out.

    Examples
    --------
    >>> expand_short_shas(["3b9d0aa"], ["3b9d0aa51c", "ffff000111"])
    {'3b9d0aa': '3b9d0aa51c'}
    """
    by_lower = {str(k).lower(): str(k) for k in known}
    known_arr = np.array(sorted(by_lower), dtype=object)
    out: dict[str, str] = {}
    if not len(known_arr):
        return out
    for sha in {s for s in shas if _is_sha(s)}:
        low = sha.lower()
        if len(low) < MIN_SHORT_SHA or low in by_lower:
            continue
        i = int(np.searchsorted(known_arr, low))
        hits: list[str] = []
        while i < len(known_arr) and known_arr[i].startswith(low) and len(hits) < 2:
            hits.append(known_arr[i])
            i += 1
        if len(hits) == 1:
            out[sha] = by_lower[hits[0]]
    return out


def graph_commits(parents: ParentMap) -> set[str]:
    """Every commit named in the graph, as a child or as a parent."""
    nodes = set(parents)
    for ps in parents.values():
        nodes.update(ps)
    return nodes
