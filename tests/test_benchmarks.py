"""Tests for analytics.program.dora: DORA bands per report year, classify, targets scorecard.

Published wording comes from tests/fixtures/benchmarks (sources in SOURCE.txt); every other
expected value below is worked out by hand from the rules in docs/benchmarks.md.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.config import parse_config
from analytics.exceptions import DataValidationError
from analytics.program.dora import BANDS, DORA_METRICS, band_for, classify, dora_bands
from analytics.program.scorecard import SCORECARD_COLUMNS, scorecard

FIXTURES = Path(__file__).parent / "fixtures" / "benchmarks"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
YEARS = (2019, 2021, 2023, 2024)
DF, LT, TTR, CFR = (
    "deployment_frequency_per_day",
    "lead_time_hours",
    "time_to_restore_hours",
    "change_failure_rate",
)
LOWER_IS_BETTER = (LT, TTR, CFR)


def rows(*specs: tuple) -> pd.DataFrame:
    """A metric table from (period_start, service, severity, metric, value, n, median) tuples."""
    out = []
    for p, service, severity, metric, value, n, median in specs:
        out.append(
            {
                "period_start": pd.Timestamp(p),
                "service": service,
                "severity": severity,
                "metric": metric,
                "value": float(value),
                "unit": "",
                "n": n,
                "median": float(median),
                "p90": np.nan,
                "mean": float(value),
                "n_censored": 0,
            }
        )
    return pd.DataFrame(out)


# --- the published bands, at their boundaries ----------------------------------------------

H, D, W = 1.0, 24.0, 168.0
BOUNDARY_CASES = [
    # the brief's examples
    (2021, TTR, 0.9, "elite"),
    (2021, TTR, 23, "high"),
    (2021, TTR, 3 * D, "medium"),
    (2021, CFR, 0.10, "elite"),
    (2021, CFR, 0.20, "high"),
    (2021, LT, 0.5, "elite"),
    (2019, LT, 0.5, "elite"),
    (2019, LT, 30, "high"),
    # time to restore: "less than" is strict; 2019/2024 medium takes the 1 day - 1 week gap
    (2021, TTR, 1.0, "high"),
    (2021, TTR, D, "medium"),
    (2021, TTR, W, "low"),
    (2019, TTR, 0.99, "elite"),
    (2019, TTR, 30, "medium"),
    (2019, TTR, 200, "low"),
    (2023, TTR, 100, "medium"),
    (2023, TTR, W, "low"),
    (2024, TTR, 30, "medium"),
    (2024, TTR, 23.9, "high"),
    # lead time: 2021's gaps (1 h - 1 day -> high, 1 week - 1 month -> medium)
    (2021, LT, 5, "high"),
    (2019, LT, 5, "elite"),
    (2019, LT, 23.99, "elite"),
    (2019, LT, D, "high"),
    (2019, LT, W, "medium"),
    (2019, LT, 719, "medium"),
    (2019, LT, 720, "low"),
    (2021, LT, 720, "medium"),
    (2021, LT, 4319, "medium"),
    (2021, LT, 4320, "low"),
    (2023, LT, 720, "low"),
    (2023, LT, 500, "medium"),
    (2024, LT, 10_000, "low"),
    # change failure rate: published limits are inclusive
    (2021, CFR, 0.0, "elite"),
    (2021, CFR, 0.15, "elite"),
    (2021, CFR, 0.1501, "high"),
    (2021, CFR, 0.2001, "medium"),
    (2021, CFR, 0.30, "medium"),
    (2021, CFR, 0.31, "low"),
    (2021, CFR, 1.25, "low"),  # Four Keys' incidents / deployments can exceed 1
    (2019, CFR, 0.15, "elite"),
    (2019, CFR, 0.25, "high"),
    (2019, CFR, 0.40, "medium"),
    (2019, CFR, 0.50, "low"),
    (2023, CFR, 0.05, "elite"),
    (2023, CFR, 0.06, "high"),
    (2023, CFR, 0.10, "high"),
    (2023, CFR, 0.12, "medium"),
    (2023, CFR, 0.16, "low"),
    (2024, CFR, 0.05, "elite"),
    (2024, CFR, 0.10, "high"),
    (2024, CFR, 0.20, "high"),
    (2024, CFR, 0.21, "low"),
    # deployment frequency, deployments per calendar day
    (2019, DF, 1.0, "elite"),
    (2019, DF, 0.99, "high"),
    (2019, DF, 1 / 7, "high"),
    (2019, DF, 4 / 31, "high"),
    (2019, DF, 3 / 31, "medium"),
    (2019, DF, 1 / 31, "medium"),
    (2019, DF, 0.0, "low"),
    (2024, DF, 1 / 28, "medium"),
    (2021, DF, 0.5, "high"),
    (2021, DF, 1 / 31, "high"),
    (2021, DF, 1 / 184, "medium"),
    (2021, DF, 0.0, "low"),
    (2023, DF, 1 / 31, "medium"),
    (2023, DF, 0.0, "low"),
    (2021, DF, 0.1, "high"),
    (2019, DF, 0.1, "medium"),
    # float noise at a boundary does not change the band
    (2021, CFR, 0.1 + 0.05, "elite"),
    (2019, DF, 4 * (1 / 31), "high"),
]


@pytest.mark.parametrize(("year", "metric", "value", "band"), BOUNDARY_CASES)
def test_band_at_boundaries(year, metric, value, band):
    assert band_for(metric, value, year) == band


@pytest.mark.parametrize("value", [math.nan, -1.0])
def test_band_of_nan_or_impossible_value_is_no_data(value):
    assert band_for(TTR, value, 2021) == "no data"


def test_band_for_rejects_unknown_metric_and_year():
    with pytest.raises(ValueError, match="unit_test_pass_rate"):
        band_for("unit_test_pass_rate", 0.9, 2021)
    with pytest.raises(ValueError, match="2022"):
        dora_bands(2022)


def test_2024_change_failure_rate_never_bands_medium():
    rates = np.linspace(0, 1, 201)
    assert "medium" not in {band_for(CFR, r, 2024) for r in rates}


def test_published_2021_wording_matches_the_report_fixture():
    clusters = pd.read_csv(FIXTURES / "dora_2021_clusters.csv").set_index("metric")
    bands = dora_bands(2021)
    for key in DORA_METRICS:
        for band in BANDS:
            got = bands[(bands.dora_metric == key) & (bands.band == band)].published.item()
            assert got == clusters.loc[key, band]
    shares = bands.drop_duplicates("band").set_index("band").share_of_respondents
    for band in BANDS:
        published = clusters.loc["share_of_respondents", band]  # e.g. "26%"
        assert shares[band] == pytest.approx(float(published.rstrip("%")) / 100)


@pytest.mark.parametrize(
    ("year", "cfr", "lead_time"),
    [(2019, 0.15, D), (2021, 0.15, H), (2023, 0.05, D), (2024, 0.05, D)],
)
def test_elite_limits_match_the_reference_readme(year, cfr, lead_time):
    b = dora_bands(year).set_index(["dora_metric", "band"])
    assert b.loc[("change_failure_rate", "elite"), "upper"] == cfr
    assert b.loc[("lead_time_for_changes", "elite"), "upper"] == lead_time
    assert b.loc[("time_to_restore_service", "elite"), "upper"] == H


def test_dora_bands_shape_and_columns():
    every = dora_bands()
    assert len(every) == 4 * 4 * 4
    assert list(every.columns) == [
        "year",
        "dora_metric",
        "label",
        "metric",
        "unit",
        "band",
        "rank",
        "lower",
        "upper",
        "closed",
        "published",
        "rule",
        "interpretation",
        "share_of_respondents",
        "source",
    ]
    assert set(dora_bands(2023).label) >= {"Failed deployment recovery time"}
    assert "Time to restore service" in set(dora_bands(2021).label)
    orders = every.groupby(["year", "dora_metric"]).band.apply(tuple)
    assert all(order == BANDS for order in orders)


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("key", list(DORA_METRICS))
def test_bands_partition_zero_to_infinity(year, key):
    b = dora_bands(year)
    b = b[(b.dora_metric == key) & b.lower.notna()].sort_values("lower")
    assert b.lower.iloc[0] == 0 and b.upper.iloc[-1] == math.inf
    assert (b.lower.iloc[1:].to_numpy() == b.upper.iloc[:-1].to_numpy()).all()
    for lo, hi in zip(b.itertuples(), b.iloc[1:].itertuples(), strict=False):
        owners = (lo.closed in ("right", "both")) + (hi.closed in ("left", "both"))
        assert owners == 1, f"boundary {lo.upper} of {year} {key}"


@settings(max_examples=100, deadline=None)
@given(
    year=st.sampled_from(YEARS),
    metric=st.sampled_from(list(DORA_METRICS.values())),
    a=st.floats(0, 1e5, allow_nan=False),
    b=st.floats(0, 1e5, allow_nan=False),
)
def test_every_value_has_one_band_and_better_values_never_band_worse(year, metric, a, b):
    rank = {band: i for i, band in enumerate(BANDS)}
    ra, rb = rank[band_for(metric, a, year)], rank[band_for(metric, b, year)]
    better_a = a <= b if metric in LOWER_IS_BETTER else a >= b
    assert ra <= rb if better_a else ra >= rb


def test_docs_list_every_rule_under_its_year():
    text = DOCS.read_text(encoding="utf-8")
    for year in YEARS:
        section = text.split(f"## {year}", 1)[1].split("\n## ", 1)[0]
        for rule in dora_bands(year).rule:
            assert f"`{rule}`" in section, (year, rule)


# --- classify -----------------------------------------------------------------------------

CLASSIFY_TABLE = rows(
    ("2021-03-01", "all", "all", DF, 1.2, 37, np.nan),
    ("2021-03-01", "all", "all", LT, 30.0, 50, 30.0),
    ("2021-03-01", "all", "all", TTR, 50.0, 4, 0.9),  # mean 50 h, median 0.9 h
    ("2021-03-01", "all", "critical", TTR, 0.5, 1, 0.5),  # per-severity rows are not banded
    ("2021-03-01", "all", "all", CFR, 0.2, 37, np.nan),
    ("2021-03-01", "all", "all", "deployment_days_per_week", 5.0, 37, np.nan),
    ("2021-03-01", "all", "all", "production_releases", 37.0, 37, np.nan),
    ("2021-03-01", "api", "all", DF, 0.1, 3, np.nan),
    ("2021-03-01", "api", "all", LT, np.nan, 0, np.nan),
    ("2021-02-01", "all", "all", CFR, 0.1, 30, np.nan),
)


def test_classify_bands_a_small_table_by_hand():
    got = classify(CLASSIFY_TABLE, year=2021)
    assert list(got.columns) == ["period_start", "service", "metric", "value", "band", "year"]
    expected = [
        ("2021-02-01", "all", CFR, 0.1, "elite"),
        ("2021-03-01", "all", DF, 1.2, "elite"),
        ("2021-03-01", "all", LT, 30.0, "high"),
        ("2021-03-01", "all", TTR, 0.9, "elite"),
        ("2021-03-01", "all", CFR, 0.2, "high"),
        ("2021-03-01", "api", DF, 0.1, "high"),
        ("2021-03-01", "api", LT, np.nan, "no data"),
    ]
    want = pd.DataFrame(expected, columns=["period_start", "service", "metric", "value", "band"])
    want["period_start"] = pd.to_datetime(want["period_start"])
    want["year"] = 2021
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_classify_takes_the_year_from_config_unless_given():
    config = parse_config({"benchmark_year": 2019})
    by_config = classify(CLASSIFY_TABLE, config=config)
    assert (by_config.year == 2019).all()
    api_df = by_config[(by_config.service == "api") & (by_config.metric == DF)]
    assert api_df.band.item() == "medium"  # 0.1/day < 4/31: below once a week in 2019
    assert (classify(CLASSIFY_TABLE, year=2023, config=config).year == 2023).all()
    assert (classify(CLASSIFY_TABLE).year == 2021).all()  # the ProgramConfig default


def test_classify_empty_and_missing_columns():
    empty = classify(CLASSIFY_TABLE.iloc[0:0], year=2021)
    assert empty.empty and list(empty.columns) == list(classify(CLASSIFY_TABLE).columns)
    with pytest.raises(DataValidationError, match="severity"):
        classify(CLASSIFY_TABLE.drop(columns="severity"))
    with pytest.raises(DataValidationError, match="median"):
        classify(CLASSIFY_TABLE.drop(columns="median"))
    no_restore = CLASSIFY_TABLE[CLASSIFY_TABLE.metric != TTR].drop(columns="median")
    assert TTR not in set(classify(no_restore).metric)


# --- scorecard ----------------------------------------------------------------------------

MONTHS = pd.date_range("2021-01-01", "2021-08-01", freq="MS")
PHASES = {
    "baseline": {"start": "2021-01-01", "end": "2021-02-28"},
    "program": {"start": "2021-03-01", "end": "2021-05-31"},
    "after": {"start": "2021-06-01", "end": "2021-08-31"},
}
TARGETS = {
    "production_releases": 18,
    "time_to_restore_hours": {"severity": "critical", "max": 1},
    "unit_test_pass_rate": 1.0,
    "change_failure_rate": 0.15,
    "test_coverage": {
        "min": 0.8,
        "applies_to": "overall",
    },  # every-service targets: test_scorecard.py
}


def _series(metric, values, severity="all", n=None, median=None):
    n = n or [10] * len(values)
    median = median or values
    return [
        (m, "all", severity, metric, v, k, md)
        for m, v, k, md in zip(MONTHS, values, n, median, strict=True)
    ]


SCORE_TABLE = rows(
    *_series("production_releases", [4, 6, 8, 10, 12, 14, 16, 18]),
    *_series(TTR, [9, 8, 7, 6, 5, 4, 3, 2], "critical", n=[1, 1, 1, 1, 1, 1, 1, 2]),
    *_series(TTR, [20] * 8, "all", median=[0.5] * 8),
    *_series(TTR, [99] * 8, "high"),
    *_series("unit_test_pass_rate", [0.9, 0.9, 0.9, 0.901, 0.902, 0.903, 0.904, 0.905]),
    *_series(
        CFR, [0.05, 0.05, 0.06, 0.07, 0.08, 0.10, 0.20, 0.30], n=[10, 10, 10, 10, 10, 10, 10, 20]
    ),
    ("2021-08-01", "api", "all", "production_releases", 100.0, 100, np.nan),
)
CONFIG = parse_config({"phases": PHASES, "targets": TARGETS, "benchmark_year": 2021})


def test_scorecard_over_the_after_phase_by_hand():
    card = scorecard(SCORE_TABLE, CONFIG).set_index("metric")
    assert list(card.reset_index().columns) == SCORECARD_COLUMNS
    assert list(card.index) == list(TARGETS)  # config order
    # production releases: mean of Jun-Aug (14+16+18)/3; baseline (4+6)/2; rising 2 a month
    r = card.loc["production_releases"]
    assert (r.value, r.baseline, r.target, r.op) == (16.0, 5.0, 18.0, ">=")
    assert r.met is False and r.trend == "up" and r.good_direction == "up"
    assert r.on_track is True and r.band == "" and r.n == 30  # next month projects 20 >= 18
    # critical incidents only: n-weighted (4*1 + 3*1 + 2*2) / 4; baseline (9 + 8) / 2
    t = card.loc[TTR]
    assert t.severity == "critical" and t.value == pytest.approx(2.75) and t.baseline == 8.5
    assert t.met is False and t.trend == "down" and t.good_direction == "down"
    assert t.on_track is True  # last six fall 1 h a month: 2 -> 1 next month
    assert (
        t.band == "high"
    )  # the band of the value shown: critical mean 2.75 h (2021: elite < 1 h, high < 1 day)
    # pass rate creeps up 0.001 a month: within 2% of its level -> flat, never reaches 1.0
    p = card.loc["unit_test_pass_rate"]
    assert p.value == pytest.approx(0.904) and p.trend == "flat"
    assert p.met is False and p.on_track is False
    # change failure rate pooled over deployments: (0.1*10 + 0.2*10 + 0.3*20) / 40
    c = card.loc[CFR]
    assert c.value == pytest.approx(0.225) and c.baseline == pytest.approx(0.05)
    assert c.met is False and c.trend == "up" and c.on_track is False
    assert c.band == "medium"  # 2021: 20% < 22.5% <= 30%
    # a target without any data
    v = card.loc["test_coverage"]
    assert math.isnan(v.value) and v.met is None and v.on_track is None
    assert v.trend == "no data" and v.n == 0 and "no data" in v.note


def test_scorecard_for_one_month_matches_classify():
    card = scorecard(SCORE_TABLE, CONFIG, period_start="2021-07-01").set_index("metric")
    assert card.loc["production_releases", "value"] == 16.0
    assert card.loc["production_releases", "scope"] == "2021-07-01"
    # window Feb-Jul rises 2 a month: 18 next month
    assert card.loc["production_releases", "on_track"] is True
    assert card.loc[TTR, "value"] == 3.0 and card.loc[TTR, "on_track"] is True
    assert card.loc[CFR, "value"] == 0.2 and card.loc[CFR, "band"] == "high"
    bands = classify(SCORE_TABLE, config=CONFIG)
    july = bands[(bands.period_start == "2021-07-01") & (bands.service == "all")]
    assert card.loc[CFR, "band"] == july.set_index("metric").loc[CFR, "band"]


def test_scorecard_met_target_is_on_track():
    config = parse_config({"phases": PHASES, "targets": {"production_releases": 15}})
    row = scorecard(SCORE_TABLE, config).iloc[0]
    assert row.met is True and row.on_track is True


def test_scorecard_missing_baseline_phase_gives_nan_baseline_and_a_value():
    config = parse_config({"phases": {"after": PHASES["after"]}, "targets": TARGETS})
    r = scorecard(SCORE_TABLE, config).set_index("metric").loc["production_releases"]
    assert r.value == 16.0 and math.isnan(r.baseline)
    assert "no 'baseline' phase" in r.note


def test_scorecard_missing_phase_gives_nan_value_with_a_note():
    config = parse_config({"targets": TARGETS})
    r = scorecard(SCORE_TABLE, config, phase="after").set_index("metric").loc["production_releases"]
    assert math.isnan(r.value) and r.met is None and r.on_track is None
    assert "no 'after' phase" in r.note
    card = scorecard(SCORE_TABLE, config).set_index("metric")
    assert card.loc[CFR, "band"] == "no data" and card.loc["unit_test_pass_rate", "band"] == ""


def test_scorecard_missing_month_and_short_series():
    card = scorecard(SCORE_TABLE, CONFIG, period_start="2022-01-01").set_index("metric")
    assert math.isnan(card.loc["production_releases", "value"])
    assert "no row for 2022-01-01" in card.loc["production_releases", "note"]
    two = SCORE_TABLE[SCORE_TABLE.period_start >= "2021-07-01"]
    r = scorecard(two, CONFIG).set_index("metric").loc["production_releases"]
    assert r.value == 17.0 and r.trend == "no data" and r.on_track is None


def test_scorecard_empty_table_and_no_targets():
    card = scorecard(SCORE_TABLE.iloc[0:0], CONFIG)
    assert len(card) == len(TARGETS) and card.value.isna().all()
    assert set(card.band) == {"", "no data"}
    none = scorecard(SCORE_TABLE, parse_config({}))
    assert none.empty and list(none.columns) == SCORECARD_COLUMNS


def test_scorecard_names_a_missing_column():
    with pytest.raises(DataValidationError, match="service"):
        scorecard(SCORE_TABLE.drop(columns="service"), CONFIG)


def test_inputs_are_not_mutated():
    for table in (SCORE_TABLE, CLASSIFY_TABLE):
        before = table.copy(deep=True)
        classify(table, year=2019)
        scorecard(table, CONFIG)
        scorecard(table, CONFIG, period_start="2021-03-01")
        pd.testing.assert_frame_equal(table, before)


def test_open_incidents_make_an_upper_limit_target_undecided_not_met():
    """A mean restore time that counts open incidents only up to the end of the data is a lower
    bound."""
    cfg = parse_config({"targets": {"time_to_restore_hours": {"severity": "critical", "max": 1}}})
    table = pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2021-12-01", "2021-12-01"]),
            "service": "all",
            "severity": ["critical", "all"],
            "metric": "time_to_restore_hours",
            "value": [0.3, 0.3],
            "unit": "hours",
            "n": [3, 3],
            "median": [0.2, 0.2],
            "p90": np.nan,
            "mean": [0.3, 0.3],
            "n_censored": [1, 1],
        }
    )
    row = scorecard(table, cfg, period_start=pd.Timestamp("2021-12-01")).iloc[0]
    assert row["met"] is None and "still open" in row["note"]
    closed = scorecard(
        table.assign(n_censored=0), cfg, period_start=pd.Timestamp("2021-12-01")
    ).iloc[0]
    assert closed["met"] is True
    missed = scorecard(table.assign(value=1.5), cfg, period_start=pd.Timestamp("2021-12-01")).iloc[
        0
    ]
    assert missed["met"] is False  # a lower bound above the limit is a miss for certain
