"""One scorecard row per target: the rows it reads, the value judged, baseline, trend, on track.

Private to ``analytics.program.scorecard`` (which documents the rules); each step of judging a
target is one small function over a :class:`Judging` (how the whole scorecard judges) and a
:class:`TargetRows` (the metric-table rows of one target).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.catalog import METRICS
from analytics.config import ProgramConfig, Target
from analytics.program.dora import _KEY_OF, NO_DATA, band_for


@dataclass(frozen=True)
class Judging:
    """How every target of one scorecard is judged (the arguments of ``scorecard``)."""

    config: ProgramConfig
    when: pd.Timestamp | None  # a month, or None: pooled over ``phase``
    phase: str
    window: int
    horizon: int
    flat_tolerance: float


@dataclass
class TargetRows:
    """The metric-table rows one target reads, and the notes gathered while judging it."""

    target: Target
    overall: pd.DataFrame  # the service-"all" series
    rows: pd.DataFrame  # what is judged: ``overall``, or every service's rows
    series: pd.DataFrame  # the trend's series: ``overall``, or the worst service per period
    notes: list[str] = field(default_factory=list)

    @property
    def every(self) -> bool:
        return self.target.applies_to == "every_service"

    @property
    def kind(self) -> str:
        return METRICS[self.target.metric].kind


@dataclass(frozen=True)
class Current:
    """The rows of the scope judged (a month or a phase) and the period the trend ends at."""

    scope: str
    rows: pd.DataFrame
    overall: pd.DataFrame
    now: pd.Timestamp | None


@dataclass(frozen=True)
class Trend:
    """The least-squares line over the trend window (NaN slope: fewer than 3 values)."""

    direction: str = NO_DATA
    slope: float = math.nan
    intercept: float = math.nan
    x_now: float = math.nan


def series_rows(
    table: pd.DataFrame, metric: str, severity: str, service: str | None
) -> pd.DataFrame:
    """period_start, service, value, n, median, n_censored of one metric and severity, in
    time order. ``service`` None keeps every service (one row per period and service)."""
    rows = table[(table["metric"] == metric) & (table["severity"] == severity)]
    if service is not None:
        rows = rows[rows["service"] == service]
    cols = {
        "period_start": pd.to_datetime(rows["period_start"]),
        "service": rows["service"],
        "value": rows["value"].astype("float64"),
    }
    for c in ("n", "median", "n_censored"):
        cols[c] = rows[c].astype("float64") if c in rows else pd.Series(np.nan, index=rows.index)
    out = pd.DataFrame(cols).sort_values(["period_start", "service"], kind="stable")
    return out.drop_duplicates(["period_start", "service"], keep="last").reset_index(drop=True)


def pool(frame: pd.DataFrame, column: str, kind: str) -> float:
    """n-weighted mean for proportions and durations, else the mean (NaN without values)."""
    ok = frame[frame[column].notna()]
    if ok.empty:
        return math.nan
    weights = ok["n"].fillna(0.0)
    if kind in ("proportion", "duration") and weights.sum() > 0:
        return float(np.average(ok[column], weights=weights))
    return float(ok[column].mean())


def in_phase(frame: pd.DataFrame, config: ProgramConfig, name: str) -> pd.DataFrame | None:
    """The rows of ``frame`` inside phase ``name`` (None when there is no such phase)."""
    p = config.phase(name)
    if p is None:
        return None
    ps = frame["period_start"]
    return frame[(ps >= pd.Timestamp(p.start)) & (ps <= pd.Timestamp(p.end))]


def score(
    t: Target, table: pd.DataFrame, per_service: pd.DataFrame | None, judging: Judging
) -> dict:
    """The scorecard row of target ``t`` (columns ``SCORECARD_COLUMNS``)."""
    info = METRICS[t.metric]
    tr = _target_rows(t, table, per_service)
    cur = _current(tr, judging)
    value, n, worst, judged, missed = _judged_value(tr, cur)
    if math.isnan(value) and not tr.notes:
        tr.notes.append(f"no data in {cur.scope}")
    baseline = _baseline(tr, judging.config)
    trend = _trend(tr, cur.now, judging)
    met, still_open = _met(t, value, cur, tr.notes)
    return {
        "metric": t.metric,
        "label": info.label,
        "severity": t.severity or "all",
        "unit": info.unit,
        "scope": cur.scope,
        "value": value,
        "n": n,
        "target": t.threshold,
        "op": t.op,
        "met": met,
        "baseline": baseline,
        "trend": trend.direction,
        "good_direction": "up" if info.higher_is_better else "down",
        # a DORA metric: the band of the value shown (same rows, same statistic)
        "band": band_for(t.metric, value, judging.config.benchmark_year)
        if t.metric in _KEY_OF
        else "",
        "on_track": _on_track(t, met, trend, judging.horizon),
        "lower_bound": bool(still_open),
        "note": "; ".join(tr.notes),
        "applies_to": t.applies_to,
        "overall_value": pool(cur.overall, "value", tr.kind),
        "worst_service": worst,
        "services_judged": judged,
        "services_missed": missed,
    }


def _target_rows(t: Target, table: pd.DataFrame, per_service: pd.DataFrame | None) -> TargetRows:
    severity = t.severity or "all"
    overall = series_rows(table, t.metric, severity, "all")
    if t.applies_to != "every_service":
        return TargetRows(t, overall, overall, overall)
    if per_service is None:  # no per-service rows given: nothing to judge
        rows = overall.iloc[0:0]
        note = "a target for every service needs per-service rows (by_service): not judged"
        return TargetRows(t, overall, rows, _worst_series(rows, t), [note])
    rows = series_rows(per_service, t.metric, severity, None)
    return TargetRows(t, overall, rows, _worst_series(rows, t))


def _current(tr: TargetRows, judging: Judging) -> Current:
    """The month ``judging.when``'s rows, or the phase's (a note when either is missing)."""
    when, phase, config = judging.when, judging.phase, judging.config
    if when is not None:
        scope = f"{when:%Y-%m-%d}"
        cur = tr.rows[tr.rows["period_start"] == when]
        if cur.empty and not tr.notes:
            tr.notes.append(f"no row for {scope}")
        return Current(scope, cur, tr.overall[tr.overall["period_start"] == when], when)
    cur, known = in_phase(tr.rows, config, phase), config.phase(phase)
    if cur is None or known is None:
        tr.notes.append(f"no '{phase}' phase in program.yml")
        now = tr.series["period_start"].max() if len(tr.series) else None
        return Current(phase, tr.rows.iloc[0:0], tr.overall.iloc[0:0], now)
    now = cur["period_start"].max() if len(cur) else pd.Timestamp(known.end)
    return Current(phase, cur, in_phase(tr.overall, config, phase), now)


def _judged_value(tr: TargetRows, cur: Current) -> tuple[float, int, str, int, int]:
    """value, n, worst service, services judged, services missing the target."""
    if not tr.every:
        return pool(cur.rows, "value", tr.kind), int(np.nansum(cur.rows["n"].to_numpy())), "", 0, 0
    services = _by_service(cur.rows, tr.target)
    judged = len(services)
    missed = int(sum(tr.target.met(v) is False for v in services["value"]))
    if not judged:
        return math.nan, 0, "", 0, missed
    first = services.iloc[0]
    return float(first["value"]), int(first["n"]), str(first["service"]), judged, missed


def _baseline(tr: TargetRows, config: ProgramConfig) -> float:
    base_rows = in_phase(tr.rows, config, "baseline")
    if base_rows is None:
        tr.notes.append("no 'baseline' phase in program.yml")
        return math.nan
    if tr.every:
        base = _by_service(base_rows, tr.target)
        return float(base["value"].iloc[0]) if len(base) else math.nan
    return pool(base_rows, "value", tr.kind)


def _trend(tr: TargetRows, now: pd.Timestamp | None, judging: Judging) -> Trend:
    """Up/down/flat from the line over the last ``window`` periods up to ``now``."""
    x, y, x_now = _fit(tr.series, now, judging.window) if now is not None else ([], [], math.nan)
    if len(x) < 3:
        tr.notes.append(f"fewer than 3 values in the last {judging.window} periods: no trend")
        return Trend()
    slope, intercept = np.polyfit(x, y, 1)
    change, level = abs(slope * (x[-1] - x[0])), abs(float(np.mean(y)))
    flat = change <= judging.flat_tolerance * level if level > 0 else change <= 1e-12
    direction = "flat" if flat else ("up" if slope > 0 else "down")
    return Trend(direction, slope, intercept, x_now)


def _met(t: Target, value: float, cur: Current, notes: list[str]) -> tuple[bool | None, int]:
    """Whether the target is met (None when unknown) and the incidents still open."""
    met = t.met(value)
    still_open = int(np.nansum(cur.rows["n_censored"].to_numpy()))
    if still_open and t.op == "<=" and met:
        # open incidents count only up to the end of the data: the value is a lower bound, so
        # it cannot show an upper-limit target met (it can show one missed)
        notes.append(f"{still_open} incident(s) still open: the value is a lower bound")
        return None, still_open
    return met, still_open


def _on_track(t: Target, met: bool | None, trend: Trend, horizon: int) -> bool | None:
    """Met now, or the trend line meets the target within ``horizon`` periods (None: unknown)."""
    if met is not False:
        return met
    if math.isnan(trend.slope):
        return None
    proj = [trend.intercept + trend.slope * (trend.x_now + k) for k in range(1, horizon + 1)]
    return any(t.met(p) for p in proj)


def _fit(series: pd.DataFrame, now: pd.Timestamp | None, window: int):
    """(x, y, x_now) of the last ``window`` periods up to ``now``; x = position in the series."""
    upto = series.index[series["period_start"] <= now] if now is not None else series.index
    last = upto[-window:]
    y = series.loc[last, "value"].to_numpy()
    ok = ~np.isnan(y)
    x_now = float(last[-1]) if len(last) else math.nan
    return np.asarray(last, dtype="float64")[ok], y[ok], x_now


def _by_service(rows: pd.DataFrame, t: Target) -> pd.DataFrame:
    """service, value (pooled over ``rows``), n; services without a value dropped, worst first."""
    kind = METRICS[t.metric].kind
    out = pd.DataFrame(
        [(s, pool(g, "value", kind), float(np.nansum(g["n"]))) for s, g in rows.groupby("service")],
        columns=["service", "value", "n"],
    ).dropna(subset=["value"])
    return out.sort_values(["value", "service"], ascending=[t.op == ">=", True], kind="stable")


def _worst_series(rows: pd.DataFrame, t: Target) -> pd.DataFrame:
    """The worst service's value in each period (NaN where no service has one)."""
    worst = rows.groupby("period_start", sort=True)["value"].agg("min" if t.op == ">=" else "max")
    return pd.DataFrame({"period_start": worst.index, "value": worst.to_numpy()})
