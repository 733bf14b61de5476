"""Trend evidence on weekly series: interrupted time series and change points (XmR: control.py).

Series are pandas Series indexed by period start (a DatetimeIndex, one row per week). A period
belongs to the phase in which it starts: with ``start`` = program start, periods whose start is
``>= start`` are "program"; with ``end`` = last day of the program, periods starting ``> end``
are "after". Nothing here reads files or prints; inputs are never modified.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["SegmentedFit", "ChangePoints", "segmented_regression", "change_points"]

COEF_COLUMNS = ["term", "estimate", "std_error", "ci_low", "ci_high", "p_value"]
RATIO_COLUMNS = ["ratio", "ratio_ci_low", "ratio_ci_high"]


@dataclass(frozen=True)
class SegmentedFit:
    """Result of :func:`segmented_regression`.

    ``coefficients``: one row per term (columns ``term, estimate, std_error, ci_low, ci_high,
    p_value, ratio, ratio_ci_low, ratio_ci_high``). Terms: ``level`` (fitted value at the first
    week), ``slope`` (baseline change per week), ``level_change`` and ``slope_change`` (per week)
    at program start, and with ``end`` given ``level_change_end`` / ``slope_change_end``
    (relative to the program segment). For ``kind="count"`` estimates are on the log scale
    and ``ratio`` = exp(estimate) (rate ratios); for ``"gaussian"`` the ratio columns are NaN.
    ``fitted``: indexed like the input, columns ``observed, fitted, counterfactual`` (baseline
    trend continued) and ``phase``. ``notes`` says what was not estimated and why.
    """

    coefficients: pd.DataFrame
    fitted: pd.DataFrame
    kind: str
    n: int
    notes: tuple[str, ...]


def _weekly(series: pd.Series, name: str = "series") -> pd.Series:
    if not isinstance(series, pd.Series) or not isinstance(series.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must be a pandas Series with a DatetimeIndex")
    out = series.astype(float)  # a new object: the caller's series is never touched
    return out if out.index.is_monotonic_increasing else out.sort_index()


def _stamp(value: object, index: pd.DatetimeIndex) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if index.tz is not None and ts.tz is None:
        return ts.tz_localize(index.tz)
    if index.tz is None and ts.tz is not None:
        return ts.tz_localize(None)
    return ts


def _nan_result(series: pd.Series, terms: list[str], kind: str, phase: np.ndarray, notes: list):
    coefs = pd.DataFrame({"term": terms})
    for col in COEF_COLUMNS[1:] + RATIO_COLUMNS:
        coefs[col] = np.nan
    fitted = pd.DataFrame(
        {"observed": series, "fitted": np.nan, "counterfactual": np.nan, "phase": phase},
        index=series.index,
    )
    return SegmentedFit(coefs, fitted, kind, 0, tuple(notes))


def _exposure(exposure: pd.Series | np.ndarray | None, idx: pd.DatetimeIndex) -> np.ndarray:
    """Exposure per period of ``idx`` (1 when not given); a Series is aligned on ``idx``."""
    if exposure is None:
        return np.ones(len(idx))
    expo = (
        exposure.reindex(idx).to_numpy(dtype=float, na_value=np.nan)
        if isinstance(exposure, pd.Series)
        else np.asarray(exposure, dtype=float).copy()
    )
    if expo.shape != (len(idx),):
        raise ValueError("exposure must have one value per period of the series")
    return expo


def _fit(y: np.ndarray, X: np.ndarray, kind: str, offset: np.ndarray, maxlags: int | None):
    """The statsmodels fit of :func:`segmented_regression` (observed rows only) and the
    warnings it raised, as sorted "Category: message" notes."""
    import statsmodels.api as sm  # imported when needed: ~0.5 s

    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        if kind == "gaussian":
            n = y.size
            lags = maxlags if maxlags is not None else int(4 * (n / 100) ** (2 / 9))
            res = sm.OLS(y, X).fit(
                cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True
            )
        else:
            model = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset)
            res = model.fit(scale="X2", use_t=True)
    return res, sorted({f"{w.category.__name__}: {w.message}" for w in caught})


def _coefficients(
    res, terms: list[str], kind: str, confidence: float, y: np.ndarray
) -> tuple[pd.DataFrame, list[str]]:
    """The coefficient table of :class:`SegmentedFit` (terms not fitted: NaN) and its notes.
    An exact fit of a gaussian model has no uncertainty: its intervals and p-values are NaN."""
    notes: list[str] = []
    ci = np.asarray(res.conf_int(alpha=1 - confidence))
    bse, pvalues = np.asarray(res.bse, float), np.asarray(res.pvalues, float)
    if kind == "gaussian" and res.ssr <= 1e-20 * (1.0 + float(np.sum(y**2))):
        notes.append("the model fits every week exactly: no uncertainty can be estimated")
        ci, bse, pvalues = np.full(ci.shape, np.nan), bse * np.nan, pvalues * np.nan
    coefs = pd.DataFrame({"term": terms})
    k = ci.shape[0]
    for col, values in zip(
        COEF_COLUMNS[1:], (res.params, bse, ci[:, 0], ci[:, 1], pvalues), strict=True
    ):
        coefs[col] = np.concatenate([np.asarray(values, float), np.full(len(terms) - k, np.nan)])
    for col, src in zip(RATIO_COLUMNS, ("estimate", "ci_low", "ci_high"), strict=True):
        coefs[col] = np.exp(coefs[src]) if kind == "count" else np.nan
    return coefs, notes


def segmented_regression(
    series: pd.Series,
    start: object,
    end: object | None = None,
    *,
    kind: str = "gaussian",
    exposure: pd.Series | np.ndarray | None = None,
    min_weeks: int = 4,
    maxlags: int | None = None,
    confidence: float = 0.95,
) -> SegmentedFit:
    """Interrupted time series: level and slope change at program start (and end).

    Parameters
    ----------
    series : pd.Series
        Weekly values indexed by period start (DatetimeIndex). NaN weeks are left out.
    start, end : date-like
        Program start, and optionally the program's last day (see module docstring).
    kind : {"gaussian", "count"}
        ``"gaussian"``: OLS with Newey-West (HAC) standard errors, t inference.
        ``"count"``: quasi-Poisson GLM (Poisson family, Pearson chi2 scale) with
        ``log(exposure)`` as offset.
    exposure : pd.Series or array, optional
        Counts only: exposure per period (e.g. days observed); default 1. Periods with
        exposure <= 0 or NaN are left out.
    min_weeks : int
        Fewest observed weeks a phase needs. Baseline or program shorter: every coefficient
        NaN. After-phase shorter: its terms are NaN and its weeks are not fitted.
    maxlags : int, optional
        HAC lags; default ``floor(4 (n/100)^(2/9))``.

    Returns
    -------
    SegmentedFit
        Warnings raised by statsmodels during the fit are recorded in ``notes``.
    """
    if kind not in ("gaussian", "count"):
        raise ValueError(f"kind must be 'gaussian' or 'count', got {kind!r}")
    y_all = _weekly(series)
    idx = y_all.index
    start_ts = _stamp(start, idx)
    end_ts = None if end is None else _stamp(end, idx)
    post = np.asarray(idx >= start_ts)
    after = np.zeros(len(idx), bool) if end_ts is None else np.asarray(idx > end_ts)
    phase = np.where(after, "after", np.where(post, "program", "baseline"))
    terms = ["level", "slope", "level_change", "slope_change"]
    terms += [] if end_ts is None else ["level_change_end", "slope_change_end"]
    expo = _exposure(exposure, idx)
    valid = ~np.isnan(y_all.to_numpy()) & (expo > 0)
    notes: list[str] = []
    counts = {p: int((valid & (phase == p)).sum()) for p in ("baseline", "program", "after")}
    if counts["baseline"] < min_weeks or counts["program"] < min_weeks:
        notes.append(
            f"baseline has {counts['baseline']} and program {counts['program']} observed weeks;"
            f" segmented regression needs at least {min_weeks} in each"
        )
        return _nan_result(y_all, terms, kind, phase, notes)
    use_end = end_ts is not None and counts["after"] >= min_weeks
    if end_ts is not None and not use_end:
        notes.append(
            f"after-program phase has {counts['after']} observed weeks (< {min_weeks}):"
            " its terms are not estimated and its weeks are not fitted"
        )
        valid &= ~after
    y = y_all.to_numpy()
    if kind == "count" and (y[valid] < 0).any():
        raise ValueError("count series must be non-negative")
    if kind == "count" and y[valid].sum() == 0:
        notes.append("all counts are zero: no rate to model")
        return _nan_result(y_all, terms, kind, phase, notes)
    t = np.asarray((idx - idx[0]) / pd.Timedelta(weeks=1), dtype=float)
    cols = [np.ones(len(idx)), t, post * 1.0, np.where(post, t - t[post.argmax()], 0.0)]
    if use_end:
        cols += [after * 1.0, np.where(after, t - t[after.argmax()], 0.0)]
    X = np.column_stack(cols)
    n = int(valid.sum())
    res, caught = _fit(y[valid], X[valid], kind, np.log(expo[valid]), maxlags)
    coefs, exact = _coefficients(res, terms, kind, confidence, y[valid])
    notes += caught + exact
    X_cf = X.copy()
    X_cf[:, 2:] = 0.0
    with np.errstate(all="ignore"):
        link = (lambda z: z) if kind == "gaussian" else (lambda z: np.exp(z) * expo)
        fitted = link(X @ res.params)
        counterfactual = link(X_cf @ res.params)
    if end_ts is not None and not use_end:
        fitted = np.where(after, np.nan, fitted)
    frame = pd.DataFrame(
        {"observed": y, "fitted": fitted, "counterfactual": counterfactual, "phase": phase},
        index=idx,
    )
    return SegmentedFit(coefs, frame, kind, n, tuple(notes))


@dataclass(frozen=True)
class ChangePoints:
    """Result of :func:`change_points`.

    ``positions``: 0-based position of the first value of each new regime (ruptures'
    breakpoints without the final ``n``); ``labels``: the index labels there (period starts);
    ``segment_means``: mean of each regime; ``penalty``: the PELT penalty (NaN with n_bkps).
    """

    positions: tuple[int, ...]
    labels: tuple[object, ...]
    segment_means: tuple[float, ...]
    method: str
    penalty: float


def change_points(
    series: pd.Series,
    n_bkps: int | None = None,
    pen: float | None = None,
    *,
    model: str = "l2",
    min_size: int = 2,
) -> ChangePoints:
    """Shifts in the mean of a series, with ruptures (``jump=1``: every position is a candidate).

    With ``n_bkps`` the exact dynamic programme (``Dynp``) places that many breaks; otherwise
    PELT with penalty ``pen``, by default ``2 sigma^2 log(n)`` where ``sigma`` is the noise
    estimated from first differences, ``MAD(diff) / 0.6745 / sqrt(2)``. NaN values are skipped
    (positions refer to the input). A series shorter than ``2 * min_size`` has none.
    Corroboration only: it does not test anything.
    """
    import ruptures as rpt  # imported when needed: ~1 s (it pulls in scipy)

    if not isinstance(series, pd.Series):
        series = pd.Series(np.asarray(series, dtype=float))
    y_all = series.to_numpy(dtype=float, na_value=np.nan)
    keep = np.flatnonzero(~np.isnan(y_all))
    y = y_all[keep]
    penalty, method, bkps = math.nan, "", [y.size]
    if n_bkps is not None:
        method = f"Dynp(model={model!r}, min_size={min_size}, jump=1), n_bkps={n_bkps}"
        if n_bkps > 0 and y.size >= (n_bkps + 1) * min_size:
            algo = rpt.Dynp(model=model, min_size=min_size, jump=1).fit(y.reshape(-1, 1))
            bkps = algo.predict(n_bkps=n_bkps)
    else:
        diffs = np.diff(y)
        mad = np.median(np.abs(diffs - np.median(diffs))) if diffs.size else 0.0
        sigma = mad / 0.6745 / math.sqrt(2) or (diffs.std() / math.sqrt(2) if diffs.size else 0)
        penalty = float(pen) if pen is not None else 2 * sigma**2 * math.log(max(y.size, 1))
        method = f"Pelt(model={model!r}, min_size={min_size}, jump=1), pen={penalty:.6g}"
        if y.size >= 2 * min_size and penalty > 0:
            algo = rpt.Pelt(model=model, min_size=min_size, jump=1).fit(y.reshape(-1, 1))
            bkps = algo.predict(pen=penalty)
    edges = [0, *bkps] if y.size else []
    means = tuple(float(y[a:b].mean()) for a, b in zip(edges[:-1], edges[1:], strict=True))
    positions = tuple(int(keep[b]) for b in bkps[:-1])
    labels = tuple(series.index[p] for p in positions)
    return ChangePoints(positions, labels, means, method, float(penalty))
