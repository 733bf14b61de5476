"""CSV + YAML mapping adapter, and the real llm-status-incidents data imported through it."""

from __future__ import annotations

import csv
from collections import Counter

import pandas as pd
import pytest

from analytics import ConfigError, DataValidationError
from analytics.sources import SourceOptions, read
from tests.conftest import FIXTURES

CSVF = FIXTURES / "sources" / "csv"
LLM = FIXTURES / "realdata" / "llm-status-incidents"


def test_change_log_mapping():
    tables, log = read(
        "csv", [CSVF / "change_log.csv"], SourceOptions(mapping=CSVF / "change_log.mapping.yml")
    )
    dep = tables["deployments"].set_index("deployment_id")
    assert list(dep.index) == [
        "CHG0031201",
        "CHG0031207",
        "CHG0031208",
        "CHG0031215",
        "CHG0031220",
    ]  # TEST dropped
    assert dep.loc["CHG0031201", "finished_at"] == pd.Timestamp(
        "2024-03-01T16:09:00Z"
    )  # 17:09 Berlin (CET)
    assert dep.loc["CHG0031220", "finished_at"] == pd.Timestamp(
        "2024-03-31T01:00:00Z"
    )  # 02:30 does not exist (DST)
    assert dep["status"].to_dict()["CHG0031215"] == "rolled_back"
    assert (
        dep.loc["CHG0031208", "kind"] == "hotfix"
        and dep.loc["CHG0031201", "environment"] == "production"
    )
    assert pd.isna(dep.loc["CHG0031215", "commit_sha"])
    rules = log.frame().set_index("rule")["rows"]
    assert rules["rows with Target in ['test'] dropped (mapping drop_rows)"] == 1


def test_missing_mapped_column(tmp_path):
    bad = tmp_path / "log.csv"
    bad.write_text((CSVF / "change_log.csv").read_text().replace("Outcome", "Result"))
    with pytest.raises(DataValidationError) as err:
        read("csv", [bad], SourceOptions(mapping=CSVF / "change_log.mapping.yml"))
    assert err.value.column == "Outcome" and str(bad) in str(err.value)


def test_mistyped_optional_column_is_an_error_not_open_incidents(tmp_path):
    # issue #16: "closed_timestamp" for close_timestamp imported 540 still-open incidents
    mapping = tmp_path / "mapping.yml"
    mapping.write_text(
        (LLM / "mapping.yml")
        .read_text()
        .replace("resolved_at: close_timestamp", "resolved_at: closed_timestamp")
    )
    with pytest.raises(DataValidationError) as err:
        read("csv", [LLM / "incident_stages.csv"], SourceOptions(mapping=mapping))
    assert err.value.column == "closed_timestamp"
    assert "(for resolved_at) is missing; did you mean 'close_timestamp'" in str(err.value)


def test_tool_defaults_may_lack_optional_columns_a_user_mapping_may_not(tmp_path):
    from analytics.sources.csv_mapping import Mapping, load_mapping

    defaults = Mapping("incidents", {"incident_id": ("id",), "title": ("summary",)})
    assert not defaults.checked  # built-in candidates: absent optional columns are skipped
    user = tmp_path / "m.yml"
    user.write_text("columns: {service: team}\n")
    merged = defaults.merged(load_mapping(user, "incidents"))
    assert merged.checked == {"service"}


def test_date_in_unexpected_format(tmp_path):
    bad = tmp_path / "log.csv"
    bad.write_text(
        (CSVF / "change_log.csv").read_text().replace("04.03.2024 10:55", "2024-03-04 10:55")
    )
    with pytest.raises(DataValidationError) as err:
        read("csv", [bad], SourceOptions(mapping=CSVF / "change_log.mapping.yml"))
    assert err.value.rows == [3] and err.value.column == "Implemented (local time)"
    assert "format '%d.%m.%Y %H:%M'" in str(err.value)


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("table: tickets\n", "key 'table'"),
        ("table: incidents\ncolumns: {opened_at: a}\n", "required column 'incident_id'"),
        ("table: incidents\ncolumns: {opened: a}\n", "key 'columns.opened'"),
        ("table: incidents\nwhatever: 1\n", "key 'whatever'"),
        ("table: incidents\ntimestamps: {timezone: Mars/Olympus}\n", "unknown time zone"),
        ("[1, 2", "not valid YAML"),
    ],
)
def test_bad_mapping_files(tmp_path, yaml_text, message):
    mapping = tmp_path / "m.yml"
    mapping.write_text(yaml_text)
    with pytest.raises(ConfigError, match=message):
        read("csv", [CSVF / "change_log.csv"], SourceOptions(mapping=mapping))


def test_mapping_is_required():
    with pytest.raises(ConfigError, match="--mapping"):
        read("csv", [CSVF / "change_log.csv"])


# --- real data: llm-status-incidents (tests/fixtures/realdata/SOURCE.md) -----------------------


@pytest.fixture(scope="module")
def llm():
    return read("csv", [LLM / "incident_stages.csv"], SourceOptions(mapping=LLM / "mapping.yml"))


@pytest.fixture(scope="module")
def raw_rows():
    with (LLM / "incident_stages.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_llm_incidents_all_kept_but_maintenance(llm, raw_rows):
    inc, log = llm[0]["incidents"], llm[1]
    maintenance = sum(r["incident_impact_level"] == "4" for r in raw_rows)
    assert len(raw_rows) == 542 and maintenance == 2
    assert len(inc) == 540
    per_provider = Counter(r["provider"] for r in raw_rows if r["incident_impact_level"] != "4")
    assert (
        inc.groupby("service").size().to_dict()
        == dict(per_provider)
        == {"anthropic": 140, "character": 36, "openai": 364}
    )
    zero = (inc["resolved_at"] == inc["opened_at"]).sum()
    raw_zero = sum(
        r["start_timestamp"] == r["close_timestamp"] and r["incident_impact_level"] != "4"
        for r in raw_rows
    )
    assert zero == raw_zero == 66  # posted already resolved: kept, counted as zero-length
    assert (
        log.frame()
        .set_index("rule")
        .loc["rows with incident_impact_level in ['4'] dropped (mapping drop_rows)", "rows"]
        == 2
    )
    assert inc["severity"].value_counts().to_dict() == {
        "medium": 193,
        "high": 179,
        "low": 98,
        "critical": 70,
    }


def _independent_mttr(raw_rows, provider: str, month: str) -> tuple[float, float, int]:
    hours = []
    for r in raw_rows:
        if (
            r["provider"] != provider
            or r["incident_impact_level"] == "4"
            or not r["start_timestamp"].startswith(month)
        ):
            continue
        hours.append(
            (
                pd.Timestamp(r["close_timestamp"]) - pd.Timestamp(r["start_timestamp"])
            ).total_seconds()
            / 3600
        )
    s = pd.Series(hours)
    return s.median(), s.mean(), len(s)


@pytest.mark.parametrize(
    ("provider", "month"),
    [
        ("openai", "2024-03"),
        ("anthropic", "2024-03"),
        ("openai", "2023-11"),
        ("character", "2024-06"),
    ],
)
def test_llm_monthly_mttr_by_provider(llm, raw_rows, provider, month):
    inc = llm[0]["incidents"]
    hours = (inc["resolved_at"] - inc["opened_at"]).dt.total_seconds() / 3600
    sel = (inc["service"] == provider) & (inc["opened_at"].dt.strftime("%Y-%m") == month)
    median, mean, n = _independent_mttr(raw_rows, provider, month)
    assert sel.sum() == n > 0
    assert hours[sel].median() == pytest.approx(median) and hours[sel].mean() == pytest.approx(mean)


def test_llm_mttr_figures(llm):
    inc = llm[0]["incidents"]
    hours = (inc["resolved_at"] - inc["opened_at"]).dt.total_seconds() / 3600
    monthly = hours.groupby([inc["service"], inc["opened_at"].dt.strftime("%Y-%m")]).median()
    assert monthly[("openai", "2024-03")] == pytest.approx(1.4417, abs=1e-3)
    assert monthly[("anthropic", "2024-03")] == pytest.approx(1.1417, abs=1e-3)


def test_llm_through_metric_table(llm):
    metrics = pytest.importorskip("analytics.metrics")
    from analytics import Dataset

    ds = Dataset.from_tables(llm[0])
    table = metrics.metric_table(ds, freq="month", by="service")
    mttr = table[(table["metric"] == "time_to_restore_hours") & (table["severity"] == "all")]
    row = mttr[
        (mttr["service"] == "openai") & (mttr["period_start"] == pd.Timestamp("2024-03-01"))
    ].iloc[0]
    assert row["n"] == 34 and row["median"] == pytest.approx(1.4417, abs=1e-3)


def test_ambiguous_local_time_at_dst_end_is_read(tmp_path):
    log_csv = tmp_path / "log.csv"
    text = (CSVF / "change_log.csv").read_text().replace("31.03.2024 02:30", "27.10.2024 02:30")
    log_csv.write_text(text)
    tables, _ = read("csv", [log_csv], SourceOptions(mapping=CSVF / "change_log.mapping.yml"))
    dep = tables["deployments"].set_index("deployment_id")
    assert dep.loc["CHG0031220", "finished_at"] == pd.Timestamp(
        "2024-10-27T00:30:00Z"
    )  # first (summer) 02:30


def _low_impact_hours(raw_rows, keep_zero: bool) -> list[float]:
    """Restore hours of the low-impact (level 0) incidents, straight from the CSV."""
    out = []
    for r in raw_rows:
        if r["incident_impact_level"] != "0":
            continue
        h = (
            pd.Timestamp(r["close_timestamp"]) - pd.Timestamp(r["start_timestamp"])
        ) / pd.Timedelta(hours=1)
        if keep_zero or h != 0:
            out.append(h)
    return out


@pytest.mark.parametrize("choice", ["keep", "exclude"])
def test_llm_zero_length_incidents_counted_and_optionally_left_out(raw_rows, choice):
    from analytics import Dataset, ProgramConfig
    from analytics.metrics import restore_times

    config = ProgramConfig(zero_length_incidents=choice)
    tables, log = read(
        "csv",
        [LLM / "incident_stages.csv"],
        SourceOptions(mapping=LLM / "mapping.yml", config=config),
    )
    notes = log.frame().set_index("rule")["rows"]
    rule = [r for r in notes.index if r.startswith("zero-length incidents")]
    assert len(rule) == 1 and notes[rule[0]] == 66 and choice in rule[0]
    rt = restore_times(Dataset.from_tables(tables, config=config))
    low = rt.loc[rt["severity"] == "low", "restore_hours"]
    want = _low_impact_hours(raw_rows, keep_zero=choice == "keep")
    assert len(low) == len(want) == (98 if choice == "keep" else 98 - 46)
    assert low.median() == pytest.approx(pd.Series(want).median())
    # issue #16: the zero-length ones pull the low-impact median from 0.98 h to 0.20 h
    assert low.median() == pytest.approx(0.20 if choice == "keep" else 0.98, abs=0.01)
