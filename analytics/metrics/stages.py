"""Lead time in stages: coding, pickup, review and deploy, for changes with pull-request data.

Per change shipped to production (``lead_times``), from the canonical ``changes`` columns:

- **coding**: ``authored_at`` (else ``committed_at``) -> ``pr_opened_at``;
- **pickup**: ``pr_opened_at`` -> ``first_review_at`` (the first review by someone else);
- **review**: ``first_review_at`` -> ``merged_at``;
- **deploy**: ``merged_at`` -> the production deployment that shipped the change.

The data contract has no first-review time, so with canonical data pickup is missing and
**review** runs from ``pr_opened_at`` to ``merged_at`` (pickup and review together); a frame
that carries ``first_review_at`` (e.g. built from a PR export in Python) splits them. The
stages are those of DevLake's PR cycle time (``analytics/metrics/pr_cycle.py``) in exact hours,
not rounded. A negative span (a data error) is missing; a change without ``pr_opened_at`` or
``merged_at`` has only its deploy stage (when merged) and its lead time.
See docs/METRICS.md ("Lead time in stages").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.data.dataset import Dataset
from analytics.data.schema import UTC_NS
from analytics.metrics.delivery import lead_times
from analytics.metrics.presets import Preset

STAGES: tuple[str, ...] = ("coding", "pickup", "review", "deploy")
STAGE_COLUMNS = [f"{s}_hours" for s in STAGES]
_NS_PER_HOUR = 3_600_000_000_000


def _hours(start: pd.Series, end: pd.Series) -> pd.Series:
    """``end - start`` in hours; negative or missing spans are NaN."""
    delta = (end - start) / pd.Timedelta(hours=1)
    return delta.astype(float).where(delta >= 0)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NaT, index=frame.index, dtype=UTC_NS)


def lead_time_stages(dataset: Dataset, preset: str | Preset | None = None) -> pd.DataFrame:
    """The stages of each shipped change's lead time, in hours.

    Parameters
    ----------
    dataset
        needs ``changes`` (change_id, committed_at; authored_at, pr_opened_at, merged_at when
        known; first_review_at when present) and ``deployments``.
    preset
        definitions preset for the lead time and the calendar (None: the program's).

    Returns
    -------
    DataFrame
        change_id, service, deployment_id, day (local date of the deployment),
        coding_hours, pickup_hours, review_hours, deploy_hours (NaN when unknown),
        lead_time_hours, has_pr (pr_opened_at and merged_at both known).

    Examples
    --------
    >>> import analytics
    >>> lead_time_stages(analytics.Dataset.from_tables({})).empty
    True
    """
    lead = lead_times(dataset, preset)
    changes = dataset.changes.drop_duplicates("change_id")
    m = lead[["change_id", "service", "deployment_id", "day", "deployed_at", "lead_time_hours"]]
    m = m.merge(changes.drop(columns=["service", "deployment_id"]), on="change_id", how="left")
    opened, merged = _column(m, "pr_opened_at"), _column(m, "merged_at")
    review_start = _column(m, "first_review_at")
    started = _column(m, "authored_at").fillna(m["committed_at"])
    has_review = review_start.notna()
    out = m[["change_id", "service", "deployment_id", "day"]].copy()
    out["coding_hours"] = _hours(started, opened)
    out["pickup_hours"] = _hours(opened, review_start)
    out["review_hours"] = _hours(review_start.where(has_review, opened), merged)
    out["deploy_hours"] = _hours(merged, m["deployed_at"])
    out["lead_time_hours"] = m["lead_time_hours"].to_numpy()
    out["has_pr"] = (opened.notna() & merged.notna()).to_numpy()
    return out.reset_index(drop=True)


def stage_summary(stages: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Median and P90 of each stage (and of the lead time), per value of ``by``.

    Only changes with pull-request data (``has_pr``) count; quantiles are interpolated
    (linear), NaN when a stage has no value in the group.

    Returns
    -------
    DataFrame
        ``by`` (when given), stage (coding, pickup, review, deploy, lead_time), median_hours,
        p90_hours, n (changes with a value for the stage).

    >>> s = pd.DataFrame({"coding_hours": [1.0, 3.0], "pickup_hours": [np.nan, np.nan],
    ...     "review_hours": [2.0, 4.0], "deploy_hours": [1.0, 1.0],
    ...     "lead_time_hours": [4.0, 8.0], "has_pr": [True, True]})
    >>> stage_summary(s).set_index("stage").loc["coding", "median_hours"]
    np.float64(2.0)
    """
    rows = stages[stages["has_pr"]]
    groups = rows.groupby(by, sort=False) if by else [(None, rows)]
    out = []
    for key, part in groups:
        for stage, column in zip(
            (*STAGES, "lead_time"), (*STAGE_COLUMNS, "lead_time_hours"), strict=True
        ):
            values = part[column].dropna().to_numpy(dtype=float)
            out.append(
                {
                    **({by: key} if by else {}),
                    "stage": stage,
                    "median_hours": float(np.median(values)) if len(values) else np.nan,
                    "p90_hours": float(np.quantile(values, 0.9)) if len(values) else np.nan,
                    "n": len(values),
                }
            )
    columns = [by] if by else []
    return pd.DataFrame(out, columns=[*columns, "stage", "median_hours", "p90_hours", "n"])
