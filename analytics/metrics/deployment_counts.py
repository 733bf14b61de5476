"""Deployment counts: the per-deployment base frame and the four count metrics of the metric
table (delivery throughput, production releases, deployment frequency, deployment days per
week). Definitions in docs/METRICS.md; pure functions, inputs never modified.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.catalog import DAYS_PER_WEEK, METRICS
from analytics.data.dataset import Dataset
from analytics.data.guards import require_columns
from analytics.metrics._common import (
    ALL,
    Calendar,
    Grid,
    cell_rows,
    combine_cells,
    period_positions,
    service_positions,
)
from analytics.metrics.presets import Preset
from analytics.periods import floor_dates

DEPLOYMENT_COLUMNS = ["deployment_id", "service", "environment", "finished_at", "status"]


def deployments_base(dataset: Dataset, cal: Calendar) -> pd.DataFrame:
    """One row per deployment: ids, service, environment, finished_at, status, kind,
    is_production, success and ``day`` (local date in ``cal``)."""
    dep = dataset.deployments
    require_columns(dep, DEPLOYMENT_COLUMNS, "deployments")
    kind = dep["kind"] if "kind" in dep.columns else pd.Series("regular", index=dep.index)
    out = pd.DataFrame(
        {
            "deployment_id": dep["deployment_id"],
            "service": dep["service"],
            "environment": dep["environment"],
            "finished_at": dep["finished_at"],
            "status": dep["status"],
            "kind": kind.fillna("regular").astype("str"),
        }
    )
    envs = [e.lower() for e in dataset.config.production_environments]
    out["is_production"] = out["environment"].str.lower().isin(envs).astype(bool)
    out["success"] = out["status"].eq("success").astype(bool)
    out["day"] = cal.day(out["finished_at"])
    return out.reset_index(drop=True)


def count_rows(
    dataset: Dataset, grid: Grid, p: Preset, cal: Calendar, by: str | None
) -> pd.DataFrame:
    """The four deployment-count metrics of ``delivery_rows``."""
    if by not in (None, "service"):
        raise ValueError(f"by must be None or 'service', got {by!r}")
    base = deployments_base(dataset, cal)
    scope = base["service"] if by == "service" else None
    cells = combine_cells(
        grid, period_positions(grid, base["day"], cal), service_positions(grid, scope, len(base))
    )
    days = grid.days.to_numpy()
    observed = _count_coverage(
        base if by == "service" else base.assign(service=ALL), grid, cal
    ).to_numpy()
    success = base["success"].to_numpy(bool)
    prod_ok = success & base["is_production"].to_numpy(bool)
    size = len(grid.index)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(cells[mask & (cells >= 0)], minlength=size).astype("float64")

    ok_cells = cells[prod_ok & (cells >= 0)]
    day_i8 = base["day"].to_numpy("datetime64[ns]").view(np.int64)[prod_ok & (cells >= 0)]
    distinct = pd.DataFrame({"c": ok_cells, "d": day_i8}).drop_duplicates()
    counts = pd.DataFrame(
        {
            "all_ok": count(success),
            "prod_ok": count(prod_ok),
            "prod_days": np.bincount(distinct["c"].to_numpy(), minlength=size).astype("float64"),
        }
    )
    counts = counts.where(np.broadcast_to(observed[:, None], counts.shape))
    n = pd.Series(np.where(observed, days, 0))
    unit_releases = f"releases/{grid.freq}"
    return pd.concat(
        [
            cell_rows(
                grid,
                pd.DataFrame({"value": counts["all_ok"] / days, "n": n}),
                "delivery_throughput_per_day",
                METRICS["delivery_throughput_per_day"].unit,
            ),
            cell_rows(
                grid,
                pd.DataFrame({"value": counts["prod_ok"], "n": n}),
                "production_releases",
                unit_releases,
            ),
            cell_rows(
                grid,
                pd.DataFrame({"value": counts["prod_ok"] / days, "n": n}),
                "deployment_frequency_per_day",
                METRICS["deployment_frequency_per_day"].unit,
            ),
            cell_rows(
                grid,
                pd.DataFrame({"value": counts["prod_days"] / (days / DAYS_PER_WEEK), "n": n}),
                "deployment_days_per_week",
                METRICS["deployment_days_per_week"].unit,
            ),
        ],
        ignore_index=True,
    )


def _count_coverage(base: pd.DataFrame, grid: Grid, cal: Calendar) -> pd.Series:
    """True for grid cells where a deployment count of 0 is a real zero."""
    index = grid.index
    if base.empty:
        return pd.Series(False, index=index)
    first, last = floor_dates(
        base["day"].agg(["min", "max"]).reset_index(drop=True), grid.freq, cal.week_start
    )
    period = index.get_level_values(0)
    in_span = (period >= first) & (period <= last)
    has_rows = index.get_level_values(1).isin(base["service"].unique())
    return pd.Series(in_span & has_rows, index=index)


__all__ = ["DEPLOYMENT_COLUMNS", "count_rows", "deployments_base"]
