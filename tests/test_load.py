"""Loading a data folder: valid variants, repairs logged, and every bad-input case named
precisely."""

import pandas as pd
import pytest

from analytics import DataValidationError, load
from analytics.data.schema import TABLES
from analytics.data.validate import pandera_schema
from tests.conftest import MINIMAL_DEPLOYMENTS

INCIDENTS = (
    "incident_id,severity,opened_at,resolved_at,title\n"
    "i1,P1,2021-03-02T10:30:00+08:00,2021-03-02T11:00:00+08:00,<script>alert(1)</script>\n"
    "i2,high,2021-03-03T10:30:00+08:00,,still open\n"
)
TEST_RUNS = (
    "run_id,service,finished_at,tests_passed,tests_failed,tests_skipped,suite,coverage\n"
    "r1,api,2021-03-01T09:00:00+08:00,90,10,3,unit,0.55\n"
    "r2,api,2021-03-02T09:00:00+08:00,100,0,,,\n"
)
CHANGES = "change_id,service,committed_at,deployment_id\nc1,api,2021-02-27T10:00:00+08:00,d1\n"
PROGRAM = "timezone: Asia/Shanghai\nseverity_map: {P1: critical}\n"


def test_minimal_folder_loads_with_absent_tables(write_folder):
    ds = load(write_folder({"deployments.csv": MINIMAL_DEPLOYMENTS}))
    assert len(ds.deployments) == 2 and len(ds.incidents) == 0
    assert str(ds.deployments["finished_at"].dtype) == "datetime64[ns, UTC]"
    assert ds.files["incidents"] is None and not ds.has("incidents")
    assert "table absent: its metrics report no data" in set(ds.quality["rule"])
    for t in TABLES:
        pandera_schema(t).validate(ds.table(t))


def test_all_tables_typed_and_utc(write_folder):
    ds = load(
        write_folder(
            {
                "deployments.csv": MINIMAL_DEPLOYMENTS,
                "incidents.csv": INCIDENTS,
                "test_runs.csv": TEST_RUNS,
                "changes.csv": CHANGES,
                "program.yml": PROGRAM,
            }
        )
    )
    assert ds.config.timezone == "Asia/Shanghai"
    assert ds.deployments["finished_at"].iloc[0] == pd.Timestamp("2021-03-01T02:00:00Z")
    assert list(ds.incidents["severity"]) == ["critical", "high"]
    assert ds.incidents["resolved_at"].isna().tolist() == [False, True]
    assert ds.incidents["title"].iloc[0] == "<script>alert(1)</script>"
    assert list(ds.test_runs["suite"]) == ["unit", "unit"]  # empty suite means unit, logged
    assert ds.test_runs["tests_skipped"].isna().tolist() == [False, True]
    assert ds.test_runs["coverage"].iloc[0] == pytest.approx(0.55)
    assert list(ds.deployments["kind"]) == ["regular", "regular"]
    summary = ds.summary().set_index("table")
    assert summary.loc["incidents", "rows_loaded"] == 2
    assert str(summary.loc["deployments", "first"]) == "2021-03-01"


def test_naive_timestamps_are_read_in_program_time_zone(write_folder):
    csv = (
        "deployment_id,service,environment,finished_at,status\n"
        "d1,api,production,2021-03-01 10:00:00,success\n"
    )
    ds = load(write_folder({"deployments.csv": csv, "program.yml": "timezone: Asia/Shanghai\n"}))
    assert ds.deployments["finished_at"].iloc[0] == pd.Timestamp("2021-03-01T02:00:00Z")
    assert ds.quality["rule"].str.contains("without offset read in Asia/Shanghai").any()


def test_repairs_are_logged_not_silent(write_folder):
    csv = (
        "deployment_id,service,environment,finished_at,status,kind\n"
        "d1,api,Production,2021-03-01T23:30:00Z,SUCCESS,\n"
        "d2,api,production,2021-03-02T10:00:00+08:00,Rolled Back,rollback\n"
        "d2,api,production,2021-03-02T10:00:00+08:00,Rolled Back,rollback\n"
    )
    ds = load(write_folder({"deployments.csv": csv, "program.yml": "timezone: Asia/Shanghai\n"}))
    q = ds.quality.set_index("rule")
    assert q.loc["exact duplicate rows removed", "rows"] == 1
    assert q.loc["exact duplicate rows removed", "examples"] == "d2"
    assert (
        q.loc[
            "finished_at: timestamps with a UTC offset other than Asia/Shanghai's converted "
            "(same instant)",
            "rows",
        ]
        == 1
    )
    assert (
        q.loc["status: values normalised to the canonical spelling", "rows"] == 3 - 1
    )  # duplicate removed first
    assert list(ds.deployments["status"]) == ["success", "rolled_back"]
    assert list(ds.deployments["environment"]) == ["production", "production"]
    assert ds.rows_read["deployments"] == 3 and len(ds.deployments) == 2


def test_parquet_variant_equals_csv(write_folder, tmp_path):
    folder = write_folder(
        {"incidents.csv": INCIDENTS, "deployments.csv": MINIMAL_DEPLOYMENTS, "program.yml": PROGRAM}
    )
    from_csv = load(folder)
    pq = tmp_path / "pq"
    pq.mkdir()
    (pq / "program.yml").write_text(PROGRAM)
    pd.read_csv(folder / "deployments.csv", dtype=str).to_parquet(pq / "deployments.parquet")
    raw = pd.read_csv(folder / "incidents.csv", dtype=str)
    raw["opened_at"] = pd.to_datetime(raw["opened_at"], utc=True)  # a typed timestamp column
    raw.to_parquet(pq / "incidents.parquet")
    from_pq = load(pq)
    pd.testing.assert_frame_equal(from_csv.deployments, from_pq.deployments)
    pd.testing.assert_frame_equal(from_csv.incidents, from_pq.incidents)


# --- bad input: each gives DataValidationError naming the file, the row(s) and the column --------

HEADER = "deployment_id,service,environment,finished_at,status\n"


@pytest.mark.parametrize(
    "files, name, row, column, words",
    [
        (
            {
                "deployments.csv": "deployment_id,service,environment,status\n"
                "d1,api,production,success\n"
            },
            "deployments.csv",
            None,
            "finished_at",
            "missing required column",
        ),
        (
            {"deployments.csv": HEADER + "d1,api,production,2021-13-45T10:00,success\n"},
            "deployments.csv",
            1,
            "finished_at",
            "cannot read '2021-13-45T10:00' as a timestamp",
        ),
        (
            {
                "deployments.csv": HEADER
                + "d1,api,production,2021-03-01T10:00Z,success\n"
                + "d2,api,production,yesterday,success\n"
            },
            "deployments.csv",
            2,
            "finished_at",
            "as a timestamp",
        ),
        (
            {
                "deployments.csv": MINIMAL_DEPLOYMENTS,
                "incidents.csv": "incident_id,severity,opened_at,resolved_at\n"
                "i1,high,2021-03-02T10:00Z,2021-03-02T09:00Z\n",
            },
            "incidents.csv",
            1,
            "resolved_at",
            "resolved_at is before opened_at",
        ),
        (
            {
                "deployments.csv": MINIMAL_DEPLOYMENTS,
                "test_runs.csv": "run_id,service,finished_at,tests_passed,tests_failed\n"
                "r1,api,2021-03-01T10:00Z,5,-1\n",
            },
            "test_runs.csv",
            1,
            "tests_failed",
            "negative count",
        ),
        (
            {
                "deployments.csv": MINIMAL_DEPLOYMENTS,
                "test_runs.csv": "run_id,service,finished_at,tests_passed,tests_failed,coverage\n"
                "r1,api,2021-03-01T10:00Z,5,0,87.5\n",
            },
            "test_runs.csv",
            1,
            "coverage",
            "outside 0..1 (it looks like a percentage",
        ),
        (
            {
                "deployments.csv": HEADER
                + "d1,api,production,2021-03-01T10:00Z,success\n"
                + "d1,api,production,2021-03-02T10:00Z,success\n"
            },
            "deployments.csv",
            None,
            "finished_at",
            "deployment_id 'd1' appears 2 times with different content "
            "(they differ in column finished_at)",
        ),
        ({"deployments.csv": ""}, "deployments.csv", None, None, "empty file"),
        (
            {"deployments.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"},
            "deployments.csv",
            None,
            None,
            "binary",
        ),
        (
            {
                "deployments.csv": "deployment_id;service;environment;finished_at;status\n"
                "d1;api;production;2021-03-01T10:00Z;success\n"
            },
            "deployments.csv",
            None,
            None,
            "semicolons as the delimiter",
        ),
        (
            {"deployments.csv": HEADER + "d1,api,production,2021-03-01T10:00Z,deployed-ish\n"},
            "deployments.csv",
            1,
            "status",
            "unknown status value 'deployed-ish'",
        ),
        (
            {
                "deployments.csv": MINIMAL_DEPLOYMENTS,
                "incidents.csv": "incident_id,severity,opened_at\ni1,P9,2021-03-02T10:00Z\n",
            },
            "incidents.csv",
            1,
            "severity",
            "severity_map",
        ),
        (
            {"deployments.csv": HEADER + "d1,,production,2021-03-01T10:00Z,success\n"},
            "deployments.csv",
            1,
            "service",
            "empty value in a required column",
        ),
        (
            {"deployments.csv": HEADER + "d1,api,production,2021-03-01T10:00Z,success,extra\n"},
            "deployments.csv",
            1,
            None,
            "more fields than the header",
        ),
        (
            {
                "deployments.csv": HEADER
                + "d1,api,production,2021-03-01T10:00Z,success\nd2,api,production\n"
            },
            "deployments.csv",
            2,
            None,
            "row has 3 fields where the header has 5",
        ),
        (
            {"deployments.csv": b"deployment_id,service\n\xff\xfe,api\n"},
            "deployments.csv",
            None,
            None,
            "not UTF-8",
        ),
        (
            {
                "deployments.csv": MINIMAL_DEPLOYMENTS,
                "test_runs.csv": "run_id,service,finished_at,tests_passed,tests_failed\n"
                "r1,api,2021-03-01T10:00Z,99999999999999999999999,0\n",
            },
            "test_runs.csv",
            1,
            "tests_passed",
            "too large for a count",
        ),
        (
            {"deployments.csv": HEADER + "d1,api,production,2300-03-01T10:00:00+08:00,success\n"},
            "deployments.csv",
            1,
            "finished_at",
            "as a timestamp",
        ),
    ],
    ids=[
        "missing-column",
        "bad-timestamp",
        "bad-timestamp-row2",
        "resolved-before-opened",
        "negative-count",
        "coverage-percent",
        "id-twice",
        "empty-file",
        "binary",
        "semicolons",
        "unknown-status",
        "unknown-severity",
        "blank-required",
        "ragged-row",
        "short-row",
        "not-utf8",
        "huge-count",
        "year-2300",
    ],
)
def test_bad_input_is_named_precisely(write_folder, files, name, row, column, words):
    folder = write_folder(files)
    with pytest.raises(DataValidationError) as err:
        load(folder)
    message = str(err.value)
    assert "\n" not in message
    assert name in message and words in message
    assert err.value.file.endswith(name)
    if row is not None:
        assert f"row {row}" in message or f"rows {row}" in message
    if column is not None:
        assert err.value.column == column and f"column {column}" in message


@pytest.mark.parametrize("quoted", [False, True], ids=["plain-header", "quoted-header"])
def test_short_rows_are_named_with_their_field_counts_not_as_empty_values(write_folder, quoted):
    """A row with too few fields is a short row, whichever reader met it (a quoted header
    skips the pyarrow reader); rows are numbered as everywhere else: blank lines not counted."""
    header = '"' + HEADER.strip().replace(",", '","') + '"\n' if quoted else HEADER
    csv = (
        header + "d1,api,production,2021-03-01T10:00Z,success\n\n"
        '"d2","api, the gateway",production\n'
        "d3,api,production,2021-03-03T10:00Z,success\n"
        "d4,api,production,2021-03-04T10:00Z\n"
    )
    with pytest.raises(DataValidationError) as err:
        load(write_folder({"deployments.csv": csv}))
    assert err.value.rows == [2, 4] and err.value.column is None
    assert str(err.value).endswith(
        "deployments.csv, rows 2, 4: rows have 3 to 4 fields where the header has 5 "
        "(a value missing, or a line break inside an unquoted value?)"
    )


def test_empty_trailing_values_are_not_short_rows(write_folder):
    csv = (
        "deployment_id,service,environment,finished_at,status,kind\n"
        "d1,api,production,2021-03-01T10:00Z,success,\n"
        '"d2",api,production,2021-03-02T10:00Z,success,""\n'
        "d3,api,production,2021-03-03T10:00Z,success,hotfix\n"
    )
    ds = load(write_folder({"deployments.csv": csv}))
    assert list(ds.deployments["kind"]) == ["regular", "regular", "hotfix"]


def test_more_fields_rows_are_numbered_without_blank_lines(write_folder):
    csv = (
        HEADER
        + "\nd1,api,production,2021-03-01T10:00Z,success\n\n"
        + "d2,api,production,2021-03-02T10:00Z,success,x\n"
    )
    with pytest.raises(DataValidationError, match="row 2: row has more fields than the header"):
        load(write_folder({"deployments.csv": csv}))


def test_missing_folder_and_missing_deployments(tmp_path, write_folder):
    with pytest.raises(DataValidationError, match="not a folder"):
        load(tmp_path / "nope")
    with pytest.raises(DataValidationError, match="no deployments.csv"):
        load(write_folder({"incidents.csv": INCIDENTS}))


def test_csv_and_parquet_of_one_table_is_ambiguous(write_folder):
    folder = write_folder({"deployments.csv": MINIMAL_DEPLOYMENTS})
    pd.read_csv(folder / "deployments.csv").to_parquet(folder / "deployments.parquet")
    with pytest.raises(DataValidationError, match="keep one"):
        load(folder)


def test_header_only_file_loads_as_empty_and_is_noted(write_folder):
    ds = load(
        write_folder(
            {
                "deployments.csv": MINIMAL_DEPLOYMENTS,
                "incidents.csv": "incident_id,severity,opened_at\n",
            }
        )
    )
    assert len(ds.incidents) == 0
    assert (
        (ds.quality["table"] == "incidents")
        & (ds.quality["rule"] == "file has a header but no rows")
    ).any()


def test_loading_does_not_modify_files(write_folder):
    folder = write_folder({"deployments.csv": MINIMAL_DEPLOYMENTS})
    before = (folder / "deployments.csv").read_bytes()
    load(folder)
    assert (folder / "deployments.csv").read_bytes() == before


def test_an_all_empty_enumeration_column_takes_its_default_without_warnings(write_folder):
    import warnings

    text = "deployment_id,service,environment,finished_at,status,kind\n" + "".join(
        line + ",\n" for line in MINIMAL_DEPLOYMENTS.splitlines()[1:]
    )
    with warnings.catch_warnings():
        warnings.simplefilter(
            "error"
        )  # pandas: "'str' is not supported as a fill value for float64"
        ds = load(write_folder({"deployments.csv": text}))
    assert ds.deployments["kind"].tolist() == ["regular", "regular"]
    log = ds.quality.set_index("rule")["rows"]
    assert log["kind: empty values read as 'regular'"] == 2


def test_columns_coerced_two_at_a_time_give_the_same_tables_log_and_first_error(
    monkeypatch, write_folder
):
    from analytics.data import coerce
    from tests.conftest import SAMPLE_DIR

    one_by_one = load(SAMPLE_DIR)
    monkeypatch.setattr(coerce, "PARALLEL_ROWS", 1)
    threaded = load(SAMPLE_DIR)
    for table in ("deployments", "changes", "incidents", "test_runs"):
        pd.testing.assert_frame_equal(threaded.table(table), one_by_one.table(table))
    pd.testing.assert_frame_equal(threaded.quality, one_by_one.quality)
    bad = (
        "deployment_id,service,environment,finished_at,status\n"
        "d1,api,production,not a time,nonsense\n"
    )  # finished_at comes before status
    with pytest.raises(DataValidationError, match="column finished_at"):
        load(write_folder({"deployments.csv": bad}))
