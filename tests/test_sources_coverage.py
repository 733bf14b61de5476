"""Coverage adapter: Cobertura (coverage.py) and JaCoCo XML."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import DataValidationError
from analytics.sources import SourceOptions, read
from tests.conftest import FIXTURES

COV = FIXTURES / "sources" / "coverage"


def test_cobertura_and_jacoco():
    tables, log = read(
        "coverage",
        [COV / "coverage.xml", COV / "jacoco.xml"],
        SourceOptions(service="payments-api"),
    )
    runs = tables["test_runs"].set_index("run_id")
    cob = runs.loc["coverage:payments-api:coverage@20240304T090512Z"]
    assert cob["coverage"] == pytest.approx(1091 / 1250)  # lines-covered / lines-valid
    assert cob["finished_at"] == pd.Timestamp("2024-03-04T09:05:12.345Z")  # timestamp in ms
    jac = runs.loc["coverage:payments-api:jacoco@20240304T092035Z"]
    assert jac["coverage"] == pytest.approx(0.86)  # the report-level LINE counter, not a package's
    assert jac["finished_at"] == pd.Timestamp("2024-03-04T09:20:35.512Z")  # sessioninfo dump
    assert (runs["tests_passed"] == 0).all() and (runs["tests_failed"] == 0).all()
    assert log.frame()["rule"].str.startswith("coverage-only runs").any()


def test_cobertura_seconds_timestamp_and_line_rate_only(tmp_path):
    path = tmp_path / "cobertura.xml"
    path.write_text(
        '<coverage line-rate="0.5" timestamp="1709543112" version="gcovr 7.2">'
        "<packages/></coverage>"
    )
    tables, _ = read("coverage", [path], SourceOptions(service="x"))
    run = tables["test_runs"].iloc[0]
    assert run["coverage"] == 0.5 and run["finished_at"] == pd.Timestamp("2024-03-04T09:05:12Z")


def test_not_a_coverage_report(tmp_path):
    with pytest.raises(DataValidationError, match="not a coverage report"):
        read("coverage", [FIXTURES / "sources" / "junit" / "pytest.xml"])
    path = tmp_path / "jacoco.xml"
    path.write_text('<report name="x"><sessioninfo id="a" start="1" dump="2"/></report>')
    with pytest.raises(DataValidationError, match="without a report-level LINE counter"):
        read("coverage", [path])
