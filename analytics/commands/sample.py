"""``devops-analytics sample --out DIR``: write the bundled sample exports (or, with ``--scale``,
the large synthetic set of ``analytics.synthetic.large``)."""

from __future__ import annotations

HELP = "Write the sample data set (a fictitious consumer-loan platform, 2020-10 to 2021-12)."


def add_arguments(parser) -> None:
    parser.add_argument(
        "--out", required=True, metavar="DIR", help="folder to write (created if needed)"
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="random seed (default: the bundled sample's)"
    )
    parser.add_argument(
        "--scale",
        default=None,
        metavar="SCALE",
        help="write the synthetic scale data instead: tiny, small, medium, large (1,000,000 "
        "deployments, 5,000,000 changes, 100,000 incidents, 1,000,000 test runs) or a row "
        "factor such as 0.5",
    )
    parser.add_argument(
        "--format",
        choices=("csv", "parquet", "both"),
        default="both",
        help="with --scale: file format; both writes DIR/csv and DIR/parquet (default: both)",
    )


def run(args) -> int:
    if args.scale is not None:
        return _run_scale(args)
    from analytics.synthetic.sample import write_sample

    kwargs = {} if args.seed is None else {"seed": args.seed}
    for path in write_sample(args.out, **kwargs):
        print(path)
    return 0


def _run_scale(args) -> int:
    from analytics.exceptions import AnalyticsError
    from analytics.synthetic.large import DEFAULT_SEED, FORMATS, SCALES, write_large

    scale = args.scale
    if scale not in SCALES:
        try:
            scale = float(scale)
        except ValueError:
            raise AnalyticsError(
                f"--scale must be one of {', '.join(SCALES)} or a positive number, "
                f"got {args.scale!r}"
            ) from None
        if not scale > 0:
            raise AnalyticsError(f"--scale must be positive, got {args.scale!r}")
    formats = FORMATS if args.format == "both" else (args.format,)
    seed = DEFAULT_SEED if args.seed is None else args.seed
    for path in write_large(args.out, scale, seed, formats):
        print(path)
    return 0
