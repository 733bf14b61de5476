"""XmR process-behaviour charts (individuals and moving range), with Wheeler's detection rules.

Limits come from a baseline; a confirmed shift (a run of ``run_length`` on one side) starts a new
segment with its own limits. Nothing here reads files or prints; inputs are never modified.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analytics.stats.trend import _stamp

__all__ = ["xmr_chart", "D2", "E2_WHEELER", "D4", "XMR_COLUMNS"]

D2 = 1.128  # bias constant d2 for moving ranges of two values
E2_WHEELER = 2.66  # Wheeler's rounded 3 / d2
D4 = 3.268  # upper range limit factor for two-point moving ranges
XMR_COLUMNS = [
    "value",
    "moving_range",
    "centre",
    "lower",
    "upper",
    "mr_centre",
    "mr_upper",
    "rule1",
    "rule2",
    "rule3",
    "signal",
    "segment",
    "sets_limits",
]

# --- XmR (individuals and moving range) chart ------------------------------------------------


def _limits(x: np.ndarray, use: np.ndarray, factor: float) -> tuple[float, float, float, float]:
    """Centre, lower, upper natural process limits and mean moving range from ``x[use]``."""
    pos = np.flatnonzero(use)
    if pos.size < 2:
        return (math.nan,) * 4
    consecutive = np.diff(pos) == 1  # moving ranges only between neighbouring values
    mr = np.abs(np.diff(x[pos]))[consecutive]
    if mr.size == 0:
        return (math.nan,) * 4
    centre, mr_bar = float(x[pos].mean()), float(mr.mean())
    return (centre, centre - factor * mr_bar, centre + factor * mr_bar, mr_bar)


def _first_run(side: np.ndarray, begin: int, length: int) -> int | None:
    """First position >= begin where ``length`` successive values share a non-zero side."""
    run = 0
    for i in range(begin, side.size):
        run = (
            run + 1 if i > begin and side[i] != 0 and side[i] == side[i - 1] else int(side[i] != 0)
        )
        if run == length:
            return i - length + 1
    return None


def _rules(x: np.ndarray, c: float, lo: float, hi: float, run_length: int) -> np.ndarray:
    """Boolean matrix (n, 3) of Wheeler's detection rules within one segment."""
    out = np.zeros((x.size, 3), bool)
    if math.isnan(c):
        return out
    out[:, 0] = (x > hi) | (x < lo)
    for near in (x > c + (hi - c) / 2, x < c - (c - lo) / 2):  # closer to a limit than to c
        for i in range(max(x.size - 3, 0)):
            if near[i : i + 4].sum() >= 3:
                out[i : i + 4, 1] |= near[i : i + 4]
    side = np.sign(x - c)
    i = 0
    while i < x.size:
        j = i
        while j + 1 < x.size and side[j + 1] == side[i]:
            j += 1
        if side[i] != 0 and j - i + 1 >= run_length:
            out[i : j + 1, 2] = True
        i = j + 1
    return out


def _baseline(
    series: pd.Series, baseline_end: object | None, baseline_mask: np.ndarray | pd.Series | None
) -> np.ndarray:
    """Which values set the first limits (see :func:`xmr_chart`), one bool per value."""
    n_all = len(series)
    if baseline_mask is not None:
        base_all = np.asarray(baseline_mask, dtype=bool)
    elif baseline_end is None:
        base_all = np.ones(n_all, bool)
    elif isinstance(baseline_end, int | np.integer):
        base_all = np.arange(n_all) < baseline_end
    elif isinstance(series.index, pd.DatetimeIndex):
        base_all = np.asarray(series.index <= _stamp(baseline_end, series.index))
    else:
        raise TypeError("a date as baseline_end needs values indexed by a DatetimeIndex")
    if base_all.size != n_all:
        raise ValueError("baseline_mask must have one entry per value")
    return base_all


def _segments(
    x: np.ndarray,
    base: np.ndarray,
    factor: float,
    *,
    recompute_on_shift: bool,
    run_length: int,
    limit_points: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Limits per segment of the non-missing values ``x``: the first from ``base``, a new one
    from the first ``limit_points`` values of each confirmed shift (see :func:`xmr_chart`).

    Returns the segment number per value, whether it set its segment's limits, the limits
    (n, 4: centre, lower, upper, mean moving range) and the runs that started a new segment.
    """
    n = x.size
    seg = np.zeros(n, int)
    sets = base.copy()
    lims = np.full((n, 4), np.nan)
    seg_start, use, seg_id = 0, base, 0
    confirmed = np.zeros(n, bool)  # the runs that started a new segment (against old limits)
    while True:
        lims[seg_start:] = _limits(x, use, factor)
        seg[seg_start:] = seg_id
        used = np.flatnonzero(use)
        if not recompute_on_shift or used.size == 0 or math.isnan(lims[seg_start, 0]):
            break
        side = np.sign(x - lims[seg_start, 0])
        shift = _first_run(side, max(seg_start, used[-1] + 1), run_length)
        if shift is None:
            break
        seg_start, seg_id = shift, seg_id + 1
        confirmed[shift : shift + run_length] = True
        use = np.zeros(n, bool)
        use[shift : shift + limit_points] = True
        sets[shift : shift + limit_points] = True
    return seg, sets, lims, confirmed


def xmr_chart(
    values: pd.Series | np.ndarray,
    baseline_end: object | None = None,
    *,
    baseline_mask: np.ndarray | pd.Series | None = None,
    scaling: str = "d2",
    recompute_on_shift: bool = True,
    run_length: int = 8,
    limit_points: int = 20,
) -> pd.DataFrame:
    """XmR (individuals) chart with limits from a baseline and Wheeler's detection rules.

    Parameters
    ----------
    values : pd.Series or array
        The individual values in time order; NaN values are skipped (no signal, no range).
    baseline_end : int or date-like, optional
        Limits come from the first ``baseline_end`` values (int) or, for a DatetimeIndex,
        from values up to and including that date. Default: every value.
    baseline_mask : boolean array, optional
        Alternative to ``baseline_end``: exactly which values set the limits.
    scaling : {"d2", "wheeler"}
        Natural process limits at ``centre +/- 3/d2 * mR`` (d2 = 1.128, as NIST) or
        ``+/- 2.66 * mR`` (Wheeler). Upper range limit ``3.268 * mR`` either way.
    recompute_on_shift : bool
        When a run of ``run_length`` values on one side of the centre starts after the
        values that set the current limits, a new segment begins at the run's first value
        and its limits are recomputed from its first ``limit_points`` values.

    Returns
    -------
    pd.DataFrame
        Indexed like ``values``: ``value, moving_range, centre, lower, upper, mr_centre,
        mr_upper, rule1, rule2, rule3, signal, segment, sets_limits``. Rules: 1 a value beyond
        a limit; 2 three of four successive values closer to the same limit than to the centre
        line; 3 ``run_length`` successive values on the same side of the centre line.
        ``signal`` joins the names of the rules a value breaks ("rule1,rule3") or is "".
        The run that starts a new segment keeps its rule3 flag (judged on the old limits).
        Fewer than two baseline values give NaN limits and no signals.
    """
    if scaling not in ("d2", "wheeler"):
        raise ValueError(f"scaling must be 'd2' or 'wheeler', got {scaling!r}")
    factor = 3 / D2 if scaling == "d2" else E2_WHEELER
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    x_all = series.to_numpy(dtype=float, na_value=np.nan)  # to_numpy(dtype=...) copies
    n_all = x_all.size
    if n_all == 0 or np.isnan(x_all).all():  # nothing to chart: NaN limits, no signals
        empty = pd.DataFrame({c: np.nan for c in XMR_COLUMNS}, index=series.index)
        empty["value"] = x_all
        empty[["rule1", "rule2", "rule3", "sets_limits"]] = False
        return empty.assign(signal="", segment=0)[XMR_COLUMNS]
    base_all = _baseline(series, baseline_end, baseline_mask)
    keep = np.flatnonzero(~np.isnan(x_all))
    x, base = x_all[keep], base_all[keep]
    n = x.size
    seg, sets, lims, confirmed = _segments(
        x,
        base,
        factor,
        recompute_on_shift=recompute_on_shift,
        run_length=run_length,
        limit_points=limit_points,
    )
    seg_id = int(seg[-1])  # segments are numbered 0, 1, ... in time order
    flags = np.zeros((n, 3), bool)
    for s in range(seg_id + 1):
        part = seg == s
        c, lo, hi, _ = lims[part][0]
        flags[part] = _rules(x[part], c, lo, hi, run_length)
    flags[:, 2] |= confirmed
    core = pd.DataFrame(lims, columns=["centre", "lower", "upper", "mr_centre"], index=keep)
    core["moving_range"] = np.r_[np.nan, np.abs(np.diff(x))]
    core[["rule1", "rule2", "rule3"]] = flags
    core["segment"], core["sets_limits"] = seg, sets
    out = core.reindex(range(n_all))
    lines = ["centre", "lower", "upper", "mr_centre", "segment"]
    out[lines] = out[lines].ffill().bfill()
    for col in ["rule1", "rule2", "rule3", "sets_limits"]:
        out[col] = out[col].fillna(False).astype(bool)
    out.insert(0, "value", x_all)
    out.insert(5, "mr_upper", D4 * out["mr_centre"])
    out["segment"] = out["segment"].fillna(0).astype(int)
    names = np.array(["rule1", "rule2", "rule3"])
    out["signal"] = [",".join(names[r]) for r in out[["rule1", "rule2", "rule3"]].to_numpy()]
    out.index = series.index
    return out[
        [
            "value",
            "moving_range",
            *lines[:4],
            "mr_upper",
            *names,
            "signal",
            *lines[4:],
            "sets_limits",
        ]
    ]


# --- change points (corroboration only) ------------------------------------------------------
