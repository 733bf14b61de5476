"""Interval kernels behind :mod:`analytics.stats.compare` (private): Wilson, Newcombe, Garwood, the
exact Poisson rate ratio, and Holm's adjustment of a family of p-values.

Each one is a thin wrapper over statsmodels (scipy for the exact rate-ratio interval) that
fixes our conventions: NaN for empty groups, exact 0/1 Wilson limits at the edges, NaN
p-values left out of Holm's family. statsmodels is imported when a function is first called,
which keeps a report kernel's start-up short. The tests pin every method to published numbers
(tests/fixtures/stats/SOURCE.txt). Every function here is pure: inputs are read, never written.
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
    dtype = getattr(values, "dtype", None)
    if dtype is not None and dtype.kind == "m":
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

    statsmodels' ``proportion_confint(method="wilson")``. Returns ``(nan, nan)`` when
    ``n == 0``. The lower limit is exactly 0 when ``k == 0`` and the upper limit exactly 1
    when ``k == n``.

    >>> [round(x, 4) for x in wilson_interval(81, 263)]  # Newcombe 1998, Table I
    [0.2553, 0.3662]
    """
    from statsmodels.stats.proportion import proportion_confint

    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k!r}, n={n!r}")
    if n == 0:
        return (math.nan, math.nan)
    low, high = proportion_confint(k, n, alpha=_alpha(confidence), method="wilson")
    return (0.0 if k == 0 else float(low), 1.0 if k == n else float(high))


def newcombe_difference_ci(
    k1: int, n1: int, k2: int, n2: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Hybrid score interval for ``k1/n1 - k2/n2`` (Newcombe 1998b, method 10).

    statsmodels' ``confint_proportions_2indep(method="newcomb", compare="diff")``; NaN when
    either group is empty.

    >>> [round(x, 4) for x in newcombe_difference_ci(56, 70, 48, 80)]  # Newcombe 1998b
    [0.0524, 0.3339]
    """
    from statsmodels.stats.proportion import confint_proportions_2indep

    if n1 == 0 or n2 == 0:
        return (math.nan, math.nan)
    low, high = confint_proportions_2indep(
        k1, n1, k2, n2, method="newcomb", compare="diff", alpha=_alpha(confidence)
    )
    # statsmodels can overshoot the [-1, 1] range by a rounding error (1.0000000000000002)
    return (max(float(low), -1.0), min(float(high), 1.0))


def garwood_interval(
    events: float, exposure: float, confidence: float = 0.95
) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson rate ``events / exposure``; NaN if no exposure.

    statsmodels' ``confint_poisson(method="exact-c")``.

    >>> [round(x, 4) for x in garwood_interval(0, 1)]
    [0.0, 3.6889]
    """
    from statsmodels.stats.rates import confint_poisson

    if not exposure > 0:
        return (math.nan, math.nan)
    low, high = confint_poisson(events, exposure, method="exact-c", alpha=_alpha(confidence))
    return (float(low), float(high))


def poisson_ratio_exact(
    k_before: int, t_before: float, k_after: int, t_after: float, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Exact conditional CI and two-sided p for the rate ratio after/before.

    Given the total ``N = k_before + k_after``, ``k_after`` is binomial with
    ``p = t_after R / (t_after R + t_before)`` (Gu et al. 2008; R ``poisson.test``). The
    p-value is statsmodels' ``test_poisson_2indep(method="exact-cond")``; the interval maps
    scipy's exact (Clopper-Pearson) limits for ``p`` to limits for ``R``, because
    statsmodels' ``confint_poisson_2indep`` has no exact conditional method. Returns
    ``(ci_low, ci_high, p_value)``, all NaN when ``N == 0``.
    """
    from scipy import stats  # imported when needed: scipy.stats takes ~0.5 s to import
    from statsmodels.stats.rates import test_poisson_2indep

    total = int(k_before + k_after)
    if total == 0:
        return (math.nan, math.nan, math.nan)
    p0 = t_after / (t_after + t_before)
    ci = stats.binomtest(int(k_after), total, p0).proportion_ci(
        confidence_level=confidence, method="exact"
    )
    with np.errstate(divide="ignore", invalid="ignore"):  # the point ratio of a zero count
        test = test_poisson_2indep(
            int(k_after), t_after, int(k_before), t_before, method="exact-cond", compare="ratio"
        )

    def to_ratio(p: float) -> float:
        return math.inf if p >= 1 else p / (1 - p) * t_before / t_after

    return (to_ratio(ci.low), to_ratio(ci.high), float(test.pvalue))


def holm(p_values: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray | pd.Series:
    """Holm step-down adjustment of a family of p-values (statsmodels ``multipletests``).

    NaN p-values stay NaN and are left out of the family (they do not count in m). A Series
    comes back as a Series with the same index; anything else as a float ndarray.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03, 0.005]).round(3).tolist()
    [0.03, 0.06, 0.06, 0.02]
    """
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p_values, dtype=float).ravel()
    ok = ~np.isnan(p)
    if ((p[ok] < 0) | (p[ok] > 1)).any():
        raise ValueError("p-values must lie in [0, 1]")
    out = np.full(p.shape, math.nan)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    if isinstance(p_values, pd.Series):
        return pd.Series(out, index=p_values.index, name=p_values.name)
    return out


def _alpha(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    return 1 - confidence
