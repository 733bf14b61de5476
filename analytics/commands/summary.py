"""``devops-analytics summary DATA_DIR``: a month's KPIs against their targets, and the verdict."""

from __future__ import annotations

import re

from analytics.commands._output import emit

HELP = "Print one month's KPIs against the program's targets and the before/after verdict."


def add_arguments(parser) -> None:
    parser.add_argument("data_dir", metavar="DATA_DIR", help="folder with deployments.csv etc.")
    parser.add_argument(
        "--month",
        default="latest",
        metavar="YYYY-MM",
        help="the month (default: the latest complete month of the data)",
    )
    parser.add_argument("--program", metavar="FILE", default=None, help="program.yml to use")
    parser.add_argument(
        "--preset",
        choices=("default", "fourkeys", "devlake"),
        default=None,
        help="metric definitions (default: the program's)",
    )


def run(args) -> int:
    from analytics import views
    from analytics.data.load import load
    from analytics.exceptions import AnalyticsError
    from analytics.report.plan import latest_complete_month

    month = args.month
    if month == "latest":
        ds = load(args.data_dir, args.program)
        span = ds.date_range()
        if span is None:
            raise AnalyticsError(f"{args.data_dir}: no dated rows, so no month to summarise")
        last_phase = ds.config.phases[-1].end if ds.config.phases else None
        month = latest_complete_month(span[0].date(), span[1].date(), last_phase)
    report = views.open_month(args.data_dir, month, args.program, None, args.preset)
    print(f"{report.config.name}: {month} (definitions {report.preset})\n")
    emit(views.kpi_table(report).rename_axis("KPI").reset_index())
    print()
    text = views.verdict_markdown(report)
    print(re.sub(r"\*\*(.+?)\*\*", r"\1", text))  # plain text on a terminal
    return 0
