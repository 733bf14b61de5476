"""Estimators and tests: before/after effects and their intervals (compare, difference_effects,
effect_types, _intervals, _ranks, _bootstrap), trends and change points (trend), XmR charts
(control)."""

from analytics.stats._bootstrap import DEFAULT_SEED

__all__ = ["DEFAULT_SEED"]
