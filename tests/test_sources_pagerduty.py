"""PagerDuty adapter: the incidents CSV export, open incidents, priority vs urgency."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import DataValidationError
from analytics.sources import SourceOptions, read
from tests.conftest import FIXTURES

PD = FIXTURES / "sources" / "pagerduty" / "incidents.csv"


@pytest.fixture(scope="module")
def imported():
    return read("pagerduty", [PD])


def test_incidents_read_with_offsets(imported):
    inc = imported[0]["incidents"].set_index("incident_id")
    first = inc.loc["pagerduty:Q3ZK1B8VQ5S2MA"]
    assert first["opened_at"] == pd.Timestamp("2024-03-04T14:14:02Z")  # -05:00 in the export
    assert (
        first["resolved_at"] - first["opened_at"]
    ).total_seconds() == 2685  # = seconds_to_resolve
    assert first["service"] == "payments-api" and first["severity"] == "critical"
    assert inc.loc["pagerduty:Q0P9L2M3N4B5V6", "title"] == 'Disk usage > 85% on "db-replica-2"'


def test_severity_from_priority_else_urgency(imported):
    inc = imported[0]["incidents"].set_index("incident_id")
    assert inc["severity"].to_dict() == {
        "pagerduty:Q3ZK1B8VQ5S2MA": "critical",
        "pagerduty:Q1HV7XW0D2KT9C": "high",
        "pagerduty:Q0P9L2M3N4B5V6": "low",
        "pagerduty:Q7R8S9T0U1V2W3": "high",
    }
    rows = imported[1].frame().set_index("rule")["rows"]
    assert rows["no priority: severity from urgency (high -> high, low -> low)"] == 2


def test_open_incident_kept(imported):
    inc = imported[0]["incidents"].set_index("incident_id")
    assert pd.isna(inc.loc["pagerduty:Q7R8S9T0U1V2W3", "resolved_at"])
    assert (
        imported[1]
        .frame()
        .set_index("rule")
        .loc["still open (no resolved_on): kept, time to restore censored", "rows"]
        == 1
    )


def test_mapping_overrides_and_service_option(tmp_path):
    mapping = tmp_path / "pd.yml"
    mapping.write_text("columns:\n  service: escalation_policy_name\n")
    tables, _ = read("pagerduty", [PD], SourceOptions(mapping=mapping))
    assert set(tables["incidents"]["service"]) == {"Payments primary", "Platform"}
    tables, _ = read("pagerduty", [PD], SourceOptions(service="payments"))
    assert set(tables["incidents"]["service"]) == {"payments"}


def test_missing_created_column_and_bad_date(tmp_path):
    text = PD.read_text()
    bad = tmp_path / "incidents.csv"
    bad.write_text(text.replace("created_on", "opened"))
    with pytest.raises(DataValidationError) as err:
        read("pagerduty", [bad])
    assert err.value.column == "created_on" and str(bad) in str(err.value)
    bad.write_text(text.replace("2024-03-05T03:10:00-05:00", "03/05/2024 03:10 AM"))
    with pytest.raises(DataValidationError) as err:
        read("pagerduty", [bad])
    assert err.value.rows == [3] and err.value.column == "created_on"
