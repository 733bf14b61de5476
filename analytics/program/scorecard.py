"""The program's targets scorecard: value, target, met, baseline, trend, DORA band, on track.

Reads the metric table (``analytics.metrics.metric_table``), and its per-service rows for
targets that apply to every service; bands come from ``analytics.program.dora``. Pure
functions: no I/O, inputs never modified; each target's row is judged step by step in
``analytics.program.target_rows``. ``analytics.wording.targets`` words a scorecard for
readers (its helpers are re-exported here).
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from analytics.catalog import METRICS
from analytics.config import ProgramConfig
from analytics.data.guards import require_columns
from analytics.program.dora import _is_empty
from analytics.program.target_rows import Judging, in_phase, pool, score, series_rows
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
    judging = Judging(config, when, phase, window, horizon, flat_tolerance)
    rows = [score(t, table, per_service, judging) for t in targets]
    out = pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
    for col in ("met", "on_track"):  # keep True/False/None, never numpy bools
        out[col] = pd.Series([r[col] for r in rows], index=out.index, dtype="object")
    return out


def _checked(table: pd.DataFrame | None) -> pd.DataFrame:
    if _is_empty(table):
        return pd.DataFrame(columns=_REQUIRED)
    require_columns(table, _REQUIRED, "metric_table")
    return table


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
    rows = in_phase(series_rows(metric_table, metric, severity, "all"), config, phase)
    if rows is None or rows.empty:
        return math.nan
    return pool(rows, "value", METRICS[metric].kind)
