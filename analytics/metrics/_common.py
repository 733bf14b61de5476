"""Shared plumbing of the metric modules: calendars, column guards, quantiles (Kaplan–Meier ones
from analytics.stats.survival).

Nothing here is a metric; see docs/METRICS.md for those.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from analytics.catalog import MINUTES_PER_HOUR, SECONDS_PER_HOUR
from analytics.data.dataset import Dataset
from analytics.metrics._keys import text_codes
from analytics.metrics.presets import Preset, get_preset
from analytics.periods import days_in_period, floor_dates, local_day, period_range, period_start
from analytics.stats.survival import km_quantiles

ALL = "all"
KEYS = ["period_start", "service"]


@dataclass(frozen=True)
class Calendar:
    """Where days begin and weeks start for one computation (program config + preset)."""

    timezone: str
    week_start: str

    def day(self, ts: pd.Series) -> pd.Series:
        """Local calendar day (tz-naive midnight) of each UTC timestamp."""
        return local_day(ts, self.timezone)

    def period(self, ts: pd.Series, freq: str) -> pd.Series:
        return period_start(ts, freq, self.timezone, self.week_start)


def resolve(dataset: Dataset, preset: str | Preset | None) -> tuple[Preset, Calendar]:
    """The preset (None: the program's ``definitions``) and its calendar."""
    p = get_preset(preset, dataset.config)
    tz, week_start = p.calendar(dataset.config)
    return p, Calendar(tz, week_start)


def date_span(dataset: Dataset, cal: Calendar) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """``Dataset.date_range`` (first and last local date of the events) in ``cal``'s time zone."""
    return replace(dataset, config=replace(dataset.config, timezone=cal.timezone)).date_range()


def periods(dataset: Dataset, freq: str, cal: Calendar) -> pd.DatetimeIndex:
    """Every period start over the dataset's date range in ``cal`` (empty when no data)."""
    span = date_span(dataset, cal)
    if span is None:
        return pd.DatetimeIndex([], name="period_start", dtype="datetime64[ns]")
    return period_range(span[0], span[1], freq, cal.week_start)


def hours(delta: pd.Series, rounding: str = "exact") -> pd.Series:
    """Timedeltas as float hours, rounded per a preset (``exact``, ``trunc_minutes``,
    ``ceil_minutes`` or ``trunc_hours``); NaT gives NaN."""
    seconds = _total_seconds(delta)
    if rounding == "exact":
        return seconds / SECONDS_PER_HOUR
    if rounding == "trunc_minutes":
        return np.trunc(seconds / 60) / MINUTES_PER_HOUR
    if rounding == "ceil_minutes":
        return np.ceil(seconds / 60) / MINUTES_PER_HOUR
    if rounding == "trunc_hours":
        return np.trunc(seconds / SECONDS_PER_HOUR)
    raise ValueError(f"unknown rounding {rounding!r}")


def _total_seconds(delta: pd.Series) -> pd.Series:
    """``delta.dt.total_seconds()`` as float64 (the same division, without pandas' overhead)."""
    if delta.dtype != "timedelta64[ns]":
        return delta.dt.total_seconds().astype("float64")
    ns = delta.to_numpy().view(np.int64)
    seconds = ns / 1_000_000_000
    seconds[ns == np.iinfo(np.int64).min] = np.nan
    return pd.Series(seconds, index=delta.index)


def scoped(frame: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """``frame`` with its ``service`` column replaced by ``"all"`` unless ``by == "service"``."""
    if by is None:
        return frame.assign(service=ALL)
    if by != "service":
        raise ValueError(f"by must be None or 'service', got {by!r}")
    return frame


def quantiles(values: pd.Series, method: str = "linear") -> tuple[float, float]:
    """Median and 90th percentile of ``values`` (NaN, NaN when empty)."""
    v = values.dropna()
    if v.empty:
        return np.nan, np.nan
    q = v.quantile([0.5, 0.9], interpolation=method)
    return float(q.iloc[0]), float(q.iloc[1])


def duration_stats(
    frame: pd.DataFrame,
    value: str,
    keys: list[str],
    method: str = "linear",
    censored: str | None = None,
) -> pd.DataFrame:
    """Per group of ``keys``: n, median, p90, mean and n_censored of the durations ``value``.

    Groups with censored rows take median/p90 from Kaplan-Meier and the mean over durations
    as recorded (censored ones up to their censoring time, a lower bound).
    """
    cols = ["n", "median", "p90", "mean", "n_censored"]
    if frame.empty:
        return pd.DataFrame(columns=keys + cols).set_index(keys)
    g = frame.groupby(keys, sort=True)[value]
    q = g.quantile([0.5, 0.9], interpolation=method).unstack()  # one sort for both
    out = pd.DataFrame({"n": g.size(), "mean": g.mean(), "median": q[0.5], "p90": q[0.9]})
    out["n_censored"] = frame.groupby(keys)[censored].sum().astype("int64") if censored else 0
    with_censored = out.index[out["n_censored"] > 0]
    if len(with_censored):  # Kaplan-Meier per group; few groups (periods x services x severities)
        rows = pd.MultiIndex.from_frame(frame[keys]).isin(with_censored)
        for key, sub in frame[rows].groupby(keys, sort=False):
            out.loc[key, ["median", "p90"]] = km_quantiles(
                sub[value].to_numpy(float), ~sub[censored].to_numpy(bool)
            )
    return out[cols]


UNASSIGNED = "(unassigned)"


@dataclass(frozen=True)
class Grid:
    """The rows every metric must fill: each period start x each service (or ``"all"``)."""

    freq: str
    periods: pd.DatetimeIndex
    services: tuple[str, ...]

    @cached_property
    def index(self) -> pd.MultiIndex:
        return pd.MultiIndex.from_product([self.periods, list(self.services)], names=KEYS)

    @cached_property
    def days(self) -> pd.Series:
        """Calendar days of each grid row's period, aligned with ``index``."""
        per_period = days_in_period(self.periods, self.freq).to_numpy()
        return pd.Series(np.repeat(per_period, len(self.services)), index=self.index, dtype="int64")


STAT_COLUMNS = ["value", "n", "median", "p90", "mean", "n_censored"]
ROW_COLUMNS = [
    "period_start",
    "service",
    "severity",
    "metric",
    "value",
    "unit",
    "n",
    "median",
    "p90",
    "mean",
    "n_censored",
]


def to_rows(
    grid: Grid, stats: pd.DataFrame, metric: str, unit: str, severity: str = ALL
) -> pd.DataFrame:
    """Long-form rows for every grid cell from ``stats`` (indexed by period_start, service).

    Cells absent from ``stats`` get value NaN, n 0 (no data).
    """
    return _rows(
        grid, stats.reindex(index=grid.index, columns=STAT_COLUMNS), metric, unit, severity
    )


def cell_rows(
    grid: Grid, stats: pd.DataFrame, metric: str, unit: str, severity: str = ALL
) -> pd.DataFrame:
    """``to_rows`` for ``stats`` indexed by grid cell number (see ``grid_cells``)."""
    return _rows(
        grid,
        stats.reindex(index=range(len(grid.index)), columns=STAT_COLUMNS),
        metric,
        unit,
        severity,
    )


def grid_cells(
    grid: Grid, day: pd.Series, service: pd.Series | tuple[np.ndarray, list] | None, cal: Calendar
) -> np.ndarray:
    """The grid cell (position in ``grid.index``) of each row, or -1 outside the grid.

    ``day`` is the row's local date in ``cal``; ``service`` its service (None: scope "all"),
    or the services already coded as (codes, names); a missing service (code -1) counts as
    ``"(unassigned)"``, as ``tag_scope`` says. Grouping rows by cell number gives the groups
    of ``groupby(["period_start", "service"])``, in grid order.
    """
    return combine_cells(
        grid, period_positions(grid, day, cal), service_positions(grid, service, len(day))
    )


def period_positions(grid: Grid, day: pd.Series, cal: Calendar) -> np.ndarray:
    """Position in ``grid.periods`` of the period holding each local date (-1 outside)."""
    start = floor_dates(day, grid.freq, cal.week_start).to_numpy("datetime64[ns]").view(np.int64)
    starts = grid.periods.to_numpy("datetime64[ns]").view(np.int64)
    p = np.searchsorted(starts, start)
    inside = p < len(starts)
    inside[inside] = starts[p[inside]] == start[inside]
    return np.where(inside, p, -1)


def service_positions(
    grid: Grid, service: pd.Series | tuple[np.ndarray, list] | None, n: int
) -> np.ndarray:
    """Position in ``grid.services`` of each row's service (see ``grid_cells``; -1: none)."""
    if service is None:
        return np.zeros(n, dtype=np.int64)
    codes, names = service if isinstance(service, tuple) else text_codes(service)
    where = {name: i for i, name in enumerate(grid.services)}
    table = np.array(
        [where.get(n, -1) for n in names] + [where.get(UNASSIGNED, -1)], dtype=np.int64
    )
    return table[codes]  # code -1 (missing) picks "(unassigned)"


def combine_cells(grid: Grid, period: np.ndarray, service: np.ndarray) -> np.ndarray:
    """Grid cell numbers from period and service positions (-1 when either is -1)."""
    cells = period * len(grid.services) + service
    cells[(period < 0) | (service < 0)] = -1
    return cells


def _rows(grid: Grid, full: pd.DataFrame, metric: str, unit: str, severity: str) -> pd.DataFrame:
    size = len(full)
    return pd.DataFrame(
        {
            "period_start": grid.index.get_level_values(0),
            "service": grid.index.get_level_values(1),
            "severity": np.full(size, severity, dtype=object),
            "metric": np.full(size, metric, dtype=object),
            "value": full["value"].to_numpy("float64", na_value=np.nan),
            "unit": np.full(size, unit, dtype=object),
            "n": full["n"].fillna(0).to_numpy("int64"),
            "median": full["median"].to_numpy("float64", na_value=np.nan),
            "p90": full["p90"].to_numpy("float64", na_value=np.nan),
            "mean": full["mean"].to_numpy("float64", na_value=np.nan),
            "n_censored": full["n_censored"].fillna(0).to_numpy("int64"),
        }
    )


def tag_scope(
    frame: pd.DataFrame, by: str | None, cal: Calendar, freq: str, time_column: str
) -> pd.DataFrame:
    """A copy of ``frame`` with ``period_start`` (in ``cal``) and the scope in ``service``."""
    out = scoped(frame, by).copy()
    if by == "service":
        out["service"] = out["service"].fillna(UNASSIGNED)
    out["period_start"] = cal.period(out[time_column], freq)
    return out
