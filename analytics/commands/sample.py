"""``devops-analytics sample --out DIR``: write the bundled sample exports."""

from __future__ import annotations

HELP = "Write the sample data set (a fictitious consumer-loan platform, 2020-10 to 2021-12)."


def add_arguments(parser) -> None:
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write (created if needed)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: the bundled sample's)")


def run(args) -> int:
    from analytics.sample import write_sample

    kwargs = {} if args.seed is None else {"seed": args.seed}
    for path in write_sample(args.out, **kwargs):
        print(path)
    return 0
