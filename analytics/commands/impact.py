"""``devops-analytics impact DATA_DIR``: did the program work? One row per headline metric."""

from __future__ import annotations

from analytics.commands._output import add_format_argument, emit, terminal_lines
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

    if args.by_adoption:
        return _run_by_adoption(args)
    table = program_impact(load(args.data_dir, args.program), preset=args.preset)
    if args.format != "table":
        emit(table, args.format)
        return 0
    shown = table.drop(columns=["sentence", "label", "test"]).copy()
    for col in ("baseline", "after", "effect", "ci_low", "ci_high"):
        shown[col] = shown[col].map(lambda v: f"{v:.4g}")
    for col in ("p_value", "p_adjusted"):
        shown[col] = shown[col].map(lambda v: f"{v:.2g}")
    emit(shown, "table")
    print()
    for row in table.itertuples():
        if row.n_before == 0 or row.n_after == 0:
            mark = "[no data]"
        else:
            mark = "[improved]" if row.improved else "[no evidence of improvement]"
        print(terminal_lines(f"{mark} {row.sentence}"))
    return 0
