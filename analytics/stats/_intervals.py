"""Interval kernels behind :mod:`analytics.stats.compare` (private): Wilson, Newcombe, Garwood, the
exact Poisson rate ratio, and Holm's adjustment of a family of p-values.

Every function here is pure: inputs are read, never written. Sources for each method are named
in the docstrings; the tests pin them to published numbers (tests/fixtures/stats/SOURCE.txt).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "clean_values",
    "wilson_interval",
    "newcombe_difference_ci",
    "garwood_interval",
    "poisson_ratio_exact",
    "holm",
]


def clean_values(values: object, *, name: str) -> np.ndarray:
    """Return a new float array of ``values`` without NaN; raise ValueError on negatives."""
    if getattr(values, "dtype", None) is not None and values.dtype.kind == "m":
        raise TypeError(f"{name}: pass durations as numbers in one unit (e.g. hours)")
    if isinstance(values, pd.Series | pd.Index):
        arr = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        arr = np.asarray(values, dtype=float)
    arr = arr.ravel()
    arr = arr[~np.isnan(arr)]  # boolean indexing copies: the caller's data stay untouched
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name}: durations must be >= 0, found {arr.min()!r}")
    return arr


def _z(confidence: float) -> float:
    from scipy import stats  # imported when needed: scipy.stats takes ~0.5 s to import

    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (Newcombe 1998, method 3).

    Returns ``(nan, nan)`` when ``n == 0``. The lower limit is exactly 0 when ``k == 0`` and
    the upper limit exactly 1 when ``k == n``.
    """
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k!r}, n={n!r}")
    if n == 0:
        return (math.nan, math.nan)
    z = _z(confidence)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return (low, high)


def newcombe_difference_ci(
    k1: int, n1: int, k2: int, n2: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Hybrid score interval for ``k1/n1 - k2/n2`` (Newcombe 1998b, method 10)."""
    if n1 == 0 or n2 == 0:
        return (math.nan, math.nan)
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, confidence)
    l2, u2 = wilson_interval(k2, n2, confidence)
    d = p1 - p2
    return (d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2))


def garwood_interval(
    events: float, exposure: float, confidence: float = 0.95
) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson rate ``events / exposure``; NaN if no exposure."""
    from scipy import stats  # imported when needed: scipy.stats takes ~0.5 s to import

    if not exposure > 0:
        return (math.nan, math.nan)
    alpha = 1 - confidence
    low = 0.0 if events == 0 else stats.chi2.ppf(alpha / 2, 2 * events) / 2
    high = stats.chi2.ppf(1 - alpha / 2, 2 * events + 2) / 2
    return (float(low) / exposure, float(high) / exposure)


def poisson_ratio_exact(
    k_before: int, t_before: float, k_after: int, t_after: float, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Exact conditional CI and two-sided p for the rate ratio after/before.

    Given the total ``N = k_before + k_after``, ``k_after`` is binomial with
    ``p = t_after R / (t_after R + t_before)``; the Clopper-Pearson limits for ``p`` map to
    limits for ``R`` and the binomial test of ``p0 = t_after / (t_after + t_before)`` gives the
    p-value (Gu et al. 2008; R ``poisson.test``). Returns ``(ci_low, ci_high, p_value)``,
    all NaN when ``N == 0``.
    """
    from scipy import stats  # imported when needed: scipy.stats takes ~0.5 s to import

    total = int(k_before + k_after)
    if total == 0:
        return (math.nan, math.nan, math.nan)
    p0 = t_after / (t_after + t_before)
    res = stats.binomtest(int(k_after), total, p0)
    ci = res.proportion_ci(confidence_level=confidence, method="exact")

    def to_ratio(p: float) -> float:
        return math.inf if p >= 1 else p / (1 - p) * t_before / t_after

    return (to_ratio(ci.low), to_ratio(ci.high), float(res.pvalue))


def holm(p_values: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray | pd.Series:
    """Holm step-down adjustment of a family of p-values.

    NaN p-values stay NaN and are left out of the family (they do not count in m). A Series
    comes back as a Series with the same index; anything else as a float ndarray.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03, 0.005]).round(3).tolist()
    [0.03, 0.06, 0.06, 0.02]
    """
    p = np.asarray(p_values, dtype=float).ravel()
    ok = ~np.isnan(p)
    if ((p[ok] < 0) | (p[ok] > 1)).any():
        raise ValueError("p-values must lie in [0, 1]")
    out = np.full(p.shape, math.nan)
    valid = p[ok]
    m = valid.size
    if m:
        order = np.argsort(valid, kind="stable")
        stepped = np.maximum.accumulate((m - np.arange(m)) * valid[order])
        adjusted = np.empty(m)
        adjusted[order] = np.minimum(stepped, 1.0)
        out[ok] = adjusted
    if isinstance(p_values, pd.Series):
        return pd.Series(out, index=p_values.index, name=p_values.name)
    return out
