"""Kernels for comparisons whose independent unit is a cluster (private): a day of releases, a
day of test runs. Used by :mod:`analytics.stats.compare`, :mod:`analytics.stats.cluster_effects`
and :mod:`analytics.stats.difference_effects`.

* :func:`clean_with_clusters`, :func:`cluster_medians`, :func:`cluster_count` -- values and the
  integer codes of their clusters, one median per cluster, how many clusters;
  :func:`cluster_shares` -- the checked k and n per cluster of two pooled shares.

* :func:`ratio_bootstrap_t` -- percentile-t (bootstrap-t) interval of a difference of two pooled
  ratios ``sum(k) / sum(n)``, resampling whole clusters and studentising every resample with
  the linearised cluster-robust variance (Cameron, Gelbach & Miller 2008 show that with few
  clusters an asymptotically pivotal bootstrap-t keeps its coverage where the percentile
  bootstrap does not; Davison & Hinkley 1997, section 5.2.1, for the percentile-t itself).
* :func:`bootstrap_t_interval` -- a t interval from the bootstrap standard errors of two sides,
  each scaled by ``G / (G - 1)`` (the bootstrap variance of a mean over G clusters is
  ``(G - 1) / G`` times the unbiased one) with Welch-Satterthwaite degrees of freedom from
  ``G - 1`` per side (few clusters: t, not normal, quantiles; Cameron & Miller 2015, VI.D).
* :func:`permutation_mid_p` -- a permutation test over clusters (exchangeable under "no
  change") of the difference of pooled ratios, with Lancaster's mid-p (half the weight of the
  permutations tied with the observed statistic): with a handful of clusters, ties make the
  plain permutation p-value conservative, the mid-p has a size close to the nominal one.

Hand-written because no library does these on clusters: scipy's ``bootstrap`` has no
studentised method, and its ``permutation_test`` returns no mid-p (its permutations are used
here; only the p-value is counted differently). Every function is pure; randomness comes
only from the seed or generator passed in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeAlias, overload

import numpy as np
import pandas as pd

from analytics.stats._bootstrap import BOOT_CELLS
from analytics.stats._intervals import clean_values

__all__ = [
    "clean_with_clusters",
    "cluster_medians",
    "cluster_count",
    "cluster_shares",
    "ratio_bootstrap_t",
    "bootstrap_t_interval",
    "permutation_mid_p",
]

NAN = math.nan

Labels: TypeAlias = Sequence | np.ndarray | pd.Series | pd.Index


@overload
def clean_with_clusters(values: object, labels: None, *, name: str) -> tuple[np.ndarray, None]: ...


@overload
def clean_with_clusters(
    values: object, labels: Labels, *, name: str
) -> tuple[np.ndarray, np.ndarray]: ...


def clean_with_clusters(
    values: object, labels: Labels | None, *, name: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """The values without NaN (:func:`clean_values`) and the codes of their clusters.

    Codes number the labels 0..G-1 in sorted order, as the cluster bootstrap numbers them, so
    each label is hashed once and the bootstrap, the cluster medians and the counts work on
    integers. A missing label is a cluster of its own (numbered last). ``labels`` None: codes
    None (no clusters); ValueError unless there is one label per value.

    Examples
    --------
    >>> clean_with_clusters([3.0, np.nan, 1.0, 2.0], ["b", "a", "a", "b"], name="x")
    (array([3., 1., 2.]), array([1, 0, 1]))
    """
    clean = clean_values(values, name=name)
    if labels is None:
        return clean, None
    raw = np.asarray(values, dtype=float).ravel()
    if isinstance(labels, pd.Series | pd.Index):
        lab = labels.array  # e.g. Arrow strings: hashed as they are, not as Python objects
    elif isinstance(labels, np.ndarray):
        lab = labels.ravel()
    else:
        lab = np.asarray(labels, dtype=object).ravel()
    if len(lab) != raw.size:
        raise ValueError(f"{name}: need one cluster label per value")
    codes, _ = pd.factorize(lab[~np.isnan(raw)], sort=True, use_na_sentinel=False)
    return clean, codes


def cluster_medians(values: np.ndarray, codes: np.ndarray | None) -> np.ndarray:
    """One median per cluster, in the order of the codes (the values themselves without codes).

    Examples
    --------
    >>> cluster_medians(np.array([1.0, 5.0, 2.0, 4.0]), np.array([1, 0, 1, 0]))
    array([4.5, 1.5])
    """
    if codes is None:
        return values
    if not values.size:
        return np.zeros(0)
    return pd.Series(values).groupby(codes).median().to_numpy()


def cluster_count(codes: np.ndarray | None) -> int:
    """How many distinct clusters ``codes`` holds (0 without codes).

    Examples
    --------
    >>> cluster_count(np.array([0, 2, 2])), cluster_count(None)
    (2, 0)
    """
    return 0 if codes is None else int(pd.unique(codes).size)


def cluster_shares(
    k_before: object, n_before: object, k_after: object, n_after: object
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``((k, n) before, (k, n) after)``: one k and one n per cluster, as floats, without the
    clusters where ``n == 0`` (no item: not a unit). ValueError unless each side has one k
    per n and ``0 <= k <= n`` in every cluster.

    Examples
    --------
    >>> (kb, nb), (ka, na) = cluster_shares([1, 0], [2, 0], [3], [4])
    >>> kb.tolist(), nb.tolist(), ka.tolist(), na.tolist()
    ([1.0], [2.0], [3.0], [4.0])
    """
    sides = []
    for k_side, n_side in ((k_before, n_before), (k_after, n_after)):
        k, n = np.asarray(k_side, dtype=float).ravel(), np.asarray(n_side, dtype=float).ravel()
        if k.shape != n.shape:
            raise ValueError("need one k and one n per cluster")
        if ((k < 0) | (k > n)).any():
            raise ValueError("need 0 <= k <= n in every cluster")
        sides.append((k[n > 0], n[n > 0]))
    return sides[0], sides[1]


def _linearised(k: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pooled ratio ``sum(k) / sum(n)`` along the last axis and its cluster-robust variance
    ``G / (G - 1) * sum((k - R n)^2) / sum(n)^2`` (the delta method for a ratio estimator)."""
    g = k.shape[-1]
    total = n.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = k.sum(axis=-1) / total
        resid = k - ratio[..., None] * n
        var = g / (g - 1) * (resid**2).sum(axis=-1) / total**2
    return ratio, var


def ratio_bootstrap_t(
    k_before: np.ndarray,
    n_before: np.ndarray,
    k_after: np.ndarray,
    n_after: np.ndarray,
    *,
    confidence: float,
    n_boot: int,
    rng: np.random.Generator,
    bounds: tuple[float, float] = (-1.0, 1.0),
) -> tuple[float, float]:
    """Percentile-t interval of ``R_after - R_before`` (pooled ratios over clusters).

    Each argument holds one number per cluster. NaN when a side has fewer than 2 clusters.
    When every cluster of both sides has the same ratio, the interval is the point. With
    very few clusters a resample can repeat one cluster (no spread, an infinite t): the
    interval is then cut at ``bounds`` (the range a difference of shares can take).

    Examples
    --------
    >>> one = np.array([9.0, 9.0, 9.0]), np.full(3, 10.0)
    >>> ratio_bootstrap_t(*one, *one, confidence=0.95, n_boot=50, rng=np.random.default_rng(1))
    (0.0, 0.0)
    """
    if k_before.size < 2 or k_after.size < 2:
        return NAN, NAN
    r_a, v_a = _linearised(k_after, n_after)
    r_b, v_b = _linearised(k_before, n_before)
    estimate, se = float(r_a - r_b), math.sqrt(float(v_a + v_b))
    if se == 0:
        return estimate, estimate
    t_star = np.empty(n_boot)
    rows = max(1, BOOT_CELLS // (k_before.size + k_after.size))
    for start in range(0, n_boot, rows):
        stop = min(n_boot, start + rows)
        pick_a = rng.integers(0, k_after.size, size=(stop - start, k_after.size))
        pick_b = rng.integers(0, k_before.size, size=(stop - start, k_before.size))
        ra, va = _linearised(k_after[pick_a], n_after[pick_a])
        rb, vb = _linearised(k_before[pick_b], n_before[pick_b])
        with np.errstate(invalid="ignore", divide="ignore"):
            t_star[start:stop] = (ra - rb - estimate) / np.sqrt(va + vb)
    # a resample of identical clusters has no spread: 0/0 is no information (dropped), a
    # shifted one an infinite t (kept: it is as extreme as can be)
    t_star = t_star[~np.isnan(t_star)]
    if t_star.size == 0:
        return NAN, NAN
    tail = (1 - confidence) / 2
    # order statistics, not interpolation: an infinite t must not turn into inf - inf = NaN
    q_low, q_high = np.quantile(t_star, [tail, 1 - tail], method="inverted_cdf")
    low, high = estimate - float(q_high) * se, estimate - float(q_low) * se
    return max(low, bounds[0]), min(high, bounds[1])


def bootstrap_t_interval(
    estimate: float,
    draws_before: np.ndarray,
    draws_after: np.ndarray,
    clusters_before: int,
    clusters_after: int,
    confidence: float,
) -> tuple[float, float]:
    """``estimate +- t * se`` with se from two sides' bootstrap draws (see the module doc).

    NaN when a side has fewer than 2 clusters or the draws are not finite.

    Examples
    --------
    >>> b, a = np.array([-1.0, 1.0]), np.array([-1.0, 1.0])  # bootstrap variance 2 a side
    >>> lo, hi = bootstrap_t_interval(0.0, b, a, 2, 2, 0.95)  # 2 * 2/1 = 4 a side: se sqrt(8)
    >>> from scipy import stats  # Welch df: (4 + 4)^2 / (16/1 + 16/1) = 2
    >>> bool(abs(hi - stats.t.ppf(0.975, 2) * 8**0.5) < 1e-12)
    True
    """
    from scipy import stats  # imported when needed: scipy.stats takes ~0.5 s to import

    g_b, g_a = clusters_before, clusters_after
    if g_b < 2 or g_a < 2 or math.isnan(estimate):
        return NAN, NAN
    if not (np.isfinite(draws_before).all() and np.isfinite(draws_after).all()):
        return NAN, NAN
    v_b = float(np.var(draws_before, ddof=1)) * g_b / (g_b - 1)
    v_a = float(np.var(draws_after, ddof=1)) * g_a / (g_a - 1)
    if v_a + v_b == 0:
        return estimate, estimate
    df = (v_a + v_b) ** 2 / (v_b**2 / (g_b - 1) + v_a**2 / (g_a - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * math.sqrt(v_a + v_b)
    return estimate - half, estimate + half


def permutation_mid_p(
    k_before: np.ndarray,
    n_before: np.ndarray,
    k_after: np.ndarray,
    n_after: np.ndarray,
    *,
    n_resamples: int,
    seed: int,
) -> float:
    """Two-sided mid-p of "no change" for ``R_after - R_before``, permuting whole clusters.

    Every partition of the clusters is enumerated when there are at most ``n_resamples`` of
    them (scipy's ``permutation_test`` decides), else ``n_resamples`` are drawn and the
    observed split counts as one of them (Phipson & Smyth 2010). NaN when a side is empty.

    Examples
    --------
    >>> ones = np.ones(2)  # before 0, 0; after 1, 1: 6 partitions, |d| = 1 in 2: (0 + 2/2) / 6
    >>> round(permutation_mid_p(np.zeros(2), ones, ones, ones, n_resamples=99, seed=1), 4)
    0.1667
    >>> # one cluster before (0), three after (1, 2, 3): 4 partitions, the lone one 0, 1, 2
    >>> # or 3 gives |d| = 2 - 0, 5/3 - 1, 4/3 - 2, 1 - 3: 2, 2/3, 2/3, 2 -> (0 + 2/2) / 4
    >>> permutation_mid_p(np.zeros(1), np.ones(1), np.array([1.0, 2, 3]), np.ones(3),
    ...     n_resamples=99, seed=1)
    0.25
    """
    from scipy import stats  # imported when needed: scipy.stats takes ~0.5 s to import

    if k_before.size == 0 or k_after.size == 0:
        return NAN
    k = np.concatenate([k_before, k_after]).astype(float)
    n = np.concatenate([n_before, n_after]).astype(float)

    def difference(idx_b: np.ndarray, idx_a: np.ndarray, axis: int = -1) -> np.ndarray:
        ib, ia = idx_b.astype(np.int64), idx_a.astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return k[ia].sum(axis=-1) / n[ia].sum(axis=-1) - k[ib].sum(axis=-1) / n[ib].sum(axis=-1)

    units = np.arange(k.size, dtype=float)
    if min(k_before.size, k_after.size) == 1:  # scipy wants two a side: N partitions, all listed
        lone = units[:, None]
        rest = np.array([np.delete(units, i) for i in range(k.size)])
        first_alone = k_before.size == 1
        null = difference(lone, rest) if first_alone else difference(rest, lone)
        observed = null[0] if first_alone else null[-1]
        return _mid_p(float(observed), null, exact=True)
    res = stats.permutation_test(
        (units[: k_before.size], units[k_before.size :]),
        difference,
        permutation_type="independent",
        vectorized=True,
        n_resamples=n_resamples,
        rng=np.random.default_rng(seed),
    )
    exact = math.comb(k.size, k_before.size) <= n_resamples
    return _mid_p(float(res.statistic), res.null_distribution, exact=exact)


def _mid_p(statistic: float, null: np.ndarray, *, exact: bool) -> float:
    """Two-sided mid-p of ``|statistic|`` among the permutations' ``|null|``."""
    observed, null = abs(statistic), np.abs(null)
    tol = 1e-9 * max(1.0, observed)  # sums in another order: equal up to rounding
    above = int((null > observed + tol).sum())
    tied = int((np.abs(null - observed) <= tol).sum())
    if exact:  # every partition, the observed one among them
        return (above + tied / 2) / null.size
    return (above + (tied + 1) / 2) / (null.size + 1)
