"""Before/after effect sizes with confidence intervals, tests and plain-English verdicts.

Three kinds of headline metric, three estimators (docs/METRICS.md, "Before/after statistics"):

* durations (lead time, time to restore) -> :func:`duration_effect`
* counts over an exposure (releases per month) -> :func:`rate_effect`
* proportions (change failure rate, pass rate) -> :func:`proportion_effect`

Each returns a frozen :class:`Effect` (subclass) carrying ``n`` on both sides. Empty sides give
NaN, never a crash and never a fake 0. :func:`holm` adjusts a family of p-values and
:func:`verdict_sentence` renders one effect as a sentence.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics._effects import (
    bootstrap_medians,
    clean_values,
    cluster_bootstrap_medians,
    cluster_bootstrap_ratio,
    garwood_interval,
    hodges_lehmann,
    holm,
    newcombe_difference_ci,
    poisson_ratio_exact,
    verdict_sentence,
    wilson_interval,
)

__all__ = [
    "Effect",
    "DurationEffect",
    "RateEffect",
    "ProportionEffect",
    "duration_effect",
    "rate_effect",
    "proportion_effect",
    "paired_effect",
    "clustered_difference_ci",
    "clustered_proportion_effect",
    "holm",
    "verdict_sentence",
    "wilson_interval",
    "hodges_lehmann",
]

NAN = math.nan
DEFAULT_SEED = 20210101
MIN_BOOTSTRAP_N = 3  # fewer values on a side: medians are shown, the bootstrap CI is NaN


@dataclass(frozen=True, kw_only=True)
class Effect:
    """A before/after comparison of one metric.

    ``before``/``after`` are the per-side estimates (median, rate or proportion) with their own
    intervals; ``effect`` is after/before (``effect_kind == "ratio"``) or after - before
    (``"difference"``, in the metric's units, proportions as fractions) with ``ci_low`` and
    ``ci_high``. ``p_value`` is two-sided from ``test``. NaN marks what the data cannot support.
    """

    kind: str
    before: float
    after: float
    before_ci_low: float
    before_ci_high: float
    after_ci_low: float
    after_ci_high: float
    effect: float
    effect_kind: str
    ci_low: float
    ci_high: float
    ci_method: str
    p_value: float
    test: str
    n_before: int
    n_after: int
    confidence: float = 0.95

    def as_dict(self) -> dict[str, object]:
        """All fields as a plain dict (one row of an effects table)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, kw_only=True)
class DurationEffect(Effect):
    """Durations: medians (``before``/``after``), P90s, median ratio, Hodges-Lehmann on logs.

    ``hl_log_shift`` is the median of pairwise ``log(after_i) - log(before_j)`` over positive
    values; ``hl_ratio = exp(hl_log_shift)`` with its CI (``hl_ci_method`` "exact"/"normal").
    """

    p90_before: float
    p90_after: float
    u_statistic: float
    hl_log_shift: float
    hl_log_ci_low: float
    hl_log_ci_high: float
    hl_ratio: float
    hl_ratio_ci_low: float
    hl_ratio_ci_high: float
    hl_ci_method: str
    n_boot: int
    seed: int


@dataclass(frozen=True, kw_only=True)
class RateEffect(Effect):
    """Event rates: ``before``/``after`` are events per unit of exposure; ``n_*`` are events."""

    events_before: float
    exposure_before: float
    events_after: float
    exposure_after: float


@dataclass(frozen=True, kw_only=True)
class ProportionEffect(Effect):
    """Proportions ``k/n``; ``n_*`` are the denominators. Wilson intervals per side.

    ``upper_bound_only_*`` is True for 0 of n: report the Wilson upper limit, not "0%".
    ``lower_bound_only_*`` is True for n of n.
    """

    k_before: int
    k_after: int
    upper_bound_only_before: bool
    upper_bound_only_after: bool
    lower_bound_only_before: bool
    lower_bound_only_after: bool


def _aligned_clusters(values, clusters) -> np.ndarray | None:
    """Cluster labels of the non-NaN values (same order as ``clean_values`` keeps them)."""
    if clusters is None:
        return None
    raw = np.asarray(values, dtype=float)
    labels = np.asarray(clusters, dtype=object)
    if labels.shape != raw.shape:
        raise ValueError("clusters must have one label per value")
    return labels[~np.isnan(raw)]


def _cluster_medians(values: np.ndarray, clusters: np.ndarray | None) -> np.ndarray:
    """One median per cluster (the values themselves when there are no clusters)."""
    if clusters is None:
        return values
    codes, _ = pd.factorize(pd.Series(clusters))
    return pd.Series(values).groupby(codes, sort=False).median().to_numpy()


def _ratio(num: float, den: float) -> float:
    if math.isnan(num) or math.isnan(den):
        return NAN
    if den == 0:
        return NAN if num == 0 else math.inf
    return num / den


def duration_effect(
    before: Sequence[float] | np.ndarray | pd.Series,
    after: Sequence[float] | np.ndarray | pd.Series,
    *,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = DEFAULT_SEED,
    clusters_before: Sequence | np.ndarray | pd.Series | None = None,
    clusters_after: Sequence | np.ndarray | pd.Series | None = None,
) -> DurationEffect:
    """Compare two samples of durations (same unit, e.g. hours).

    Parameters
    ----------
    before, after : array-like of float
        Durations >= 0; NaN values are dropped. Negative values raise ``ValueError``.
    confidence : float
        Level of every interval.
    n_boot : int
        Bootstrap resamples per side for the CI of the median ratio (percentile method).
    seed : int
        Seed of the bootstrap: the same inputs always give the same interval.
    clusters_before, clusters_after : array-like, optional
        A cluster label per value (e.g. the deployment that shipped each change). When given,
        the bootstrap resamples whole clusters, so values that travel together do not make
        the interval falsely narrow, and the U test compares the clusters' medians (one
        value per cluster: the independent units), so its p-value is not falsely small.

    Returns
    -------
    DurationEffect
        ``effect`` = median(after) / median(before). Mann-Whitney U two-sided p (scipy,
        exact for small samples without ties), on cluster medians when clusters are given. A side with fewer than 3 values gets NaN
        bootstrap CIs but keeps its median; an empty side gives NaN throughout with n=0.
        Zero durations count in medians and the U test but not in the log-scale HL shift.

    Examples
    --------
    >>> e = duration_effect([5.0, 6.0, 4.0, 8.0], [0.5, 0.7, 0.6, 0.4], n_boot=200)
    >>> round(e.effect, 3)
    0.1
    """
    from scipy import stats  # imported when needed: scipy.stats takes ~0.5 s to import
    b = clean_values(before, name="before")
    a = clean_values(after, name="after")
    cl_b = _aligned_clusters(before, clusters_before)
    cl_a = _aligned_clusters(after, clusters_after)
    med_b = float(np.median(b)) if b.size else NAN
    med_a = float(np.median(a)) if a.size else NAN
    p90_b = float(np.quantile(b, 0.9)) if b.size else NAN
    p90_a = float(np.quantile(a, 0.9)) if a.size else NAN
    tail = (1 - confidence) / 2
    side_ci = {"before": (NAN, NAN), "after": (NAN, NAN)}
    ci = (NAN, NAN)
    if b.size >= MIN_BOOTSTRAP_N and a.size >= MIN_BOOTSTRAP_N:
        rng = np.random.default_rng(seed)
        boot_b = bootstrap_medians(b, n_boot, rng) if cl_b is None else cluster_bootstrap_medians(b, cl_b, n_boot, rng)
        boot_a = bootstrap_medians(a, n_boot, rng) if cl_a is None else cluster_bootstrap_medians(a, cl_a, n_boot, rng)
        with np.errstate(divide="ignore", invalid="ignore"):  # zero medians: inf, NaN
            ratios = boot_a / boot_b
            ci = tuple(float(v) for v in np.quantile(ratios, [tail, 1 - tail]))
        for side, boot in (("before", boot_b), ("after", boot_a)):
            side_ci[side] = tuple(float(v) for v in np.quantile(boot, [tail, 1 - tail]))
    u_stat, p_value, test = NAN, NAN, "Mann-Whitney U"
    if cl_b is not None or cl_a is not None:
        test = "Mann-Whitney U on cluster medians"
    if a.size and b.size:
        ua, ub = _cluster_medians(a, cl_a), _cluster_medians(b, cl_b)
        res = stats.mannwhitneyu(ua, ub, alternative="two-sided", method="auto")
        u_stat, p_value = float(res.statistic), float(res.pvalue)
        if math.isnan(p_value) and np.ptp(np.concatenate([ua, ub])) == 0:
            p_value = 1.0  # every value tied: no evidence of a difference
    log_a, log_b = np.log(a[a > 0]), np.log(b[b > 0])
    shift, hl_low, hl_high, hl_method = hodges_lehmann(log_a, log_b, confidence)
    ratio, ci_method = _ratio(med_a, med_b), "percentile bootstrap of the median ratio"
    if cl_b is not None or cl_a is not None:
        ci_method = "cluster bootstrap of the median ratio"
    if med_a == 0 or med_b == 0:  # e.g. whole-hour truncation: a ratio of 0 or inf says nothing
        ratio, ci, ci_method = NAN, (NAN, NAN), "no ratio: a median of zero"
    return DurationEffect(
        kind="duration",
        before=med_b,
        after=med_a,
        before_ci_low=side_ci["before"][0],
        before_ci_high=side_ci["before"][1],
        after_ci_low=side_ci["after"][0],
        after_ci_high=side_ci["after"][1],
        effect=ratio,
        effect_kind="ratio",
        ci_low=ci[0],
        ci_high=ci[1],
        ci_method=ci_method,
        p_value=p_value,
        test=test,
        n_before=int(b.size),
        n_after=int(a.size),
        confidence=confidence,
        p90_before=p90_b,
        p90_after=p90_a,
        u_statistic=u_stat,
        hl_log_shift=shift,
        hl_log_ci_low=hl_low,
        hl_log_ci_high=hl_high,
        hl_ratio=math.exp(shift),
        hl_ratio_ci_low=math.exp(hl_low),
        hl_ratio_ci_high=math.exp(hl_high),
        hl_ci_method=hl_method,
        n_boot=n_boot,
        seed=seed,
    )


def rate_effect(
    events_before: float,
    exposure_before: float,
    events_after: float,
    exposure_after: float,
    *,
    confidence: float = 0.95,
) -> RateEffect:
    """Compare two event rates (events per unit of exposure, e.g. releases per month).

    The effect is the rate ratio after/before with the exact conditional (binomial) CI and
    two-sided exact conditional p-value (Gu et al. 2008; R ``poisson.test``). Per-side rates
    carry exact Garwood intervals. A side with no exposure (0 or NaN) has NaN rate and n=0.
    No events on both sides gives rates 0 and NaN ratio, CI and p (nothing to compare).

    Examples
    --------
    >>> round(rate_effect(30, 54308.7, 60, 51477.5).effect, 4)
    2.11
    """
    counts = (events_before, events_after)
    if any(not math.isnan(c) and (c < 0 or c != int(c)) for c in counts):
        raise ValueError(f"event counts must be non-negative integers, got {counts!r}")
    valid_b = exposure_before > 0 and not math.isnan(events_before)
    valid_a = exposure_after > 0 and not math.isnan(events_after)
    kb = int(events_before) if valid_b else 0
    ka = int(events_after) if valid_a else 0
    rate_b = kb / exposure_before if valid_b else NAN
    rate_a = ka / exposure_after if valid_a else NAN
    ci_b = garwood_interval(kb, exposure_before if valid_b else NAN, confidence)
    ci_a = garwood_interval(ka, exposure_after if valid_a else NAN, confidence)
    low, high, p_value = NAN, NAN, NAN
    if valid_a and valid_b:
        low, high, p_value = poisson_ratio_exact(
            kb, exposure_before, ka, exposure_after, confidence
        )
    return RateEffect(
        kind="rate",
        before=rate_b,
        after=rate_a,
        before_ci_low=ci_b[0],
        before_ci_high=ci_b[1],
        after_ci_low=ci_a[0],
        after_ci_high=ci_a[1],
        effect=_ratio(rate_a, rate_b),
        effect_kind="ratio",
        ci_low=low,
        ci_high=high,
        ci_method="exact conditional (Clopper-Pearson on the binomial split)",
        p_value=p_value,
        test="exact conditional Poisson rate test",
        n_before=kb,
        n_after=ka,
        confidence=confidence,
        events_before=events_before,
        exposure_before=exposure_before,
        events_after=events_after,
        exposure_after=exposure_after,
    )


def proportion_effect(
    k_before: int, n_before: int, k_after: int, n_after: int, *, confidence: float = 0.95
) -> ProportionEffect:
    """Compare two proportions ``k/n`` (e.g. failed / production deployments).

    The effect is the difference after - before (as a fraction) with Newcombe's hybrid score
    CI (1998, method 10); the test is Fisher's exact two-sided. An empty side (n=0) gives NaN.
    0 of n is flagged ``upper_bound_only_*`` (the Wilson upper limit is what can be said).

    Examples
    --------
    >>> e = proportion_effect(0, 20, 0, 20)
    >>> e.upper_bound_only_before, round(e.before_ci_high, 4), e.p_value
    (True, 0.1611, 1.0)
    """
    from scipy import stats  # imported when needed: scipy.stats takes ~0.5 s to import
    for k, n in ((k_before, n_before), (k_after, n_after)):
        if not 0 <= k <= n:
            raise ValueError(f"need 0 <= k <= n, got k={k!r}, n={n!r}")
    p_b = k_before / n_before if n_before else NAN
    p_a = k_after / n_after if n_after else NAN
    ci_b = wilson_interval(k_before, n_before, confidence)
    ci_a = wilson_interval(k_after, n_after, confidence)
    low, high = newcombe_difference_ci(k_after, n_after, k_before, n_before, confidence)
    p_value = NAN
    if n_before and n_after:
        table = [[k_after, n_after - k_after], [k_before, n_before - k_before]]
        p_value = float(stats.fisher_exact(table, alternative="two-sided").pvalue)
    return ProportionEffect(
        kind="proportion",
        before=p_b,
        after=p_a,
        before_ci_low=ci_b[0],
        before_ci_high=ci_b[1],
        after_ci_low=ci_a[0],
        after_ci_high=ci_a[1],
        effect=p_a - p_b,
        effect_kind="difference",
        ci_low=low,
        ci_high=high,
        ci_method="Newcombe hybrid score (method 10)",
        p_value=p_value,
        test="Fisher exact",
        n_before=int(n_before),
        n_after=int(n_after),
        confidence=confidence,
        k_before=int(k_before),
        k_after=int(k_after),
        upper_bound_only_before=bool(n_before and k_before == 0),
        upper_bound_only_after=bool(n_after and k_after == 0),
        lower_bound_only_before=bool(n_before and k_before == n_before),
        lower_bound_only_after=bool(n_after and k_after == n_after),
    )


def paired_effect(
    before: Sequence[float] | np.ndarray | pd.Series,
    after: Sequence[float] | np.ndarray | pd.Series,
    *,
    confidence: float = 0.95,
) -> Effect:
    """Paired levels (e.g. coverage per service, before vs after): mean difference after - before.

    Pairs with a missing side are left out. The CI is Student's t on the paired differences;
    the p-value is the Wilcoxon signed-rank test (exact for small n, zero differences dropped
    by the Wilcoxon convention). Fewer than 2 pairs: NaN CI; no pairs: NaN everywhere, n = 0.

    Examples
    --------
    >>> e = paired_effect([0.5, 0.6, 0.4], [0.9, 0.95, 0.97])
    >>> round(e.effect, 3), e.effect_kind, e.n_before
    (0.44, 'difference', 3)
    """
    from scipy import stats  # imported when needed: scipy.stats takes ~0.5 s to import
    b = np.asarray(before, dtype=float)
    a = np.asarray(after, dtype=float)
    if b.shape != a.shape:
        raise ValueError("paired_effect needs before and after of the same length")
    keep = ~(np.isnan(b) | np.isnan(a))
    b, a = b[keep], a[keep]
    n = int(b.size)
    diff = a - b
    mean_b = float(b.mean()) if n else NAN
    mean_a = float(a.mean()) if n else NAN
    est = float(diff.mean()) if n else NAN
    lo = hi = p = NAN
    if n >= 2:
        sd = float(diff.std(ddof=1))
        if sd == 0.0:
            lo = hi = est
        else:
            half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
            lo, hi = est - half, est + half
    if n >= 1 and np.any(diff != 0):
        p = float(stats.wilcoxon(a, b, zero_method="wilcox").pvalue)
    elif n >= 1:
        p = 1.0
    return Effect(
        kind="level", before=mean_b, after=mean_a,
        before_ci_low=NAN, before_ci_high=NAN, after_ci_low=NAN, after_ci_high=NAN,
        effect=est, effect_kind="difference", ci_low=lo, ci_high=hi, ci_method="paired t",
        p_value=p, test="Wilcoxon signed-rank (paired)", n_before=n, n_after=n, confidence=confidence,
    )


def clustered_proportion_effect(
    k_before: Sequence[float] | np.ndarray,
    n_before: Sequence[float] | np.ndarray,
    k_after: Sequence[float] | np.ndarray,
    n_after: Sequence[float] | np.ndarray,
    *,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = DEFAULT_SEED,
) -> ProportionEffect:
    """Compare two pooled proportions whose items come in clusters (e.g. tests in test runs).

    Each argument holds one number per cluster (tests passed and tests run, per run); clusters
    with ``n == 0`` are left out. The levels are the pooled ``sum(k) / sum(n)`` (the claim as
    stated) with per-item Wilson intervals; the interval of the difference resamples whole
    clusters (:func:`clustered_difference_ci`); the test is Mann-Whitney U on the clusters'
    own proportions, as items in one cluster are not independent. NaN where a side has too
    few clusters.

    Examples
    --------
    >>> e = clustered_proportion_effect([8, 9, 7], [10, 10, 10], [10, 10, 10], [10, 10, 10], n_boot=200)
    >>> round(e.effect, 2), e.test
    (0.2, 'Mann-Whitney U on cluster proportions')
    """
    from scipy import stats  # imported when needed: scipy.stats takes ~0.5 s to import
    sides = []
    for k, n in ((k_before, n_before), (k_after, n_after)):
        k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
        if k.shape != n.shape:
            raise ValueError("need one k and one n per cluster")
        sides.append((k[n > 0], n[n > 0]))
    (kb, nb), (ka, na) = sides
    pooled = proportion_effect(int(kb.sum()), int(nb.sum()), int(ka.sum()), int(na.sum()),
                               confidence=confidence)
    lo, hi = clustered_difference_ci(kb, nb, ka, na, confidence=confidence, n_boot=n_boot, seed=seed)
    p_value = NAN
    if kb.size and ka.size:
        rb, ra = kb / nb, ka / na
        res = stats.mannwhitneyu(ra, rb, alternative="two-sided", method="auto")
        p_value = float(res.pvalue)
        if math.isnan(p_value) and np.ptp(np.concatenate([ra, rb])) == 0:
            p_value = 1.0  # every cluster alike: no evidence of a difference
    return dataclasses.replace(
        pooled, ci_low=lo, ci_high=hi, p_value=p_value, test="Mann-Whitney U on cluster proportions",
        ci_method="cluster bootstrap of the pooled difference")


def clustered_difference_ci(
    k_before: Sequence[float] | np.ndarray,
    n_before: Sequence[float] | np.ndarray,
    k_after: Sequence[float] | np.ndarray,
    n_after: Sequence[float] | np.ndarray,
    *,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = DEFAULT_SEED,
) -> tuple[float, float]:
    """CI of the difference of two pooled proportions, resampling whole clusters.

    Each argument holds one number per cluster (e.g. tests passed and tests run per test run):
    tests in one run are not independent, so an interval on pooled counts would be falsely
    narrow. Returns (low, high) of sum(k_after)/sum(n_after) - sum(k_before)/sum(n_before);
    NaN when a side has fewer than 2 clusters.

    Examples
    --------
    >>> lo, hi = clustered_difference_ci([9, 8, 10], [10, 10, 10], [10, 10, 10], [10, 10, 10], n_boot=500)
    >>> 0 <= lo <= hi <= 0.2
    True
    """
    kb, nb = np.asarray(k_before, dtype=float), np.asarray(n_before, dtype=float)
    ka, na = np.asarray(k_after, dtype=float), np.asarray(n_after, dtype=float)
    if kb.size < 2 or ka.size < 2:
        return NAN, NAN
    rng = np.random.default_rng(seed)
    diff = cluster_bootstrap_ratio(ka, na, n_boot, rng) - cluster_bootstrap_ratio(kb, nb, n_boot, rng)
    tail = (1 - confidence) / 2
    lo, hi = np.nanquantile(diff, [tail, 1 - tail])
    return float(lo), float(hi)
