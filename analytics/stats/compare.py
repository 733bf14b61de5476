"""Before/after effect sizes with confidence intervals, tests and plain-English verdicts.

Three kinds of headline metric, three estimators (docs/METRICS.md, "Before/after statistics"):

* durations (lead time, time to restore) -> :func:`duration_effect`
* counts over an exposure (releases per month) -> :func:`rate_effect`
* proportions (change failure rate, pass rate) -> :func:`proportion_effect`

Each returns a frozen :class:`Effect` (subclass) carrying ``n`` on both sides. Empty sides give
NaN, never a crash and never a fake 0. :func:`holm` adjusts a family of p-values; the sentence
of an effect is :func:`analytics.wording.verdicts.verdict_sentence`.

The ratio effects (durations, rates) are defined here; the difference effects (proportions,
paired levels) in :mod:`analytics.stats.difference_effects`, the result classes in
:mod:`analytics.stats.effect_types` and the kernels in the private ``_intervals``, ``_ranks``,
``_bootstrap`` and ``_verdicts`` modules. Everything public is re-exported from here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.stats._bootstrap import DEFAULT_SEED, MedianDraws
from analytics.stats._clustered import clean_with_clusters, cluster_count, cluster_medians
from analytics.stats._intervals import garwood_interval, holm, poisson_ratio_exact, wilson_interval
from analytics.stats._ranks import hodges_lehmann, mann_whitney
from analytics.stats.difference_effects import (
    clustered_difference_ci,
    clustered_proportion_effect,
    paired_effect,
    proportion_effect,
)
from analytics.stats.effect_types import DurationEffect, Effect, ProportionEffect, RateEffect

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
    "wilson_interval",
    "hodges_lehmann",
]

NAN = math.nan
MIN_BOOTSTRAP_N = 3  # fewer values on a side: medians are shown, the bootstrap CI is NaN


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
    with_hodges_lehmann: bool = False,
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
    with_hodges_lehmann : bool
        Also compute the Hodges-Lehmann shift of the log durations with its interval (the
        ``hl_*`` fields). Off by default: no page shows it, and on a large company's lead times
        it costs seconds (all pairwise differences of millions of values); the ``hl_*`` fields
        are then NaN and ``hl_ci_method`` is ``"not computed"``.

    Returns
    -------
    DurationEffect
        ``effect`` = median(after) / median(before). Mann-Whitney U two-sided p (scipy,
        exact for small samples without ties), on cluster medians when clusters are given. A
        side with fewer than 3 values gets NaN bootstrap CIs but keeps its median; an empty
        side gives NaN throughout with n=0. Zero durations count in medians and the U test but
        not in the log-scale HL shift (when asked for).

    Examples
    --------
    >>> e = duration_effect([5.0, 6.0, 4.0, 8.0], [0.5, 0.7, 0.6, 0.4], n_boot=200)
    >>> round(e.effect, 3)
    0.1
    """
    b, cl_b = clean_with_clusters(before, clusters_before, name="before")
    a, cl_a = clean_with_clusters(after, clusters_after, name="after")
    draws = MedianDraws(b, cl_b, a, cl_a, n_boot=n_boot, seed=seed)
    return duration_effect_from_draws(
        b, a, cl_b, cl_a, draws, confidence=confidence, with_hodges_lehmann=with_hodges_lehmann
    )


def duration_effect_from_draws(
    b: np.ndarray,
    a: np.ndarray,
    cl_b: np.ndarray | None,
    cl_a: np.ndarray | None,
    draws: MedianDraws,
    *,
    confidence: float = 0.95,
    with_hodges_lehmann: bool = False,
) -> DurationEffect:
    """:func:`duration_effect` of values already cleaned, with their cluster codes or None
    (:func:`analytics.stats._clustered.clean_with_clusters`), reading the bootstrap medians
    from ``draws`` (of these values and codes; read only when each side has 3 values or more).

    For :func:`analytics.stats.cluster_effects.clustered_duration_effect`, whose t interval
    reads the same draws: they are made once.
    """
    med_b = float(np.median(b)) if b.size else NAN
    med_a = float(np.median(a)) if a.size else NAN
    p90_b = float(np.quantile(b, 0.9)) if b.size else NAN
    p90_a = float(np.quantile(a, 0.9)) if a.size else NAN
    tail = (1 - confidence) / 2
    side_ci = {"before": (NAN, NAN), "after": (NAN, NAN)}
    ci = (NAN, NAN)
    if b.size >= MIN_BOOTSTRAP_N and a.size >= MIN_BOOTSTRAP_N:
        boot_b, boot_a = draws.medians
        with np.errstate(divide="ignore", invalid="ignore"):  # zero medians: inf, NaN
            ratios = boot_a / boot_b
            low, high = np.quantile(ratios, [tail, 1 - tail])
            ci = (float(low), float(high))
        for side, boot in (("before", boot_b), ("after", boot_a)):
            low, high = np.quantile(boot, [tail, 1 - tail])
            side_ci[side] = (float(low), float(high))
    u_stat, p_value, test = NAN, NAN, "Mann-Whitney U"
    if cl_b is not None or cl_a is not None:
        test = "Mann-Whitney U on cluster medians"
    if a.size and b.size:
        ua, ub = cluster_medians(a, cl_a), cluster_medians(b, cl_b)
        u_stat, p_value = mann_whitney(ua, ub)
    shift, hl_low, hl_high, hl_method = NAN, NAN, NAN, "not computed"
    if with_hodges_lehmann:
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
        clusters_before=cluster_count(cl_b),
        clusters_after=cluster_count(cl_a),
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
        n_boot=draws.n_boot,
        seed=draws.seed,
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
