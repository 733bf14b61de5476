"""Rank kernels behind :mod:`analytics.stats.compare` (private): the Hodges-Lehmann shift with its
distribution-free interval, order statistics of pairwise differences, and the exact
Mann-Whitney null distribution.

Every function here is pure: inputs are read, never written. Sources for each method are named
in the docstrings; the tests pin them to published numbers (tests/fixtures/stats/SOURCE.txt).
"""

from __future__ import annotations

import math
import struct
from functools import lru_cache

import numpy as np

from analytics.stats._intervals import _z

_BRUTE_FORCE_PAIRS = 250_000  # above this many pairs, select order statistics without sorting all
_ENUMERATE_PAIRS = 2_000_000  # a bracket holding at most this many pairs is sorted outright

__all__ = ["hodges_lehmann", "mann_whitney"]


# --- Hodges-Lehmann shift and its confidence interval (Hollander & Wolfe 1999, sec. 4.3) ----


def _to_ordered(x: float) -> int:
    bits = struct.unpack("<q", struct.pack("<d", x))[0]
    return bits if bits >= 0 else -(bits & 0x7FFF_FFFF_FFFF_FFFF)


def _from_ordered(o: int) -> float:
    bits = o if o >= 0 else (-o) | (1 << 63)
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def _first_le(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Per ``a_i``, the first j with the computed difference ``a_i - b_j <= t`` (a, b sorted).

    ``a_i - b_j`` is non-increasing in j, also in floating point; rounding at the boundary is
    fixed by stepping.
    """
    n = b.size
    j = np.searchsorted(b, a - t, side="left")
    while True:
        step = (j > 0) & (a - b[np.maximum(j - 1, 0)] <= t)
        if not step.any():
            break
        j = j - step
    while True:
        step = (j < n) & (a - b[np.minimum(j, n - 1)] > t)
        if not step.any():
            break
        j = j + step
    return j


def _count_le(a: np.ndarray, b: np.ndarray, t: float) -> int:
    """Number of pairs with the computed difference ``a_i - b_j <= t`` (a, b sorted)."""
    return int((b.size - _first_le(a, b, t)).sum())


def _kth_difference(a: np.ndarray, b: np.ndarray, k: int) -> float:
    """k-th smallest (1-based) of all ``a_i - b_j`` without forming them all (a, b sorted).

    Bisection on the value keeps ``count(<= low) < k <= count(<= high)`` until the bracket
    holds few enough pairs to list them and select the k-th exactly; when the bracket cannot
    be split further (adjacent floats), every pair inside it equals ``high``. Each count walks
    the shorter array (``fl(a - b) == -fl(b - a)``, so the roles can be swapped exactly).
    """
    if a.size > b.size:
        return -_kth_difference(b, a, a.size * b.size + 1 - k)
    low = float(np.nextafter(a[0] - b[-1], -np.inf))  # below every difference: none <= low
    high, below = float(a[-1] - b[0]), 0
    inside = a.size * b.size
    while inside > _ENUMERATE_PAIRS:
        mid = low + (high - low) / 2
        if not low < mid < high:  # rounding: split the bracket between its ordered bit patterns
            o_low, o_high = _to_ordered(low), _to_ordered(high)
            if o_high - o_low < 2:
                return high
            mid = _from_ordered((o_low + o_high) // 2)
        count = _count_le(a, b, mid)
        if count >= k:
            high, inside = mid, count - below
        else:
            low, below, inside = mid, count, inside - (count - below)
    j_high, j_low = _first_le(a, b, high), _first_le(a, b, low)
    lengths = j_low - j_high  # pairs of a_i with low < a_i - b_j <= high
    rows = np.repeat(np.arange(a.size), lengths)
    cols = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    diffs = a[rows] - b[j_high[rows] + cols]
    return float(np.partition(diffs, k - below - 1)[k - below - 1])


def _order_stats(x: np.ndarray, y: np.ndarray, ks: list[int]) -> list[float]:
    """Order statistics (1-based ranks ``ks``) of the pairwise differences ``x_i - y_j``."""
    if x.size * y.size <= _BRUTE_FORCE_PAIRS:
        diffs = np.sort(np.subtract.outer(x, y).ravel())
        return [float(diffs[k - 1]) for k in ks]
    a, b = np.sort(x), np.sort(y)
    return [_kth_difference(a, b, k) for k in ks]


@lru_cache(maxsize=256)
def _mwu_null_cdf(m: int, n: int) -> tuple[float, ...]:
    """Exact null CDF of the Mann-Whitney U statistic, P(U <= u) for u = 0..mn.

    Counts are the coefficients of the Gaussian binomial [m+n choose m]_q, built as
    prod_i (1 - q^(n+i)) / (1 - q^i) with exact integers.
    """
    size = m * n + 1
    c = np.zeros(size, dtype=object)
    c[0] = 1
    for i in range(1, m + 1):
        s = n + i
        if s < size:
            c[s:] = c[s:] - c[:-s]
        for r in range(i):  # divide by (1 - q^i): running sums along each residue class
            c[r::i] = np.cumsum(c[r::i])
    cum = np.cumsum(c)
    total = cum[-1]
    return tuple(float(v / total) for v in cum)


def hodges_lehmann(
    x: np.ndarray, y: np.ndarray, confidence: float = 0.95
) -> tuple[float, float, float, str]:
    """Hodges-Lehmann shift ``median(x_i - y_j)`` with its distribution-free CI.

    The interval is ``[D(C), D(mn + 1 - C)]`` of the ordered pairwise differences. C comes
    from the exact Mann-Whitney null distribution when both samples have fewer than 50
    values and there are no ties (as R ``wilcox.test``), otherwise from the normal
    approximation ``C = round(mn/2 - z sqrt(mn(m+n+1)/12))`` (Hollander & Wolfe eq. 4.43,
    no tie correction). When the requested confidence cannot be reached, the CI is NaN.

    Returns ``(shift, ci_low, ci_high, method)``; all NaN and method ``""`` if a side is empty.
    """
    m, n = x.size, y.size
    if m == 0 or n == 0:
        return (math.nan, math.nan, math.nan, "")
    mn = m * n
    half = (mn + 1) // 2
    mid_ks = [half] if mn % 2 else [half, half + 1]
    alpha = 1 - confidence
    exact = m < 50 and n < 50 and np.unique(np.concatenate([x, y])).size == m + n
    if exact:
        cdf = _mwu_null_cdf(m, n)
        target = alpha / 2 - 10 * np.finfo(float).eps
        c_alpha = next(u for u, p in enumerate(cdf) if p >= target)  # R: qwilcox(alpha/2)
    else:
        c_alpha = int(round(mn / 2 - _z(confidence) * math.sqrt(mn * (m + n + 1) / 12)))
    ci_ks = [c_alpha, mn + 1 - c_alpha] if c_alpha >= 1 else []
    values = _order_stats(x, y, mid_ks + ci_ks)
    shift = float(np.mean(values[: len(mid_ks)]))
    low, high = values[len(mid_ks) :] if ci_ks else (math.nan, math.nan)
    return (shift, low, high, "exact" if exact else "normal")


def mann_whitney(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Two-sided Mann-Whitney U of ``a`` against ``b`` (scipy, exact for small samples without
    ties): ``(U, p)``. When every value is tied, p is 1 (no evidence of a difference), not NaN."""
    from scipy import stats  # imported when needed: scipy.stats takes ~0.5 s to import

    res = stats.mannwhitneyu(a, b, alternative="two-sided", method="auto")
    u_stat, p_value = float(res.statistic), float(res.pvalue)
    if math.isnan(p_value) and np.ptp(np.concatenate([a, b])) == 0:
        p_value = 1.0
    return u_stat, p_value
