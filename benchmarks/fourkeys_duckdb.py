"""Four Keys' own dashboard queries, run in DuckDB on the canonical tables, month by month.

An independent oracle for ``--preset fourkeys`` (tests/test_fourkeys_crosscheck.py). The SQL
follows dora-team/fourkeys, read at these files:

- ``queries/deployments.sql``: the ``four_keys.deployments`` table: successful deployments only,
  each with ``changes``, the commits its deploy event lists (``ARRAY_AGG(DISTINCT ...)``);
- ``queries/incidents.sql``: ``four_keys.incidents``: ``time_created`` is the earlier of the
  incident's creation and the deployment(s) whose change list holds its root-cause commit
  (``MIN(IF(root.time_created < issue.time_created, ...))``), ``time_resolved`` the latest
  resolution, ``changes`` the root-cause commit(s);
- ``dashboard/fourkeys_dashboard.json`` (Grafana): the panels "Lead Time for Changes"
  (``PERCENTILE_CONT`` of ``TIMESTAMP_DIFF(d.time_created, c.time_created, MINUTE)`` where
  > 0, over ``deployments d, d.changes LEFT JOIN changes c``), "Daily Deployments"
  (``COUNT(distinct deploy_id)``), "Daily Change Failure Rate" (``IF(COUNT(DISTINCT change_id)
  = 0, 0, SUM(IF(i.incident_id is NULL, 0, 1)) / COUNT(DISTINCT deploy_id))``, incidents joined
  on ``i.change = changes`` through ``SELECT DISTINCT incident_id, change, time_resolved``) and
  "Daily Median Time to Restore Services" (``PERCENTILE_CONT(TIMESTAMP_DIFF(time_resolved,
  time_created, HOUR), 0.5)``).

The panels bucket with ``TIMESTAMP_TRUNC(..., DAY)`` in UTC; here ``MONTH`` in UTC, the only
change. BigQuery's ``TIMESTAMP_DIFF`` counts whole elapsed units (truncated), which is DuckDB's
``date_sub``, not ``date_diff`` (that one counts boundaries crossed).

How the canonical tables become Four Keys' tables (the only modelling step; docs/METRICS.md):

- deployments: successful deployments to a production environment, ``time_created`` =
  ``finished_at``; their change list is the deployed head commit (``commit_sha``, else the
  deployment id: every deploy event has at least its own commit) plus the ``change_id`` of every
  change whose ``deployment_id`` names the deployment;
- changes: ``change_id``, ``time_created`` = ``committed_at``;
- incidents: ``time_created`` from ``opened_at``, ``time_resolved`` = ``resolved_at``; the
  root-cause commit is the head commit of the deployment that ``caused_by_deployment_id``
  names (none when it names none).
"""

from __future__ import annotations

import pandas as pd

TABLES = ("deployments", "changes", "incidents")

SQL = """
WITH
-- four_keys.deployments (queries/deployments.sql): successful deployments, production only.
fk_deployments AS (
  SELECT deployment_id AS deploy_id, finished_at AS time_created,
         coalesce(commit_sha, deployment_id) AS main_commit
  FROM deployments
  WHERE lower(status) = 'success' AND lower(trim(environment)) IN ({envs})
    AND finished_at IS NOT NULL
),
-- FROM four_keys.deployments d, d.changes: one row per (deployment, listed commit).
deploy_changes AS (
  SELECT deploy_id, time_created, main_commit AS changes FROM fk_deployments
  UNION
  SELECT d.deploy_id, d.time_created, c.change_id AS changes
  FROM fk_deployments d JOIN changes c ON c.deployment_id = d.deploy_id
),
-- four_keys.changes (queries/changes.sql): one row per commit.
fk_changes AS (
  SELECT change_id, committed_at AS time_created FROM changes
),
-- The root cause an incident names: the commit of the deployment it names.
issue AS (
  SELECT i.incident_id, i.opened_at AS time_created, i.resolved_at AS time_resolved,
         coalesce(d.commit_sha, d.deployment_id) AS root_cause
  FROM incidents i LEFT JOIN deployments d ON d.deployment_id = i.caused_by_deployment_id
),
-- four_keys.incidents (queries/incidents.sql), GROUP BY incident.
fk_incidents AS (
  SELECT issue.incident_id,
    min(IF(root.time_created < issue.time_created, root.time_created, issue.time_created))
      AS time_created,
    max(time_resolved) AS time_resolved,
    list(root_cause) FILTER (WHERE root_cause IS NOT NULL) AS changes
  FROM issue
  LEFT JOIN (SELECT time_created, changes FROM deploy_changes) root
    ON root.changes = issue.root_cause
  GROUP BY issue.incident_id
),
incident_changes AS (
  SELECT DISTINCT incident_id, change, time_resolved
  FROM (SELECT incident_id, unnest(changes) AS change, time_resolved FROM fk_incidents)
),
-- "Lead Time for Changes", by month: median minutes, automated pushes (<= 0) ignored.
lead_time AS (
  SELECT month, any_value(med_time_to_change) AS median_minutes
  FROM (
    SELECT
      date_trunc('month', d.time_created) AS month,
      quantile_cont(
        IF(date_sub('minute', c.time_created, d.time_created) > 0,
           date_sub('minute', c.time_created, d.time_created), NULL), 0.5)
        OVER (PARTITION BY date_trunc('month', d.time_created)) AS med_time_to_change
    FROM deploy_changes d LEFT JOIN fk_changes c ON d.changes = c.change_id
  )
  GROUP BY month
),
-- "Daily Deployments", by month.
deployment_count AS (
  SELECT date_trunc('month', time_created) AS month, count(DISTINCT deploy_id) AS deployments
  FROM fk_deployments GROUP BY month
),
-- "Daily Change Failure Rate", by month.
failure_rate AS (
  SELECT date_trunc('month', d.time_created) AS month,
    IF(count(DISTINCT c.change_id) = 0, 0,
       sum(IF(i.incident_id IS NULL, 0, 1)) / count(DISTINCT d.deploy_id)) AS change_fail_rate
  FROM deploy_changes d
  LEFT JOIN fk_changes c ON d.changes = c.change_id
  LEFT JOIN incident_changes i ON i.change = d.changes
  GROUP BY month
),
-- "Daily Median Time to Restore Services", by month (open incidents give NULL: ignored).
restore AS (
  SELECT month, any_value(med) AS median_hours
  FROM (
    SELECT date_trunc('month', time_created) AS month,
      quantile_cont(date_sub('hour', time_created, time_resolved), 0.5)
        OVER (PARTITION BY date_trunc('month', time_created)) AS med
    FROM fk_incidents
  )
  GROUP BY month
)
SELECT month, deployments, median_minutes, change_fail_rate, median_hours
FROM deployment_count
FULL JOIN lead_time USING (month)
FULL JOIN failure_rate USING (month)
FULL JOIN restore USING (month)
ORDER BY month
"""


def fourkeys_monthly(dataset, con=None) -> pd.DataFrame:
    """Four Keys' dashboard figures per UTC month of ``dataset`` (an ``analytics.Dataset``).

    Returns
    -------
    DataFrame
        ``month`` (tz-naive month start, UTC), ``deployments`` (count), ``median_minutes``
        (lead time), ``change_fail_rate`` and ``median_hours`` (time to restore, whole hours);
        a month without any figure of a kind has NaN there (the dashboard shows 0).
    """
    import duckdb

    con = con or duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # BigQuery's TIMESTAMP_TRUNC works in UTC
    envs = ", ".join(
        "'" + e.strip().lower().replace("'", "''") + "'"
        for e in dataset.config.production_environments
    )
    for t in TABLES:
        con.register(t, _with_columns(dataset.table(t), t))
    try:
        out = con.execute(SQL.format(envs=envs)).df()
    finally:
        for t in TABLES:
            con.unregister(t)
    out["month"] = pd.to_datetime(out["month"]).dt.tz_localize(None).astype("datetime64[ns]")
    return out


_OPTIONAL = {
    "deployments": ("commit_sha",),
    "changes": ("deployment_id",),
    "incidents": ("resolved_at", "caused_by_deployment_id"),
}


def _with_columns(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """The frame with its optional columns present (all missing when the export has none)."""
    missing = [c for c in _OPTIONAL[table] if c not in frame.columns]
    if not missing:
        return frame
    extra = {
        c: pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
        if c.endswith("_at")
        else pd.Series(pd.NA, index=frame.index, dtype="str")
        for c in missing
    }
    return frame.assign(**extra)
