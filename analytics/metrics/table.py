"""``metric_table``: every metric for every period, in one long-form table."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from analytics.catalog import FREQUENCIES, METRIC_NAMES, SEVERITIES
from analytics.data.dataset import Dataset
from analytics.data.schema import TABLE_NAMES
from analytics.metrics._common import ALL, ROW_COLUMNS, UNASSIGNED, Grid, periods, resolve
from analytics.metrics.delivery import lead_time_rows
from analytics.metrics.deployment_counts import count_rows
from analytics.metrics.presets import Preset
from analytics.metrics.quality import quality_rows
from analytics.metrics.stability import stability_rows

DTYPES = {
    "period_start": "datetime64[ns]",
    "service": "str",
    "severity": "str",
    "metric": "str",
    "value": "float64",
    "statistic": "str",
    "unit": "str",
    "n": "int64",
    "median": "float64",
    "p90": "float64",
    "mean": "float64",
    "n_censored": "int64",
}
#: which statistic ``value`` holds, per metric (docs/METRICS.md, "The metric table"): the
#: metric's headline figure: a count or rate for events, a share for proportions, the median
#: of lead times, the mean of restore times (the program's claim is a mean), the mean of the
#: services' last coverage
VALUE_STATISTIC = {
    "delivery_throughput_per_day": "rate per day",
    "production_releases": "count",
    "deployment_frequency_per_day": "rate per day",
    "deployment_days_per_week": "days per week",
    "lead_time_hours": "median",
    "change_failure_rate": "share",
    "time_to_restore_hours": "mean",
    "rework_rate": "share",
    "unit_test_pass_rate": "share",
    "test_coverage": "mean of services",
}
COLUMNS = [*ROW_COLUMNS[:5], "statistic", *ROW_COLUMNS[5:]]
#: above this many deployment + change rows, the metric families are computed on two threads
PARALLEL_ROWS = 500_000
_SEVERITY_ORDER = {s: i for i, s in enumerate((ALL, *SEVERITIES))}
_METRIC_ORDER = {m: i for i, m in enumerate(METRIC_NAMES)}


def metric_table(
    dataset: Dataset,
    freq: str = "month",
    by: str | None = None,
    preset: str | Preset | None = None,
    services: list[str] | None = None,
) -> pd.DataFrame:
    """Every metric of analytics.catalog for every period of the data, long form.

    Parameters
    ----------
    dataset
        a loaded Dataset (absent tables are empty and give "no data" rows).
    freq
        ``"day"``, ``"week"`` or ``"month"``, bucketed in the preset's calendar (default: the
        program's time zone and week start).
    by
        None (service ``"all"``) or ``"service"`` (one block of rows per service; incidents
        without a service appear as ``"(unassigned)"``).
    preset
        ``"default"``, ``"fourkeys"``, ``"devlake"`` or a Preset; None = program.yml
        ``definitions``.
    services
        keep only these services (None: all).

    Returns
    -------
    DataFrame
        period_start (tz-naive local date), service, severity, metric, value, statistic
        (which statistic value holds: ``VALUE_STATISTIC``), unit, n, median, p90, mean,
        n_censored; one row per (period, service, severity, metric) for every period
        between the dataset's first and last local date. ``severity`` is ``"all"`` except for
        time_to_restore_hours, which also has a row per severity present. A period without
        data has value NaN and n = 0; deployment counts are a real 0 inside the deployments
        table's date span. Definitions: docs/METRICS.md.

    Examples
    --------
    >>> import analytics
    >>> ds = analytics.Dataset.from_tables({})
    >>> metric_table(ds).empty
    True
    """
    if freq not in FREQUENCIES:
        raise ValueError(f"freq must be one of {', '.join(FREQUENCIES)}, got {freq!r}")
    if by not in (None, "service"):
        raise ValueError(f"by must be None or 'service', got {by!r}")
    ds = dataset.filter_services(services)
    p, cal = resolve(ds, preset)
    starts = periods(ds, freq, cal)
    if len(starts) == 0:
        return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in DTYPES.items()})
    grid = Grid(freq, starts, _services(ds) if by == "service" else (ALL,))
    grid.index, grid.days  # noqa: B018 - built once here, before any thread reads them
    families = (count_rows, lead_time_rows, stability_rows, quality_rows)  # delivery_rows, split
    if len(ds.deployments) + len(ds.changes) < PARALLEL_ROWS:
        parts = [fn(ds, grid, p, cal, by) for fn in families]
    else:  # the families share nothing but the (read-only) dataset: two threads, as a SQL engine
        with ThreadPoolExecutor(2, thread_name_prefix="metrics") as pool:
            parts = list(pool.map(lambda fn: fn(ds, grid, p, cal, by), families))
    rows = pd.concat(parts, ignore_index=True)
    rows = rows.assign(
        _m=rows["metric"].map(_METRIC_ORDER), _s=rows["severity"].map(_SEVERITY_ORDER)
    )
    rows = rows.sort_values(["period_start", "service", "_m", "_s"], kind="stable")
    rows = rows.assign(statistic=rows["metric"].map(VALUE_STATISTIC))
    return rows[COLUMNS].astype(DTYPES).reset_index(drop=True)


def _services(ds: Dataset) -> tuple[str, ...]:
    names: set[str] = set()
    for t in TABLE_NAMES:
        col = ds.table(t)["service"]
        names |= set(col.dropna().unique())
        if t == "incidents" and col.isna().any():
            names.add(UNASSIGNED)
    return tuple(sorted(names))
