"""``devops-analytics metrics DATA_DIR``: every metric for every period.

The default output is for reading: one row per metric, one column per period (the last 12
unless ``--last``), rounded, with units and the statistic each value is. ``--format csv``,
``json`` or ``parquet`` give the exact long table (docs/METRICS.md, "The metric table").
"""

from __future__ import annotations

import sys

import pandas as pd

from analytics.catalog import FREQUENCIES, METRICS, PRESETS
from analytics.commands._output import add_format_argument, emit
from analytics.data.load import load
from analytics.exceptions import AnalyticsError
from analytics.metrics import get_preset, metric_table
from analytics.metrics.working_time import clock_note, working_day_rates

HELP = "Print the metric table: every metric for every day, week or month of the data."
#: periods shown by the readable view unless --last says otherwise
DEFAULT_LAST = 12


def add_arguments(parser) -> None:
    parser.add_argument("data_dir", metavar="DATA_DIR", help="folder with deployments.csv etc.")
    parser.add_argument(
        "--freq", choices=FREQUENCIES, default="month", help="period length (default: month)"
    )
    parser.add_argument(
        "--by",
        choices=["service", "team", "department"],
        default=None,
        help="one block of rows per service, or per team / department of program.yml 'teams' "
        "(default: all services together)",
    )
    parser.add_argument(
        "--preset",
        choices=PRESETS,
        default=None,
        help="definitions preset (default: program.yml 'definitions', else default)",
    )
    parser.add_argument(
        "--service",
        dest="services",
        action="append",
        default=None,
        metavar="NAME",
        help="keep only this service (repeat for several)",
    )
    parser.add_argument(
        "--working-days",
        action="store_true",
        help="add the deployment rates per working day (program.yml calendar) to the table",
    )
    parser.add_argument(
        "--metric",
        dest="metrics",
        action="append",
        default=None,
        metavar="NAME",
        help=f"keep only this metric (repeat for several; known: {', '.join(METRICS)})",
    )
    parser.add_argument(
        "--last",
        type=int,
        default=DEFAULT_LAST,
        metavar="N",
        help=f"readable view: the last N periods (default {DEFAULT_LAST}; 0 for all)",
    )
    add_format_argument(parser, extra=("parquet",))
    parser.add_argument(
        "--program",
        metavar="FILE",
        default=None,
        help="program.yml to use (default: DATA_DIR/program.yml)",
    )


def _check_metrics(names: list[str] | None) -> None:
    unknown = [m for m in names or () if m not in METRICS]
    if unknown:
        raise AnalyticsError(f"unknown metric {unknown[0]!r} (known: {', '.join(METRICS)})")


def _table(ds, args):
    """metric_table, or per team / department with the group in a ``team`` / ``department``
    column in place of ``service``."""
    if args.by in (None, "service"):
        return metric_table(
            ds, freq=args.freq, by=args.by, preset=args.preset, services=args.services
        )
    from analytics.program.groups import metric_table_by

    ds = ds.filter_services(args.services)
    table = metric_table_by(ds, args.by, freq=args.freq, preset=args.preset)
    return table.drop(columns="service")


def run(args) -> int:
    _check_metrics(args.metrics)
    if args.working_days and args.by in ("team", "department"):
        raise AnalyticsError("--working-days works with --by service or without --by")
    ds = load(args.data_dir, args.program)
    from analytics.data.dataset import check_services
    from analytics.views.wide import wide_metric_table

    check_services(ds, args.services)
    table = _table(ds, args)
    if args.working_days:
        table = with_working_day_rates(ds, table, args.freq, args.preset)
    if args.format != "table":
        if args.metrics:
            table = table[table["metric"].isin(args.metrics)].reset_index(drop=True)
        emit(table, args.format)
        return 0
    preset = get_preset(args.preset, ds.config)
    tz, week_start = preset.calendar(ds.config)
    n_periods = table["period_start"].nunique()
    shown = min(args.last, n_periods) if args.last > 0 else n_periods
    print(
        f"Metrics of {ds.source} per {args.freq} (definitions {preset.name}, time zone "
        f"{tz}, weeks start {week_start}); the last {shown} of {n_periods} periods "
        "(--last N); exact values: --format csv; definitions in docs/METRICS.md"
    )
    print(clock_note(ds.config, preset.name))
    sys.stdout.flush()
    group = args.by if args.by in ("team", "department") else "service"
    wide = wide_metric_table(
        table.rename(columns={group: "service"}), args.metrics, args.last, args.freq
    )
    emit(wide.rename(columns={"service": group}), "table")
    return 0


def with_working_day_rates(ds, table: pd.DataFrame, freq: str, preset: str | None) -> pd.DataFrame:
    """``table`` with the per-working-day rates after each period's rows (same columns)."""
    rates = working_day_rates(ds, table, freq, preset)
    extra = rates.assign(severity="all", n_censored=0, statistic="rate per working day")
    extra = extra.reindex(columns=table.columns)
    both = pd.concat([table, extra.astype(table.dtypes.to_dict())], ignore_index=True)
    return both.sort_values(["period_start", "service"], kind="stable").reset_index(drop=True)
