"""Ground truth for the event study: staggered-adoption panels with a known effect.

``staggered_panel(seed)`` draws services that adopt a program in cohorts spread over the
panel, each cohort with its own effect (heterogeneous), reached over ``ramp`` periods (dynamic),
on top of a secular trend shared by every service, service levels, period shocks and noise.
It also says what the right answer is (``true_att``: the cohort-size-weighted effect the
event study targets, averaged over the post-adoption event times it can identify) and what a
naive before/after comparison gives (``naive``: the mean of the periods after every service
adopted minus the mean of those before any did, which adds the trend over the gap).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["StaggeredData", "staggered_panel"]


@dataclass(frozen=True)
class StaggeredData:
    """A panel (services x periods 0..T-1), adoption periods, the truth and the naive answer."""

    panel: pd.DataFrame
    adoption: dict[str, int]
    true_effects: pd.Series  # theta(e) of the truth, by event time (post-adoption window)
    true_att: float
    naive: float


def _cohort_effects(cohorts: np.ndarray, effect: float, spread: float) -> dict[int, float]:
    """Earlier cohorts gain more: effects spread linearly over effect * (1 +- spread)."""
    unique = np.unique(cohorts)
    shares = np.linspace(1 + spread, 1 - spread, unique.size) if unique.size > 1 else [1.0]
    return {int(g): effect * float(s) for g, s in zip(unique, shares, strict=True)}


def _truth(
    cohorts: np.ndarray, tau: dict[int, float], ramp: int, n_periods: int, post: int
) -> pd.Series:
    """theta(e) for e = 0..post over the cohorts that have a not-yet-treated control at g + e."""
    out = {}
    for e in range(post + 1):
        num = den = 0.0
        for g in np.unique(cohorts):
            t = g + e
            if t >= n_periods or not (cohorts > max(t, g - 1)).any():
                continue
            size = float((cohorts == g).sum())
            num += size * tau[int(g)] * min(1.0, (e + 1) / ramp)
            den += size
        if den:
            out[e] = num / den
    return pd.Series(out, name="true_effect", dtype=float)


def staggered_panel(
    seed: int,
    *,
    n_services: int = 24,
    n_periods: int = 24,
    adoption_span: tuple[int, int] = (6, 15),
    effect: float = 1.0,
    effect_spread: float = 0.4,
    ramp: int = 2,
    trend: float = 0.08,
    noise: float = 0.3,
    post: int = 6,
    anticipation: int = 0,
) -> StaggeredData:
    """A seeded staggered-adoption panel with a known effect, a secular trend and noise.

    Parameters
    ----------
    seed
        the only source of randomness (numpy PCG64).
    n_services, n_periods
        panel size (e.g. 24 services, 24 months).
    adoption_span
        first and last adoption period; services are spread evenly over them (cohorts).
    effect, effect_spread, ramp
        the mean effect, how much it differs between cohorts (+-share), and the periods it
        takes to reach its full size.
    trend, noise
        secular change per period shared by every service, and the standard deviation of
        the service-period noise (service levels and period shocks are drawn too).
    post
        last post-adoption event time of ``true_att``.
    anticipation
        periods before its adoption date that a service already starts to improve (a
        violation the pre-trend check must catch; ``true_att`` ignores it).

    Examples
    --------
    >>> data = staggered_panel(1, trend=0.0, noise=0.0, effect_spread=0.0, ramp=1)
    >>> round(data.true_att, 6), data.panel.shape
    (1.0, (24, 24))
    """
    rng = np.random.default_rng(seed)
    first, last = adoption_span
    cohorts = np.sort(np.round(np.linspace(first, last, n_services)).astype(int))
    tau = _cohort_effects(cohorts, effect, effect_spread)
    periods = np.arange(n_periods)
    event = periods[None, :] - cohorts[:, None] + anticipation
    gain = np.array([tau[int(g)] for g in cohorts])[:, None] * np.clip((event + 1) / ramp, 0, 1)
    level = rng.normal(0.0, 1.0, size=(n_services, 1))
    shocks = rng.normal(0.0, noise, size=(1, n_periods))
    values = level + trend * periods + shocks + gain
    values = values + rng.normal(0.0, noise, size=values.shape)
    names = [f"service-{i:02d}" for i in range(n_services)]
    panel = pd.DataFrame(values, index=names, columns=periods)
    before = panel.loc[:, periods < first].to_numpy().mean()
    after = panel.loc[:, periods >= last + ramp].to_numpy().mean()
    truth = _truth(cohorts, tau, ramp, n_periods, post)
    return StaggeredData(
        panel=panel,
        adoption=dict(zip(names, cohorts.tolist(), strict=True)),
        true_effects=truth,
        true_att=float(truth.mean()),
        naive=float(after - before),
    )
