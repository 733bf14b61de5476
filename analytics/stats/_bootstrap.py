"""Bootstrap kernels behind :mod:`analytics.stats.compare` (private): medians of resampled values
and of resampled whole clusters.

Every function here is pure: inputs are read, never written; randomness comes only from the
``rng`` passed in, so a seed gives the same resamples.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

DEFAULT_SEED = (
    20210101  # seed of the bootstraps in analytics.stats.compare unless the caller gives one
)
# resampled values (or clusters) held in memory at once by a bootstrap; _clustered reads it too
BOOT_CELLS = 2_000_000
# cluster bootstrap medians: cells of a block of resamples done together (kept in the CPU cache)
_BLOCK_CELLS = 250_000
# cluster bootstrap medians with few clusters: ranks per bin, and the largest bins x clusters
_BIN_SIZE, _BINNED_CELLS = 4096, 2_000_000
# cluster bootstrap medians: half-width of the window of ranks kept around the median
_WINDOW_SPREADS, _WINDOW_MIN = 3, 1_000

__all__ = [
    "DEFAULT_SEED",
    "BOOT_CELLS",
    "MedianDraws",
    "bootstrap_medians",
    "cluster_bootstrap_medians",
]


def bootstrap_medians(x: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Medians of ``n_boot`` resamples of ``x`` (with replacement), vectorised in chunks."""
    out = np.empty(n_boot)
    rows = max(1, BOOT_CELLS // max(x.size, 1))
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
    O(clusters + window) per resample instead of gathering and partitioning every value. Only
    the window is sorted (a partition finds it, O(values)); a block of resamples is done in a
    few array operations (one ``bincount`` for the block's cluster counts, one product for its
    totals). The draws are those of one ``rng.integers(0, clusters)`` call per resample, in
    order, so a seed gives the same medians as drawing resample after resample.
    """
    codes, _ = pd.factorize(pd.Series(clusters), sort=True)
    k = int(codes.max()) + 1 if codes.size else 0
    out = np.empty(n_boot)
    if k == 0:
        out[:] = np.nan
        return out
    counts = np.bincount(codes, minlength=k)
    n = x.size
    if k * -(-n // _BIN_SIZE) <= _BINNED_CELLS:  # few clusters (e.g. days): bins of ranks
        return _binned_medians(x, codes, k, n_boot, rng)
    # the resample's median rank moves by about sqrt(sum of squared cluster sizes) / 2
    spread = math.sqrt(float(np.dot(counts, counts)))
    half = min(n, int(_WINDOW_SPREADS * spread) + _WINDOW_MIN)
    window = _Window(x, codes, max(0, n // 2 - half), min(n, n // 2 + half))
    # per cluster: its values, and its values below the window (float: exact below 2**53)
    sizes = np.column_stack([counts, np.bincount(window.below_codes, minlength=k)]).astype(float)
    rows = max(1, _BLOCK_CELLS // max(k, window.size))
    for start in range(0, n_boot, rows):
        stop = min(n_boot, start + rows)
        weight = _draw_weights(k, stop - start, rng)
        out[start:stop] = window.medians(weight, weight @ sizes)
    return out


class MedianDraws:
    """Bootstrap medians of two sides, drawn on first use and then kept.

    ``n_boot`` resamples of ``before``, then of ``after``, from one generator seeded with
    ``seed``: whole clusters when a side has cluster codes, single values when its codes are
    None. The percentile intervals of :func:`analytics.stats.compare.duration_effect` and the
    t interval of :func:`analytics.stats.cluster_effects.clustered_duration_effect` read the
    same draws, so a clustered duration comparison draws them once (on a large company's lead
    times, the costliest step of the impact table). Nothing is drawn until ``medians`` is read.

    Examples
    --------
    >>> x, codes = np.array([1.0, 2.0, 9.0]), np.array([0, 0, 1])
    >>> draws = MedianDraws(x, codes, x, None, n_boot=4, seed=1)
    >>> rng = np.random.default_rng(1)  # the same as drawing side after side
    >>> by_side = cluster_bootstrap_medians(x, codes, 4, rng), bootstrap_medians(x, 4, rng)
    >>> [bool((kept == drawn).all()) for kept, drawn in zip(draws.medians, by_side)]
    [True, True]
    """

    def __init__(
        self,
        before: np.ndarray,
        codes_before: np.ndarray | None,
        after: np.ndarray,
        codes_after: np.ndarray | None,
        *,
        n_boot: int,
        seed: int,
    ) -> None:
        self.sides = ((before, codes_before), (after, codes_after))
        self.n_boot, self.seed = n_boot, seed

    @functools.cached_property
    def medians(self) -> tuple[np.ndarray, np.ndarray]:
        """``n_boot`` bootstrap medians of each side: (before, after)."""
        rng = np.random.default_rng(self.seed)
        (b, codes_b), (a, codes_a) = self.sides
        boot_b = _side_medians(b, codes_b, self.n_boot, rng)  # before first: the seed's order
        return boot_b, _side_medians(a, codes_a, self.n_boot, rng)


def _side_medians(
    x: np.ndarray, codes: np.ndarray | None, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    if codes is None:
        return bootstrap_medians(x, n_boot, rng)
    return cluster_bootstrap_medians(x, codes, n_boot, rng)


def _draw_weights(k: int, rows: int, rng: np.random.Generator) -> np.ndarray:
    """Times each of ``k`` clusters is drawn, one row per resample (one ``integers`` call)."""
    pick = rng.integers(0, k, size=(rows, k))  # the same stream as one draw a row
    pick += (np.arange(rows) * k)[:, None]
    return np.bincount(pick.ravel(), minlength=pick.size).reshape(pick.shape)


def _binned_medians(
    x: np.ndarray, codes: np.ndarray, k: int, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """``cluster_bootstrap_medians`` for few, large clusters (a window of ranks would hold
    nearly every value): the sorted values are cut into bins of ``_BIN_SIZE`` ranks; one matrix
    product gives every resample's weight per bin, the bin holding the median is found on
    their cumulative sum, and only that bin is summed value by value. Exact, as the window."""
    order = np.argsort(x, kind="stable")
    values, value_codes = x[order], codes[order]
    n = x.size
    bins = -(-n // _BIN_SIZE)
    per_bin = np.bincount(
        (np.arange(n) // _BIN_SIZE) * k + value_codes, minlength=bins * k
    ).reshape(bins, k)
    out = np.empty(n_boot)
    rows = max(1, _BLOCK_CELLS // max(k, bins))
    for start in range(0, n_boot, rows):
        weight = _draw_weights(k, min(n_boot, start + rows) - start, rng)
        cum = np.cumsum(weight.astype(float) @ per_bin.T.astype(float), axis=1)  # exact ints
        total = cum[:, -1].astype(np.int64)
        for row in range(weight.shape[0]):
            picked = []
            for rank in ((total[row] + 1) // 2, total[row] // 2 + 1):  # middle one or two
                b = int(np.searchsorted(cum[row], rank))
                before = int(cum[row, b - 1]) if b else 0
                lo = b * _BIN_SIZE
                inside = np.cumsum(weight[row][value_codes[lo : lo + _BIN_SIZE]]) + before
                picked.append(values[lo + int(np.searchsorted(inside, rank))])
            out[start + row] = (picked[0] + picked[1]) / 2
    return out


class _Window:
    """The values of a window of ranks around the median, sorted, and the clusters below it.

    Ties may be ordered differently from a full sort; the weighted median does not depend on
    their order (equal values are interchangeable), so the medians are the same.
    """

    def __init__(self, x: np.ndarray, codes: np.ndarray, lo: int, hi: int) -> None:
        self.x, self.codes = x, codes
        kth = sorted({v for v in (lo, hi) if 0 < v < x.size})
        order = np.argpartition(x, kth) if kth else np.arange(x.size)
        inside = order[lo:hi]
        inside = inside[np.argsort(x[inside], kind="stable")]
        self.values, self.window_codes = x[inside], codes[inside]
        self.below_codes = codes[order[:lo]]
        self.size = hi - lo
        self._all: tuple[np.ndarray, np.ndarray] | None = None  # every value sorted, on a miss

    def medians(self, weight: np.ndarray, sums: np.ndarray) -> np.ndarray:
        """Weighted medians, one per row of ``weight`` (times each cluster was drawn);
        ``sums`` holds each row's total weight and its weight below the window."""
        total, before = sums[:, 0].astype(np.int64), sums[:, 1].astype(np.int64)
        ranks = np.column_stack([(total + 1) // 2, total // 2 + 1])  # middle one, or middle two
        out = np.empty(weight.shape[0])
        inside = ranks[:, 0] > before
        if self.size:
            cum = np.cumsum(weight[:, self.window_codes], axis=1)
            cum += before[:, None]
            inside &= ranks[:, 1] <= cum[:, -1]
            for row in np.flatnonzero(inside):
                picked = self.values[np.searchsorted(cum[row], ranks[row])]
                out[row] = (picked[0] + picked[1]) / 2
        else:
            inside[:] = False
        for row in np.flatnonzero(~inside):  # the median lies outside the window: all values
            values, codes = self._sorted()
            picked = values[np.searchsorted(np.cumsum(weight[row][codes]), ranks[row])]
            out[row] = (picked[0] + picked[1]) / 2
        return out

    def _sorted(self) -> tuple[np.ndarray, np.ndarray]:
        if self._all is None:
            order = np.argsort(self.x, kind="stable")
            self._all = self.x[order], self.codes[order]
        return self._all
