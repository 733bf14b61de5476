"""Working time: durations on the program's clock, and deployment rates per working day.

``program.yml`` ``calendar: {durations: working_hours}`` makes lead time and time to restore
count working hours only (analytics.config.calendar); the default is calendar time. The
fourkeys and devlake presets reproduce the peers' dashboards, which count calendar time, and
keep it. Per-working-day rates divide the deployment counts of ``metric_table`` by the working
days of each period. Definitions: docs/METRICS.md ("Business calendar").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.config import ProgramConfig
from analytics.data.dataset import Dataset
from analytics.metrics._common import hours, resolve
from analytics.metrics.presets import Preset
from analytics.periods import days_in_period

#: presets that reproduce a peer tool's numbers: always calendar time
PEER_PRESETS = ("fourkeys", "devlake")
#: per-working-day rate -> the metric_table row it is derived from
WORKING_DAY_RATES = {
    "delivery_throughput_per_working_day": "delivery_throughput_per_day",
    "deployment_frequency_per_working_day": "deployment_frequency_per_day",
}
WORKING_DAY_UNIT = "deployments/working day"
RATE_COLUMNS = ["period_start", "service", "metric", "value", "unit", "n", "count", "per_day"]


def uses_working_hours(config: ProgramConfig, preset: Preset) -> bool:
    """True when durations count working hours (program.yml, and not a peer preset)."""
    return config.calendar.durations == "working_hours" and preset.name not in PEER_PRESETS


def elapsed_hours(
    start: pd.Series, end: pd.Series, config: ProgramConfig, preset: Preset, rounding: str
) -> pd.Series:
    """Hours from ``start`` to ``end`` on the program's clock (calendar, or working hours).

    Working hours are exact (the default preset does not round); calendar hours are rounded
    per ``rounding`` (``analytics.metrics._common.hours``).
    """
    if uses_working_hours(config, preset):
        return config.business_calendar.working_hours_between(start, end)
    return hours(end - start, rounding)


def clock_note(config: ProgramConfig, preset: str | None = None) -> str:
    """Which clock durations use, and which days count as working days, in one sentence.

    >>> clock_note(ProgramConfig())
    'Durations in calendar time; working days: Sat/Sun off, no public holidays.'
    """
    cal = config.calendar
    peers = (preset or config.definitions) in PEER_PRESETS
    if cal.durations == "working_hours" and not peers:
        clock = (
            f"Durations (lead time, time to restore, CI recovery) in working hours "
            f"({cal.work_start:%H:%M}-{cal.work_end:%H:%M} on working days)"
        )
    elif cal.durations == "working_hours":
        clock = "Durations in calendar time (the peer presets reproduce calendar-time numbers)"
    else:
        clock = "Durations in calendar time"
    return f"{clock}; {cal.describe_days()}."


def working_day_rates(
    dataset: Dataset, table: pd.DataFrame, freq: str = "month", preset: str | Preset | None = None
) -> pd.DataFrame:
    """Successful deployments (all environments, and production) per working day.

    Parameters
    ----------
    dataset
        gives the business calendar (program.yml ``calendar:``).
    table
        ``metric_table(dataset, freq=freq, ...)``: the counts are read from its
        ``delivery_throughput_per_day`` and ``deployment_frequency_per_day`` rows (value x
        calendar days), so each count is computed once.
    freq
        the table's frequency.
    preset
        the preset the table was computed with (its days are the program's local days).

    Returns
    -------
    DataFrame
        period_start, service, metric (``delivery_throughput_per_working_day``,
        ``deployment_frequency_per_working_day``), value (count / working days), unit, n
        (working days in the period), count, per_day (the calendar-day rate beside it). A
        period without deployment data, or without working days, has value NaN.
    """
    resolve(dataset, preset)  # validates the preset name
    rows = table[table["metric"].isin(WORKING_DAY_RATES.values())]
    if rows.empty:
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in RATE_COLUMNS})
    starts = pd.DatetimeIndex(rows["period_start"])
    days = days_in_period(starts, freq).to_numpy()
    working = (
        dataset.config.business_calendar.working_days_in_periods(starts, freq)
        .to_numpy()
        .astype("int64")
    )
    per_day = rows["value"].to_numpy("float64")
    count = np.round(per_day * days)
    value = np.where(working > 0, count / np.maximum(working, 1), np.nan)
    working = np.where(rows["n"].to_numpy() > 0, working, 0)  # no data: n = 0
    back = {v: k for k, v in WORKING_DAY_RATES.items()}
    out = pd.DataFrame(
        {
            "period_start": rows["period_start"].to_numpy(),
            "service": rows["service"].to_numpy(),
            "metric": rows["metric"].map(back).to_numpy(),
            "value": value,
            "unit": WORKING_DAY_UNIT,
            "n": working,
            "count": count,
            "per_day": per_day,
        }
    )
    return out.reset_index(drop=True)


__all__ = [
    "WORKING_DAY_RATES",
    "clock_note",
    "elapsed_hours",
    "uses_working_hours",
    "working_day_rates",
]
