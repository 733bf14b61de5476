"""Builders shared by the metric tests: small Datasets from CSV text, and one cell of a table."""

from __future__ import annotations

import io
import textwrap

import pandas as pd

from analytics.config import ProgramConfig
from analytics.data.coerce import coerce_table
from analytics.data.dataset import Dataset, QualityLog


def make_dataset(tz: str = "UTC", week_start: str = "monday", **csv: str) -> Dataset:
    """A Dataset from CSV texts (one keyword per table), coerced like the loader does."""
    cfg = ProgramConfig(timezone=tz, week_start=week_start)
    frames = {}
    for table, text in csv.items():
        raw = pd.read_csv(
            io.StringIO(textwrap.dedent(text).strip() + "\n"),
            dtype=str,
            keep_default_na=False,
            na_values=[""],
        )
        raw.index = pd.RangeIndex(1, len(raw) + 1)
        frames[table] = coerce_table(raw, table, cfg, QualityLog(), table)
    return Dataset.from_tables(frames, config=cfg)


def cell(
    table: pd.DataFrame, metric: str, period: str, severity: str = "all", service: str = "all"
) -> pd.Series:
    """The one row of a metric table for this metric, period, severity and service."""
    hit = table[
        (table["metric"] == metric)
        & (table["period_start"] == pd.Timestamp(period))
        & (table["severity"] == severity)
        & (table["service"] == service)
    ]
    assert len(hit) == 1, f"{len(hit)} rows for {metric} {period} {severity} {service}"
    return hit.iloc[0]
