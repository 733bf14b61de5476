"""Event rates compared on daily counts: the day, not the event, is the independent unit.

Deployments and releases come in bursts (a release train ships several services the same
evening; on the sample 10 baseline releases fall on 7 days), so the exact Poisson test on the
phase totals (:func:`analytics.stats.compare.rate_effect`) treats them as more independent than
they are. :func:`daily_rate_effect` fits a quasi-Poisson GLM to one count per calendar day
with the phase as the only regressor (in closed form, equal to statsmodels' fit; see
:func:`quasi_poisson_ratio`): the rate ratio is the same as the totals give, but its interval
and test are widened by the over-dispersion the days show (Pearson chi-square / residual
degrees of freedom; McCullagh & Nelder 1989, section 4.5) and use t quantiles with the days'
degrees of freedom. A side without any event has no log rate: then the exact conditional test
of the totals is used, and the row says so.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.stats.compare import rate_effect
from analytics.stats.effect_types import RateEffect

__all__ = ["daily_rate_effect", "daily_counts", "quasi_poisson_ratio"]


def daily_counts(days: pd.Series, first: pd.Timestamp, last: pd.Timestamp) -> np.ndarray:
    """Events per calendar day from ``first`` to ``last`` (inclusive), 0 on days without any.

    ``days`` holds one local date per event (tz-naive, midnight); events outside are ignored.

    Examples
    --------
    >>> d = pd.Series(pd.to_datetime(["2021-01-01", "2021-01-01", "2021-01-03"]))
    >>> daily_counts(d, pd.Timestamp("2021-01-01"), pd.Timestamp("2021-01-04")).tolist()
    [2, 0, 1, 0]
    """
    if last < first:
        return np.zeros(0, dtype=np.int64)
    index = pd.date_range(first, last, freq="D")
    counts = pd.Series(days).value_counts().reindex(index, fill_value=0)
    return counts.to_numpy(dtype=np.int64)


def quasi_poisson_ratio(
    counts_before: np.ndarray, counts_after: np.ndarray, confidence: float = 0.95
) -> dict[str, np.ndarray]:
    """Quasi-Poisson rate ratio after/before on daily counts, vectorised over rows.

    With the phase as the only regressor the Poisson GLM has a closed form: the fitted mean of
    each day is its phase's mean, the log ratio is ``log(mean_a / mean_b)`` with variance
    ``phi * (1/K_a + 1/K_b)`` (K: events per side), and ``phi`` is the Pearson chi-square over
    ``n - 2`` degrees of freedom. That is exactly what ``statsmodels`` ``GLM(...,
    Poisson()).fit(scale="X2")`` returns (tests/test_count_effects.py checks it); written out
    so the calibration tests can run a thousand resampled nulls in one array operation.

    Parameters
    ----------
    counts_before, counts_after : (days,) or (rows, days) arrays of counts, each row one
        comparison; every row needs at least one event per side.

    Returns
    -------
    dict of arrays: ratio, low, high, p, scale (the dispersion phi), q (the t quantile).
    """
    from scipy import stats  # imported when needed: scipy.stats takes ~0.5 s to import

    yb = np.atleast_2d(np.asarray(counts_before, dtype=float))
    ya = np.atleast_2d(np.asarray(counts_after, dtype=float))
    kb, ka = yb.sum(axis=1), ya.sum(axis=1)
    mb, ma = kb / yb.shape[1], ka / ya.shape[1]
    df = yb.shape[1] + ya.shape[1] - 2
    pearson = ((yb - mb[:, None]) ** 2).sum(axis=1) / mb + ((ya - ma[:, None]) ** 2).sum(
        axis=1
    ) / ma
    scale = pearson / df
    coef = np.log(ma / mb)
    se = np.sqrt(scale * (1 / kb + 1 / ka))
    q = float(stats.t.ppf(0.5 + confidence / 2, df))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(se > 0, 2 * stats.t.sf(np.abs(coef) / se, df), np.where(coef == 0, 1.0, 0.0))
    return {
        "ratio": np.exp(coef),
        "low": np.exp(coef - q * se),
        "high": np.exp(coef + q * se),
        "p": p,
        "scale": scale,
        "q": np.full(coef.shape, q),
    }


def _side_interval(k: int, days: int, per_days: float, scale: float, q: float) -> tuple:
    """Quasi-Poisson t interval of one side's rate (per ``per_days`` days)."""
    rate = k / days * per_days
    half = q * math.sqrt(max(scale, 0.0) / k)
    return rate * math.exp(-half), rate * math.exp(half)


def daily_rate_effect(
    counts_before: Sequence[int] | np.ndarray,
    counts_after: Sequence[int] | np.ndarray,
    *,
    per_days: float = 1.0,
    confidence: float = 0.95,
) -> RateEffect:
    """Compare two event rates from one count per calendar day on each side.

    Parameters
    ----------
    counts_before, counts_after
        events on each day the data covers in the phase (0 for a day without any).
    per_days
        the rate's unit in days (1: per day; 30.44: per month).
    confidence
        level of every interval.

    Returns
    -------
    RateEffect
        rates per ``per_days`` days, the ratio after/before with a quasi-Poisson t interval
        and p (days as units). ``n_*`` are events, ``clusters_*`` days. A side with no day
        is NaN (n = 0); a side with no event falls back to the exact conditional test.

    Examples
    --------
    >>> e = daily_rate_effect([0, 1, 0, 2, 0, 1], [3, 2, 4, 3, 2, 4])
    >>> round(e.effect, 2), e.test
    (4.5, 'quasi-Poisson GLM on daily counts')
    """
    yb = np.asarray(counts_before, dtype=np.int64)
    ya = np.asarray(counts_after, dtype=np.int64)
    if (yb < 0).any() or (ya < 0).any():
        raise ValueError("daily counts must be >= 0")
    kb, ka = int(yb.sum()), int(ya.sum())
    exact = dataclasses.replace(
        rate_effect(kb, yb.size / per_days, ka, ya.size / per_days, confidence=confidence),
        clusters_before=int(yb.size),
        clusters_after=int(ya.size),
    )
    if kb == 0 or ka == 0 or yb.size + ya.size < 3:
        return exact
    fit = {key: float(v[0]) for key, v in quasi_poisson_ratio(yb, ya, confidence).items()}
    side_b = _side_interval(kb, yb.size, per_days, fit["scale"], fit["q"])
    side_a = _side_interval(ka, ya.size, per_days, fit["scale"], fit["q"])
    return dataclasses.replace(
        exact,
        before_ci_low=side_b[0],
        before_ci_high=side_b[1],
        after_ci_low=side_a[0],
        after_ci_high=side_a[1],
        ci_low=fit["low"],
        ci_high=fit["high"],
        ci_method=f"quasi-Poisson t interval on daily counts (dispersion {fit['scale']:.2f})",
        p_value=fit["p"],
        test="quasi-Poisson GLM on daily counts",
    )
