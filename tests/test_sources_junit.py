"""JUnit adapter: pytest, PHPUnit (nested suites, no timestamp), a Gradle run folder with JaCoCo."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from analytics import DataValidationError
from analytics.config import ProgramConfig
from analytics.sources import SourceOptions, read
from tests.conftest import FIXTURES

JU = FIXTURES / "sources" / "junit"


def test_pytest_report_counts_errors_as_failures():
    tables, _ = read("junit", [JU / "pytest.xml"], SourceOptions(service="payments-api"))
    run = tables["test_runs"].iloc[0]
    assert (run["tests_passed"], run["tests_failed"], run["tests_skipped"]) == (3, 2, 2)
    # timestamp 17:05:12.345678+08:00 plus time 3.412 s
    assert run["finished_at"] == pd.Timestamp("2024-03-04T09:05:15.757678Z")
    assert run["suite"] == "unit" and pd.isna(run["coverage"])
    assert run["run_id"] == "junit:payments-api:pytest@20240304T090515Z"


def test_nested_suites_count_each_case_once_and_mtime_fallback(tmp_path):
    report = tmp_path / "phpunit.xml"
    report.write_bytes((JU / "phpunit.xml").read_bytes())
    os.utime(report, (1709543000, 1709543000))  # 2024-03-04T09:03:20Z
    tables, log = read("junit", [report], SourceOptions(service="ledger", suite="integration"))
    run = tables["test_runs"].iloc[0]
    assert (run["tests_passed"], run["tests_failed"], run["tests_skipped"]) == (3, 1, 1)
    assert (
        run["finished_at"] == pd.Timestamp("2024-03-04T09:03:20Z") and run["suite"] == "integration"
    )
    assert "report without a timestamp: the file's modification time used" in set(
        log.frame()["rule"]
    )


def test_run_folder_sums_reports_and_takes_coverage():
    cfg = ProgramConfig(timezone="UTC")
    tables, log = read(
        "junit", [JU / "gradle-run"], SourceOptions(service="payments-api", config=cfg)
    )
    run = tables["test_runs"].iloc[0]
    assert (run["tests_passed"], run["tests_failed"], run["tests_skipped"]) == (5, 1, 1)
    assert run["coverage"] == pytest.approx(0.86)  # JaCoCo LINE counter 86 / (86 + 14)
    # Gradle writes naive timestamps: read in the program's zone; latest end is 09:20:33 + 0.377 s
    assert run["finished_at"] == pd.Timestamp("2024-03-04T09:20:33.377Z")
    assert log.frame()["rule"].str.contains("without offset read in UTC").any()


def test_several_runs_and_service_from_folder():
    tables, log = read("junit", [JU / "pytest.xml", JU / "gradle-run"])
    assert list(tables["test_runs"]["service"]) == ["junit", "gradle-run"]
    assert "no service in the export: named after its folder (use --service)" in set(
        log.frame()["rule"]
    )


def test_xml_that_is_not_junit():
    with pytest.raises(
        DataValidationError, match=r"nunit3\.xml: not a JUnit XML report \(root element <test-run>"
    ):
        read("junit", [JU / "nunit3.xml"])
    with pytest.raises(DataValidationError, match="a coverage report"):
        read("junit", [FIXTURES / "sources" / "coverage" / "coverage.xml"])


def test_malformed_xml_names_line(tmp_path):
    bad = tmp_path / "report.xml"
    bad.write_text(
        '<?xml version="1.0"?>\n<testsuite name="x" tests="1">\n  <testcase name="a">\n'
        "</testsuite>\n"
    )
    with pytest.raises(DataValidationError, match=r"report\.xml: not well-formed XML at line 4"):
        read("junit", [bad])


def test_bad_timestamp_and_empty_folder(tmp_path):
    bad = tmp_path / "report.xml"
    bad.write_text(
        '<testsuite name="x" tests="1" timestamp="yesterday"><testcase name="a"/></testsuite>'
    )
    with pytest.raises(DataValidationError, match="cannot read timestamp 'yesterday'"):
        read("junit", [bad])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataValidationError, match="no JUnit XML report"):
        read("junit", [empty])
