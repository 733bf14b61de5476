"""Statuspage adapter: incidents.json with open, unresolved-but-closed and back-filled incidents."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analytics import DataValidationError
from analytics.sources import SourceOptions, read
from tests.conftest import FIXTURES

SP = FIXTURES / "sources" / "statuspage" / "incidents.json"


@pytest.fixture(scope="module")
def imported():
    return read("statuspage", [SP])


def test_incidents(imported):
    inc = imported[0]["incidents"].set_index("incident_id")
    assert list(inc.index) == [
        "statuspage:a1qx7w3e5r9t",
        "statuspage:c8vd2l0q1xsm",
        "statuspage:p3ntk1zqnb4x",
        "statuspage:k0x4nq2bv7yd",
    ]
    assert inc["severity"].to_dict() == {
        "statuspage:a1qx7w3e5r9t": "low",
        "statuspage:c8vd2l0q1xsm": "critical",
        "statuspage:p3ntk1zqnb4x": "medium",
        "statuspage:k0x4nq2bv7yd": "high",
    }
    dash = inc.loc["statuspage:p3ntk1zqnb4x"]
    assert dash["opened_at"] == pd.Timestamp("2024-03-05T14:02:11.093Z")  # -08:00 page offset
    assert dash["impact_started_at"] == pd.Timestamp("2024-03-05T13:48:00Z")
    assert dash["resolved_at"] == pd.Timestamp("2024-03-05T15:10:40.305Z")
    assert dash["title"] == "Degraded performance of the Dashboard [Dashboard]"
    assert set(inc["service"]) == {"Acme Payments"}


def test_repairs_drops_and_open_incidents(imported):
    inc = imported[0]["incidents"].set_index("incident_id")
    assert inc.loc["statuspage:c8vd2l0q1xsm", "resolved_at"] == pd.Timestamp("2024-03-03T08:01:09Z")
    assert pd.isna(inc.loc["statuspage:k0x4nq2bv7yd", "resolved_at"])
    assert pd.isna(
        inc.loc["statuspage:k0x4nq2bv7yd", "impact_started_at"]
    )  # started == created (ms apart)
    zero = inc.loc["statuspage:a1qx7w3e5r9t"]
    assert zero["resolved_at"] == zero["opened_at"]  # posted already resolved: kept, zero length
    log = imported[1].frame().set_index("rule")["examples"]
    assert (
        log["marked resolved but with no resolution time at all: dropped"]
        == "statuspage:b2mf9s0d7kqa"
    )
    assert (
        log["resolved without resolved_at: time of the 'resolved' update used"]
        == "statuspage:c8vd2l0q1xsm"
    )
    assert log["not resolved yet: kept as still open"] == "statuspage:k0x4nq2bv7yd"


def test_service_option(imported):
    tables, _ = read("statuspage", [SP], SourceOptions(service="acme"))
    assert set(tables["incidents"]["service"]) == {"acme"}


def test_resolved_before_created_is_clipped(tmp_path):
    doc = {
        "page": {"name": "P"},
        "incidents": [
            {
                "id": "x",
                "impact": "minor",
                "status": "resolved",
                "created_at": "2024-03-01T10:00:00Z",
                "resolved_at": "2024-03-01T09:00:00Z",
            }
        ],
    }
    path = tmp_path / "incidents.json"
    path.write_text(json.dumps(doc))
    tables, log = read("statuspage", [path])
    row = tables["incidents"].iloc[0]
    assert row["resolved_at"] == row["opened_at"]
    assert log.frame()["rule"].str.contains("back-filled").any()


def test_bad_inputs(tmp_path):
    path = tmp_path / "incidents.json"
    path.write_text(
        '{"page": {"name": "P"}, "incidents": [{"id": "x", "impact": "catastrophic",'
        ' "created_at": "2024-03-01T10:00:00Z"}]}'
    )
    with pytest.raises(DataValidationError) as err:
        read("statuspage", [path])
    assert err.value.column == "impact" and err.value.rows == [1]
    path.write_text('{"status": {"indicator": "none"}}')
    with pytest.raises(DataValidationError, match="not a Statuspage incidents export"):
        read("statuspage", [path])


def test_manage_api_list(tmp_path):
    doc = json.loads(SP.read_text())["incidents"]
    path = tmp_path / "manage.json"
    path.write_text(json.dumps(doc))
    tables, log = read("statuspage", [path], SourceOptions(service="acme"))
    assert len(tables["incidents"]) == 4 and set(tables["incidents"]["service"]) == {"acme"}
