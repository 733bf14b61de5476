"""The deployment-frequency bucket a peer tool shows (Four Keys' Daily/Weekly/Monthly/Yearly,
DevLake's elite/high/medium/low). Definitions in docs/METRICS.md.
"""

from __future__ import annotations

import pandas as pd

from analytics.data.dataset import Dataset
from analytics.metrics._common import date_span, resolve
from analytics.metrics.deployment_counts import deployments_base
from analytics.metrics.presets import Preset
from analytics.periods import floor_dates


def deployment_frequency_band(
    dataset: Dataset,
    preset: str | Preset | None = None,
    end=None,
    services: list[str] | None = None,
) -> str | None:
    """The deployment-frequency bucket a peer tool would show (fourkeys or devlake preset).

    Parameters
    ----------
    dataset
        needs ``deployments``.
    preset
        ``"fourkeys"`` (Daily / Weekly / Monthly / Yearly over the last 3 months) or
        ``"devlake"`` (elite / high / medium / low, 2023 benchmarks, last 6 months).
    end
        last local date of the window (default: the dataset's last date).
    services
        restrict to these services.

    Returns
    -------
    str or None
        the bucket, or None when the dataset has no dates. See docs/METRICS.md.

    Raises
    ------
    ValueError
        for the default preset (classify with analytics.program.dora instead).
    """
    p, cal = resolve(dataset, preset)
    if p.band is None:
        raise ValueError(f"preset {p.name!r} has no deployment-frequency buckets of its own")
    band = p.band
    ds = dataset.filter_services(services)
    base = deployments_base(ds, cal)
    dep_days = pd.Index(base.loc[base["is_production"] & base["success"], "day"].unique())
    span = date_span(ds, cal)
    if span is None:
        return None
    last = pd.Timestamp(end).normalize() if end is not None else span[1]
    first = max(last - pd.DateOffset(months=band.window_months), span[0])
    days = pd.Series(pd.date_range(first, last, freq="D"))
    frame = pd.DataFrame({"day": days, "deployed": days.isin(dep_days).to_numpy()})
    frame["week"] = floor_dates(frame["day"], "week", cal.week_start)
    weeks = frame.groupby("week").agg(
        week_deployed=("deployed", "max"), days_deployed=("deployed", "sum")
    )
    weeks = weeks.astype("float64")

    def median(values: pd.Series) -> float:
        return float(values.quantile(0.5, interpolation=p.quantile))

    if median(weeks["days_deployed"]) >= band.days_per_week:
        return band.labels[0]
    if median(weeks[band.weekly_statistic]) >= band.weekly_threshold:
        return band.labels[1]
    if band.monthly_statistic == "weeks_deployed":  # Four Keys: per week row, its month's sum
        month_of_week = floor_dates(weeks.index.to_series(), "month")
        per_month = weeks["week_deployed"].groupby(month_of_week.to_numpy()).transform("sum")
    else:  # DevLake: any deployment in the calendar month
        per_month = (
            frame.groupby(floor_dates(frame["day"], "month"))["deployed"].max().astype(float)
        )
    if len(per_month) and median(per_month) >= 1:
        return band.labels[2]
    return band.labels[3]


__all__ = ["deployment_frequency_band"]
