"""A month's files to hand on (analytics/report/export.py): CSV, one workbook, a digest."""

from __future__ import annotations

import dataclasses

import openpyxl
import pandas as pd
import pytest

from analytics.config import parse_config
from analytics.report.export import month_tables, write_month_files
from analytics.views import MonthReport
from tests.helpers import make_dataset

PHASES = {
    "baseline": {"start": "2021-01-01", "end": "2021-01-31"},
    "after": {"start": "2021-03-01", "end": "2021-03-31"},
}
EVIL_SERVICE = '=HYPERLINK("http://x")'
EVIL_TEAM = "@SUM(1+1)"
LINK_TEAM = "[click](javascript:alert(1))"


@pytest.fixture(scope="module")
def report():
    """Two services: one named like a formula, in a team named like a formula; the other in a
    team named like a Markdown link. March: 3 production releases and 1 staging deployment."""
    evil = EVIL_SERVICE.replace(chr(34), chr(34) * 2)  # quoted for CSV: " doubled
    rows = [
        "deployment_id,service,environment,finished_at,status",
        f'd1,"{evil}",production,2021-01-05T10:00:00Z,success',
        "d2,web,production,2021-01-06T10:00:00Z,success",
        f'd3,"{evil}",production,2021-03-02T10:00:00Z,success',
        "d4,web,production,2021-03-03T10:00:00Z,success",
        "d5,web,production,2021-03-04T10:00:00Z,failed",
        "d6,web,production,2021-03-05T10:00:00Z,success",
        "d7,web,staging,2021-03-05T11:00:00Z,success",
    ]
    ds = make_dataset(deployments="\n".join(rows))
    teams = {EVIL_TEAM: [EVIL_SERVICE], LINK_TEAM: ["web"]}
    config = parse_config({"name": "-Program", "phases": PHASES, "teams": teams})
    return MonthReport(dataclasses.replace(ds, config=config), "2021-03", "default", "data/x")


def test_rows_behind_count_to_the_months_number(report):
    tables = month_tables(report)
    releases = tables["rows_production_releases"]
    # hand count: d3, d4, d6 are successful production deployments in March
    assert sorted(releases["deployment_id"]) == ["d3", "d4", "d6"]
    month = report.monthly[report.monthly["period_start"] == "2021-03-01"].set_index("metric")
    assert month.loc["production_releases", "value"] == len(releases) == 3
    # throughput counts any environment: d7 too
    assert len(tables["rows_delivery_throughput_per_day"]) == 4
    failures = tables["rows_change_failure_rate"]  # d5 failed: 1 of 4 production attempts
    assert failures["failed_change"].mean() == month.loc["change_failure_rate", "value"] == 0.25


def test_rows_of_one_team_and_phase(report):
    rows = report.rows("production_releases", team=LINK_TEAM, period="baseline")
    assert rows["deployment_id"].tolist() == ["d2"]
    with pytest.raises(ValueError, match="unknown phase 'program'"):
        report.rows("production_releases", period="program")


def test_files_are_written_with_the_month_in_their_names(report, tmp_path):
    written = write_month_files(report, tmp_path)
    names = sorted(p.name for p in written)
    assert names == sorted(p.name for p in tmp_path.iterdir())  # nothing else written
    assert "2021-03-tables.xlsx" in names and "2021-03-digest.md" in names
    assert "2021-03-rows_production_releases.csv" in names


def test_formula_cells_are_quoted_in_csv_and_excel(report, tmp_path):
    write_month_files(report, tmp_path)
    releases = pd.read_csv(tmp_path / "2021-03-rows_production_releases.csv", dtype=str)
    assert set(releases["service"]) == {"'" + EVIL_SERVICE, "web"}
    by_team = pd.read_csv(tmp_path / "2021-03-impact_by_team.csv", dtype=str)
    assert "'" + EVIL_TEAM in set(by_team["team"])
    book = openpyxl.load_workbook(tmp_path / "2021-03-tables.xlsx")
    cells = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    texts = [v for v in cells if isinstance(v, str)]
    assert "'" + EVIL_SERVICE in texts and "'" + EVIL_TEAM in texts
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@", "\t", "\r"))]
    sheet = book["rows_production_releases"]
    header = [c.value for c in sheet[1]]
    finished = [
        r[header.index("finished_at")] for r in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert finished[0] == pd.Timestamp("2021-03-02 10:00:00")  # a real date, in UTC


def test_digest_states_the_verdict_and_escapes_names(report, tmp_path):
    write_month_files(report, tmp_path)
    digest = (tmp_path / "2021-03-digest.md").read_text(encoding="utf-8")
    assert digest.startswith("# &#45;Program: March 2021\n")
    assert "From the baseline to the after phase" in digest
    assert "**By team**" in digest
    assert "javascript:" not in digest and "](" not in digest
