"""``devops-analytics caict DATA_DIR``: the CAICT continuous-delivery levels the data supports."""

from __future__ import annotations

from analytics.commands._month import add_month_arguments
from analytics.commands._output import add_format_argument, emit

HELP = (
    "Print the CAICT continuous-delivery evidence: the level each measurable item reaches in a "
    "month and in each program phase, with its figure, n and rule."
)
_SHORT = ["window", "item", "level", "n", "figure"]


def add_arguments(parser) -> None:
    add_month_arguments(parser)
    parser.add_argument(
        "--full",
        action="store_true",
        help="every column: the rule, the model's text (Chinese and English), what is not judged",
    )
    add_format_argument(parser)


def run(args) -> int:
    from analytics import views
    from analytics.commands._month import resolve_month
    from analytics.metrics.working_time import clock_note
    from analytics.views.caict import caict_table, working_day_rate_table
    from analytics.wording.safe import spreadsheet_frame, terminal_text

    month = resolve_month(args.data_dir, args.month, args.program)
    report = views.open_month(args.data_dir, month, args.program, None, args.preset)
    table = caict_table(report)
    if not args.full:
        table = table[_SHORT]
    if args.format == "csv":  # a level left blank: not judged
        emit(spreadsheet_frame(table), "csv")
        return 0
    if args.format == "json":
        emit(table, "json")
        return 0
    print(
        terminal_text(
            f"CAICT continuous-delivery evidence, {report.config.name}: {month} and the program "
            f"phases (definitions {report.preset}). {clock_note(report.config, report.preset)} "
            "Rules: docs/METRICS.md. '-' = not judged from the data."
        )
    )
    table = table.astype({"level": "object"}).fillna({"level": "-"})
    emit(table.map(lambda v: terminal_text(v) if isinstance(v, str) else v))
    print(f"\nDeployments per calendar day and per working day, {month}:")
    emit(working_day_rate_table(report).rename_axis("deployments").reset_index())
    return 0
