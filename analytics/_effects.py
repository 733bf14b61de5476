"""Kernels behind :mod:`analytics.compare`: interval methods, Holm, verdict wording (private).

Every function here is pure: inputs are read, never written. Sources for each method are named
in the docstrings; the tests pin them to published numbers (tests/fixtures/stats/SOURCE.txt).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.wording import format_hours

if TYPE_CHECKING:
    from analytics.compare import Effect

_BRUTE_FORCE_PAIRS = 250_000  # above this many pairs, select order statistics without sorting all
_BOOT_CELLS = 2_000_000  # resampled values held in memory at once by the bootstrap
_ENUMERATE_PAIRS = 2_000_000  # a bracket holding at most this many pairs is sorted outright
# cluster bootstrap medians: half-width of the window of ranks kept around the median
_WINDOW_SPREADS, _WINDOW_MIN = 10, 1_000

__all__ = [
    "clean_values",
    "wilson_interval",
    "newcombe_difference_ci",
    "garwood_interval",
    "poisson_ratio_exact",
    "hodges_lehmann",
    "bootstrap_medians",
    "holm",
    "verdict_sentence",
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


def bootstrap_medians(x: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Medians of ``n_boot`` resamples of ``x`` (with replacement), vectorised in chunks."""
    out = np.empty(n_boot)
    rows = max(1, _BOOT_CELLS // max(x.size, 1))
    for start in range(0, n_boot, rows):
        stop = min(n_boot, start + rows)
        idx = rng.integers(0, x.size, size=(stop - start, x.size))
        out[start:stop] = np.median(x[idx], axis=1)
    return out


def cluster_bootstrap_medians(x: np.ndarray, clusters: np.ndarray, n_boot: int,
                              rng: np.random.Generator) -> np.ndarray:
    """Medians of ``n_boot`` resamples that draw whole clusters (with replacement).

    Values in one cluster (e.g. the changes shipped by one deployment) are not independent;
    resampling clusters keeps that dependence, so the interval is not falsely narrow.

    A resample is a multiset of the values, each weighted by how often its cluster was drawn,
    so its median is a weighted median of the sorted values: found from the weighted counts
    below a window of ranks around the median plus a cumulative sum inside the window (exact;
    a resample whose median falls outside the window is done over all values). That costs
    O(clusters + window) per resample instead of gathering and partitioning every value.
    """
    codes, _ = pd.factorize(pd.Series(clusters), sort=True)
    k = int(codes.max()) + 1 if codes.size else 0
    out = np.empty(n_boot)
    if k == 0:
        out[:] = np.nan
        return out
    counts = np.bincount(codes, minlength=k)
    order = np.argsort(x, kind="stable")
    values, value_codes = x[order], codes[order]
    n = x.size
    # the resample's median rank moves by about sqrt(sum of squared cluster sizes)
    spread = math.sqrt(float(np.dot(counts, counts)))
    half = min(n, int(_WINDOW_SPREADS * spread) + _WINDOW_MIN)
    lo, hi = max(0, n // 2 - half), min(n, n // 2 + half)
    below = np.bincount(value_codes[:lo], minlength=k)
    window_values, window_codes = values[lo:hi], value_codes[lo:hi]
    rows = max(1, _BOOT_CELLS // k)
    for start in range(0, n_boot, rows):
        stop = min(n_boot, start + rows)
        pick = rng.integers(0, k, size=(stop - start, k))  # the same stream as one draw per resample
        for row in range(stop - start):
            weight = np.bincount(pick[row], minlength=k)  # times each cluster was drawn
            total, before = int(np.dot(weight, counts)), int(np.dot(weight, below))
            ranks = ((total + 1) // 2, total // 2 + 1)  # the middle one, or the middle two
            cum = np.cumsum(weight[window_codes]) + before
            if ranks[0] > before and cum.size and ranks[1] <= cum[-1]:
                picked = window_values[np.searchsorted(cum, ranks)]
            else:  # the median lies outside the window: all values
                picked = values[np.searchsorted(np.cumsum(weight[value_codes]), ranks)]
            out[start + row] = (picked[0] + picked[1]) / 2
    return out


def cluster_bootstrap_ratio(numerators: np.ndarray, denominators: np.ndarray, n_boot: int,
                            rng: np.random.Generator) -> np.ndarray:
    """sum(numerator) / sum(denominator) over ``n_boot`` resamples of whole clusters."""
    k = numerators.size
    out = np.empty(n_boot)
    rows = max(1, _BOOT_CELLS // max(k, 1))
    for start in range(0, n_boot, rows):
        stop = min(n_boot, start + rows)
        pick = rng.integers(0, k, size=(stop - start, k))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start:stop] = numerators[pick].sum(axis=1) / denominators[pick].sum(axis=1)
    return out


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


# --- verdict sentences ----------------------------------------------------------------------


def _level(x: float) -> str:
    """A level for prose: whole numbers from 100, one decimal from 0.1, else 2 significant."""
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.1f}" if abs(x) >= 0.1 else f"{x:.2g}"


def _times(r: float) -> str:
    """A ratio for prose: 12, 4.9, 0.12, 0.08."""
    if r == 0:
        return "0"
    if r >= 10:
        return f"{r:.0f}"
    return f"{r:.1f}" if r >= 1 else f"{r:.2g}"


def _pct(p: float) -> str:
    """A share for prose; never rounds a value below 100% up to "100.0%" (nor above 0 to 0)."""
    if p == 0 or p == 1:
        return "0%" if p == 0 else "100%"
    text = f"{100 * p:.1f}"
    decimals = 1
    while text in ("100.0", "0.0") + ("100." + "0" * decimals, "0." + "0" * decimals) and decimals < 6:
        decimals += 1
        text = f"{100 * p:.{decimals}f}"
    return f"{text}%"


def _side_text(effect: Effect, side: str, unit: str) -> str:
    value = getattr(effect, side)
    if effect.kind == "level" and effect.effect_kind == "difference" and 0 <= value <= 1:
        return _pct(value)
    if effect.kind != "proportion":
        if unit == "h":  # durations as people say them, as on the tiles and charts: 26 min, 15 d
            return format_hours(value)
        return _level(value) + (f" {unit}" if unit else "")
    n = getattr(effect, f"n_{side}")
    if getattr(effect, f"upper_bound_only_{side}"):
        return f"0% (0 of {n:,}; at most {_pct(getattr(effect, f'{side}_ci_high'))})"
    if getattr(effect, f"lower_bound_only_{side}"):
        return f"100% ({n:,} of {n:,}; at least {_pct(getattr(effect, f'{side}_ci_low'))})"
    return _pct(value)


def verdict_sentence(
    effect: Effect, label: str, *, unit: str = "", per: str = "", show_n: bool = False
) -> str:
    """One plain-English sentence for an :class:`analytics.compare.Effect`.

    Parameters
    ----------
    effect : Effect
        From ``duration_effect``, ``rate_effect`` or ``proportion_effect``.
    label : str
        What is measured, capitalised: "Production releases", "Median time to restore".
    unit : str
        Unit written after each level ("h"); proportions are always in %.
    per : str
        Written after the second level ("a month").
    show_n : bool
        Append the number of observations on each side.

    Examples
    --------
    A rate going from 3.7 to 18.2 a month reads "Production releases rose from 3.7 to 18.2 a
    month: 4.9x (95% CI 4.1-5.9x)."; a proportion difference is given in percentage points;
    an empty side reads "... no data before; 18.2 a month after.".
    """
    suffix = f" {per}" if per else ""
    n_text = f"; n = {effect.n_before:,} before, {effect.n_after:,} after" if show_n else ""
    missing = [side for side in ("before", "after") if math.isnan(getattr(effect, side))]
    if len(missing) == 2:
        return f"{label}: no data before or after{n_text}."
    if missing:
        other = "after" if missing[0] == "before" else "before"
        level = _side_text(effect, other, unit)
        return f"{label}: no data {missing[0]}; {level}{suffix} {other}{n_text}."
    b_txt, a_txt = _side_text(effect, "before", unit), _side_text(effect, "after", unit)
    same = b_txt.split(" (")[0] == a_txt.split(" (")[0]
    if same and b_txt == a_txt:
        move = f"stayed at {a_txt}{suffix}"
    elif same:
        move = f"was {b_txt}{suffix} before and {a_txt}{suffix} after"
    else:
        verb = "rose" if effect.after > effect.before else "fell"
        move = f"{verb} from {b_txt} to {a_txt}{suffix}"
    conf = f"{effect.confidence * 100:g}% CI"
    lo, hi, est = effect.ci_low, effect.ci_high, effect.effect
    if effect.effect_kind == "difference":
        null = 0.0
        points = f"{100 * est:+.1f}"
        est_txt = f"{'0.0' if points in ('+0.0', '-0.0') else points} percentage points"
        ci_txt = f"{conf} {100 * lo:.1f} to {100 * hi:.1f}"
    else:
        if math.isnan(est) or math.isinf(est):
            return f"{label} {move} (no ratio: a median of zero{n_text})."
        null = 1.0
        est_txt = f"{_times(est)}x"
        ci_txt = (
            f"{conf} at least {_times(lo)}x"
            if math.isinf(hi)
            else (f"{conf} {_times(lo)}-{_times(hi)}x")
        )
    if math.isnan(lo) or math.isnan(hi):
        ci_txt = "too few values for a confidence interval"
    elif lo <= null <= hi:
        ci_txt += ", consistent with no change"
    return f"{label} {move}: {est_txt} ({ci_txt}){n_text}."
