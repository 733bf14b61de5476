"""analytics.data.arrowtext and the loader's fast paths: each gives exactly what the general path
gives, or steps aside (None) so the general path decides and names any problem."""

from __future__ import annotations

import string

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.config import ProgramConfig
from analytics.data.arrowtext import (
    arrow_numbers,
    is_trimmed_text,
    iso_timestamps,
    strictly_increasing,
)
from analytics.data.coerce import coerce_table
from analytics.data.dataset import QualityLog
from analytics.data.load import _read_csv_arrow, _read_csv_checked


def text(values) -> pd.Series:
    return pd.Series(values, dtype="str")


def test_iso_timestamps_match_pandas_and_read_the_written_offset():
    s = text(
        ["2021-03-01T09:30:00+08:00", None, "2021-03-01T01:30:00Z", "2021-03-01 09:30:00-05:30"]
    )
    parsed, offset = iso_timestamps(s)
    expected = pd.to_datetime(s, utc=True, format="ISO8601")
    pd.testing.assert_series_equal(
        parsed, expected.astype("datetime64[ns, UTC]"), check_names=False
    )
    assert (
        offset.tolist()[0] == 480 and np.isnan(offset.iloc[1]) and offset.tolist()[2:] == [0, -330]
    )


@pytest.mark.parametrize(
    "value",
    [
        "2021-03-01T09:30:00+0800",
        "2021-03-01T09:30:00+08",
        "2021-03-01T09:30:00.5+08:00",
        "2021-03-01T09:30:00",
        "2021-03-01T09:30:00z",
        "2021-03-01T09:30:00+15:00",
        "2021-03-01T09:30:00+08:60",
        "2021-02-30T09:30:00+08:00",
        "2021-03-01T09:30:00+0a:00",
        "2021-03-01T24:00:00Z",
        " 2021-03-01T09:30:00Z",
    ],
)
def test_iso_timestamps_step_aside_for_other_forms(value):
    assert iso_timestamps(text(["2021-03-01T09:30:00+08:00", value])) is None


def test_fast_paths_need_arrow_text():
    objects = pd.Series(["2021-03-01T09:30:00Z", "1"], dtype=object)
    assert iso_timestamps(objects) is None and arrow_numbers(objects, integer=True) is None
    assert not strictly_increasing(objects) and not is_trimmed_text(objects)


def test_arrow_numbers_equal_to_numeric():
    for values, integer in (
        (["1", None, "30"], True),
        (["7", "0"], True),
        (["0.5", "1e-3", None], False),
    ):
        s = text(values)
        got = arrow_numbers(s, integer)
        pd.testing.assert_series_equal(got, pd.to_numeric(s), check_names=False)
    assert arrow_numbers(text(["1.0"]), integer=True) is None
    assert arrow_numbers(text(["inf"]), integer=False) is None
    assert arrow_numbers(text(["12%"]), integer=False) is None


def test_strictly_increasing_and_trimmed():
    assert strictly_increasing(text(["a1", "a2", "b"])) and strictly_increasing(text(["x"]))
    assert not strictly_increasing(text(["a2", "a1"])) and not strictly_increasing(text(["a", "a"]))
    assert not strictly_increasing(text(["a", None]))
    assert is_trimmed_text(text(["a", None, "b c"]))
    for bad in (" a", "a ", "", "a\t", "\u00a0a", "é"):
        assert not is_trimmed_text(text(["ok", bad]))


STAMPS = st.builds(
    lambda ts, off: ts.strftime("%Y-%m-%dT%H:%M:%S") + off,
    st.datetimes(
        min_value=pd.Timestamp("1990-01-01").to_pydatetime(),
        max_value=pd.Timestamp("2030-12-31").to_pydatetime(),
    ),
    st.sampled_from(["Z", "+08:00", "-05:00", "+05:45", "+00:00", "+14:00", "-12:00"]),
)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(STAMPS, st.none()), min_size=1, max_size=30))
def test_timestamp_column_fast_equals_general(values):
    """The same column coerced from Arrow text (fast) and from Python objects (general path)."""
    raw = pd.DataFrame(
        {
            "deployment_id": [f"d{i:03d}" for i in range(len(values))],
            "service": "api",
            "environment": "production",
            "finished_at": "2035-01-01T00:00:00Z",
            "status": "success",
            "started_at": values,
        }
    )
    raw.index = pd.RangeIndex(1, len(raw) + 1)
    config = ProgramConfig(timezone="Asia/Shanghai")
    fast_log, slow_log = QualityLog(), QualityLog()
    fast = coerce_table(raw.astype("str"), "deployments", config, fast_log, "f.csv")
    slow = coerce_table(raw.astype(object), "deployments", config, slow_log, "f.csv")
    pd.testing.assert_frame_equal(fast, slow)
    pd.testing.assert_frame_equal(fast_log.frame(), slow_log.frame())


CELL = st.text(alphabet=string.ascii_letters + string.digits + ' ,"\r\n\té-', max_size=8)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(CELL, CELL, CELL), min_size=1, max_size=12), st.booleans(), st.booleans())
def test_csv_fast_read_equals_checked_read(tmp_path, rows, crlf, bom):
    """Whenever pyarrow reads a file, it reads what the checked pandas path reads."""

    def quote(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\r\n') else cell

    newline = "\r\n" if crlf else "\n"
    body = newline.join(",".join(quote(c) for c in row) for row in rows)
    data = ("\ufeff" if bom else "") + "a,b,c" + newline + body + newline
    path = tmp_path / "deployments.csv"
    path.write_bytes(data.encode("utf-8"))
    fast = _read_csv_arrow(path)
    if fast is None:
        return  # the checked path decides alone
    slow = _read_csv_checked(path)
    pd.testing.assert_frame_equal(fast, slow, check_dtype=False)
    assert list(fast.dtypes.astype(str)) == ["str"] * 3


def test_csv_fast_path_reads_a_plain_file_and_steps_aside_for_odd_ones(tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_text('incident_id,title\ni1,"Timeout, then retry"\ni2,\n', encoding="utf-8")
    fast = _read_csv_arrow(path)
    assert fast is not None and fast["title"].tolist()[0] == "Timeout, then retry"
    pd.testing.assert_frame_equal(fast, _read_csv_checked(path), check_dtype=False)
    for odd in ("a,a\n1,2\n", "a,b\n1,2,3\n", "a,\n1,2\n", "a;b\n1;2\n"):
        path.write_text(odd, encoding="utf-8")
        assert _read_csv_arrow(path) is None


@pytest.mark.parametrize("value", ["0000", "0000-01-01T00:00:00Z", "3000-01-01T00:00:00+08:00"])
def test_timestamps_outside_the_nanosecond_range_are_named_not_crashed(write_folder, value):
    from analytics import DataValidationError, load

    csv = (
        f"deployment_id,service,environment,finished_at,status\nd1,api,production,{value},success\n"
    )
    with pytest.raises(
        DataValidationError,
        match="row 1, column finished_at: (cannot read|.* is outside the supported years)",
    ):
        load(write_folder({"deployments.csv": csv}))
