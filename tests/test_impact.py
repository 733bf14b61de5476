"""program_impact: before/after per headline metric, on hand-made data and on the sample."""

import math

import pandas as pd
import pytest

from analytics import load
from analytics.catalog import HEADLINE_METRICS
from analytics.cli import main
from analytics.config import parse_config
from analytics.data.dataset import Dataset
from analytics.exceptions import ConfigError
from analytics.program.groups import status
from analytics.program.impact import (
    IMPACT_COLUMNS,
    compared,
    demonstrated,
    program_impact,
    program_trends,
)
from analytics.views.impact import impact_readable
from tests.conftest import SAMPLE_DIR

PHASES = {
    "baseline": {"start": "2021-01-01", "end": "2021-01-31"},
    "after": {"start": "2021-03-01", "end": "2021-03-31"},
}


def _deployments(rows):
    frame = pd.DataFrame(
        rows, columns=["deployment_id", "service", "environment", "finished_at", "status"]
    )
    frame["finished_at"] = pd.to_datetime(frame["finished_at"], utc=True).astype(
        "datetime64[ns, UTC]"
    )
    frame["kind"] = "regular"
    return frame


@pytest.fixture(scope="module")
def sample_impact():
    return program_impact(load(SAMPLE_DIR))


def test_columns_and_one_row_per_headline_metric(sample_impact):
    assert list(sample_impact.columns) == IMPACT_COLUMNS
    assert set(HEADLINE_METRICS) <= set(sample_impact["metric"])
    assert sample_impact["metric"].is_unique


def test_sample_claims_improve_with_adjusted_p_below_001(sample_impact):
    rows = sample_impact.set_index("metric")
    for metric in HEADLINE_METRICS:
        assert rows.loc[metric, "improved"], rows.loc[metric, "sentence"]
        assert rows.loc[metric, "p_adjusted"] < 0.01
    assert rows.loc["time_to_restore_hours", "severity"] == "critical"
    assert (
        rows.loc["production_releases", "effect"] > 1
        and rows.loc["time_to_restore_hours", "effect"] < 1
    )
    assert rows.loc["unit_test_pass_rate", "after"] == 1.0


def test_lead_times_on_a_second_thread_give_the_same_table(sample_impact, monkeypatch):
    """Above PARALLEL_ROWS the lead-time row is computed on a worker thread; same seed, same
    table, to the last bit (the thread only changes when the row is computed)."""
    import threading

    import analytics.program.phase_effects as effects

    threads, lead = [], effects._lead_effect

    def spy(*args):
        threads.append(threading.current_thread().name)
        return lead(*args)

    monkeypatch.setattr(effects, "_lead_effect", spy)
    monkeypatch.setattr(effects, "PARALLEL_ROWS", 0)
    threaded = program_impact(load(SAMPLE_DIR))
    assert len(threads) == 1 and threads[0].startswith("impact")
    pd.testing.assert_frame_equal(threaded, sample_impact)


def test_holm_adjusted_is_never_below_raw(sample_impact):
    valid = sample_impact.dropna(subset=["p_value"])
    assert (valid["p_adjusted"] >= valid["p_value"] - 1e-15).all()
    assert (valid["p_adjusted"] <= 1).all()


def test_rates_by_hand():
    """4 successful deployments in January's 31 days vs 31 in March's 31 days."""
    cfg = parse_config({"phases": PHASES})
    jan = [
        (f"a{i}", "api", "production", f"2021-01-{d:02d}T10:00:00Z", "success")
        for i, d in enumerate([1, 9, 17, 25])
    ]
    mar = [
        (f"b{i}", "api", "production", f"2021-03-{i + 1:02d}T10:00:00Z", "success")
        for i in range(31)
    ]
    ds = Dataset.from_tables({"deployments": _deployments(jan + mar)}, config=cfg)
    row = program_impact(ds).set_index("metric").loc["delivery_throughput_per_day"]
    assert row["baseline"] == pytest.approx(4 / 31)
    assert row["after"] == pytest.approx(31 / 31)
    assert row["effect"] == pytest.approx(31 / 4)
    assert (row["n_before"], row["n_after"]) == (4, 31)
    releases = program_impact(ds).set_index("metric").loc["production_releases"]
    assert releases["baseline"] == pytest.approx(4 / (31 / (365.25 / 12)))


def test_exposure_is_clipped_to_the_days_the_data_covers():
    """An export that starts on 11 January covers 21 days of the baseline, not 31."""
    cfg = parse_config({"phases": PHASES})
    rows = [
        (f"a{d}", "api", "production", f"2021-01-{d:02d}T10:00:00Z", "success")
        for d in (11, 20, 31)
    ]
    rows += [
        (f"b{d}", "api", "production", f"2021-03-{d:02d}T10:00:00Z", "success") for d in (1, 31)
    ]
    row = (
        program_impact(Dataset.from_tables({"deployments": _deployments(rows)}, config=cfg))
        .set_index("metric")
        .loc["delivery_throughput_per_day"]
    )
    assert row["baseline"] == pytest.approx(3 / 21)
    assert row["after"] == pytest.approx(2 / 31)


def test_exposure_comes_from_the_deployments_export_not_from_other_tables():
    """Incidents from 1 January do not make January 1-10 count as days without deployments."""
    cfg = parse_config({"phases": PHASES})
    rows = [
        (f"a{d}", "api", "production", f"2021-01-{d:02d}T10:00:00Z", "success")
        for d in (11, 20, 31)
    ]
    rows += [
        (f"b{d}", "api", "production", f"2021-03-{d:02d}T10:00:00Z", "success") for d in (1, 31)
    ]
    incidents = pd.DataFrame(
        {
            "incident_id": ["i1"],
            "severity": ["low"],
            "service": ["api"],
            "opened_at": pd.to_datetime(["2021-01-01T08:00:00Z"]).astype("datetime64[ns, UTC]"),
            "resolved_at": pd.to_datetime(["2021-01-01T09:00:00Z"]).astype("datetime64[ns, UTC]"),
        }
    )
    ds = Dataset.from_tables(
        {"deployments": _deployments(rows), "incidents": incidents}, config=cfg
    )
    row = program_impact(ds).set_index("metric").loc["delivery_throughput_per_day"]
    assert row["baseline"] == pytest.approx(3 / 21)


def test_metric_without_data_gives_nan_and_says_so():
    cfg = parse_config({"phases": PHASES})
    rows = [
        ("a1", "api", "production", "2021-01-05T10:00:00Z", "success"),
        ("b1", "api", "production", "2021-03-05T10:00:00Z", "success"),
    ]
    table = program_impact(
        Dataset.from_tables({"deployments": _deployments(rows)}, config=cfg)
    ).set_index("metric")
    lead = table.loc["lead_time_hours"]
    assert math.isnan(lead["baseline"]) and math.isnan(lead["effect"]) and lead["n_before"] == 0
    assert "no data" in lead["sentence"]
    assert not lead["improved"]


def test_identical_phases_show_no_improvement():
    cfg = parse_config({"phases": PHASES})
    days = [1, 4, 7, 10, 13, 16, 19, 22, 25, 31]  # both phases covered from first to last day
    rows = [(f"a{d}", "api", "production", f"2021-01-{d:02d}T10:00:00Z", "success") for d in days]
    rows += [(f"b{d}", "api", "production", f"2021-03-{d:02d}T10:00:00Z", "success") for d in days]
    row = (
        program_impact(Dataset.from_tables({"deployments": _deployments(rows)}, config=cfg))
        .set_index("metric")
        .loc["delivery_throughput_per_day"]
    )
    assert row["effect"] == pytest.approx(1.0)
    assert row["p_value"] == pytest.approx(1.0)
    assert not row["improved"]


def test_missing_phase_is_a_config_error():
    ds = Dataset.from_tables({"deployments": _deployments([])}, config=parse_config({}))
    with pytest.raises(ConfigError, match="phase named 'baseline'"):
        program_impact(ds)


def test_program_trends_on_sample():
    trends = program_trends(load(SAMPLE_DIR))
    slope = trends[(trends["metric"] == "production_releases")]
    assert {"level_change", "slope_change", "level_change_end", "slope_change_end"} <= set(
        slope["term"]
    )
    # the program is a ramp: releases grow during the program (slope change > 0 as a rate ratio > 1)
    lead = trends[(trends["metric"] == "lead_time_hours") & (trends["term"] == "slope_change")]
    assert lead["estimate"].iloc[0] < 0
    terms = slope.set_index("term")["ratio"]
    assert terms["slope"] * terms["slope_change"] > 1  # weekly releases grow during the program


def test_cli_impact(capsys):
    assert main(["impact", str(SAMPLE_DIR)]) == 0
    out = capsys.readouterr().out
    assert "[improved] Production releases rose from" in out


def test_sample_targets_are_met_in_the_after_phase_and_not_in_the_baseline():
    from analytics.metrics import metric_table
    from analytics.program.scorecard import scorecard

    ds = load(SAMPLE_DIR)
    monthly = metric_table(ds, freq="month")
    by_service = metric_table(
        ds, freq="month", by="service"
    )  # coverage is claimed for every service
    after = scorecard(monthly, ds.config, phase="after", by_service=by_service).set_index("metric")
    assert list(after.index) == list(HEADLINE_METRICS)
    assert after["met"].tolist() == [True] * 5
    baseline = scorecard(monthly, ds.config, phase="baseline", by_service=by_service)
    assert baseline["met"].tolist() == [False] * 5


def test_a_cut_dataset_counts_exposure_to_its_as_of_day_not_its_last_deployment():
    from analytics.views import month_end

    ds = load(SAMPLE_DIR)
    october = ds.until(month_end("2020-10", ds.config.timezone))
    imp = program_impact(october).set_index("metric")
    # the sample's first deployment is on 2 October (local); the cut is the end of 31 October,
    # the last deployment before it on the 28th: 30 days of exposure, not 27
    rate = imp.loc["delivery_throughput_per_day"]
    assert rate["baseline"] == pytest.approx(rate["n_before"] / 30)
    releases = imp.loc["production_releases"]
    assert releases["baseline"] == pytest.approx(
        releases["n_before"] / (30 / (365.25 / 12))
    )  # months of 30.44 d


def test_an_impact_row_is_demonstrated_not_demonstrated_or_no_data_by_one_rule():
    """Three hand-made rows: improved with data on both sides, not improved, and a row whose
    baseline has no observations (its ``improved`` False, as program_impact leaves it). Every
    reading of a row (the readable table, the by-team status) takes "no data" from
    ``compared``, and "demonstrated" from ``improved``."""
    rows = pd.DataFrame(
        {
            "metric": ["production_releases", "lead_time_hours", "time_to_restore_hours"],
            "severity": "all",
            "label": ["Production releases", "Lead time", "Time to restore"],
            "baseline": [3.0, 20.0, math.nan],
            "after": [20.0, 18.0, 2.0],
            "effect": [6.7, 0.9, math.nan],
            "effect_kind": "ratio",
            "ci_low": [4.0, 0.7, math.nan],
            "ci_high": [11.0, 1.2, math.nan],
            "p_value": [0.0001, 0.4, math.nan],
            "p_adjusted": [0.0003, 0.4, math.nan],
            "test": "t",
            "n_before": [10, 40, 0],
            "n_after": [80, 90, 7],
            "improved": [True, False, False],
            "sentence": "",
        }
    )[IMPACT_COLUMNS]
    assert [compared(r) for r in rows.itertuples()] == [True, True, False]
    assert [demonstrated(r) for r in rows.itertuples()] == [True, False, None]
    assert list(impact_readable(rows)["Demonstrated"]) == ["yes", "no", "no data"]
    assert [status(r) for r in rows.itertuples()] == ["improved", "no clear change", "no data"]
