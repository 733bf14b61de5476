"""Kaplan–Meier survival: the one estimator behind the time-to-restore quantiles of the metric
table (``km_quantiles``) and the survival chart (``kaplan_meier``, ``survival_at``).

The product-limit estimate itself comes from statsmodels (``SurvfuncRight``). Two rules are
ours and kept on purpose:

- a quantile ``p`` is the smallest event time with S(t) <= 1 - p (statsmodels' ``quantile``
  uses the strict ``<`` of SAS, which would move a median sitting exactly on S = 0.5);
- S is a right-continuous step: ``survival_at(t)`` is S at the last event time <= t, 1.0
  before the first event.

At tied times events come before censorings (a censored item is still at risk then).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.duration.survfunc import SurvfuncRight

_TOLERANCE = 1e-12  # S is a product of fractions: S = 0.5 may come out as 0.5000000000000001

__all__ = ["kaplan_meier", "km_quantiles", "survival_at"]


def _as_arrays(durations: object, observed: object) -> tuple[np.ndarray, np.ndarray]:
    """Float durations and bool ``observed`` (default all True), NaN durations dropped."""
    values = pd.to_numeric(pd.Series(durations), errors="coerce")
    t = values.to_numpy(dtype=float, na_value=np.nan)
    obs = (
        np.ones_like(t, dtype=bool)
        if observed is None
        else pd.Series(observed).fillna(True).to_numpy(dtype=bool)
    )
    if obs.shape != t.shape:
        raise ValueError(f"durations ({t.size}) and observed ({obs.size}) differ in length")
    keep = ~np.isnan(t)
    return t[keep], obs[keep]


def _event_curve(t: np.ndarray, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Event times and S just after each, from statsmodels (empty when nothing happened)."""
    if not obs.any():
        return np.array([], dtype=float), np.array([], dtype=float)
    fit = SurvfuncRight(t, obs.astype(float))
    return np.asarray(fit.surv_times, dtype=float), np.asarray(fit.surv_prob, dtype=float)


def _step(times: np.ndarray, surv: np.ndarray, at: np.ndarray) -> np.ndarray:
    """S at each of ``at`` from the event curve (1.0 before the first event)."""
    i = np.searchsorted(times, at, side="right") - 1
    return np.where(i >= 0, surv[np.maximum(i, 0)] if surv.size else 1.0, 1.0)


def kaplan_meier(durations: object, observed: object = None) -> pd.DataFrame:
    """Kaplan–Meier estimate of the share of items still 'alive' (e.g. incidents unresolved).

    Parameters
    ----------
    durations
        Durations (any unit); NaN entries are ignored.
    observed
        True where the end was seen (resolved), False where the item is censored (still open:
        the duration is the time so far). Default: every end observed.

    Returns
    -------
    DataFrame
        One row per distinct duration, ascending: time, n_at_risk, n_events, n_censored,
        survival (S just after ``time``; events come before censorings at the same time).
        Empty when there are no durations.

    Examples
    --------
    >>> kaplan_meier([1, 2, 2, 3], [True, True, False, True])["survival"].round(3).tolist()
    [0.75, 0.5, 0.0]
    """
    t, obs = _as_arrays(durations, observed)
    times, inverse = np.unique(t, return_inverse=True)
    events = np.bincount(inverse, weights=obs, minlength=times.size).astype(int)
    censored = np.bincount(inverse, weights=~obs, minlength=times.size).astype(int)
    at_risk = np.cumsum(np.bincount(inverse, minlength=times.size)[::-1])[::-1].astype(int)
    event_times, surv = _event_curve(t, obs)
    return pd.DataFrame(
        {
            "time": times,
            "n_at_risk": at_risk,
            "n_events": events,
            "n_censored": censored,
            "survival": _step(event_times, surv, times).astype(float),
        }
    )


def survival_at(km: pd.DataFrame, time: float) -> float:
    """S(time) from :func:`kaplan_meier` (1.0 before the first event; NaN when ``km`` is empty).

    >>> round(survival_at(kaplan_meier([1, 2, 3]), 2.5), 4)
    0.3333
    """
    if km.empty:
        return math.nan
    before = km.loc[km["time"] <= time, "survival"]
    return float(before.iloc[-1]) if len(before) else 1.0


def km_quantiles(
    durations: np.ndarray, observed: np.ndarray, probs: Sequence[float] = (0.5, 0.9)
) -> list[float]:
    """Kaplan–Meier quantiles: the smallest event time t with S(t) <= 1 - p (NaN if never).

    ``observed`` is False for censored durations. At tied times, events come before censorings.

    >>> km_quantiles(np.array([1.0, 2.0, 3.0, 4.0]), np.array([True, True, False, True]))
    [2.0, 4.0]
    """
    times, surv = _event_curve(*_as_arrays(durations, observed))
    out = []
    for p in probs:
        hit = np.flatnonzero(surv <= 1.0 - p + _TOLERANCE)
        out.append(float(times[hit[0]]) if hit.size else np.nan)
    return out
