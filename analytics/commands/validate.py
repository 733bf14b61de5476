"""``devops-analytics validate DATA_DIR``: load a data folder and print what was found."""

from __future__ import annotations

from analytics.commands._output import emit
from analytics.data.load import load

HELP = "Validate a data folder: rows per table, date range and the data-quality log."


def add_arguments(parser) -> None:
    parser.add_argument("data_dir", metavar="DATA_DIR", help="folder with deployments.csv etc.")
    parser.add_argument(
        "--program",
        metavar="FILE",
        default=None,
        help="program.yml to use (default: DATA_DIR/program.yml)",
    )


def run(args) -> int:
    ds = load(args.data_dir, args.program)
    cfg = ds.config
    print(f"Data folder: {ds.source}")
    print(
        f"Program: {cfg.name} (time zone {cfg.timezone}, weeks start {cfg.week_start}, "
        f"definitions {cfg.definitions})"
    )
    span = ds.date_range()
    if span:
        print(f"Date range: {span[0].date()} to {span[1].date()} (local dates)")
        _warn_stray(ds)
    print()
    emit(ds.summary())
    print()
    if len(ds.quality):
        print("Data-quality log (repairs, drops and notes):")
        emit(ds.quality)
    else:
        print("Data-quality log: nothing repaired or dropped.")
    print("\nOK: the data folder is valid.")
    return 0


def _warn_stray(ds) -> None:
    """Flag events after the export's plausible end (a row dated 2100, a lone late event)."""
    from analytics.report.months import data_span
    from analytics.wording.safe import terminal_text

    span = data_span(ds)
    if span is not None and span.stray:
        print(
            f"warning: {terminal_text(span.note())}; render --latest and --all-months ignore them"
        )
