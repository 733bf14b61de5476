"""Result types of :mod:`analytics.stats.compare`: a frozen :class:`Effect` and one subclass per
kind of metric (durations, event rates, proportions), each carrying ``n`` on both sides.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = ["Effect", "DurationEffect", "RateEffect", "ProportionEffect"]


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
    #: independent units per side when the test compares clusters (deployments, runs); else 0
    clusters_before: int = 0
    clusters_after: int = 0

    def as_dict(self) -> dict[str, object]:
        """All fields as a plain dict (one row of an effects table)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, kw_only=True)
class DurationEffect(Effect):
    """Durations: medians (``before``/``after``), P90s, median ratio, Hodges-Lehmann on logs.

    ``hl_log_shift`` is the median of pairwise ``log(after_i) - log(before_j)`` over positive
    values; ``hl_ratio = exp(hl_log_shift)`` with its CI (``hl_ci_method`` "exact"/"normal").
    Computed only when asked (``duration_effect(..., with_hodges_lehmann=True)``); otherwise
    NaN with ``hl_ci_method`` "not computed".
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
