"""The monthly metric table in DuckDB SQL, for the side-by-side benchmark and cross-check.

One query in the style of Four Keys' dashboard queries (dora-team/fourkeys ``queries/*.sql``): a
pipeline of named CTEs over the canonical tables, one CTE per step, each commented with the rule
it applies. It computes every metric of ``analytics.metrics.metric_table`` under the ``default``
preset (docs/METRICS.md): delivery throughput, production releases, deployment frequency,
deployment days per week, lead time (explicit link, carried forward, or by service and time,
via ``ASOF JOIN``), change failure rate (failed, rolled back, followed by a fix, or linked to an
incident), rework rate, time to restore (mean; Kaplan-Meier median and P90 when incidents are
still open), unit-test pass rate and test coverage; for every period and service of the grid.

Use::

    con = duckdb.connect()
    table = duckdb_metric_table(dataset, con=con)            # same columns as metric_table
    bad = compare(metric_table(dataset, "month", "service"), table)   # empty when they agree

Two documented assumptions, which the loader and the bundled exports satisfy: deployment ids are
unique; among production deployments of one service finished at the same instant, the incident
link goes to the largest id (our rule says the last row; exports number rows in order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.metrics.presets import DEFAULT

TABLES = ("deployments", "changes", "incidents", "test_runs")
KEYS = ["period_start", "service", "severity", "metric"]
NUMBERS = ["value", "n", "median", "p90", "mean", "n_censored"]

_PERIOD = {
    "day": "{d}",
    "week": "CAST(date_trunc('week', {d}) AS DATE)",  # ISO weeks start on Monday
    "week_sunday": "CAST({d} - CAST(dayofweek({d}) AS INTEGER) AS DATE)",
    "month": "CAST(date_trunc('month', {d}) AS DATE)",
}
_STEP = {"day": "INTERVAL 1 DAY", "week": "INTERVAL 7 DAY", "month": "INTERVAL 1 MONTH"}
_DAYS = {"day": "1", "week": "7", "month": "day(last_day(period_start))"}

SQL = """
WITH
-- Deployments, one row each: production? successful? local day (deployments_base).
deployments_base AS (
  SELECT
    deployment_id, service, status, finished_at,
    coalesce(kind, 'regular') AS kind,
    coalesce(lower(environment) IN ({envs}), false) AS is_production,
    coalesce(status = 'success', false) AS success,
    CAST(timezone('{tz}', finished_at) AS DATE) AS day
  FROM deployments
),
-- The calendar: every period from the first to the last local date of the events.
event_days AS (
  SELECT day FROM deployments_base
  UNION ALL SELECT CAST(timezone('{tz}', opened_at) AS DATE) FROM incidents
  UNION ALL SELECT CAST(timezone('{tz}', finished_at) AS DATE) FROM test_runs
),
periods AS (
  SELECT CAST(unnest(generate_series({period_min}, {period_max}, {step})) AS DATE) AS period_start
  FROM (SELECT min(day) AS lo, max(day) AS hi FROM event_days)
),
services AS ({services}),
severities AS (
  SELECT 'all' AS severity
  UNION ALL SELECT DISTINCT severity FROM incidents WHERE severity IS NOT NULL
),
grid AS (
  SELECT period_start, service, {days} AS days FROM periods CROSS JOIN services
),

-- Delivery: successful deployments (any environment), production releases, release days.
deployment_counts AS (
  SELECT
    {period_day} AS period_start, {scope} AS service,
    count(*) FILTER (WHERE success) AS all_ok,
    count(*) FILTER (WHERE success AND is_production) AS prod_ok,
    count(DISTINCT day) FILTER (WHERE success AND is_production) AS prod_days
  FROM deployments_base
  GROUP BY ALL
),
-- A count is a real 0 inside the deployments' date span, for a scope that has deployments.
deployment_span AS (
  SELECT {period_min_day} AS first_period, {period_max_day} AS last_period FROM deployments_base
),
deployed_scopes AS (SELECT DISTINCT {scope} AS service FROM deployments_base),
delivery AS (
  SELECT
    g.period_start, g.service, g.days,
    coalesce(g.period_start BETWEEN s.first_period AND s.last_period
             AND g.service IN (SELECT service FROM deployed_scopes), false) AS observed,
    coalesce(c.all_ok, 0) AS all_ok, coalesce(c.prod_ok, 0) AS prod_ok,
    coalesce(c.prod_days, 0) AS prod_days
  FROM grid g CROSS JOIN deployment_span s
  LEFT JOIN deployment_counts c USING (period_start, service)
),

-- Lead time: the production deployment that shipped each change.
production AS (
  SELECT deployment_id, service, finished_at FROM deployments_base
  WHERE is_production AND success AND service IS NOT NULL AND finished_at IS NOT NULL
    AND deployment_id IS NOT NULL
),
named AS (  -- the deployment a change names, when it exists (rule 1)
  SELECT
    c.service, c.committed_at, coalesce(c.merged_at, c.committed_at) AS t,
    d.deployment_id IS NOT NULL AS known,
    coalesce(d.is_production AND d.success, false) AS good,
    d.finished_at AS named_finished_at,
    coalesce(c.service, d.service) AS named_service
  FROM changes c LEFT JOIN deployments_base d ON c.deployment_id = d.deployment_id
),
shipped AS (
  -- 1. explicit: the named deployment is a successful production one
  SELECT service, committed_at, named_finished_at AS deployed_at FROM named WHERE known AND good
  UNION ALL
  -- 1. explicit, carried forward: the first production deployment at or after the named one
  SELECT n.service, n.committed_at, p.finished_at
  FROM (SELECT * FROM named WHERE known AND NOT good) n
  ASOF JOIN production p ON n.named_service = p.service AND n.named_finished_at <= p.finished_at
  UNION ALL
  -- 3. service and time: the first production deployment at or after the merge (or commit)
  SELECT n.service, n.committed_at, p.finished_at
  FROM (SELECT * FROM named WHERE NOT known) n
  ASOF JOIN production p ON n.service = p.service AND n.t <= p.finished_at
),
lead_times AS (
  SELECT
    {period_deployed} AS period_start, {scope} AS service,
    (epoch_us(deployed_at) - epoch_us(committed_at)) / 3600e6 AS lead_time_hours
  FROM shipped
  WHERE deployed_at >= committed_at
),
lead_stats AS (
  SELECT
    period_start, service, count(*) AS n, avg(lead_time_hours) AS mean,
    quantile_cont(lead_time_hours, 0.5) AS median, quantile_cont(lead_time_hours, 0.9) AS p90
  FROM lead_times
  GROUP BY ALL
),

-- Change failure rate and rework rate: production attempts (cancelled ones left out).
attempts AS (
  SELECT
    *,
    lead(kind) OVER w AS next_kind,
    lead(finished_at) OVER w AS next_finished_at
  FROM deployments_base
  WHERE is_production AND status <> 'cancelled'
  WINDOW w AS (PARTITION BY service ORDER BY finished_at, deployment_id)
),
production_last AS (  -- one row per service and finish time
  SELECT service, finished_at, max(deployment_id) AS deployment_id FROM production GROUP BY ALL
),
incident_named AS (
  SELECT i.service, i.opened_at, d.deployment_id AS explicit_id
  FROM incidents i LEFT JOIN deployments d ON i.caused_by_deployment_id = d.deployment_id
),
incident_links AS (
  -- explicit: caused_by_deployment_id names a known deployment
  SELECT explicit_id AS deployment_id FROM incident_named WHERE explicit_id IS NOT NULL
  UNION ALL
  -- previous: the last production deployment of the service before the incident, in the window
  SELECT p.deployment_id
  FROM (SELECT * FROM incident_named WHERE explicit_id IS NULL) i
  ASOF JOIN production_last p ON i.service = p.service AND i.opened_at > p.finished_at
  WHERE epoch_us(i.opened_at) - epoch_us(p.finished_at) <= {window_us}
),
incident_counts AS (
  SELECT deployment_id, count(*) AS incidents FROM incident_links GROUP BY ALL
),
facts AS (
  SELECT
    a.day, a.service,
    (a.status IN ('failed', 'rolled_back')
     OR coalesce(a.next_kind IN ({fix_kinds})
                 AND epoch_us(a.next_finished_at) - epoch_us(a.finished_at) <= {fix_window_us}, false)
     OR coalesce(ic.incidents, 0) > 0) AS failed_change,
    a.kind IN ('hotfix', 'rollback') AS rework
  FROM attempts a LEFT JOIN incident_counts ic USING (deployment_id)
),
stability_stats AS (
  SELECT
    {period_day} AS period_start, {scope} AS service, count(*) AS n,
    avg(CAST(failed_change AS DOUBLE)) AS cfr, avg(CAST(rework AS DOUBLE)) AS rework
  FROM facts
  GROUP BY ALL
),

-- Time to restore: still-open incidents censored at the latest timestamp of the data.
as_of AS (SELECT max(t) AS t FROM ({latest})),
restore AS (
  SELECT
    {period_opened} AS period_start, {incident_scope} AS service, severity,
    (resolved_at IS NULL OR resolved_at > a.t) AS censored,
    (epoch_us(CASE WHEN resolved_at IS NULL OR resolved_at > a.t THEN a.t ELSE resolved_at END)
     - epoch_us(coalesce(impact_started_at, opened_at))) / 3600e6 AS restore_hours
  FROM incidents i CROSS JOIN as_of a
  WHERE opened_at <= a.t
),
restore_by_severity AS (
  SELECT period_start, service, 'all' AS severity, censored, restore_hours FROM restore
  UNION ALL
  SELECT period_start, service, severity, censored, restore_hours FROM restore
),
kaplan_meier AS (  -- survival after each row, events before censorings at equal times
  SELECT
    *,
    product(1.0 - CAST(NOT censored AS DOUBLE) / at_risk) OVER (
      PARTITION BY period_start, service, severity ORDER BY restore_hours, censored, position
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS survival
  FROM (
    SELECT
      *,
      count(*) OVER g - row_number() OVER (g ORDER BY restore_hours, censored) + 1 AS at_risk,
      row_number() OVER (g ORDER BY restore_hours, censored) AS position
    FROM restore_by_severity
    WINDOW g AS (PARTITION BY period_start, service, severity)
  )
),
restore_stats AS (
  SELECT
    period_start, service, severity, count(*) AS n,
    count(*) FILTER (WHERE censored) AS n_censored,
    avg(restore_hours) AS mean,
    CASE WHEN count(*) FILTER (WHERE censored) > 0
      THEN min(restore_hours) FILTER (WHERE NOT censored AND survival <= 0.5 + 1e-12)
      ELSE quantile_cont(restore_hours, 0.5) END AS median,
    CASE WHEN count(*) FILTER (WHERE censored) > 0
      THEN min(restore_hours) FILTER (WHERE NOT censored AND survival <= 0.1 + 1e-12)
      ELSE quantile_cont(restore_hours, 0.9) END AS p90
  FROM kaplan_meier
  GROUP BY ALL
),

-- Quality: unit-test pass rate (pooled) and coverage (last covered run per service).
unit_runs AS (
  SELECT
    {period_finished} AS period_start, {scope} AS service,
    sum(coalesce(tests_passed, 0)) AS passed, sum(coalesce(tests_failed, 0)) AS failed
  FROM test_runs
  WHERE coalesce(suite, 'unit') = 'unit'
  GROUP BY ALL
),
last_covered AS (
  SELECT
    {period_finished} AS period_start, service,
    arg_max(coverage, (finished_at, run_id)) AS coverage
  FROM test_runs
  WHERE coverage IS NOT NULL
  GROUP BY ALL
),
coverage_stats AS (
  SELECT period_start, {scope} AS service, count(*) AS n, avg(coverage) AS value
  FROM last_covered
  GROUP BY ALL
),

-- The long table: every metric for every grid cell (NULL value and n = 0 without data).
metric_rows AS (
  SELECT period_start, service, 'all' AS severity, 'delivery_throughput_per_day' AS metric,
    CASE WHEN observed THEN all_ok / days END AS value, CASE WHEN observed THEN days ELSE 0 END AS n,
    NULL AS median, NULL AS p90, NULL AS mean, 0 AS n_censored
  FROM delivery
  UNION ALL
  SELECT period_start, service, 'all', 'production_releases',
    CASE WHEN observed THEN prod_ok END, CASE WHEN observed THEN days ELSE 0 END, NULL, NULL, NULL, 0
  FROM delivery
  UNION ALL
  SELECT period_start, service, 'all', 'deployment_frequency_per_day',
    CASE WHEN observed THEN prod_ok / days END, CASE WHEN observed THEN days ELSE 0 END,
    NULL, NULL, NULL, 0
  FROM delivery
  UNION ALL
  SELECT period_start, service, 'all', 'deployment_days_per_week',
    CASE WHEN observed THEN prod_days / (days / 7) END, CASE WHEN observed THEN days ELSE 0 END,
    NULL, NULL, NULL, 0
  FROM delivery
  UNION ALL
  SELECT g.period_start, g.service, 'all', 'lead_time_hours',
    s.median, coalesce(s.n, 0), s.median, s.p90, s.mean, 0
  FROM grid g LEFT JOIN lead_stats s USING (period_start, service)
  UNION ALL
  SELECT g.period_start, g.service, 'all', 'change_failure_rate',
    s.cfr, coalesce(s.n, 0), NULL, NULL, NULL, 0
  FROM grid g LEFT JOIN stability_stats s USING (period_start, service)
  UNION ALL
  SELECT g.period_start, g.service, 'all', 'rework_rate',
    s.rework, coalesce(s.n, 0), NULL, NULL, NULL, 0
  FROM grid g LEFT JOIN stability_stats s USING (period_start, service)
  UNION ALL
  SELECT g.period_start, g.service, v.severity, 'time_to_restore_hours',
    s.mean, coalesce(s.n, 0), s.median, s.p90, s.mean, coalesce(s.n_censored, 0)
  FROM grid g CROSS JOIN severities v
  LEFT JOIN restore_stats s ON s.period_start = g.period_start AND s.service = g.service
    AND s.severity = v.severity
  UNION ALL
  SELECT g.period_start, g.service, 'all', 'unit_test_pass_rate',
    CASE WHEN passed + failed > 0 THEN passed / (passed + failed) END,
    CASE WHEN passed + failed > 0 THEN passed + failed ELSE 0 END, NULL, NULL, NULL, 0
  FROM grid g LEFT JOIN unit_runs u USING (period_start, service)
  UNION ALL
  SELECT g.period_start, g.service, 'all', 'test_coverage',
    s.value, coalesce(s.n, 0), NULL, NULL, NULL, 0
  FROM grid g LEFT JOIN coverage_stats s USING (period_start, service)
)
SELECT
  CAST(period_start AS TIMESTAMP) AS period_start, service, severity, metric,
  CAST(value AS DOUBLE) AS value, CAST(n AS BIGINT) AS n,
  CAST(median AS DOUBLE) AS median, CAST(p90 AS DOUBLE) AS p90, CAST(mean AS DOUBLE) AS mean,
  CAST(n_censored AS BIGINT) AS n_censored
FROM metric_rows
"""


def _quote(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def metrics_sql(dataset, freq: str = "month", by: str | None = "service") -> str:
    """The query for ``dataset``'s program settings (time zone, week start, production
    environments, link window) at ``freq`` (``day``, ``week``, ``month``) and scope ``by``."""
    if freq not in _STEP:
        raise ValueError(f"freq must be day, week or month, got {freq!r}")
    config = dataset.config
    tz, week_start = DEFAULT.calendar(config)
    key = "week_sunday" if freq == "week" and week_start == "sunday" else freq

    def period(day_expr: str) -> str:
        return _PERIOD[key].format(d=day_expr)

    def local(column: str) -> str:
        return f"CAST(timezone('{tz}', {column}) AS DATE)"

    if by == "service":
        tables = " UNION ".join(
            f"SELECT service FROM {t} WHERE service IS NOT NULL" for t in TABLES
        )
        services = (
            f"{tables} UNION SELECT '(unassigned)' AS service "
            "WHERE EXISTS (SELECT 1 FROM incidents WHERE service IS NULL)"
        )
        scope, incident_scope = "service", "coalesce(service, '(unassigned)')"
    elif by is None:
        services, scope, incident_scope = "SELECT 'all' AS service", "'all'", "'all'"
    else:
        raise ValueError(f"by must be None or 'service', got {by!r}")
    latest = " UNION ALL ".join(
        f"SELECT max({c}) AS t FROM {t}"
        for t in TABLES
        for c in dataset.table(t).columns
        if isinstance(dataset.table(t)[c].dtype, pd.DatetimeTZDtype)
    )
    window_h = DEFAULT.link_window_hours(config)
    envs = ", ".join(_quote(e.lower()) for e in config.production_environments)
    return SQL.format(
        envs=envs,
        tz=tz,
        step=_STEP[freq],
        services=services,
        scope=scope,
        incident_scope=incident_scope,
        days=_DAYS[freq].format(),
        period_min=period("lo"),
        period_max=period("hi"),
        period_min_day=period("min(day)"),
        period_max_day=period("max(day)"),
        period_day=period("day"),
        period_deployed=period(local("deployed_at")),
        period_opened=period(local("opened_at")),
        period_finished=period(local("finished_at")),
        window_us=f"{float(window_h) * 3600e6:.1f}" if np.isfinite(window_h) else "9e18",
        fix_kinds=", ".join(_quote(k) for k in DEFAULT.followup_kinds),
        fix_window_us=f"{DEFAULT.followup_window_hours * 3600e6:.1f}",
        latest=latest,
    )


def duckdb_metric_table(
    dataset, freq: str = "month", by: str | None = "service", con=None
) -> pd.DataFrame:
    """``metric_table(dataset, freq, by)`` (default preset) computed by DuckDB on the same frames.

    The Dataset's frames are scanned in place (registered, not copied). Returns the numeric
    columns of the metric table (no ``unit``), in no particular order.
    """
    import duckdb

    con = con or duckdb.connect()
    for t in TABLES:
        con.register(t, dataset.table(t))
    try:
        return con.execute(metrics_sql(dataset, freq, by)).df()
    finally:
        for t in TABLES:
            con.unregister(t)


def compare(
    ours: pd.DataFrame, theirs: pd.DataFrame, rtol: float = 1e-9, atol: float = 1e-9
) -> pd.DataFrame:
    """Rows where the two metric tables disagree (missing on one side, or a number differs
    beyond ``rtol``/``atol``; NaN equals NaN). Empty when they agree."""
    left = ours[KEYS + NUMBERS].copy()
    right = theirs[KEYS + NUMBERS].copy()
    for frame in (left, right):
        frame["period_start"] = pd.to_datetime(frame["period_start"]).astype("datetime64[ns]")
        for c in ("service", "severity", "metric"):
            frame[c] = frame[c].astype("str")
    merged = left.merge(right, on=KEYS, how="outer", suffixes=("", "_sql"), indicator=True)
    bad = merged["_merge"] != "both"
    for c in NUMBERS:
        a = merged[c].to_numpy("float64", na_value=np.nan)
        b = merged[c + "_sql"].to_numpy("float64", na_value=np.nan)
        same = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
        bad |= ~same
    return merged[bad.to_numpy()]
