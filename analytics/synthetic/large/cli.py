"""The command line of ``python -m analytics.synthetic.large``: ``--out``, ``--scale``, ``--seed``,
``--format``; prints the paths written."""

from __future__ import annotations

import argparse

from analytics.synthetic.large.files import write_large
from analytics.synthetic.large.story import DEFAULT_SEED, FORMATS, SCALES, rows_for


def main(argv: list[str] | None = None, *, prog: str | None = None) -> int:
    from analytics.synthetic import (
        large as sample_large,  # its docstring's first line describes the command
    )

    parser = argparse.ArgumentParser(prog=prog, description=sample_large.__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--scale", default="large", help=f"{', '.join(SCALES)} or a row factor")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--format", choices=(*FORMATS, "both"), default="both")
    args = parser.parse_args(argv)
    try:
        scale = args.scale if args.scale in SCALES else float(args.scale)
        rows_for(scale)  # checks a factor is positive
    except ValueError:
        parser.error(
            f"--scale must be one of {', '.join(SCALES)} or a positive number, got {args.scale!r}"
        )
    formats = FORMATS if args.format == "both" else (args.format,)
    for path in write_large(args.out, scale, args.seed, formats):
        print(path)
    return 0
