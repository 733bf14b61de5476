"""Verdict wording behind :mod:`analytics.stats.compare` (private): one plain-English sentence per
effect, with the formatters of levels, ratios and shares it uses.

Every function here is pure: the effect is read, never written.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from analytics.wording.numbers import format_hours

if TYPE_CHECKING:
    from analytics.stats.effect_types import Effect

__all__ = ["verdict_sentence"]


def _level(x: float) -> str:
    """A level for prose: whole numbers from 100, one decimal from 0.1, else 2 significant."""
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.1f}" if abs(x) >= 0.1 else f"{x:.2g}"


def _times(r: float) -> str:
    """A ratio for prose: 12, 4.9, 0.12, 0.08."""
    if r == 0:
        return "0"
    if r >= 10:
        return f"{r:.0f}"
    return f"{r:.1f}" if r >= 1 else f"{r:.2g}"


def _pct(p: float) -> str:
    """A share for prose; never rounds a value below 100% up to "100.0%" (nor above 0 to 0)."""
    if p == 0 or p == 1:
        return "0%" if p == 0 else "100%"
    text = f"{100 * p:.1f}"
    decimals = 1
    while (
        text in ("100.0", "0.0") + ("100." + "0" * decimals, "0." + "0" * decimals) and decimals < 6
    ):
        decimals += 1
        text = f"{100 * p:.{decimals}f}"
    return f"{text}%"


def _side_text(effect: Effect, side: str, unit: str) -> str:
    value = getattr(effect, side)
    if effect.kind == "level" and effect.effect_kind == "difference" and 0 <= value <= 1:
        return _pct(value)
    if effect.kind != "proportion":
        if unit == "h":  # durations as people say them, as on the tiles and charts: 26 min, 15 d
            return format_hours(value)
        return _level(value) + (f" {unit}" if unit else "")
    n = getattr(effect, f"n_{side}")
    if getattr(effect, f"upper_bound_only_{side}"):
        return f"0% (0 of {n:,}; at most {_pct(getattr(effect, f'{side}_ci_high'))})"
    if getattr(effect, f"lower_bound_only_{side}"):
        return f"100% ({n:,} of {n:,}; at least {_pct(getattr(effect, f'{side}_ci_low'))})"
    return _pct(value)


def verdict_sentence(
    effect: Effect,
    label: str,
    *,
    unit: str = "",
    per: str = "",
    show_n: bool = False,
    n_units: tuple[str, str] = ("", ""),
) -> str:
    """One plain-English sentence for an :class:`analytics.stats.compare.Effect`.

    Parameters
    ----------
    effect : Effect
        From ``duration_effect``, ``rate_effect`` or ``proportion_effect``.
    label : str
        What is measured, capitalised: "Production releases", "Median time to restore".
    unit : str
        Unit written after each level ("h"); proportions are always in %.
    per : str
        Written after the second level ("a month").
    show_n : bool
        Append the number of observations on each side.
    n_units : (str, str)
        What is counted and what it is grouped in, e.g. ("changes", "deployments"): with
        clusters on the effect, n reads "698 changes in 68 deployments" (the test's units).

    Examples
    --------
    A rate going from 3.7 to 18.2 a month reads "Production releases rose from 3.7 to 18.2 a
    month: 4.9x (95% CI 4.1-5.9x)."; a proportion difference is given in percentage points;
    an empty side reads "... no data before; 18.2 a month after.".
    """
    suffix = f" {per}" if per else ""
    n_text = f"; n = {effect.n_before:,} before, {effect.n_after:,} after" if show_n else ""
    if show_n and all(n_units) and (effect.clusters_before or effect.clusters_after):
        item, group = n_units
        n_text = (
            f"; n = {effect.n_before:,} {item} in {effect.clusters_before:,} {group} before, "
            f"{effect.n_after:,} {item} in {effect.clusters_after:,} {group} after"
        )
    missing = [side for side in ("before", "after") if math.isnan(getattr(effect, side))]
    if len(missing) == 2:
        return f"{label}: no data before or after{n_text}."
    if missing:
        other = "after" if missing[0] == "before" else "before"
        level = _side_text(effect, other, unit)
        return f"{label}: no data {missing[0]}; {level}{suffix} {other}{n_text}."
    b_txt, a_txt = _side_text(effect, "before", unit), _side_text(effect, "after", unit)
    same = b_txt.split(" (")[0] == a_txt.split(" (")[0]
    if same and b_txt == a_txt:
        move = f"stayed at {a_txt}{suffix}"
    elif same:
        move = f"was {b_txt}{suffix} before and {a_txt}{suffix} after"
    else:
        verb = "rose" if effect.after > effect.before else "fell"
        move = f"{verb} from {b_txt} to {a_txt}{suffix}"
    conf = f"{effect.confidence * 100:g}% CI"
    lo, hi, est = effect.ci_low, effect.ci_high, effect.effect
    if effect.effect_kind == "difference":
        null = 0.0
        points = f"{100 * est:+.1f}"
        est_txt = f"{'0.0' if points in ('+0.0', '-0.0') else points} percentage points"
        ci_txt = f"{conf} {100 * lo:.1f} to {100 * hi:.1f}"
    else:
        if math.isnan(est) or math.isinf(est):
            return f"{label} {move} (no ratio: a median of zero{n_text})."
        null = 1.0
        est_txt = f"{_times(est)}x"
        ci_txt = (
            f"{conf} at least {_times(lo)}x"
            if math.isinf(hi)
            else (f"{conf} {_times(lo)}-{_times(hi)}x")
        )
    if math.isnan(lo) or math.isnan(hi):
        ci_txt = "too few values for a confidence interval"
    elif lo <= null <= hi:
        ci_txt += ", consistent with no change"
    return f"{label} {move}: {est_txt} ({ci_txt}){n_text}."
