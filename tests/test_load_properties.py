"""Hypothesis: random valid tables load; random corruptions raise DataValidationError and
nothing else."""

import datetime as dt
import io

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import DataValidationError
from analytics.config import ProgramConfig
from analytics.data.coerce import coerce_table
from analytics.data.dataset import QualityLog
from analytics.data.schema import STATUSES

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OFFSETS = ["+08:00", "Z", "-05:00", "+05:30", ""]
instants = st.datetimes(min_value=dt.datetime(2015, 1, 1), max_value=dt.datetime(2030, 1, 1))


@st.composite
def deployment_rows(draw):
    n = draw(st.integers(min_value=0, max_value=25))
    rows = []
    for i in range(n):
        when = draw(instants).replace(microsecond=0)
        offset = draw(st.sampled_from(OFFSETS))
        status = draw(
            st.sampled_from(list(STATUSES) + ["SUCCESS", "Failed", "rolled back", "canceled"])
        )
        env = draw(st.sampled_from(["production", "Staging", "prod-eu"]))
        service = draw(
            st.text(alphabet="abcdefghij-", min_size=1, max_size=8).filter(lambda s: s.strip("-"))
        )
        rows.append(f"d{i},{service},{env},{when.isoformat()}{offset},{status}")
    return (
        "deployment_id,service,environment,finished_at,status\n"
        + "\n".join(rows)
        + ("\n" if rows else "")
    )


def _coerce(text: str) -> pd.DataFrame:
    raw = pd.read_csv(
        io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], index_col=False
    )
    raw.index = pd.RangeIndex(1, len(raw) + 1)
    return coerce_table(
        raw, "deployments", ProgramConfig(timezone="Asia/Shanghai"), QualityLog(), "deployments.csv"
    )


@SETTINGS
@given(deployment_rows())
def test_random_valid_tables_load(text):
    out = _coerce(text)
    assert len(out) == text.count("\n") - 1
    assert set(out["status"]) <= set(STATUSES)
    assert str(out["finished_at"].dtype) == "datetime64[ns, UTC]"
    assert out["finished_at"].notna().all()


@SETTINGS
@given(deployment_rows(), st.data())
def test_random_corruptions_raise_only_data_validation_error(text, data):
    lines = text.splitlines()
    kind = data.draw(
        st.sampled_from(["cell", "drop_column", "truncate", "garbage_timestamp", "bad_status"])
    )
    if kind == "drop_column":
        col = data.draw(st.integers(0, 4))
        lines = [",".join(p for j, p in enumerate(line.split(",")) if j != col) for line in lines]
    elif kind == "truncate" and len(lines) > 1:
        cut = data.draw(st.integers(0, len(lines[-1])))
        lines[-1] = lines[-1][:cut]
    elif len(lines) > 1:
        row = data.draw(st.integers(1, len(lines) - 1))
        parts = lines[row].split(",")
        if kind == "garbage_timestamp":
            parts[3] = data.draw(st.text(alphabet="0123456789-:TZ+ ab", min_size=1, max_size=12))
        elif kind == "bad_status":
            parts[4] = data.draw(st.text(alphabet="xyzqw", min_size=1, max_size=6))
        else:
            col = data.draw(st.integers(0, 4))
            parts[col] = data.draw(
                st.text(
                    alphabet=st.characters(
                        blacklist_characters=',\n\r"', blacklist_categories=("Cs",)
                    ),
                    max_size=10,
                )
            )
        lines[row] = ",".join(parts)
    try:
        _coerce("\n".join(lines) + "\n")
    except DataValidationError as err:
        assert "deployments.csv" in str(err)
        assert "\n" not in str(err)


@SETTINGS
@given(
    deployment_rows(),
    st.sampled_from(["Asia/Kolkata", "America/New_York", "UTC", "Pacific/Chatham"]),
)
def test_rewriting_offsets_keeps_instants(text, zone):
    """The same instants written with another zone's offsets load to the same UTC values."""
    first = _coerce(text)
    again = first.copy()
    again["finished_at"] = [t.tz_convert(zone).isoformat() for t in first["finished_at"]]
    rewritten = again[["deployment_id", "service", "environment", "finished_at", "status"]].to_csv(
        index=False
    )
    second = _coerce(rewritten)
    assert list(second["finished_at"]) == list(first["finished_at"])
