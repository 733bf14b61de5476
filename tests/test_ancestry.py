"""Commit-graph helpers: hand-drawn graphs, a naive reference, and a 10k-commit history."""

from __future__ import annotations

import sys

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.data.ancestry import (
    ancestors,
    commits_between,
    commits_shipped,
    expand_short_shas,
    first_shipped_by,
    parent_map,
)
from analytics.exceptions import DataValidationError

#      a1 - a2 - a3 - a4 - m5      (m5 merges b2 into the main line)
#        \             /
#         b1 ------- b2
EDGES = pd.DataFrame(
    {
        "commit": ["a2", "a3", "a4", "b1", "b2", "m5", "m5"],
        "parent": ["a1", "a2", "a3", "a1", "b1", "a4", "b2"],
    }
)


def test_parent_map_keeps_parent_order_and_accepts_devlake_names():
    assert parent_map(EDGES)["m5"] == ("a4", "b2")
    devlake = EDGES.rename(columns={"commit": "commit_sha", "parent": "parent_commit_sha"})
    assert parent_map(devlake) == parent_map(EDGES)
    assert parent_map({"x": ["y"]}) == {"x": ("y",)}
    assert parent_map(None) == {}


def test_parent_map_names_the_missing_column():
    with pytest.raises(DataValidationError, match="commit"):
        parent_map(pd.DataFrame({"sha": ["a"], "parent": ["b"]}))


def test_ancestors_include_the_commit_itself():
    assert ancestors("a3", EDGES) == {"a1", "a2", "a3"}
    assert ancestors("m5", EDGES) == {"a1", "a2", "a3", "a4", "b1", "b2", "m5"}
    assert ancestors("zz", EDGES) == {"zz"}  # unknown commit: no parents
    assert ancestors(None, EDGES) == set()
    assert ancestors("", EDGES) == set()


def test_commits_between_is_devlakes_depth_first_order():
    assert commits_between("m5", "a3", EDGES) == ["m5", "a4", "b2", "b1"]
    assert commits_between("a3", None, EDGES) == ["a3", "a2", "a1"]
    assert commits_between("a2", "a4", EDGES) == []  # rollback ships nothing new


def test_commits_shipped_along_a_history_with_merge_and_rollback():
    deps = pd.DataFrame(
        {
            "deployment_id": ["d1", "d2", "d3", "d4", "d5"],
            "commit_sha": ["a2", "a4", "a4", "a3", "m5"],
        }
    )
    got = commits_shipped(deps, EDGES)
    shipped = got.groupby("deployment_id", sort=False)["commit_sha"].apply(list).to_dict()
    assert shipped == {
        "d1": ["a2", "a1"],
        "d2": ["a4", "a3"],
        # d3 redeploys a4: nothing new; d4 rolls back to a3: nothing new
        "d5": ["m5", "a4", "b2", "b1"],  # a4 again: the rollback had removed it
    }
    assert got.loc[got["deployment_id"] == "d5", "old_commit_sha"].unique().tolist() == ["a3"]
    assert got.loc[got["deployment_id"] == "d1", "old_commit_sha"].isna().all()
    assert got.loc[got["deployment_id"] == "d5", "sorting_index"].tolist() == [1, 2, 3, 4]


def test_commits_shipped_accepts_a_plain_sequence_and_skips_missing_commits():
    got = commits_shipped(["a1", None, "a3"], EDGES)
    assert got[["deployment_id", "commit_sha"]].values.tolist() == [[0, "a1"], [2, "a3"], [2, "a2"]]
    assert got.loc[got["deployment_id"] == 2, "old_commit_sha"].unique().tolist() == ["a1"]


def test_commits_shipped_empty():
    got = commits_shipped([], EDGES)
    assert got.empty
    assert list(got.columns) == [
        "deployment_id",
        "new_commit_sha",
        "old_commit_sha",
        "commit_sha",
        "sorting_index",
    ]


def test_first_shipped_by():
    first = first_shipped_by(["a2", "a4", "a3", "m5"], EDGES)
    assert first == {"a1": 0, "a2": 0, "a3": 1, "a4": 1, "m5": 3, "b2": 3, "b1": 3}


def test_expand_short_shas():
    known = ["3b9d0aa51c0f", "3b9d0ab00000", "ffff0001111"]
    assert expand_short_shas(["3b9d0aa", "3b9d0a", "3b9d0a0", "FFFF000"], known) == {
        "3b9d0aa": "3b9d0aa51c0f",
        "FFFF000": "ffff0001111",
    }
    assert expand_short_shas(["3b9d0a5"], []) == {}
    assert expand_short_shas(["3b9d0", "3b9d0aa51c0f"], known) == {}  # too short / already full


def test_inputs_not_mutated():
    edges = EDGES.copy()
    deps = pd.DataFrame({"deployment_id": ["d1", "d2"], "commit_sha": ["a2", "m5"]})
    deps_before = deps.copy()
    mapping = {"a2": ("a1",)}
    commits_shipped(deps, edges)
    ancestors("m5", mapping)
    pd.testing.assert_frame_equal(edges, EDGES)
    pd.testing.assert_frame_equal(deps, deps_before)
    assert mapping == {"a2": ("a1",)}


@st.composite
def dags(draw):
    n = draw(st.integers(1, 40))
    parents = {}
    for i in range(1, n):
        k = draw(st.integers(0, min(2, i)))
        ps = draw(st.lists(st.integers(0, i - 1), min_size=k, max_size=k, unique=True))
        parents[f"c{i}"] = tuple(f"c{p}" for p in ps)
    order = draw(st.lists(st.integers(0, n - 1), max_size=12))
    return parents, [f"c{i}" for i in order]


@settings(max_examples=60, deadline=None)
@given(dags())
def test_commits_shipped_equals_ancestors_minus_previous_ancestors(case):
    parents, order = case
    got = commits_shipped(order, parents)
    prev = None
    for pos, sha in enumerate(order):
        want = ancestors(sha, parents) - ancestors(prev, parents)
        assert set(got.loc[got["deployment_id"] == pos, "commit_sha"]) == want
        prev = sha
    first = first_shipped_by(order, parents)
    for sha, pos in first.items():
        assert sha in ancestors(order[pos], parents)
        assert all(sha not in ancestors(o, parents) for o in order[:pos])


def test_ten_thousand_commit_history_is_not_recursive():
    """A 10,000-commit linear history must not hit Python's recursion limit (speed: make bench)."""
    n = 10_000
    edges = pd.DataFrame(
        {"commit": [f"c{i}" for i in range(1, n)], "parent": [f"c{i - 1}" for i in range(1, n)]}
    )
    order = [f"c{i}" for i in range(0, n, 10)]  # 1,000 deployments
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # a recursive walk over 10,000 commits would fail here
    try:
        got = commits_shipped(order, edges)
        first = first_shipped_by(order, edges)
    finally:
        sys.setrecursionlimit(limit)
    assert len(got) == n - 9 and len(first) == n - 9  # c9991..c9999 never deployed
