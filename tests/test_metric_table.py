"""``metric_table``: its contract, the CLI, invariants (hypothesis) and the bundled sample."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.catalog import METRIC_NAMES, SEVERITIES
from analytics.cli import main
from analytics.config import ProgramConfig
from analytics.data.dataset import Dataset
from analytics.data.schema import KINDS, STATUSES, TABLE_NAMES, empty_table
from analytics.metrics import (
    coverage_by_service,
    deployment_facts,
    lead_times,
    metric_table,
    restore_times,
    unit_test_runs,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
COLUMNS = [
    "period_start",
    "service",
    "severity",
    "metric",
    "value",
    "statistic",
    "unit",
    "n",
    "median",
    "p90",
    "mean",
    "n_censored",
]
KEY = ["period_start", "service", "severity", "metric"]
RATES = ["change_failure_rate", "rework_rate", "unit_test_pass_rate", "test_coverage"]
T0 = pd.Timestamp("2021-03-01T00:00:00Z")
SPAN_MIN = 50 * 24 * 60  # the generated data lives in 50 days from T0


def canonical(table: str, rows: list[dict]) -> pd.DataFrame:
    """A canonical frame (schema dtypes) from dicts; missing keys are empty."""
    base = empty_table(table)
    if not rows:
        return base
    raw = pd.DataFrame(rows)
    out = {}
    for col in base.columns:
        values = raw[col] if col in raw.columns else pd.Series([None] * len(raw))
        dtype = base[col].dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            out[col] = pd.to_datetime(values, utc=True).astype(dtype)
        else:
            out[col] = values.astype(dtype)
    return pd.DataFrame(out)


def at(minute: int) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=int(minute))


@st.composite
def service_rows(draw, service: str, clip: bool = False) -> dict[str, list[dict]]:
    """Rows of all four tables for one service; ``clip`` keeps every time within the span."""
    minute = st.integers(0, SPAN_MIN)
    end = (lambda m: min(m, SPAN_MIN)) if clip else (lambda m: m)
    deps = [
        {
            "deployment_id": f"{service}-d{i}",
            "service": service,
            "environment": draw(st.sampled_from(["production", "production", "staging"])),
            "finished_at": at(draw(minute)),
            "status": draw(st.sampled_from(STATUSES)),
            "kind": draw(st.sampled_from(KINDS)),
        }
        for i in range(draw(st.integers(0, 8)))
    ]
    dep_ids = [d["deployment_id"] for d in deps] or [None]
    incidents = []
    for i in range(draw(st.integers(0, 5))):
        opened = draw(minute)
        length = draw(st.one_of(st.none(), st.integers(0, 3000)))
        incidents.append(
            {
                "incident_id": f"{service}-i{i}",
                "severity": draw(st.sampled_from(SEVERITIES)),
                "opened_at": at(opened),
                "service": service,
                "resolved_at": None if length is None else at(end(opened + length)),
                "impact_started_at": at(max(0, opened - draw(st.integers(0, 90))))
                if draw(st.booleans())
                else None,
                "caused_by_deployment_id": draw(st.sampled_from(dep_ids))
                if draw(st.booleans())
                else None,
            }
        )
    changes = [
        {"change_id": f"{service}-c{i}", "service": service, "committed_at": at(draw(minute))}
        for i in range(draw(st.integers(0, 6)))
    ]
    runs = [
        {
            "run_id": f"{service}-r{i}",
            "service": service,
            "finished_at": at(draw(minute)),
            "tests_passed": draw(st.integers(0, 50)),
            "tests_failed": draw(st.integers(0, 5)),
            "suite": draw(st.sampled_from(["unit", "unit", "integration"])),
            "coverage": draw(st.one_of(st.none(), st.floats(0, 1))),
        }
        for i in range(draw(st.integers(0, 4)))
    ]
    return {"deployments": deps, "incidents": incidents, "changes": changes, "test_runs": runs}


def build(parts: list[dict[str, list[dict]]], tz: str = "UTC") -> Dataset:
    tables = {t: canonical(t, [r for p in parts for r in p[t]]) for t in TABLE_NAMES}
    return Dataset.from_tables(tables, config=ProgramConfig(timezone=tz))


TZS = st.sampled_from(["UTC", "Asia/Shanghai", "Europe/London"])
PROPERTY = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- contract
@pytest.fixture(scope="module")
def small() -> Dataset:
    incidents = canonical(
        "incidents",
        [
            {
                "incident_id": "i1",
                "severity": "high",
                "opened_at": at(60),
                "resolved_at": at(120),
                "service": "api",
            },
            {"incident_id": "i2", "severity": "low", "opened_at": at(90), "resolved_at": at(200)},
        ],
    )
    deployments = canonical(
        "deployments",
        [
            {
                "deployment_id": "d1",
                "service": "api",
                "environment": "production",
                "finished_at": at(0),
                "status": "success",
            },
            {
                "deployment_id": "d2",
                "service": "web",
                "environment": "production",
                "finished_at": at(70 * 24 * 60),
                "status": "success",
            },
        ],
    )
    return Dataset.from_tables({"incidents": incidents, "deployments": deployments})


def test_columns_and_dtypes_are_the_contract(small):
    table = metric_table(small)
    assert list(table.columns) == COLUMNS
    assert str(table["period_start"].dtype) == "datetime64[ns]"
    assert table[["value", "median", "p90", "mean"]].dtypes.eq("float64").all()
    assert table[["n", "n_censored"]].dtypes.eq("int64").all()
    assert not table.duplicated(KEY).any()


def test_every_period_and_metric_has_a_row(small):
    table = metric_table(small)
    months = pd.date_range("2021-03-01", "2021-05-01", freq="MS")
    assert sorted(table["period_start"].unique()) == list(months)
    per_month = table.groupby("period_start").size()
    assert (per_month == len(METRIC_NAMES) + 2).all()  # + time to restore for high and low
    april = table[table["period_start"] == "2021-04-01"].set_index("metric")
    assert april.loc["production_releases", "value"] == 0.0  # inside the deployments' span
    ttr = april.loc[["time_to_restore_hours"]]
    assert ttr["value"].isna().all() and (ttr["n"] == 0).all()  # no incidents: no data


def test_empty_dataset_gives_an_empty_typed_table():
    table = metric_table(Dataset.from_tables({}))
    assert table.empty and list(table.columns) == COLUMNS
    assert str(table["n"].dtype) == "int64"


def test_by_service_lists_every_service_and_unassigned_incidents(small):
    table = metric_table(small, by="service")
    assert sorted(table["service"].unique()) == ["(unassigned)", "api", "web"]
    low = table[(table["severity"] == "low") & (table["n"] > 0)]
    assert low["service"].tolist() == ["(unassigned)"]
    api = table[(table["service"] == "api") & (table["metric"] == "production_releases")]
    assert api["value"].tolist() == [1.0, 0.0, 0.0]
    unassigned = table[
        (table["service"] == "(unassigned)") & (table["metric"] == "production_releases")
    ]
    assert unassigned["value"].isna().all()  # it has no deployments at all


def test_services_filter_and_bad_arguments(small):
    only_web = metric_table(small, services=["web"])
    assert only_web.query("metric == 'time_to_restore_hours'")["n"].sum() == 0
    with pytest.raises(ValueError, match="freq"):
        metric_table(small, freq="quarter")
    with pytest.raises(ValueError, match="by"):
        metric_table(small, by="team")


def test_cli_prints_the_table(write_folder, capsys):
    folder = write_folder(
        {
            "deployments.csv": "deployment_id,service,environment,finished_at,status\n"
            "d1,api,production,2021-03-01T10:00:00+08:00,success\n"
            "d2,api,staging,2021-04-02T11:00:00+08:00,failed\n",
            "program.yml": "timezone: Asia/Shanghai\n",
        }
    )
    assert main(["metrics", str(folder), "--format", "csv"]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(out.columns) == COLUMNS
    assert set(out["period_start"]) == {"2021-03-01", "2021-04-01"}
    assert (
        main(["metrics", str(folder), "--freq", "week", "--preset", "devlake", "--by", "service"])
        == 0
    )
    text = capsys.readouterr().out
    assert "definitions devlake, time zone UTC, weeks start monday" in text
    assert main(["metrics", str(folder / "missing")]) == 2


# ---------------------------------------------------------------- properties
@PROPERTY
@given(
    parts=st.lists(st.sampled_from(["a", "b"]), min_size=1, max_size=2, unique=True).flatmap(
        lambda names: st.tuples(*[service_rows(n) for n in names])
    ),
    tz=TZS,
    preset=st.sampled_from(["default", "fourkeys", "devlake"]),
)
def test_rates_are_shares_and_inputs_are_never_modified(parts, tz, preset):
    ds = build(list(parts), tz)
    before = {t: ds.table(t).copy(deep=True) for t in TABLE_NAMES}
    table = metric_table(ds, freq="week", by="service", preset=preset)
    for fn in (deployment_facts, lead_times, restore_times, unit_test_runs, coverage_by_service):
        fn(ds)
    for t in TABLE_NAMES:
        pd.testing.assert_frame_equal(ds.table(t), before[t])
    assert (table["n"] >= 0).all() and (table["n_censored"] <= table["n"]).all()
    rates = table[table["metric"].isin(RATES if preset == "default" else RATES[1:])][
        "value"
    ].dropna()
    assert ((rates >= 0) & (rates <= 1)).all()


@PROPERTY
@given(
    parts=service_rows("a"),
    tz=TZS,
    preset=st.sampled_from(["default", "fourkeys", "devlake"]),
    shift_min=st.integers(-200_000, 200_000),
)
def test_shifting_every_timestamp_leaves_durations_unchanged(parts, tz, preset, shift_min):
    ds = build([parts], tz)
    shift = pd.Timedelta(minutes=shift_min)
    moved = Dataset.from_tables(
        {t: _shifted(ds.table(t), shift) for t in TABLE_NAMES}, config=ds.config
    )
    for fn, key, value in (
        (lead_times, "change_id", "lead_time_hours"),
        (restore_times, "incident_id", "restore_hours"),
    ):
        a = fn(ds, preset=preset).set_index(key)[value].sort_index()
        b = fn(moved, preset=preset).set_index(key)[value].sort_index()
        pd.testing.assert_series_equal(a, b, rtol=1e-9)


def _shifted(frame: pd.DataFrame, delta: pd.Timedelta) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col] + delta
    return out


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=service_rows("a", clip=True), b=service_rows("b", clip=True), tz=TZS)
def test_an_unrelated_service_leaves_another_services_metrics_unchanged(a, b, tz):
    # Anchor service a's span (first and last instant), so b can only add rows inside it.
    anchors = [
        {
            "deployment_id": f"a-anchor{i}",
            "service": "a",
            "environment": "staging",
            "finished_at": at(m),
            "status": "success",
            "kind": "regular",
        }
        for i, m in enumerate((0, SPAN_MIN))
    ]
    a = {**a, "deployments": a["deployments"] + anchors}
    alone = metric_table(build([a], tz), freq="week", by="service")
    both = metric_table(build([a, b], tz), freq="week", by="service")
    both = both[(both["service"] == "a") & both["severity"].isin(alone["severity"])]
    pd.testing.assert_frame_equal(alone.reset_index(drop=True), both.reset_index(drop=True))


# ---------------------------------------------------------------- the bundled sample
@pytest.mark.skipif(
    not (SAMPLE / "deployments.csv").exists(), reason="data/sample not generated yet"
)
def test_sample_shows_the_programs_claims_after_and_not_before():
    from analytics.data.load import load

    table = metric_table(load(SAMPLE))
    months = table["period_start"].dt.strftime("%Y-%m")

    def values(metric: str, period: list[str], severity: str = "all") -> pd.Series:
        rows = table[
            (table["metric"] == metric) & months.isin(period) & (table["severity"] == severity)
        ]
        assert len(rows) == len(period)
        return rows["value"]

    after = ["2021-09", "2021-10", "2021-11", "2021-12"]
    baseline = ["2020-10", "2020-11", "2020-12"]
    claims = [
        ("delivery_throughput_per_day", lambda v: v >= 6, "all"),
        ("production_releases", lambda v: v >= 18, "all"),
        ("time_to_restore_hours", lambda v: v < 1, "critical"),
        ("unit_test_pass_rate", lambda v: v == 1.0, "all"),
        ("test_coverage", lambda v: v >= 0.95, "all"),
    ]
    for metric, holds, severity in claims:
        assert holds(values(metric, after, severity)).all(), metric
        assert not holds(values(metric, baseline, severity)).any(), metric
    assert np.isfinite(values("lead_time_hours", after)).all()


def test_statistic_names_what_value_holds():
    from analytics.data.load import load

    ds = load(SAMPLE)
    table = metric_table(ds, freq="month")
    month = table[(table["period_start"] == "2021-12-01") & (table["severity"] == "all")]
    month = month.set_index("metric")
    assert month.loc["lead_time_hours", "statistic"] == "median"
    assert month.loc["lead_time_hours", "value"] == month.loc["lead_time_hours", "median"]
    assert month.loc["time_to_restore_hours", "statistic"] == "mean"
    assert month.loc["time_to_restore_hours", "value"] == month.loc["time_to_restore_hours", "mean"]
    assert month.loc["change_failure_rate", "statistic"] == "share"
    assert table["statistic"].notna().all()
