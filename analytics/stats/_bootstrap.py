"""Bootstrap kernels behind :mod:`analytics.stats.compare` (private): medians of resampled values,
medians and pooled ratios of resampled whole clusters.

Every function here is pure: inputs are read, never written; randomness comes only from the
``rng`` passed in, so a seed gives the same resamples.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

DEFAULT_SEED = (
    20210101  # seed of the bootstraps in analytics.stats.compare unless the caller gives one
)
_BOOT_CELLS = 2_000_000  # resampled values held in memory at once by the bootstrap
# cluster bootstrap medians: half-width of the window of ranks kept around the median
_WINDOW_SPREADS, _WINDOW_MIN = 10, 1_000

__all__ = [
    "DEFAULT_SEED",
    "bootstrap_medians",
    "cluster_bootstrap_medians",
    "cluster_bootstrap_ratio",
]


def bootstrap_medians(x: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Medians of ``n_boot`` resamples of ``x`` (with replacement), vectorised in chunks."""
    out = np.empty(n_boot)
    rows = max(1, _BOOT_CELLS // max(x.size, 1))
    for start in range(0, n_boot, rows):
        stop = min(n_boot, start + rows)
        idx = rng.integers(0, x.size, size=(stop - start, x.size))
        out[start:stop] = np.median(x[idx], axis=1)
    return out


def cluster_bootstrap_medians(
    x: np.ndarray, clusters: np.ndarray, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
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
        pick = rng.integers(
            0, k, size=(stop - start, k)
        )  # the same stream as one draw per resample
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


def cluster_bootstrap_ratio(
    numerators: np.ndarray, denominators: np.ndarray, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
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
