"""``devops-analytics metrics DATA_DIR``: print every metric for every period."""

from __future__ import annotations

import pandas as pd

from analytics.catalog import FREQUENCIES, PRESETS
from analytics.commands._output import add_format_argument, emit
from analytics.data.load import load
from analytics.metrics import get_preset, metric_table
from analytics.metrics.working_time import clock_note, working_day_rates

HELP = "Print the metric table: every metric for every day, week or month of the data."


def add_arguments(parser) -> None:
    parser.add_argument("data_dir", metavar="DATA_DIR", help="folder with deployments.csv etc.")
    parser.add_argument(
        "--freq", choices=FREQUENCIES, default="month", help="period length (default: month)"
    )
    parser.add_argument(
        "--by",
        choices=["service"],
        default=None,
        help="one block of rows per service (default: all services together)",
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
    add_format_argument(parser)
    parser.add_argument(
        "--program",
        metavar="FILE",
        default=None,
        help="program.yml to use (default: DATA_DIR/program.yml)",
    )


def run(args) -> int:
    ds = load(args.data_dir, args.program)
    from analytics.views import check_services

    check_services(ds, args.services)
    table = metric_table(ds, freq=args.freq, by=args.by, preset=args.preset, services=args.services)
    if args.working_days:
        table = with_working_day_rates(ds, table, args.freq, args.preset)
    if args.format == "table":
        preset = get_preset(args.preset, ds.config)
        tz, week_start = preset.calendar(ds.config)
        print(
            f"Metrics of {ds.source} per {args.freq} (definitions {preset.name}, time zone "
            f"{tz}, weeks start {week_start}); definitions in docs/METRICS.md"
        )
        print(clock_note(ds.config, preset.name))
        table = table.assign(period_start=table["period_start"].dt.strftime("%Y-%m-%d"))
    emit(table, args.format)
    return 0


def with_working_day_rates(ds, table: pd.DataFrame, freq: str, preset: str | None) -> pd.DataFrame:
    """``table`` with the per-working-day rates after each period's rows (same columns)."""
    rates = working_day_rates(ds, table, freq, preset)
    extra = rates.assign(severity="all", n_censored=0).reindex(columns=table.columns)
    both = pd.concat([table, extra.astype(table.dtypes.to_dict())], ignore_index=True)
    return both.sort_values(["period_start", "service"], kind="stable").reset_index(drop=True)
