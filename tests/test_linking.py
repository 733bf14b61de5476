"""Change -> deployment and incident -> deployment links, against hand-worked tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics.data.schema import empty_table
from analytics.exceptions import DataValidationError
from analytics.metrics.linking import (
    CHANGE_LINK_COLUMNS,
    COVERAGE_COLUMNS,
    INCIDENT_LINK_COLUMNS,
    link_changes,
    link_coverage,
    link_incidents,
    previous_success,
)


def t(s: str | None) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC") if s else pd.NaT


def frame(columns: str, *rows) -> pd.DataFrame:
    """A small table; columns ending in _at become UTC timestamps, '' becomes missing."""
    names = columns.split()
    df = pd.DataFrame([list(r) for r in rows], columns=names)
    for c in names:
        if c.endswith("_at"):
            df[c] = pd.Series([t(v) for v in df[c]], dtype="datetime64[ns, UTC]")
        else:
            df[c] = df[c].replace("", None).astype("str")
    return df


DEPLOYMENTS = frame(
    "deployment_id service environment finished_at status commit_sha",
    ("d1", "api", "production", "2021-03-01 10:00", "success", "a2"),
    ("d2", "api", "staging", "2021-03-01 11:00", "success", "a3"),
    ("d3", "api", "production", "2021-03-01 12:00", "failed", "a3"),
    ("d4", "api", "production", "2021-03-02 09:00", "success", "a4"),
    ("d5", "web", "production", "2021-03-01 09:30", "success", ""),
    ("d6", "web", "staging", "2021-03-03 09:00", "success", ""),
)
#  a1 - a2 - a3 - a4      b1 branches off a1 and is never deployed
GRAPH = pd.DataFrame({"commit": ["a2", "a3", "a4", "b1"], "parent": ["a1", "a2", "a3", "a1"]})


def links_by_id(links: pd.DataFrame, key: str = "change_id") -> dict:
    return {
        r[key]: (
            None if pd.isna(r["deployment_id"]) else r["deployment_id"],
            None if pd.isna(r["link_method"]) else r["link_method"],
        )
        for r in links.to_dict("records")
    }


# --------------------------------------------------------------------------- changes
CHANGES = frame(
    "change_id service committed_at merged_at deployment_id",
    ("c1", "api", "2021-03-01 08:00", "2021-03-01 09:00", ""),  # next api prod: d1
    ("c2", "api", "2021-03-01 08:00", "", "d4"),  # explicit
    ("c3", "api", "2021-03-01 08:00", "", "d2"),  # staging -> forward to d4
    ("c4", "api", "2021-03-01 07:00", "2021-03-01 10:00", ""),  # merged exactly at d1
    ("c5", "web", "2021-03-01 20:00", "2021-03-02 08:00", ""),  # only staging after: unlinked
    ("c6", "api", "2021-03-02 10:00", "", ""),  # after the last deployment
    ("c7", "api", "2021-03-01 10:30", "", "nope"),  # unknown id: by time -> d4
    ("c8", "", "2021-03-01 08:00", "", ""),  # no service
    ("c9", "web", "2021-03-01 08:00", "", "d6"),  # staging, no later prod
    ("c10", "api", "2021-03-01 08:00", "", "d3"),  # failed prod -> forward to d4
)


def test_link_changes_rules_by_hand():
    links = link_changes(CHANGES, DEPLOYMENTS)
    assert list(links.columns) == CHANGE_LINK_COLUMNS
    assert links_by_id(links) == {
        "c1": ("d1", "service_time"),
        "c2": ("d4", "explicit"),
        "c3": ("d4", "explicit"),
        "c4": ("d1", "service_time"),
        "c5": (None, None),
        "c6": (None, None),
        "c7": ("d4", "service_time"),
        "c8": (None, None),
        "c9": (None, None),
        "c10": ("d4", "explicit"),
    }
    assert links["deployed_at"].dtype == "datetime64[ns, UTC]"
    assert links.loc[0, "deployed_at"] == t("2021-03-01 10:00")
    assert pd.isna(links.loc[4, "deployed_at"])


def test_staging_only_change_stays_unlinked_unless_staging_counts():
    links = link_changes(CHANGES, DEPLOYMENTS, production_environments=("Production", "STAGING"))
    got = links_by_id(links)
    assert got["c5"] == ("d6", "service_time")
    assert got["c3"] == ("d2", "explicit")


def test_link_changes_by_ancestry():
    changes = frame(
        "change_id service committed_at merged_at commit_sha",
        (
            "k1",
            "api",
            "2021-03-01 08:00",
            "2021-03-01 09:30",
            "a3",
        ),  # by time d1, but d1 ships a2 only
        ("k2", "api", "2021-03-01 08:00", "2021-03-01 09:00", "a2"),
        ("k3", "api", "2021-03-01 08:00", "2021-03-01 09:00", "b1"),  # in the graph, never deployed
        ("k4", "api", "2021-03-01 08:00", "2021-03-01 09:00", "zz"),  # not in the graph: by time
        ("k5", "api", "2021-03-01 08:00", "2021-03-01 09:00", ""),  # no commit: by time
        ("k6", "web", "2021-03-01 08:00", "2021-03-01 09:00", "a1"),  # web deploys carry no commit
    )
    got = links_by_id(link_changes(changes, DEPLOYMENTS, commit_parents=GRAPH))
    assert got == {
        "k1": ("d4", "ancestry"),
        "k2": ("d1", "ancestry"),
        "k3": (None, None),
        "k4": ("d1", "service_time"),
        "k5": ("d1", "service_time"),
        "k6": ("d5", "service_time"),
    }
    without_graph = links_by_id(link_changes(changes, DEPLOYMENTS))
    assert without_graph["k1"] == ("d1", "service_time")
    assert without_graph["k3"] == ("d1", "service_time")


def test_ancestry_accepts_a_dict_graph_and_short_shas():
    full = {"a2" * 10: ("a1" * 10,), "a3" * 10: ("a2" * 10,)}
    deps = frame(
        "deployment_id service environment finished_at status commit_sha",
        ("d1", "api", "production", "2021-03-01 10:00", "success", "a2" * 10),
        ("d2", "api", "production", "2021-03-01 11:00", "success", ("a3" * 10)[:8]),
    )
    changes = frame(
        "change_id service committed_at commit_sha",
        ("k1", "api", "2021-03-01 08:00", ("a3" * 10)[:7]),
        ("k2", "api", "2021-03-01 08:00", "a1" * 10),
    )
    got = links_by_id(link_changes(changes, deps, commit_parents=full))
    assert got == {"k1": ("d2", "ancestry"), "k2": ("d1", "ancestry")}


def test_explicit_link_beats_ancestry():
    changes = frame(
        "change_id service committed_at commit_sha deployment_id",
        ("k1", "api", "2021-03-01 08:00", "a2", "d4"),
    )
    assert links_by_id(link_changes(changes, DEPLOYMENTS, commit_parents=GRAPH)) == {
        "k1": ("d4", "explicit")
    }


def test_link_changes_minimal_columns_and_empty():
    minimal = CHANGES[["change_id", "service", "committed_at"]]
    got = links_by_id(link_changes(minimal, DEPLOYMENTS))
    assert got["c1"] == ("d1", "service_time")  # committed 08:00 -> d1
    empty = link_changes(empty_table("changes"), empty_table("deployments"))
    assert list(empty.columns) == CHANGE_LINK_COLUMNS and empty.empty
    none = link_changes(CHANGES, empty_table("deployments"))
    assert none["deployment_id"].isna().all() and len(none) == len(CHANGES)


def test_link_changes_names_the_missing_column():
    with pytest.raises(DataValidationError, match="committed_at"):
        link_changes(CHANGES.drop(columns="committed_at"), DEPLOYMENTS)
    with pytest.raises(DataValidationError, match="status"):
        link_changes(CHANGES, DEPLOYMENTS.drop(columns="status"))


# --------------------------------------------------------------------------- incidents
INC_DEPLOYMENTS = frame(
    "deployment_id service environment finished_at status",
    ("d0", "api", "production", "2021-03-01 08:00", "success"),
    ("d1", "api", "production", "2021-03-01 10:00", "success"),
    ("d2", "api", "production", "2021-03-01 12:00", "failed"),
    ("d3", "api", "staging", "2021-03-01 13:00", "success"),
    ("d4", "web", "production", "2021-03-01 11:00", "success"),
)
INCIDENTS = frame(
    "incident_id service opened_at caused_by_deployment_id",
    ("i1", "api", "2021-03-01 14:00", ""),  # d2 failed, d3 staging -> d1
    ("i2", "api", "2021-03-01 10:00", ""),  # exactly at d1: strictly before -> d0
    ("i3", "api", "2021-03-02 10:00", ""),  # exactly 24 h after d1: linked
    ("i4", "api", "2021-03-02 10:00:01", ""),  # one second over the window
    ("i5", "", "2021-03-01 14:00", ""),  # no service
    ("i6", "", "2021-03-01 14:00", "d4"),  # no service but explicit
    ("i7", "web", "2021-03-01 12:00", "zzz"),  # unknown explicit id -> previous
    ("i8", "api", "2021-03-01 07:00", ""),  # before any deployment
    ("i9", "api", "2021-03-01 15:00", "d3"),  # explicit to a staging deployment: trusted
)


def test_link_incidents_rules_by_hand():
    links = link_incidents(INCIDENTS, INC_DEPLOYMENTS)
    assert list(links.columns) == INCIDENT_LINK_COLUMNS
    assert links_by_id(links, "incident_id") == {
        "i1": ("d1", "previous_deployment"),
        "i2": ("d0", "previous_deployment"),
        "i3": ("d1", "previous_deployment"),
        "i4": (None, None),
        "i5": (None, None),
        "i6": ("d4", "explicit"),
        "i7": ("d4", "previous_deployment"),
        "i8": (None, None),
        "i9": ("d3", "explicit"),
    }


def test_two_incidents_on_one_deployment_count_it_once():
    links = link_incidents(INCIDENTS, INC_DEPLOYMENTS)
    assert (links["deployment_id"] == "d1").sum() == 2  # i1 and i3
    prod = INC_DEPLOYMENTS[
        (INC_DEPLOYMENTS["environment"] == "production") & (INC_DEPLOYMENTS["status"] == "success")
    ]
    failed = prod["deployment_id"].isin(links["deployment_id"].dropna())
    assert failed.tolist() == [True, True, True]  # d0 (i2), d1 (i1, i3), d4 (i6, i7)


@pytest.mark.parametrize("window", [None, math.inf, float("inf")])
def test_no_window(window):
    got = links_by_id(
        link_incidents(INCIDENTS, INC_DEPLOYMENTS, window_hours=window), "incident_id"
    )
    assert got["i4"] == ("d1", "previous_deployment")
    assert got["i8"] == (None, None)


def test_window_in_hours():
    got = links_by_id(link_incidents(INCIDENTS, INC_DEPLOYMENTS, window_hours=2), "incident_id")
    assert got["i1"] == (None, None)  # 4 h after d1
    assert got["i2"] == ("d0", "previous_deployment")  # exactly 2 h after d0
    with pytest.raises(ValueError, match="window_hours"):
        link_incidents(INCIDENTS, INC_DEPLOYMENTS, window_hours=0)


def test_link_incidents_minimal_and_empty():
    got = link_incidents(INCIDENTS[["incident_id", "opened_at"]], INC_DEPLOYMENTS)
    assert got["deployment_id"].isna().all()  # no service, no explicit id
    empty = link_incidents(empty_table("incidents"), empty_table("deployments"))
    assert list(empty.columns) == INCIDENT_LINK_COLUMNS and empty.empty
    with pytest.raises(DataValidationError, match="opened_at"):
        link_incidents(INCIDENTS.drop(columns="opened_at"), INC_DEPLOYMENTS)


def test_shifting_every_timestamp_leaves_links_unchanged():
    shift = pd.Timedelta(days=400, hours=5)
    inc = INCIDENTS.assign(opened_at=INCIDENTS["opened_at"] + shift)
    dep = INC_DEPLOYMENTS.assign(finished_at=INC_DEPLOYMENTS["finished_at"] + shift)
    pd.testing.assert_frame_equal(
        link_incidents(inc, dep), link_incidents(INCIDENTS, INC_DEPLOYMENTS)
    )
    ch = CHANGES.assign(
        committed_at=CHANGES["committed_at"] + shift, merged_at=CHANGES["merged_at"] + shift
    )
    dep2 = DEPLOYMENTS.assign(finished_at=DEPLOYMENTS["finished_at"] + shift)
    a, b = link_changes(ch, dep2), link_changes(CHANGES, DEPLOYMENTS)
    pd.testing.assert_frame_equal(a.drop(columns="deployed_at"), b.drop(columns="deployed_at"))


# --------------------------------------------------------------------------- previous success
def test_previous_success_by_service_and_environment():
    deps = frame(
        "deployment_id service environment finished_at status",
        ("p3", "api", "production", "2021-03-03 00:00", "success"),
        ("p1", "api", "production", "2021-03-01 00:00", "success"),
        ("p2", "api", "production", "2021-03-02 00:00", "failed"),
        ("s1", "api", "staging", "2021-03-02 00:00", "success"),
        ("s2", "api", "staging", "2021-03-02 00:00", "success"),  # same time: input order
        ("w1", "web", "production", "2021-03-02 00:00", "success"),
        ("x1", "web", "", "2021-03-02 00:00", "success"),  # no environment
        ("n1", "web", "production", "", "success"),  # no finish time
    )
    deps.index = [10, 11, 12, 13, 14, 15, 16, 17]
    got = previous_success(deps)
    assert got.index.tolist() == deps.index.tolist()
    assert got.name == "prev_success_deployment_id"
    assert got.fillna("-").tolist() == ["p1", "-", "-", "-", "s1", "-", "-", "-"]
    assert previous_success(empty_table("deployments")).empty


# --------------------------------------------------------------------------- coverage
def test_link_coverage():
    cl = link_changes(CHANGES, DEPLOYMENTS)
    il = link_incidents(INCIDENTS, INC_DEPLOYMENTS)
    cov = link_coverage(CHANGES, INCIDENTS, cl, il).set_index("table")
    assert list(cov.reset_index().columns) == COVERAGE_COLUMNS
    assert cov.loc[
        "changes", ["rows", "linked", "explicit", "service_time", "ancestry", "unlinked"]
    ].tolist() == [10, 6, 3, 3, 0, 4]
    assert cov.loc["changes", "share"] == pytest.approx(0.6)
    assert cov.loc["incidents", ["rows", "linked", "explicit", "previous_deployment"]].tolist() == [
        9,
        6,
        2,
        4,
    ]
    empty = link_coverage(
        empty_table("changes"),
        empty_table("incidents"),
        link_changes(empty_table("changes"), empty_table("deployments")),
        link_incidents(empty_table("incidents"), empty_table("deployments")),
    )
    assert empty["rows"].tolist() == [0, 0] and empty["share"].isna().all()


# --------------------------------------------------------------------------- purity
def test_inputs_are_not_mutated():
    frames = {
        "changes": CHANGES,
        "deployments": DEPLOYMENTS,
        "incidents": INCIDENTS,
        "inc_deployments": INC_DEPLOYMENTS,
        "graph": GRAPH,
    }
    copies = {k: v.copy(deep=True) for k, v in frames.items()}
    cl = link_changes(CHANGES, DEPLOYMENTS, commit_parents=GRAPH)
    il = link_incidents(INCIDENTS, INC_DEPLOYMENTS, window_hours=None)
    previous_success(DEPLOYMENTS)
    cl_copy, il_copy = cl.copy(deep=True), il.copy(deep=True)
    link_coverage(CHANGES, INCIDENTS, cl, il)
    for k, v in frames.items():
        pd.testing.assert_frame_equal(v, copies[k])
    pd.testing.assert_frame_equal(cl, cl_copy)
    pd.testing.assert_frame_equal(il, il_copy)
