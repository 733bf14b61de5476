"""``devops-analytics impact DATA_DIR``: did the program work? One row per headline metric."""

from __future__ import annotations

from analytics.commands._output import add_format_argument, emit, terminal_lines
from analytics.data.load import load
from analytics.wording.safe import DISPLAY_LIMIT, terminal_text

HELP = (
    "Before/after effect of the program on each headline metric, with CI, adjusted p and a "
    "sentence."
)


def add_arguments(parser) -> None:
    parser.add_argument("data_dir", metavar="DATA_DIR", help="folder with deployments.csv etc.")
    parser.add_argument(
        "--program",
        metavar="FILE",
        default=None,
        help="program.yml to use (default: DATA_DIR/program.yml); needs phases baseline and after",
    )
    parser.add_argument(
        "--preset",
        choices=("default", "fourkeys", "devlake"),
        default=None,
        help="metric definitions (default: the program's)",
    )
    parser.add_argument(
        "--by-adoption",
        action="store_true",
        help="instead: the event study on each service's adoption date (program.yml adoption:)",
    )
    parser.add_argument(
        "--by",
        choices=("service", "team", "department"),
        default=None,
        help="compare each service, or each team / department of program.yml 'teams', "
        "Holm-adjusted across all rows (default: the program as a whole)",
    )
    add_format_argument(parser)


def _run_by_adoption(args) -> int:
    """The rollout summary: one row per metric, and in table format one sentence each."""
    from analytics.program.rollout import rollout_study

    summary = rollout_study(load(args.data_dir, args.program), preset=args.preset).summary
    if args.format != "table":
        emit(summary, args.format)
        return 0
    if summary.empty:
        print("program.yml has no adoption: dates (data/README.md, 'Adoption').")
        return 0
    for sentence in summary["sentence"]:
        print(sentence)
    return 0


def run(args) -> int:
    from analytics.program.impact import demonstrated, program_impact
    from analytics.views.impact import impact_readable

    if args.by_adoption:
        return _run_by_adoption(args)
    dataset = load(args.data_dir, args.program)
    if args.by:
        return _by_group(dataset, args)
    table = program_impact(dataset, preset=args.preset)
    if args.format != "table":
        emit(table, args.format)
        return 0
    print(
        "Baseline vs after (95% CI; p adjusted for all rows with Holm's method); "
        "exact: --format csv"
    )
    emit(impact_readable(table).drop(columns="Test").rename_axis("Metric").reset_index(), "table")
    print()
    marks = {True: "[improved]", False: "[no evidence of improvement]", None: "[no data]"}
    for row in table.itertuples():
        print(terminal_lines(f"{marks[demonstrated(row)]} {row.sentence}"))
    return 0


def _by_group(dataset, args) -> int:
    from analytics.program.groups import impact_by
    from analytics.views.impact import impact_readable

    table = impact_by(dataset, args.by, preset=args.preset)
    if args.format != "table":
        emit(table, args.format)
        return 0
    print(
        f"Baseline vs after by {args.by} (95% CI; p adjusted with Holm's method across all "
        f"{len(table)} rows); exact: --format csv"
    )
    for name, rows in table.groupby(args.by, sort=False):
        print(f"\n{terminal_text(name, DISPLAY_LIMIT)}")
        shown = impact_readable(rows.drop(columns=[args.by, "status", "services"]))
        emit(
            shown.drop(columns=["Test", "Demonstrated"])
            .assign(Change=rows["status"].to_numpy())
            .rename_axis("Metric")
            .reset_index(),
            "table",
        )
    return 0
