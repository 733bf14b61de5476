"""Tests for analytics.stats.compare: published numbers, hand calculations, calibration, edge cases.

Published values come from tests/fixtures/stats/expected.json (sources in SOURCE.txt).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.stats import _bootstrap, _ranks
from analytics.stats.compare import (
    duration_effect,
    hodges_lehmann,
    holm,
    proportion_effect,
    rate_effect,
    wilson_interval,
)
from analytics.wording.verdicts import verdict_sentence

FIXTURES = Path(__file__).parent / "fixtures" / "stats"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


# --- published numbers -----------------------------------------------------------------------


@pytest.mark.parametrize("case", EXPECTED["wilson_newcombe1998"]["cases"], ids=lambda c: str(c))
def test_wilson_matches_newcombe_1998_table_1(case):
    low, high = wilson_interval(case["k"], case["n"])
    assert low == pytest.approx(case["wilson"][0], abs=5e-5)
    assert high == pytest.approx(case["wilson"][1], abs=5e-5)


# Newcombe (1998) Stat Med 17:873-890, Table II, method 10 (see fixtures/stats/SOURCE.txt).
NEWCOMBE_DIFFERENCE = [((56, 70, 48, 80), (0.0524, 0.3339)), ((9, 10, 3, 10), (0.1705, 0.8090))]


@pytest.mark.parametrize(("counts", "ci"), NEWCOMBE_DIFFERENCE)
def test_newcombe_difference_matches_published_method_10(counts, ci):
    k1, n1, k2, n2 = counts
    e = proportion_effect(k2, n2, k1, n1)  # effect = after - before = k1/n1 - k2/n2
    assert e.effect == pytest.approx(k1 / n1 - k2 / n2)
    assert (e.ci_low, e.ci_high) == pytest.approx(ci, abs=5e-5)


def test_fisher_exact_lady_tasting_tea():
    ref = EXPECTED["fisher_lady_tasting_tea"]
    (a, b), (c, d) = ref["table"]
    e = proportion_effect(c, c + d, a, a + b)
    assert e.p_value == pytest.approx(ref["p_two_sided"], abs=1e-6)
    assert e.test == "Fisher exact"


def test_poisson_rate_ratio_gu_2008():
    ref = EXPECTED["poisson_rate_ratio_gu2008"]
    e = rate_effect(ref["k2"], ref["t2"], ref["k1"], ref["t1"])
    assert e.effect == pytest.approx(ref["rate_ratio"], abs=1e-6)
    assert e.p_value == pytest.approx(ref["exact_cond_p_two_sided"], abs=1e-6)
    assert (e.ci_low, e.ci_high) == pytest.approx(
        ref["exact_cond_ci95_ratio_clopper_pearson"], abs=1e-6
    )
    assert (e.n_before, e.n_after) == (ref["k2"], ref["k1"])
    flipped = rate_effect(ref["k1"], ref["t1"], ref["k2"], ref["t2"])
    assert flipped.effect == pytest.approx(1 / e.effect)
    assert flipped.p_value == pytest.approx(e.p_value)
    assert (flipped.ci_low, flipped.ci_high) == pytest.approx((1 / e.ci_high, 1 / e.ci_low))


def test_mann_whitney_and_hodges_lehmann_hollander_wolfe():
    ref = EXPECTED["mann_whitney_hodges_lehmann"]
    x, y = np.array(ref["x"]), np.array(ref["y"])
    shift, low, high, method = hodges_lehmann(x, y)
    assert method == "exact"
    assert shift == pytest.approx(ref["hodges_lehmann_shift"], abs=1e-9)
    assert (low, high) == pytest.approx(ref["hl_exact_ci95"], abs=1e-9)
    e = duration_effect(y, x, with_hodges_lehmann=True)  # after = x
    assert e.u_statistic == ref["U_or_W"]
    assert e.p_value == pytest.approx(ref["p_exact_two_sided"], abs=1e-6)
    assert e.effect == pytest.approx(np.median(x) / np.median(y))
    ratios = np.sort(np.divide.outer(x, y).ravel())  # 50 pairs: HL ratio = geometric mid-pair
    assert e.hl_ratio == pytest.approx(math.sqrt(ratios[24] * ratios[25]))


def test_hodges_lehmann_is_absent_by_default_and_the_rest_does_not_change():
    before, after = [5.0, 6.0, 4.0, 8.0, 7.0], [2.0, 3.0, 1.5, 2.5]
    plain = duration_effect(before, after, n_boot=100)
    assert plain.hl_ci_method == "not computed"
    hl = [plain.hl_log_shift, plain.hl_ratio, plain.hl_ratio_ci_low, plain.hl_ratio_ci_high]
    assert all(math.isnan(v) for v in hl)
    asked = duration_effect(before, after, n_boot=100, with_hodges_lehmann=True)
    # 20 pairs of after/before ratios: the HL ratio is the geometric mean of the 10th and 11th
    ratios = sorted(a / b for a in after for b in before)
    assert asked.hl_ratio == pytest.approx(math.sqrt(ratios[9] * ratios[10]))
    assert asked.hl_ci_method == "exact"
    same = ("effect", "ci_low", "ci_high", "p_value", "before_ci_low", "after_ci_high")
    assert [getattr(asked, f) for f in same] == [getattr(plain, f) for f in same]


def test_mann_whitney_scipy_docstring_example():
    ref = EXPECTED["mann_whitney_scipy_doc"]
    e = duration_effect(ref["females"], ref["males"])
    assert e.u_statistic == ref["U1"]
    assert e.p_value == pytest.approx(ref["p_exact"], abs=1e-6)


# --- hand calculations -----------------------------------------------------------------------


def test_hodges_lehmann_normal_approximation_uses_hollander_wolfe_c_alpha():
    ref = EXPECTED["mann_whitney_hodges_lehmann"]
    x, y = np.array(ref["x"]), np.array(ref["y"] + [1.15])  # a tie forces the normal route
    m, n = x.size, y.size
    c = round(m * n / 2 - 1.959964 * math.sqrt(m * n * (m + n + 1) / 12))
    d = np.sort(np.subtract.outer(x, y).ravel())
    shift, low, high, method = hodges_lehmann(x, y)
    assert method == "normal"
    assert shift == pytest.approx(np.median(d))
    assert (low, high) == (d[c - 1], d[m * n - c])


def test_exact_null_distribution_matches_enumeration():
    m, n = 4, 3
    us = [
        sum(1 for i in xs for j in set(range(m + n)) - set(xs) if i > j)
        for xs in itertools.combinations(range(m + n), m)
    ]
    counts = np.bincount(us, minlength=m * n + 1)
    assert np.allclose(_ranks._mwu_null_cdf(m, n), np.cumsum(counts) / counts.sum())


@pytest.mark.parametrize(
    "enumerate_pairs", [2_000_000, 5_000, 1]
)  # list at once .. bisect to the end
@pytest.mark.parametrize("swap", [False, True])  # the longer array first or second
def test_order_statistics_without_forming_all_pairs_match_brute_force(
    monkeypatch, enumerate_pairs, swap
):
    monkeypatch.setattr(_ranks, "_ENUMERATE_PAIRS", enumerate_pairs)
    rng = np.random.default_rng(7)
    a = np.sort(np.round(rng.normal(size=600), 2))  # rounding makes many ties
    b = np.sort(np.round(rng.lognormal(size=500), 1))
    if swap:
        a, b = b, a
    brute = np.sort(np.subtract.outer(a, b).ravel())
    for k in (1, 2, 1000, 150_000, 150_001, 299_999, 300_000):
        assert _ranks._kth_difference(a, b, k) == brute[k - 1]
    shift, low, high, method = hodges_lehmann(a, b)  # 300,000 pairs: the selection route
    assert shift == pytest.approx((brute[149_999] + brute[150_000]) / 2)
    assert method == "normal" and low <= shift <= high


def test_holm_hand_calculation_and_nan():
    # sorted 0.005, 0.01, 0.03, 0.04 -> x4, x3, x2, x1 = 0.02, 0.03, 0.06, 0.04 -> running max
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    out = holm(pd.Series([0.01, np.nan, 0.04], index=["a", "b", "c"], name="p"))
    assert list(out.index) == ["a", "b", "c"] and out.name == "p"
    assert math.isnan(out["b"]) and out["a"] == pytest.approx(0.02)  # m = 2, not 3
    assert holm([0.6, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([]).size == 0
    with pytest.raises(ValueError):
        holm([1.5])


def test_duration_effect_medians_and_p90_by_hand():
    e = duration_effect([1, 2, 3, 4, 100], [1, 1, 2, 2], n_boot=200)
    assert (e.before, e.after) == (3.0, 1.5)
    assert e.effect == 0.5 and e.effect_kind == "ratio"
    assert e.p90_before == pytest.approx(4 + 0.6 * 96)  # linear between 4th and 5th values
    assert (e.n_before, e.n_after) == (5, 4)


# --- edge cases (STYLE #4) -------------------------------------------------------------------


@pytest.mark.parametrize("before, after", [([], [1.0, 2.0, 3.0]), ([1.0, 2.0, 3.0], []), ([], [])])
def test_duration_empty_side_is_nan_with_n_zero(before, after):
    e = duration_effect(before, after)
    assert math.isnan(e.effect) and math.isnan(e.p_value) and math.isnan(e.ci_low)
    assert e.n_before == len(before) and e.n_after == len(after)
    assert "no data" in verdict_sentence(e, "Lead time", unit="h")


def test_duration_fewer_than_three_values_keeps_medians_but_no_bootstrap_ci():
    e = duration_effect([2.0, 4.0], [1.0, 2.0, 3.0, 4.0])
    assert e.before == 3.0 and e.effect == pytest.approx(2.5 / 3.0)
    assert math.isnan(e.ci_low) and math.isnan(e.ci_high) and math.isnan(e.before_ci_low)
    assert not math.isnan(e.p_value)


def test_duration_identical_samples_give_ratio_one_and_p_one():
    e = duration_effect(
        [3.0, 1.0, 2.0, 5.0], [3.0, 1.0, 2.0, 5.0], n_boot=300, with_hodges_lehmann=True
    )
    assert e.effect == 1.0 and e.p_value == pytest.approx(1.0) and e.hl_ratio == 1.0
    flat = duration_effect([2.0] * 5, [2.0] * 6, n_boot=300)
    assert flat.effect == 1.0 and flat.p_value == 1.0 and flat.ci_low == flat.ci_high == 1.0


def test_duration_drops_nan_and_rejects_negative():
    e = duration_effect([1.0, np.nan, 3.0, 5.0], [np.nan])
    assert e.n_before == 3 and e.n_after == 0
    with pytest.raises(ValueError, match="before"):
        duration_effect([-1.0, 2.0], [1.0])


def test_duration_zeros_count_in_medians_but_not_in_log_shift():
    e = duration_effect(
        [0.0, 0.0, 0.0, 4.0, 8.0], [2.0, 2.0, 2.0], n_boot=100, with_hodges_lehmann=True
    )
    assert e.before == 0.0
    # a median of zero (e.g. whole-hour truncation) gives no ratio, not infinity or 0x
    assert (
        math.isnan(e.effect)
        and math.isnan(e.ci_low)
        and e.ci_method == "no ratio: a median of zero"
    )
    assert e.hl_ratio == pytest.approx(2.0 / math.sqrt(32))  # median of 2/4 and 2/8
    assert "no ratio: a median of zero" in verdict_sentence(e, "Median time to restore", unit="h")


def test_bootstrap_is_seeded():
    rng = np.random.default_rng(3)
    b, a = rng.lognormal(size=30), rng.lognormal(size=30)
    one, two = duration_effect(b, a, seed=1), duration_effect(b, a, seed=1)
    assert (one.ci_low, one.ci_high) == (two.ci_low, two.ci_high)
    assert duration_effect(b, a, seed=2).ci_low != one.ci_low


def test_rates_all_zero_and_no_exposure():
    zero = rate_effect(0, 3.0, 0, 4.0)
    assert (zero.before, zero.after) == (0.0, 0.0)
    assert math.isnan(zero.effect) and math.isnan(zero.p_value)
    assert zero.before_ci_low == 0.0 and zero.before_ci_high > 0  # Garwood upper limit
    empty = rate_effect(5, 0.0, 7, 2.0)
    assert math.isnan(empty.before) and empty.n_before == 0 and math.isnan(empty.p_value)
    none_after = rate_effect(6, 2.0, 0, 2.0)
    assert none_after.effect == 0.0 and none_after.ci_low == 0.0 and none_after.ci_high < 1
    with pytest.raises(ValueError):
        rate_effect(2.5, 1.0, 3, 1.0)


def test_rates_identical_give_ratio_one_and_p_one():
    e = rate_effect(12, 3.0, 12, 3.0)
    assert e.effect == 1.0 and e.p_value == pytest.approx(1.0)
    assert e.ci_low < 1 < e.ci_high


def test_proportions_zero_failures_are_an_upper_bound():
    e = proportion_effect(0, 20, 0, 20)
    assert e.upper_bound_only_before and e.upper_bound_only_after
    assert e.before_ci_high == pytest.approx(0.1611, abs=5e-5)  # Newcombe 1998 Table I
    assert e.effect == 0.0 and e.p_value == 1.0 and e.ci_low < 0 < e.ci_high
    assert "at most 16.1%" in verdict_sentence(e, "Change failure rate")
    full = proportion_effect(20, 20, 5, 10)
    assert full.lower_bound_only_before and not full.upper_bound_only_before


def test_proportions_empty_side_and_identical():
    e = proportion_effect(0, 0, 3, 10)
    assert math.isnan(e.before) and math.isnan(e.effect) and math.isnan(e.p_value)
    assert e.n_before == 0 and not e.upper_bound_only_before
    same = proportion_effect(4, 10, 4, 10)
    assert same.effect == 0.0 and same.p_value == pytest.approx(1.0)
    with pytest.raises(ValueError):
        proportion_effect(5, 4, 1, 2)


def test_inputs_are_not_mutated():
    before = pd.Series([5.0, np.nan, 2.0, 9.0, 4.0])
    after = np.array([1.0, 0.5, np.nan, 2.0])
    b_copy, a_copy = before.copy(), after.copy()
    duration_effect(before, after, n_boot=50)
    pd.testing.assert_series_equal(before, b_copy)
    np.testing.assert_array_equal(after, a_copy)
    p = np.array([0.2, np.nan, 0.01])
    holm(p)
    np.testing.assert_array_equal(p, np.array([0.2, np.nan, 0.01]))


def test_results_are_frozen_and_tabular():
    e = rate_effect(3, 1.0, 9, 1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.effect = 2.0  # type: ignore[misc]
    row = e.as_dict()
    assert row["effect"] == 3.0 and row["n_before"] == 3 and row["kind"] == "rate"


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 200).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 200).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_proportion_intervals_are_ordered_and_bounded(before, after):
    e = proportion_effect(*before, *after)
    if before[1] == 0:
        assert math.isnan(e.before_ci_low) and math.isnan(e.ci_low)
        return
    assert 0 <= e.before_ci_low <= e.before <= e.before_ci_high <= 1
    assert -1 <= e.ci_low <= e.effect <= e.ci_high <= 1
    assert 0 <= e.p_value <= 1


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(0.01, 1e3), min_size=3, max_size=30),
    st.lists(st.floats(0.01, 1e3), min_size=3, max_size=30),
    st.sampled_from([1 / 60, 24.0, 3600.0]),
)
def test_duration_effect_does_not_depend_on_the_unit(before, after, scale):
    e = duration_effect(before, after, n_boot=50, with_hodges_lehmann=True)
    scaled = duration_effect(
        np.array(before) * scale, np.array(after) * scale, n_boot=50, with_hodges_lehmann=True
    )
    assert scaled.effect == pytest.approx(e.effect, rel=1e-9)
    assert scaled.p_value == pytest.approx(e.p_value, rel=1e-9)
    assert scaled.hl_ratio == pytest.approx(e.hl_ratio, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1), st.just(math.nan)), max_size=12))
def test_holm_never_lowers_a_p_value(p_values):
    adjusted = holm(p_values)
    raw = np.array(p_values, dtype=float)
    ok = ~np.isnan(raw)
    assert np.array_equal(np.isnan(adjusted), ~ok)
    assert (adjusted[ok] >= raw[ok] - 1e-15).all() and (adjusted[ok] <= 1).all()


def test_durations_as_timedeltas_are_refused():
    with pytest.raises(TypeError, match="hours"):
        duration_effect(pd.Series(pd.to_timedelta([1, 2], unit="h")), [1.0])


# --- verdict sentences -----------------------------------------------------------------------


def _with(result, **values):
    return dataclasses.replace(result, **values)


def test_verdict_rate_and_duration_wording():
    rate = _with(
        rate_effect(11, 3.0, 73, 4.0), before=3.7, after=18.2, effect=4.92, ci_low=4.1, ci_high=5.94
    )
    assert verdict_sentence(rate, "Production releases", per="a month") == (
        "Production releases rose from 3.7 to 18.2 a month: 4.9x (95% CI 4.1-5.9x)."
    )
    dur = _with(
        duration_effect([5, 6, 4], [1, 0.5, 0.6]),
        before=5.2,
        after=0.62,
        effect=0.119,
        ci_low=0.081,
        ci_high=0.19,
    )
    assert verdict_sentence(dur, "Median time to restore", unit="h") == (
        # 0.62 h = 37.2 min
        "Median time to restore fell from 5.2 h to 37 min: 0.12x (95% CI 0.081-0.19x)."
    )
    long = _with(dur, before=370.0, after=9.2)  # as on the tiles: 370 h = 15.4 d
    assert verdict_sentence(long, "Median lead time", unit="h").startswith(
        "Median lead time fell from 15.4 d to 9.2 h"
    )


def test_verdict_proportion_no_change_and_empty():
    e = proportion_effect(23, 100, 20, 100)
    text = verdict_sentence(e, "Change failure rate", show_n=True)
    assert text.startswith("Change failure rate fell from 23.0% to 20.0%: -3.0 percentage points")
    assert "consistent with no change" in text and "n = 100 before, 100 after" in text
    empty = rate_effect(4, 0.0, 9, 3.0)
    assert verdict_sentence(empty, "Releases", per="a month") == (
        "Releases: no data before; 3.0 a month after."
    )
    short = duration_effect([1.0, 2.0], [3.0, 4.0])
    assert "too few values" in verdict_sentence(short, "Lead time", unit="h")


# --- calibration by simulation (fixed seeds) -------------------------------------------------


def test_duration_ci_covers_known_ratio_and_null_is_rarely_rejected():
    rng = np.random.default_rng(2024)
    true_ratio, covered, hl_covered, rejected = 0.5, 0, 0, 0
    for run in range(100):
        before = rng.lognormal(np.log(10), 0.8, 40)
        after = rng.lognormal(np.log(10 * true_ratio), 0.8, 40)
        e = duration_effect(before, after, n_boot=300, seed=run, with_hodges_lehmann=True)
        covered += e.ci_low <= true_ratio <= e.ci_high
        hl_covered += e.hl_ratio_ci_low <= true_ratio <= e.hl_ratio_ci_high
        null = duration_effect(before, rng.lognormal(np.log(10), 0.8, 40), n_boot=10, seed=run)
        rejected += null.p_value < 0.05
    assert covered >= 90 and hl_covered >= 90
    assert rejected <= 10


def test_rate_ci_covers_known_ratio_and_null_is_rarely_rejected():
    rng = np.random.default_rng(11)
    covered = rejected = 0
    for _ in range(100):
        e = rate_effect(rng.poisson(4 * 3), 3.0, rng.poisson(18 * 4), 4.0)
        covered += e.ci_low <= 18 / 4 <= e.ci_high
        rejected += rate_effect(rng.poisson(30), 3.0, rng.poisson(40), 4.0).p_value < 0.05
    assert covered >= 90 and rejected <= 10


def test_proportion_ci_covers_known_difference_and_null_is_rarely_rejected():
    rng = np.random.default_rng(5)
    covered = rejected = 0
    for _ in range(100):
        e = proportion_effect(rng.binomial(60, 0.25), 60, rng.binomial(80, 0.10), 80)
        covered += e.ci_low <= -0.15 <= e.ci_high
        rejected += (
            proportion_effect(rng.binomial(60, 0.2), 60, rng.binomial(80, 0.2), 80).p_value < 0.05
        )
    assert covered >= 90 and rejected <= 10


def test_cluster_bootstrap_medians_only_draw_whole_clusters():
    from analytics.stats._bootstrap import cluster_bootstrap_medians

    x = np.array([1.0, 1.0, 1.0, 10.0, 10.0, 10.0])
    medians = cluster_bootstrap_medians(
        x, np.array(["a", "a", "a", "b", "b", "b"]), 300, np.random.default_rng(0)
    )
    assert set(np.round(medians, 6)) <= {1.0, 5.5, 10.0}  # a+a, a+b, b+b
    assert {1.0, 5.5, 10.0} <= set(np.round(medians, 6))


def _cluster_medians_by_gathering(x, clusters, n_boot, rng):
    """The plain algorithm: gather each resample's values and take np.median."""
    codes, _ = pd.factorize(pd.Series(clusters), sort=True)
    groups = [x[codes == c] for c in range(codes.max() + 1)]
    return np.array(
        [
            np.median(
                np.concatenate([groups[i] for i in rng.integers(0, len(groups), len(groups))])
            )
            for _ in range(n_boot)
        ]
    )


@pytest.mark.parametrize(
    "window",  # windows: wide .. one that misses; blocks of many resamples, of one; bins of ranks
    [
        (10, 1_000, 250_000, 4096, 0),
        (0, 1, 250_000, 4096, 0),
        (0, 0, 250_000, 4096, 0),
        (3, 5, 700, 4096, 0),
        (1, 2, 1, 4096, 0),
        (3, 1_000, 250_000, 4096, 10**9),
        (3, 1_000, 250_000, 7, 10**9),
        (3, 1_000, 50, 1, 10**9),
    ],
)
def test_cluster_bootstrap_medians_equal_gathering_every_resample(monkeypatch, window):
    from analytics.stats._bootstrap import cluster_bootstrap_medians

    monkeypatch.setattr(_bootstrap, "_WINDOW_SPREADS", window[0])
    monkeypatch.setattr(_bootstrap, "_WINDOW_MIN", window[1])
    monkeypatch.setattr(_bootstrap, "_BLOCK_CELLS", window[2])
    monkeypatch.setattr(_bootstrap, "_BIN_SIZE", window[3])
    monkeypatch.setattr(_bootstrap, "_BINNED_CELLS", window[4])
    for seed in range(40):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(1, 300))
        x = np.round(rng.lognormal(0, 1, n), int(rng.integers(0, 3)))  # ties when rounded hard
        clusters = rng.integers(0, int(rng.integers(1, n + 1)), n).astype(str)
        fast = cluster_bootstrap_medians(x, clusters, 30, np.random.default_rng(seed))
        plain = _cluster_medians_by_gathering(x, clusters, 30, np.random.default_rng(seed))
        assert np.array_equal(fast, plain), seed


def test_clustered_tests_compare_one_value_per_cluster():
    from scipy import stats

    from analytics.stats.compare import clustered_proportion_effect

    # deployments: (1, 2, 30) has median 2, (4, 5) 4.5, (0.5, 0.6, 0.7) 0.6, (0.2) 0.2
    e = duration_effect(
        [1, 2, 30, 4, 5],
        [0.5, 0.6, 0.7, 0.2],
        n_boot=50,
        clusters_before=["a", "a", "a", "b", "b"],
        clusters_after=["c", "c", "c", "d"],
    )
    assert e.p_value == pytest.approx(stats.mannwhitneyu([0.6, 0.2], [2, 4.5]).pvalue)
    assert e.test == "Mann-Whitney U on cluster medians" and e.n_before == 5 and e.n_after == 4
    assert (e.clusters_before, e.clusters_after) == (2, 2)
    assert verdict_sentence(
        e, "Lead time", unit="h", show_n=True, n_units=("changes", "deployments")
    ).endswith("; n = 5 changes in 2 deployments before, 4 changes in 2 deployments after.")
    plain = duration_effect([1, 2, 30, 4, 5], [0.5, 0.6, 0.7, 0.2], n_boot=50)
    assert plain.clusters_before == 0 and verdict_sentence(
        plain, "Lead time", show_n=True, n_units=("changes", "deployments")
    ).endswith("; n = 5 before, 4 after.")
    # runs: 8/10, 9/10, 7/10 before; 10/10 (twice) and 5/5 after; a run of no tests is left out
    p = clustered_proportion_effect(
        [8, 9, 7, 0], [10, 10, 10, 0], [10, 10, 5], [10, 10, 5], n_boot=200
    )
    assert (p.before, p.after, p.effect) == (pytest.approx(0.8), 1.0, pytest.approx(0.2))
    assert (p.n_before, p.k_before, p.n_after) == (30, 24, 25)
    assert (p.clusters_before, p.clusters_after) == (3, 3)  # the run of no tests is not a unit
    assert p.p_value == pytest.approx(stats.mannwhitneyu([1, 1, 1], [0.8, 0.9, 0.7]).pvalue)
    assert p.test == "Mann-Whitney U on cluster proportions" and p.lower_bound_only_after
    # percentile-t over 3 runs a side: a resample of one run repeated has no spread (an
    # infinite t), so the upper limit is cut at the largest possible difference, 1
    assert 0 < p.ci_low < 0.2 < p.ci_high == 1.0
    # one rule for both clustered shares: a run of 2 passed out of 1 is an error, though the
    # totals (3 of 4) look possible
    with pytest.raises(ValueError, match="0 <= k <= n in every cluster"):
        clustered_proportion_effect([2, 1], [1, 3], [1], [1])


def test_clustered_difference_ci_by_hand_when_every_cluster_is_alike():
    from analytics.stats.compare import clustered_difference_ci

    lo, hi = clustered_difference_ci([9, 9, 9], [10, 10, 10], [10, 10], [10, 10], n_boot=200)
    assert lo == pytest.approx(0.1) and hi == pytest.approx(0.1)  # no between-run variation
    assert all(math.isnan(v) for v in clustered_difference_ci([9], [10], [10, 10], [10, 10]))


def test_cluster_bootstrap_keeps_coverage_where_the_iid_bootstrap_loses_it():
    """No true effect; 8 deployments per side, 40 changes each sharing a deployment effect."""
    covered = {"iid": 0, "cluster": 0}
    rejected = {"iid": 0, "cluster": 0}
    runs = 30
    for seed in range(runs):
        rng = np.random.default_rng(1000 + seed)
        sides = []
        for _ in range(2):
            effects = np.repeat(rng.normal(0, 1.0, 8), 40)
            values = np.exp(effects + rng.normal(0, 0.3, effects.size))
            sides.append((values, np.repeat(np.arange(8), 40)))
        (b, cb), (a, ca) = sides
        iid = duration_effect(b, a, n_boot=200, seed=seed)
        clu = duration_effect(b, a, n_boot=200, seed=seed, clusters_before=cb, clusters_after=ca)
        covered["iid"] += iid.ci_low <= 1 <= iid.ci_high
        covered["cluster"] += clu.ci_low <= 1 <= clu.ci_high
        rejected["iid"] += iid.p_value < 0.05
        rejected["cluster"] += clu.p_value < 0.05
    assert covered["cluster"] >= 0.85 * runs
    assert covered["iid"] <= 0.6 * runs  # treating shipped-together changes as independent misleads
    assert rejected["cluster"] <= 0.2 * runs  # 5 % expected: 1.5 of 30
    assert (
        rejected["iid"] >= 0.5 * runs
    )  # the U test on changes "finds" an effect that is not there


def test_clustered_share_effect_permutes_days_by_hand():
    from analytics.stats._intervals import newcombe_difference_ci
    from analytics.stats.cluster_effects import clustered_share_effect

    # days A (1 of 2 failed), B (0 of 1) before; C (0 of 2), D (0 of 3), E (no deployment)
    # after. The 6 ways to put 2 of A-D "before" give differences after - before of
    # {A,B}: 0/5 - 1/3 (observed), {A,C}: -1/4, {A,D}: -1/5, and their mirrors +1/5, +1/4,
    # +1/3: two of six as extreme as |-1/3|, none more: mid-p (0 + 2/2) / 6
    e = clustered_share_effect([1, 0], [2, 1], [0, 0, 0], [2, 3, 0], unit="days")
    assert e.effect == pytest.approx(-1 / 3)
    assert e.p_value == pytest.approx(1 / 6)
    assert (e.clusters_before, e.clusters_after, e.n_before, e.n_after) == (2, 2, 3, 5)
    assert (e.ci_low, e.ci_high) == newcombe_difference_ci(0, 5, 1, 3)
    assert e.test == "permutation test over days of the pooled difference (mid-p)"
    with pytest.raises(ValueError, match="0 <= k <= n"):
        clustered_share_effect([3], [2], [0], [1])


def test_clustered_duration_effect_by_hand():
    from analytics.stats.cluster_effects import clustered_duration_effect

    # before: day 1 (10, 20, 30), day 2 (40); after: day 3 (5), day 4 (6, 8). Medians of all
    # values 25 and 6: ratio 0.24. Day medians 20, 40 before, 5, 7 after: the observed split
    # puts the two smallest after, as extreme as its mirror and nothing else: (0 + 2/2) / 6
    e = clustered_duration_effect(
        [10, 20, 30, 40],
        [5, 6, 8],
        clusters_before=["d1", "d1", "d1", "d2"],
        clusters_after=["d3", "d4", "d4"],
        n_boot=200,
        unit="days",
    )
    assert e.effect == pytest.approx(0.24)
    assert e.p_value == pytest.approx(1 / 6)
    assert (e.clusters_before, e.clusters_after) == (2, 2)
    assert 0 < e.ci_low < 0.24 < e.ci_high
    assert e.test == "permutation test over days of their median (mid-p)"
    # one day a side: no interval; the 2 partitions are mirrors, mid-p = (0 + 2/2) / 2
    one = clustered_duration_effect(
        [10, 20], [5, 6], clusters_before=["a", "a"], clusters_after=["b", "b"], n_boot=50
    )
    assert math.isnan(one.ci_low) and math.isnan(one.ci_high) and one.p_value == 0.5


def test_clustered_duration_effect_draws_its_cluster_bootstrap_once(monkeypatch):
    """The per-side intervals and the t interval read one cluster bootstrap (one draw a side),
    the draws duration_effect and cluster_ratio_interval make each on their own."""
    from analytics.stats.cluster_effects import cluster_ratio_interval, clustered_duration_effect

    rng = np.random.default_rng(3)
    b, a = rng.lognormal(2, 1, 60), rng.lognormal(1.5, 1, 80)
    cb, ca = rng.integers(0, 9, 60), rng.integers(0, 11, 80)
    draw, sides = _bootstrap.cluster_bootstrap_medians, []

    def counted(*args):
        sides.append(args[0].size)
        return draw(*args)

    monkeypatch.setattr(_bootstrap, "cluster_bootstrap_medians", counted)
    e = clustered_duration_effect(b, a, clusters_before=cb, clusters_after=ca, n_boot=300)
    assert sides == [60, 80]
    plain = duration_effect(b, a, clusters_before=cb, clusters_after=ca, n_boot=300)
    kept = ("before_ci_low", "before_ci_high", "after_ci_low", "after_ci_high", "u_statistic")
    assert [getattr(e, f) for f in kept] == [getattr(plain, f) for f in kept]
    assert (e.ci_low, e.ci_high) == cluster_ratio_interval(b, cb, a, ca, n_boot=300)


def test_linearised_variance_of_a_pooled_ratio_by_hand():
    from analytics.stats._clustered import _linearised

    # R = 24 / 30 = 0.8; residuals k - R n = 0, 1, -1; G / (G - 1) * 2 / 30^2 = 1 / 300
    ratio, var = _linearised(np.array([8.0, 9.0, 7.0]), np.full(3, 10.0))
    assert ratio == pytest.approx(0.8) and var == pytest.approx(1 / 300)
