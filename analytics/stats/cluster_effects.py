"""Before/after effects whose test and interval take the cluster as the independent unit.

A release day ships several deployments, a deployment ships many changes: the values of one
day travel together. On the sample the baseline's 13 production deployments fall on 7 days and
its 724 changes on the same 7 days, so a test or interval that counts changes (or even
deployments) as independent claims far more evidence than there is. Here:

* :func:`clustered_duration_effect` (lead time): the ratio of medians of all values (the
  claim as stated), its interval a t interval on the log ratio whose standard error comes from
  resampling whole clusters, and the test a permutation test over clusters of their median
  durations (log scale);
* :func:`clustered_share_effect` (change failure rate, rework rate): the pooled share with
  Wilson and Newcombe intervals, the test a permutation test over clusters of the pooled
  difference.

Both tests use the mid-p (:mod:`analytics.stats._clustered`). The calibration behind these
choices is in tests/test_impact_calibration.py and docs/METRICS.md ("Calibration").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import pandas as pd

from analytics.stats._bootstrap import DEFAULT_SEED, MedianDraws
from analytics.stats._clustered import (
    bootstrap_t_interval,
    clean_with_clusters,
    cluster_count,
    cluster_medians,
    cluster_shares,
    permutation_mid_p,
)
from analytics.stats.compare import duration_effect_from_draws, proportion_effect
from analytics.stats.effect_types import DurationEffect, ProportionEffect

__all__ = [
    "clustered_duration_effect",
    "clustered_share_effect",
    "cluster_ratio_interval",
    "cluster_median_test",
    "N_PERMUTATIONS",
]

#: permutations drawn when the clusters have more partitions than this (else all enumerated)
N_PERMUTATIONS = 9999

ArrayLike: TypeAlias = Sequence | np.ndarray | pd.Series


def clustered_duration_effect(
    before: ArrayLike,
    after: ArrayLike,
    *,
    clusters_before: ArrayLike,
    clusters_after: ArrayLike,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = DEFAULT_SEED,
    n_permutations: int = N_PERMUTATIONS,
    unit: str = "clusters",
) -> DurationEffect:
    """Ratio of medians after/before with a cluster t interval and a cluster permutation test.

    Parameters
    ----------
    before, after
        durations (e.g. hours); NaN dropped, negatives raise ValueError.
    clusters_before, clusters_after
        a label per value (e.g. the local day each change was deployed on): the independent
        units. Coarser is safer: changes nest in deployments, deployments in days.
    confidence, n_boot, seed
        interval level; resamples of whole clusters (medians per side) and their seed.
    n_permutations, unit
        permutations of the test (all partitions when fewer), and the clusters' name in the
        test and interval labels ("days").

    Returns
    -------
    DurationEffect
        as :func:`analytics.stats.compare.duration_effect` with clusters (medians, P90s,
        per-side percentile intervals, ``u_statistic`` of the clusters' medians; no
        Hodges-Lehmann shift), except: ``ci_low`` / ``ci_high`` = ``exp(log ratio +- t *
        se)``, se from the same cluster bootstrap (drawn once) of the log
        medians (``G / (G - 1)`` scaled, Welch-Satterthwaite df from G - 1 a side; NaN with
        fewer than 2 clusters a side), and ``p_value`` the permutation mid-p of the difference
        of the clusters' mean log(1 + median).

    Examples
    --------
    >>> e = clustered_duration_effect([10, 12, 30, 32], [1, 2, 2, 3], clusters_before=
    ...     ["a", "a", "b", "b"], clusters_after=["c", "c", "d", "d"], n_boot=200, unit="days")
    >>> # medians 2 / 21; cluster medians 11, 31 before, 1.5, 2.5 after: of the 6 partitions
    >>> # of 4 clusters, the observed one and its mirror are the most extreme: (0 + 2/2) / 6
    >>> round(e.effect, 4), round(e.p_value, 4)
    (0.0952, 0.1667)
    """
    b, codes_b = clean_with_clusters(before, clusters_before, name="before")
    a, codes_a = clean_with_clusters(after, clusters_after, name="after")
    draws = MedianDraws(b, codes_b, a, codes_a, n_boot=n_boot, seed=seed)
    base = duration_effect_from_draws(b, a, codes_b, codes_a, draws, confidence=confidence)
    low, high = np.nan, np.nan
    if np.isfinite(base.effect) and base.effect > 0:  # a median of zero: no ratio, no interval
        low, high = _ratio_interval(
            (base.before, base.after),
            (base.clusters_before, base.clusters_after),
            draws,
            confidence,
        )
    p = cluster_median_test(b, codes_b, a, codes_a, n_permutations=n_permutations, seed=seed)
    return dataclasses.replace(
        base,
        ci_low=low,
        ci_high=high,
        ci_method=f"t interval, se from a bootstrap over {unit} (log ratio of medians)",
        p_value=p,
        test=f"permutation test over {unit} of their median (mid-p)",
    )


def cluster_ratio_interval(
    before: np.ndarray,
    codes_before: np.ndarray,
    after: np.ndarray,
    codes_after: np.ndarray,
    *,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = DEFAULT_SEED,
) -> tuple[float, float]:
    """Interval of median(after) / median(before): ``exp(log ratio +- t * se)``, se from
    resampling whole clusters (codes 0..G-1 per value); NaN with fewer than 2 clusters a side
    or a zero median.

    Examples
    --------
    >>> codes = np.array([0, 1, 2])  # clusters alike on each side: no spread, the point
    >>> cluster_ratio_interval(np.full(3, 2.0), codes, np.full(3, 4.0), codes, n_boot=50)
    (2.0, 2.0)
    """
    med_b = float(np.median(before)) if before.size else np.nan
    med_a = float(np.median(after)) if after.size else np.nan
    draws = MedianDraws(before, codes_before, after, codes_after, n_boot=n_boot, seed=seed)
    clusters = cluster_count(codes_before), cluster_count(codes_after)
    return _ratio_interval((med_b, med_a), clusters, draws, confidence)


def _ratio_interval(
    medians: tuple[float, float], clusters: tuple[int, int], draws: MedianDraws, confidence: float
) -> tuple[float, float]:
    """``exp(log ratio +- t * se)`` from the medians (before, after), the clusters a side and
    the bootstrap medians; NaN with fewer than 2 clusters a side or a median that is not > 0."""
    (med_b, med_a), (g_b, g_a) = medians, clusters
    if min(g_b, g_a) < 2 or not (med_b > 0 and med_a > 0):
        return np.nan, np.nan
    boot_b, boot_a = draws.medians
    with np.errstate(divide="ignore"):
        log_b, log_a = np.log(boot_b), np.log(boot_a)
    low, high = bootstrap_t_interval(
        float(np.log(med_a / med_b)), log_b, log_a, g_b, g_a, confidence
    )
    return float(np.exp(low)), float(np.exp(high))


def cluster_median_test(
    before: np.ndarray,
    codes_before: np.ndarray,
    after: np.ndarray,
    codes_after: np.ndarray,
    *,
    n_permutations: int = N_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
) -> float:
    """Permutation mid-p over clusters of the difference of the clusters' mean log(1 + median).

    Examples
    --------
    >>> # log(1 + x): 0.69, 1.39 before, 1.10 after; the lone 'after' of the 3 partitions gives
    >>> # |d| = |0.69 - 1.24|, |1.39 - 0.90|, |1.10 - 1.04| (observed, smallest): (2 + 1/2) / 3
    >>> b, a = np.array([1.0, 3.0]), np.array([2.0])
    >>> round(cluster_median_test(b, np.array([0, 1]), a, np.array([0])), 4)
    0.8333
    """
    # log(1 + median): defined for a day whose median duration is zero
    values_b = np.log1p(cluster_medians(before, codes_before))
    values_a = np.log1p(cluster_medians(after, codes_after))
    ones_b, ones_a = np.ones(values_b.size), np.ones(values_a.size)
    return permutation_mid_p(
        values_b, ones_b, values_a, ones_a, n_resamples=n_permutations, seed=seed
    )


def clustered_share_effect(
    k_before: ArrayLike,
    n_before: ArrayLike,
    k_after: ArrayLike,
    n_after: ArrayLike,
    *,
    confidence: float = 0.95,
    n_permutations: int = N_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    unit: str = "clusters",
) -> ProportionEffect:
    """A pooled share ``sum(k) / sum(n)`` compared by permuting whole clusters.

    Each argument holds one number per cluster (failed and production deployments per day);
    clusters with ``n == 0`` are left out. Levels, Wilson intervals and the Newcombe interval
    of the difference are those of :func:`analytics.stats.compare.proportion_effect` on the
    totals (calibrated on the sample: 97% coverage); the p-value is the permutation mid-p of
    the pooled difference over clusters, not Fisher's test on items.

    Examples
    --------
    >>> e = clustered_share_effect([1, 1], [1, 1], [0, 0], [1, 1], unit="days")
    >>> round(e.effect, 2), round(e.p_value, 4), e.clusters_before  # as in permutation_mid_p
    (-1.0, 0.1667, 2)
    """
    (kb, nb), (ka, na) = cluster_shares(k_before, n_before, k_after, n_after)
    pooled = proportion_effect(
        int(kb.sum()), int(nb.sum()), int(ka.sum()), int(na.sum()), confidence=confidence
    )
    p = permutation_mid_p(kb, nb, ka, na, n_resamples=n_permutations, seed=seed)
    return dataclasses.replace(
        pooled,
        p_value=p,
        test=f"permutation test over {unit} of the pooled difference (mid-p)",
        clusters_before=int(kb.size),
        clusters_after=int(ka.size),
    )
