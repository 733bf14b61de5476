"""The program's targets scorecard: value, target, met, baseline, trend, DORA band, on track.

Reads the metric table (``analytics.metrics.metric_table``), and its per-service rows for
targets that apply to every service; bands come from ``analytics.program.dora``. Pure
functions: no I/O, inputs never modified. ``analytics.wording.targets`` words a scorecard for
readers (its helpers are re-exported here).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from analytics.catalog import METRICS
from analytics.config import ProgramConfig, Target
from analytics.data.guards import require_columns
from analytics.program.dora import _KEY_OF, NO_DATA, _is_empty, band_for
from analytics.wording.targets import target_detail, target_text, targets_met_text, value_text

__all__ = [
    "SCORECARD_COLUMNS",
    "phase_value",
    "scorecard",
    "target_detail",
    "target_text",
    "targets_met_text",
    "value_text",
]


SCORECARD_COLUMNS = [
    "metric",
    "label",
    "severity",
    "unit",
    "scope",
    "value",
    "n",
    "target",
    "op",
    "met",
    "baseline",
    "trend",
    "good_direction",
    "band",
    "on_track",
    "lower_bound",
    "note",
    "applies_to",
    "overall_value",
    "worst_service",
    "services_judged",
    "services_missed",
]
_REQUIRED = ["period_start", "service", "severity", "metric", "value"]


def scorecard(
    metric_table: pd.DataFrame,
    config: ProgramConfig,
    period_start: str | dt.date | pd.Timestamp | None = None,
    phase: str = "after",
    *,
    by_service: pd.DataFrame | None = None,
    window: int = 6,
    horizon: int = 3,
    flat_tolerance: float = 0.02,
) -> pd.DataFrame:
    """The program's targets (program.yml ``targets``), one row per target in config order.

    Each target reads the rows of its metric with severity ``Target.severity`` (``"all"`` when
    unset), e.g. critical incidents for a time-to-restore target: service ``"all"`` when the
    target applies to the ``"overall"`` value; each service's rows of ``by_service`` when it
    applies to ``"every_service"``, and then the value judged is the **worst service's** (the
    lowest for a ``>=`` target, the highest for ``<=``; ties go to the first name), since
    every service meets the target exactly when the worst one does. The value is that of
    month ``period_start`` or, when None, pooled over ``phase`` (per service first, for
    every-service targets): the **mean of the monthly values** for rates and levels (counts,
    deployment days, coverage), the n-weighted mean of the monthly values for proportions
    (= the pooled proportion) and durations (= the pooled mean restore time; for lead time an
    average of monthly medians - compare.py has exact pooled medians). The baseline is pooled
    the same way over the ``baseline`` phase (NaN when there is no such phase or no data).

    Trend: the sign of the least-squares slope over the last ``window`` periods up to the
    current one (the month, or the phase's last period), "flat" when the fitted change across
    the window is within ``flat_tolerance`` of the window's mean level, "no data" with fewer
    than 3 values; for every-service targets, of the worst service's value in each period. On
    track: met now, or the line's projection meets the target within ``horizon`` periods (None
    when unknown). Band: :func:`classify`'s band of the same month or the band of the
    phase-pooled banded value (``config.benchmark_year``) for the DORA metrics, "" for the
    others. See docs/METRICS.md ("Targets").

    Parameters
    ----------
    metric_table
        As for :func:`classify` (period_start, service, severity, metric, value; n, median and
        n_censored are used when present). One row per period is expected (NaN value when no
        data).
    config
        Targets, phases and benchmark year.
    period_start
        A period start (e.g. "2021-12-01"); None pools over ``phase``.
    phase
        The phase pooled when ``period_start`` is None.
    by_service
        ``metric_table(..., by="service")`` of the same data and frequency: needed by targets
        that apply to every service, which are not judged without it (value NaN, met None, a
        note says why).

    Returns
    -------
    DataFrame
        metric, label, severity, unit, scope (the month or phase), value (the value judged), n
        (behind that value: the worst service's for every-service targets), target, op, met
        (True/False/None), baseline, trend ("up"/"down"/"flat"/"no data"),
        good_direction ("up"/"down"), band, on_track (True/False/None), lower_bound (open
        incidents make the value a lower bound), note (why something is missing), applies_to
        ("overall"/"every_service"), overall_value (the service-"all" value, pooled as above),
        worst_service (whose value is judged; "" for overall targets), services_judged and
        services_missed (services with a value, and those missing the target; 0 for overall
        targets).

    Examples
    --------
    >>> from analytics.config import parse_config
    >>> rows = pd.DataFrame({"period_start": pd.Timestamp("2021-12-01"), "severity": "all",
    ...                      "metric": "test_coverage", "service": ["api", "web"],
    ...                      "value": [0.99, 0.80], "n": 1})
    >>> cfg = parse_config({"targets": {"test_coverage": 0.95}})
    >>> row = scorecard(rows.iloc[0:0], cfg, "2021-12-01", by_service=rows).iloc[0]
    >>> float(row.value), row.worst_service, row.met
    (0.8, 'web', False)
    """
    targets = list(config.targets)
    table, per_service = _checked(metric_table), None
    if by_service is not None:
        per_service = _checked(by_service)
        per_service = per_service[per_service["service"] != "all"]
    when = None if period_start is None else pd.Timestamp(period_start).normalize()
    rows = [
        _score(t, table, per_service, config, when, phase, window, horizon, flat_tolerance)
        for t in targets
    ]
    out = pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
    for col in ("met", "on_track"):  # keep True/False/None, never numpy bools
        out[col] = pd.Series([r[col] for r in rows], index=out.index, dtype="object")
    return out


def _checked(table: pd.DataFrame | None) -> pd.DataFrame:
    if _is_empty(table):
        return pd.DataFrame(columns=_REQUIRED)
    require_columns(table, _REQUIRED, "metric_table")
    return table


def _rows(table: pd.DataFrame, metric: str, severity: str, service: str | None) -> pd.DataFrame:
    """period_start, service, value, n, median, n_censored of one metric and severity, in time order.

    ``service`` None keeps every service (one row per period and service).
    """
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


def _series(table: pd.DataFrame, metric: str, severity: str) -> pd.DataFrame:
    return _rows(table, metric, severity, "all")


def _pool(frame: pd.DataFrame, column: str, kind: str) -> float:
    ok = frame[frame[column].notna()]
    if ok.empty:
        return math.nan
    weights = ok["n"].fillna(0.0)
    if kind in ("proportion", "duration") and weights.sum() > 0:
        return float(np.average(ok[column], weights=weights))
    return float(ok[column].mean())


def phase_value(
    metric_table: pd.DataFrame,
    config: ProgramConfig,
    metric: str,
    phase: str,
    severity: str = "all",
) -> float:
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


def _by_service(rows: pd.DataFrame, t: Target) -> pd.DataFrame:
    """service, value (pooled over ``rows``), n; services without a value dropped, worst first."""
    kind = METRICS[t.metric].kind
    out = pd.DataFrame(
        [
            (s, _pool(g, "value", kind), float(np.nansum(g["n"])))
            for s, g in rows.groupby("service")
        ],
        columns=["service", "value", "n"],
    ).dropna(subset=["value"])
    return out.sort_values(["value", "service"], ascending=[t.op == ">=", True], kind="stable")


def _worst_series(rows: pd.DataFrame, t: Target) -> pd.DataFrame:
    """The worst service's value in each period (NaN where no service has one)."""
    worst = rows.groupby("period_start", sort=True)["value"].agg("min" if t.op == ">=" else "max")
    return pd.DataFrame({"period_start": worst.index, "value": worst.to_numpy()})


def _score(t: Target, table, per_service, config, when, phase, window, horizon, tol) -> dict:
    info = METRICS[t.metric]
    severity = t.severity or "all"
    every = t.applies_to == "every_service"
    overall = _series(table, t.metric, severity)
    rows = overall
    if every:  # no per-service rows given: nothing to judge
        rows = (
            _rows(per_service, t.metric, severity, None)
            if per_service is not None
            else overall.iloc[0:0]
        )
    series = _worst_series(rows, t) if every else overall
    notes: list[str] = []
    if every and per_service is None:
        notes.append("a target for every service needs per-service rows (by_service): not judged")
    if when is not None:
        scope, now = f"{when:%Y-%m-%d}", when
        cur, cur_all = rows[rows["period_start"] == when], overall[overall["period_start"] == when]
        if cur.empty and not notes:
            notes.append(f"no row for {scope}")
    else:
        scope = phase
        cur, cur_all = _in_phase(rows, config, phase), _in_phase(overall, config, phase)
        if cur is None:
            notes.append(f"no '{phase}' phase in program.yml")
            cur, cur_all = rows.iloc[0:0], overall.iloc[0:0]
            now = series["period_start"].max() if len(series) else None
        else:
            now = cur["period_start"].max() if len(cur) else pd.Timestamp(config.phase(phase).end)
    overall_value = _pool(cur_all, "value", info.kind)
    worst_service, judged, missed = "", 0, 0
    if every:
        services = _by_service(cur, t)
        judged, missed = len(services), int(sum(t.met(v) is False for v in services["value"]))
        value, n = (
            (float(services["value"].iloc[0]), int(services["n"].iloc[0]))
            if judged
            else (math.nan, 0)
        )
        worst_service = str(services["service"].iloc[0]) if judged else ""
    else:
        value, n = _pool(cur, "value", info.kind), int(np.nansum(cur["n"].to_numpy()))
    if math.isnan(value) and not notes:
        notes.append(f"no data in {scope}")
    base_rows = _in_phase(rows, config, "baseline")
    if base_rows is None:
        notes.append("no 'baseline' phase in program.yml")
        baseline = math.nan
    elif every:
        base = _by_service(base_rows, t)
        baseline = float(base["value"].iloc[0]) if len(base) else math.nan
    else:
        baseline = _pool(base_rows, "value", info.kind)
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
    still_open = int(np.nansum(cur["n_censored"].to_numpy()))
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
    if (
        t.metric in _KEY_OF
    ):  # a DORA metric: the band of the value shown (same rows, same statistic)
        band = band_for(t.metric, value, config.benchmark_year)
    return {
        "metric": t.metric,
        "label": info.label,
        "severity": severity,
        "unit": info.unit,
        "scope": scope,
        "value": value,
        "n": n,
        "target": t.threshold,
        "op": t.op,
        "met": met,
        "baseline": baseline,
        "trend": trend,
        "good_direction": "up" if info.higher_is_better else "down",
        "band": band,
        "on_track": on_track,
        "lower_bound": bool(still_open),
        "note": "; ".join(notes),
        "applies_to": t.applies_to,
        "overall_value": overall_value,
        "worst_service": worst_service,
        "services_judged": judged,
        "services_missed": missed,
    }
