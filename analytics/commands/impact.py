"""``devops-analytics impact DATA_DIR``: did the program work? One row per headline metric."""

from __future__ import annotations

from analytics.commands._output import add_format_argument, emit
from analytics.data.load import load

HELP = "Before/after effect of the program on each headline metric, with CI, adjusted p and a sentence."


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
    from analytics.program.impact import program_impact
    from analytics.views.impact import impact_readable

    if args.by_adoption:
        return _run_by_adoption(args)
    table = program_impact(load(args.data_dir, args.program), preset=args.preset)
    if args.format != "table":
        emit(table, args.format)
        return 0
    print(
        "Baseline vs after (95% CI; p adjusted for all rows with Holm's method); exact: --format csv"
    )
    emit(impact_readable(table).drop(columns="Test").rename_axis("Metric").reset_index(), "table")
    print()
    for row in table.itertuples():
        if row.n_before == 0 or row.n_after == 0:
            mark = "[no data]"
        else:
            mark = "[improved]" if row.improved else "[no evidence of improvement]"
        print(f"{mark} {row.sentence}")
    return 0
