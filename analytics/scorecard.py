"""The program's targets scorecard: value, target, met, baseline, trend, DORA band, on track.

Reads the metric table (``analytics.metrics.metric_table``); bands come from
``analytics.benchmarks``. Pure functions: no I/O, inputs never modified.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from analytics.benchmarks import _KEY_OF, NO_DATA, _is_empty, _require, band_for
from analytics.catalog import METRICS
from analytics.config import ProgramConfig, Target

__all__ = ["SCORECARD_COLUMNS", "phase_value", "scorecard"]


SCORECARD_COLUMNS = [
    "metric", "label", "severity", "unit", "scope", "value", "n", "target", "op", "met",
    "baseline", "trend", "good_direction", "band", "on_track", "lower_bound", "note",
]


def scorecard(
    metric_table: pd.DataFrame,
    config: ProgramConfig,
    period_start: str | dt.date | pd.Timestamp | None = None,
    phase: str = "after",
    *,
    window: int = 6,
    horizon: int = 3,
    flat_tolerance: float = 0.02,
) -> pd.DataFrame:
    """The program's targets (program.yml ``targets``), one row per target in config order.

    Each target reads the rows of its metric with service ``"all"`` and severity
    ``Target.severity`` (``"all"`` when unset), e.g. critical incidents for a time-to-restore
    target. The value is that of month ``period_start`` or, when None, pooled over ``phase``:
    the **mean of the monthly values** for rates and levels (counts, deployment days,
    coverage), the n-weighted mean of the monthly values for proportions (= the pooled
    proportion) and durations (= the pooled mean restore time; for lead time an average of
    monthly medians - compare.py has exact pooled medians). The baseline is pooled the same way
    over the ``baseline`` phase (NaN when there is no such phase or no data).

    Trend: the sign of the least-squares slope over the last ``window`` periods up to the
    current one (the month, or the phase's last period), "flat" when the fitted change across
    the window is within ``flat_tolerance`` of the window's mean level, "no data" with fewer
    than 3 values. On track: met now, or the line's projection meets the target within
    ``horizon`` periods (None when unknown). Band: :func:`classify`'s band of the same month or
    the band of the phase-pooled banded value (severity "all", ``config.benchmark_year``) for
    the DORA metrics, "" for the others.

    Parameters
    ----------
    metric_table
        As for :func:`classify` (period_start, service, severity, metric, value; n and median
        are used when present). One row per period is expected (NaN value when no data).
    config
        Targets, phases and benchmark year.
    period_start
        A period start (e.g. "2021-12-01"); None pools over ``phase``.
    phase
        The phase pooled when ``period_start`` is None.

    Returns
    -------
    DataFrame
        metric, label, severity, unit, scope (the month or phase), value, n, target, op, met
        (True/False/None), baseline, trend ("up"/"down"/"flat"/"no data"), good_direction
        ("up"/"down"), band, on_track (True/False/None), note (why something is missing).
    """
    targets = list(config.targets)
    if _is_empty(metric_table):
        table = pd.DataFrame(columns=["period_start", "service", "severity", "metric", "value"])
    else:
        _require(metric_table, ["period_start", "service", "severity", "metric", "value"])
        table = metric_table
    when = None if period_start is None else pd.Timestamp(period_start).normalize()
    rows = [_score(t, table, config, when, phase, window, horizon, flat_tolerance) for t in targets]
    out = pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
    for col in ("met", "on_track"):  # keep True/False/None, never numpy bools
        out[col] = pd.Series([r[col] for r in rows], index=out.index, dtype="object")
    return out


def _series(table: pd.DataFrame, metric: str, severity: str) -> pd.DataFrame:
    rows = table[(table["metric"] == metric) & (table["service"] == "all")
                 & (table["severity"] == severity)]
    cols = {"period_start": pd.to_datetime(rows["period_start"]),
            "value": rows["value"].astype("float64")}
    for c in ("n", "median", "n_censored"):
        cols[c] = rows[c].astype("float64") if c in rows else pd.Series(np.nan, index=rows.index)
    out = pd.DataFrame(cols).sort_values("period_start", kind="stable")
    return out.drop_duplicates("period_start", keep="last").reset_index(drop=True)


def _pool(frame: pd.DataFrame, column: str, kind: str) -> float:
    ok = frame[frame[column].notna()]
    if ok.empty:
        return math.nan
    weights = ok["n"].fillna(0.0)
    if kind in ("proportion", "duration") and weights.sum() > 0:
        return float(np.average(ok[column], weights=weights))
    return float(ok[column].mean())


def phase_value(metric_table: pd.DataFrame, config: ProgramConfig, metric: str, phase: str,
                severity: str = "all") -> float:
    """One metric over a phase: n-weighted for shares and durations, else the mean of the months.

    The one definition of a phase's level used by the scorecard (baseline column) and by the
    report tables, so a KPI shows the same baseline on every page. NaN when the phase is
    missing or has no data.
    """
    rows = _in_phase(_series(metric_table, metric, severity), config, phase)
    if rows is None or rows.empty:
        return math.nan
    return _pool(rows, "value", METRICS[metric].kind)


def _in_phase(frame: pd.DataFrame, config: ProgramConfig, name: str) -> pd.DataFrame | None:
    p = config.phase(name)
    if p is None:
        return None
    ps = frame["period_start"]
    return frame[(ps >= pd.Timestamp(p.start)) & (ps <= pd.Timestamp(p.end))]


def _fit(series: pd.DataFrame, now: pd.Timestamp | None, window: int):
    """(x, y, x_now) of the last ``window`` periods up to ``now``; x = position in the series."""
    upto = series.index[series["period_start"] <= now] if now is not None else series.index
    last = upto[-window:]
    y = series.loc[last, "value"].to_numpy()
    ok = ~np.isnan(y)
    x_now = float(last[-1]) if len(last) else math.nan
    return np.asarray(last, dtype="float64")[ok], y[ok], x_now


def _score(t: Target, table, config, when, phase, window, horizon, tol) -> dict:
    info = METRICS[t.metric]
    severity = t.severity or "all"
    series = _series(table, t.metric, severity)
    notes: list[str] = []
    if when is not None:
        scope, now = f"{when:%Y-%m-%d}", when
        cur = series[series["period_start"] == when]
        if cur.empty:
            notes.append(f"no row for {scope}")
    else:
        scope = phase
        cur = _in_phase(series, config, phase)
        if cur is None:
            notes.append(f"no '{phase}' phase in program.yml")
            cur, now = series.iloc[0:0], (series["period_start"].max() if len(series) else None)
        else:
            end = pd.Timestamp(config.phase(phase).end)
            now = cur["period_start"].max() if len(cur) else end
    value = _pool(cur, "value", info.kind) if len(cur) else math.nan
    if math.isnan(value) and not notes:
        notes.append(f"no data in {scope}")
    base_rows = _in_phase(series, config, "baseline")
    if base_rows is None:
        notes.append("no 'baseline' phase in program.yml")
    baseline = _pool(base_rows, "value", info.kind) if base_rows is not None else math.nan
    x, y, x_now = _fit(series, now, window) if now is not None else ([], [], math.nan)
    trend, slope, intercept = NO_DATA, math.nan, math.nan
    if len(x) >= 3:
        slope, intercept = np.polyfit(x, y, 1)
        change, level = abs(slope * (x[-1] - x[0])), abs(float(np.mean(y)))
        flat = change <= tol * level if level > 0 else change <= 1e-12
        trend = "flat" if flat else ("up" if slope > 0 else "down")
    else:
        notes.append(f"fewer than 3 values in the last {window} periods: no trend")
    met = t.met(value)
    still_open = int(np.nansum(cur["n_censored"].to_numpy())) if len(cur) else 0
    if still_open and t.op == "<=" and met:
        # open incidents count only up to the end of the data: the value is a lower bound, so
        # it cannot show an upper-limit target met (it can show one missed)
        met = None
        notes.append(f"{still_open} incident(s) still open: the value is a lower bound")
    on_track = met
    if met is False:
        on_track = None
        if not math.isnan(slope):
            proj = [intercept + slope * (x_now + k) for k in range(1, horizon + 1)]
            on_track = any(t.met(p) for p in proj)
    band = ""
    if t.metric in _KEY_OF:  # a DORA metric: the band of the value shown (same rows, same statistic)
        band = band_for(t.metric, value, config.benchmark_year)
    n = int(np.nansum(cur["n"].to_numpy())) if len(cur) else 0
    return {
        "metric": t.metric, "label": info.label, "severity": severity, "unit": info.unit,
        "scope": scope, "value": value, "n": n, "target": t.threshold, "op": t.op, "met": met,
        "baseline": baseline, "trend": trend,
        "good_direction": "up" if info.higher_is_better else "down", "band": band,
        "on_track": on_track, "lower_bound": bool(still_open), "note": "; ".join(notes),
    }
