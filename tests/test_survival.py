"""Kaplan–Meier (analytics.stats.survival) against product-limit estimates worked by hand."""

import math

import numpy as np
import pytest

from analytics.stats.survival import kaplan_meier, km_quantiles, survival_at


def test_kaplan_meier_by_hand():
    km = kaplan_meier([1, 2, 2, 3, 4], [True, True, False, True, False])
    assert km["time"].tolist() == [1, 2, 3, 4]
    assert km["n_at_risk"].tolist() == [5, 4, 2, 1]
    assert km["n_events"].tolist() == [1, 1, 1, 0]
    assert km["n_censored"].tolist() == [0, 1, 0, 1]
    # S: 1 -> 4/5, 2 -> 4/5 * 3/4 = .6 (the censoring at 2 is still at risk), 3 -> .6 * 1/2
    assert np.allclose(km["survival"], [0.8, 0.6, 0.3, 0.3])
    assert survival_at(km, 0.5) == 1.0 and survival_at(km, 2.5) == pytest.approx(0.6)
    assert survival_at(km, 99) == pytest.approx(0.3)
    assert math.isnan(survival_at(kaplan_meier([]), 1.0))
    assert kaplan_meier([np.nan, 2.0])["n_at_risk"].tolist() == [1]


def test_kaplan_meier_without_events_stays_at_one():
    km = kaplan_meier([3.0, 5.0], [False, False])
    assert km["survival"].tolist() == [1.0, 1.0]
    assert km_quantiles(np.array([3.0, 5.0]), np.array([False, False])) == pytest.approx(
        [np.nan, np.nan], nan_ok=True
    )


def test_kaplan_meier_quantiles_by_hand():
    t = np.array([1.0, 2.0, 2.0, 3.0, 4.0, 5.0])
    observed = np.array([True, False, True, True, False, True])
    # S: 1 -> 5/6, 2 -> 5/6 * 3/4 = .625, 3 -> .625 * 2/3 = .4167, 5 -> 0
    assert km_quantiles(t, observed) == [3.0, 5.0]
    assert np.isnan(km_quantiles(np.array([1.0, 2.0]), np.array([True, False]), probs=(0.9,))[0])


def test_median_sits_on_the_time_where_survival_reaches_exactly_one_half():
    # S: 1 -> 3/4, 2 -> 3/4 * 2/3 = 1/2 exactly: the median is 2 (statsmodels' own rule, S < 1/2,
    # would give 4, the next event time)
    t = np.array([1.0, 2.0, 3.0, 4.0])
    observed = np.array([True, True, False, True])
    assert km_quantiles(t, observed, probs=(0.5,)) == [2.0]
