"""A targets scorecard in words: targets with units, whose value it is, how many were met.

Pure string functions over rows of :func:`analytics.program.scorecard.scorecard`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analytics.catalog import METRICS
from analytics.wording.numbers import format_value, rate_suffix
from analytics.wording.safe import DISPLAY_LIMIT, clean_text

__all__ = [
    "bound_text",
    "target_detail",
    "target_text",
    "target_words",
    "targets_met_text",
    "value_text",
]


def _words(value: float, unit: str) -> str:
    """A value with its unit: '95%', '1 h', '18 releases/month' (the report tables' style)."""
    text = format_value(value, unit)
    return text if unit in ("share", "hours") or text == "n/a" else f"{text} {unit}"


_SIGNS = {">=": "≥", "<=": "≤"}


def bound_text(op: str, threshold: float, unit: str, value: str | None = None) -> str:
    """A target's bound: its sign and threshold, or "100%" alone for a share of at least 100%
    (a share cannot exceed it, so "≥ 100%" would promise more than it can be).

    ``value`` is the threshold as the caller writes it; None: in the words of its values
    (``format_value`` and the rate suffix: '6 a day'). Every wording of a target (tiles,
    target lines, tables, sentences) is built on this one rule.

    Examples
    --------
    >>> bound_text(">=", 6, "deployments/day")
    '≥ 6 a day'
    >>> bound_text(">=", 1.0, "share")
    '100%'
    >>> bound_text(">=", 0.95, "share")
    '≥ 95%'
    >>> bound_text("<=", 1.0, "hours", "1 hours")
    '≤ 1 hours'
    """
    if unit == "share" and op == ">=" and threshold >= 1:
        return "100%"
    if value is None:
        value = format_value(threshold, unit) + rate_suffix(unit)
    return f"{_SIGNS.get(op, op)} {value}"


def target_text(metric: str, op: str, threshold: float, applies_to: str = "overall") -> str:
    """A target as the report tables write it, with the metric's unit (analytics/catalog.py).

    Examples
    --------
    >>> target_text("test_coverage", ">=", 0.95, "every_service")
    '≥ 95% for every service'
    >>> target_text("time_to_restore_hours", "<=", 1.0)
    '≤ 1 h'
    >>> target_text("production_releases", ">=", 18)
    '≥ 18 releases/month'
    >>> target_text("unit_test_pass_rate", ">=", 1.0)
    '100%'
    """
    unit = METRICS[metric].unit
    text = bound_text(op, threshold, unit, _words(threshold, unit))
    return text + (" for every service" if applies_to == "every_service" else "")


def target_words(op: str, threshold: float, unit: str, applies_to: str = "overall") -> str:
    """A target in the unit words of its values, as the headline figures write it.

    Examples
    --------
    >>> target_words(">=", 6, "deployments/day")
    '≥ 6 a day'
    >>> target_words(">=", 1.0, "share")
    '100%'
    >>> target_words(">=", 0.95, "share", "every_service")
    '≥ 95% for every service'
    """
    text = bound_text(op, threshold, unit)
    return text + (" for every service" if applies_to == "every_service" else "")


def _worst_word(op: str) -> str:
    return "lowest" if op == ">=" else "highest"


def _services(n: int) -> str:
    return f"{n} service" if n == 1 else f"{n} services"


def value_text(row) -> str:
    """A scorecard row's value in words; for every-service targets, whose value it is.

    ``row`` is a row of :func:`scorecard` (a Series or a namedtuple from ``itertuples``), e.g.
    ``'80% (lowest of 12 services: reporting)'``, or ``'no data'``.
    """
    if pd.isna(row.value):
        return "no data"
    text = _words(row.value, METRICS[row.metric].unit)
    if getattr(row, "applies_to", "overall") == "every_service" and getattr(
        row, "worst_service", ""
    ):
        name = clean_text(row.worst_service, DISPLAY_LIMIT)  # data text: one line, not too long
        text += f" ({_worst_word(row.op)} of {_services(row.services_judged)}: {name})"
    return text


def target_detail(row) -> str:
    """The target of a scorecard row and, for every-service targets, who falls short.

    E.g. ``'target ≥ 95% for every service; 1 of 12 services short, lowest: reporting 80%'``.
    """
    applies_to = getattr(row, "applies_to", "overall")
    text = f"target {target_text(row.metric, row.op, row.target, applies_to)}"
    if applies_to == "every_service" and getattr(row, "services_missed", 0):
        name = clean_text(row.worst_service, DISPLAY_LIMIT)
        worst = f"{_worst_word(row.op)}: {name} {_words(row.value, METRICS[row.metric].unit)}"
        text += f"; {row.services_missed} of {_services(row.services_judged)} short, {worst}"
    return text


def targets_met_text(
    met: Sequence[bool | None], lower_bound: Sequence[bool] | None = None, *, sentence: bool = False
) -> str:
    """How many targets were met, and how many could not be judged and why.

    Parameters
    ----------
    met
        The scorecard's ``met`` column (True/False/None).
    lower_bound
        Its ``lower_bound`` column: a None there means "incidents still open", else "no data".
    sentence
        "were met" (for a sentence) instead of "met" (for a heading).

    Examples
    --------
    >>> targets_met_text([False, False, False, False, None])
    '0 of 4 targets met; 1 could not be judged (no data)'
    >>> targets_met_text([True, True], sentence=True)
    '2 of 2 targets were met'
    """
    met = list(met)
    flags = [bool(b) for b in lower_bound] if lower_bound is not None else [False] * len(met)
    judged = [m for m in met if m is not None]
    n_met = sum(m is True for m in judged)
    noun = "target" if len(judged) == 1 else "targets"
    verb = ("was met" if len(judged) == 1 else "were met") if sentence else "met"
    still_open = sum(m is None and f for m, f in zip(met, flags, strict=True))
    no_data = len(met) - len(judged) - still_open
    if still_open and no_data:
        why = f"{no_data} with no data, {still_open} with incidents still open"
    else:
        why = "no data" if no_data else "incidents still open"
    if not judged and met:
        return f"no target could be judged ({why})"
    text = f"{n_met} of {len(judged)} {noun} {verb}"
    if len(met) > len(judged):
        text += f"; {len(met) - len(judged)} could not be judged ({why})"
    return text
