"""Ranges and allowed values are checked once, by the pandera schema; its failure cases become
one-line errors naming the file, every failing row and the column (analytics/data/validate.py)."""

import pytest

from analytics import DataValidationError, load
from tests.conftest import MINIMAL_DEPLOYMENTS

RUNS = "run_id,service,finished_at,tests_passed,tests_failed,coverage\n"


def _error(write_folder, files) -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        load(write_folder({"deployments.csv": MINIMAL_DEPLOYMENTS, **files}))
    return info.value


def test_first_failing_column_in_contract_order_with_all_its_rows(write_folder):
    err = _error(
        write_folder,
        {
            "test_runs.csv": RUNS
            + "r1,api,2021-03-01T10:00Z,5,-1,0.5\n"
            + "r2,api,2021-03-01T11:00Z,5,0,87.5\n"
            + "r3,api,2021-03-01T12:00Z,5,-4,0.5\n"
        },
    )
    # tests_failed comes before coverage in the contract; rows 1 and 3 break it
    assert (err.column, err.rows) == ("tests_failed", [1, 3])
    assert str(err).endswith("test_runs.csv, rows 1, 3, column tests_failed: negative count -1")


def test_share_above_100_gets_no_percentage_hint(write_folder):
    err = _error(write_folder, {"test_runs.csv": RUNS + "r1,api,2021-03-01T10:00Z,5,0,150\n"})
    assert (err.column, err.rows, err.reason) == ("coverage", [1], "150 is outside 0..1")


def test_unknown_spelling_is_quoted_as_written_in_the_file(write_folder):
    err = _error(
        write_folder,
        {
            "deployments.csv": "deployment_id,service,environment,finished_at,status\n"
            "d1,api,production,2021-03-01T10:00Z,success\n"
            "d2,api,production,2021-03-01T11:00Z,Half Done\n"
        },
    )
    assert (err.column, err.rows) == ("status", [2])
    assert err.reason.startswith("unknown status value 'Half Done' (allowed: success, failed")


def test_blank_required_timestamp_is_an_empty_value_not_a_parse_error(write_folder):
    err = _error(
        write_folder,
        {"incidents.csv": "incident_id,severity,opened_at\ni1,high,2021-03-02T10:00Z\ni2,high,\n"},
    )
    assert (err.column, err.rows, err.reason) == (
        "opened_at",
        [2],
        "empty value in a required column",
    )
