"""Jira adapter: the issues CSV export with localised dates, repeated headers and custom fields."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import DataValidationError
from analytics.config import ProgramConfig
from analytics.sources import SourceOptions, read
from analytics.sources.jira import parse_jira_date
from tests.conftest import FIXTURES

JIRA = FIXTURES / "sources" / "jira"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("04/Mar/24 9:14 AM", "2024-03-04 09:14"),
        ("04/Mar/24 11:40 PM", "2024-03-04 23:40"),
        ("04/Mar/24 12:05 AM", "2024-03-04 00:05"),
        ("01/Mär/24 12:40 AM", "2024-03-01 00:40"),  # German
        ("30/Mai/24 8:15 AM", "2024-05-30 08:15"),
        ("15/Okt/24 2:30 PM", "2024-10-15 14:30"),
        ("19/Dez/24 10:00 AM", "2024-12-19 10:00"),
        ("05/févr./24 14:17", "2024-02-05 14:17"),  # French, 24-hour clock
        ("05/mars/2024 14:17", "2024-03-05 14:17"),
        ("05/ago/24 9:00 a. m.", "2024-08-05 09:00"),  # Spanish
        ("2024-03-04 09:14", "2024-03-04 09:14"),
    ],
)
def test_localised_jira_dates(text, expected):
    assert parse_jira_date(text) == pd.Timestamp(expected)


@pytest.mark.parametrize(
    "text", ["04/Foo/24 9:14 AM", "31/Feb/24 9:00 AM", "04/03/2024", "13:00 04/Mar/24"]
)
def test_unreadable_jira_dates(text):
    assert parse_jira_date(text) is None


def test_english_export():
    tables, log = read(
        "jira",
        [JIRA / "incidents_en.csv"],
        SourceOptions(config=ProgramConfig(timezone="Asia/Shanghai")),
    )
    inc = tables["incidents"].set_index("incident_id")
    assert inc.loc["OPS-1207", "opened_at"] == pd.Timestamp(
        "2024-03-04T01:14:00Z"
    )  # 09:14 in Shanghai
    assert inc["severity"].to_dict() == {
        "OPS-1207": "critical",
        "OPS-1208": "high",
        "OPS-1210": "medium",
        "OPS-1211": "low",
    }
    assert inc.loc["OPS-1208", "service"] == "settlement-batch"  # first of two Component/s columns
    assert inc.loc["OPS-1211", "service"] == "Operations"  # no component: project name
    assert inc.loc["OPS-1208", "title"] == 'Settlement export late, "retry" loop'
    assert pd.isna(inc.loc["OPS-1210", "resolved_at"])
    rules = log.frame().set_index("rule")["rows"]
    assert rules["Created: Jira dates (no time zone) read in Asia/Shanghai"] == 4
    assert rules["unresolved issues: kept as still open"] == 1


def test_custom_field_mapping_and_time_zone():
    tables, _ = read(
        "jira", [JIRA / "incidents_en.csv"], SourceOptions(mapping=JIRA / "mapping.yml")
    )
    inc = tables["incidents"].set_index("incident_id")
    assert inc.loc["OPS-1207", "opened_at"] == pd.Timestamp("2024-03-04T08:14:00Z")  # Europe/Berlin
    assert inc.loc["OPS-1210", "severity"] == "medium"  # from Custom field (Severity) SEV3


def test_german_export():
    tables, _ = read("jira", [JIRA / "incidents_de.csv"])
    inc = tables["incidents"].set_index("incident_id")
    assert inc.loc["ZAHL-88", "resolved_at"] == pd.Timestamp("2024-03-01T00:40:00Z")
    assert inc.loc["ZAHL-97", "opened_at"] == pd.Timestamp("2024-10-15T14:30:00Z")
    assert len(inc) == 4


def test_unexpected_date_format_names_row_and_column(tmp_path):
    bad = tmp_path / "jira.csv"
    bad.write_text(
        (JIRA / "incidents_en.csv").read_text().replace("05/Mar/24 3:10 PM", "2024/03/05 15:10")
    )
    with pytest.raises(DataValidationError) as err:
        read("jira", [bad])
    assert err.value.rows == [3] and err.value.column == "Created" and "Jira date" in str(err.value)


def test_missing_issue_key(tmp_path):
    bad = tmp_path / "jira.csv"
    bad.write_text((JIRA / "incidents_en.csv").read_text().replace("Issue key", "Key"))
    with pytest.raises(
        DataValidationError, match="mapped column 'Issue key' \\(for incident_id\\) is missing"
    ):
        read("jira", [bad])
