"""Rates compared on daily counts (analytics/stats/count_effects.py)."""

import math

import numpy as np
import pandas as pd
import pytest

from analytics.stats.count_effects import daily_counts, daily_rate_effect, quasi_poisson_ratio


def test_quasi_poisson_by_hand():
    # before: 6 days, 6 events (mean 1); after: 4 days, 12 events (mean 3); Pearson chi-square
    # sum((y - mean)^2 / mean) per side, dispersion = total / (10 days - 2)
    before = [0, 1, 0, 3, 2, 0]  # (1 + 0 + 1 + 4 + 1 + 1) / 1 = 8
    after = [3, 3, 1, 5]  # (0 + 0 + 4 + 4) / 3 = 8/3
    fit = quasi_poisson_ratio(before, after)
    scale = (8 + 8 / 3) / (10 - 2)
    se = math.sqrt(scale * (1 / 6 + 1 / 12))
    from scipy import stats

    q = stats.t.ppf(0.975, 8)
    assert fit["ratio"][0] == pytest.approx(3.0)
    assert fit["scale"][0] == pytest.approx(scale)
    assert fit["low"][0] == pytest.approx(3 * math.exp(-q * se))
    assert fit["high"][0] == pytest.approx(3 * math.exp(q * se))
    assert fit["p"][0] == pytest.approx(2 * stats.t.sf(math.log(3) / se, 8))


def test_same_as_the_statsmodels_quasi_poisson_glm():
    import statsmodels.api as sm

    rng = np.random.default_rng(4)
    before = rng.negative_binomial(2, 0.6, 90)
    after = rng.negative_binomial(2, 0.3, 120)
    y = np.r_[before, after].astype(float)
    x = sm.add_constant(np.r_[np.zeros(90), np.ones(120)])
    glm = sm.GLM(y, x, family=sm.families.Poisson()).fit(scale="X2")
    fit = quasi_poisson_ratio(before, after)
    assert math.log(fit["ratio"][0]) == pytest.approx(glm.params[1])
    assert fit["scale"][0] == pytest.approx(glm.scale)
    se = (math.log(fit["high"][0]) - math.log(fit["ratio"][0])) / fit["q"][0]
    assert se == pytest.approx(glm.bse[1])


def test_daily_rate_effect_levels_units_and_per():
    e = daily_rate_effect([0, 1, 0, 3, 2, 0], [3, 3, 1, 5], per_days=30)
    assert (e.before, e.after, e.effect) == (pytest.approx(30.0), pytest.approx(90.0), 3.0)
    assert (e.n_before, e.n_after, e.clusters_before, e.clusters_after) == (6, 12, 6, 4)
    assert e.before_ci_low < 30 < e.before_ci_high and e.ci_low < 3 < e.ci_high
    assert e.test == "quasi-Poisson GLM on daily counts"


def test_a_side_without_events_falls_back_to_the_exact_test():
    e = daily_rate_effect([0, 0, 0], [1, 2, 0])
    assert e.test == "exact conditional Poisson rate test" and e.before == 0.0
    assert e.clusters_before == 3
    empty = daily_rate_effect([], [1, 2])
    assert math.isnan(empty.before) and empty.n_before == 0


def test_bursts_widen_the_interval_against_the_exact_test():
    from analytics.stats.compare import rate_effect

    bursty_b, bursty_a = [0] * 27 + [10, 0, 0], [0] * 24 + [10, 0, 0, 10, 0, 0]
    day = daily_rate_effect(bursty_b, bursty_a)
    exact = rate_effect(10, 30, 20, 30)
    assert day.effect == pytest.approx(exact.effect)
    assert day.ci_high / day.ci_low > exact.ci_high / exact.ci_low
    assert day.p_value > exact.p_value


def test_daily_counts_fill_empty_days_and_refuse_negatives():
    d = pd.Series(pd.to_datetime(["2021-01-02", "2021-01-02", "2020-12-31"]))
    assert daily_counts(d, pd.Timestamp("2021-01-01"), pd.Timestamp("2021-01-03")).tolist() == [
        0,
        2,
        0,
    ]
    assert daily_counts(d, pd.Timestamp("2021-01-02"), pd.Timestamp("2021-01-01")).size == 0
    with pytest.raises(ValueError, match=">= 0"):
        daily_rate_effect([-1, 2], [1, 2])
