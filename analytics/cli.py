"""The ``devops-analytics`` command line.

Each sub-command lives in its own module under ``analytics/commands/`` exposing ``HELP``
(one line), ``add_arguments(parser)`` and ``run(args) -> int``, and optionally ``NAME`` when
the command's name is not a valid module name (``import``); they are found automatically.
Any ``AnalyticsError`` becomes a one-line ``error: ...`` on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import analytics
from analytics import commands
from analytics.exceptions import AnalyticsError
from analytics.wording.safe import terminal_text

EXIT_BAD_INPUT = 2
#: an error message quoting a huge cell is cut to this many characters
ERROR_LIMIT = 1000


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="devops-analytics",
        description=(
            "Evidence for DevOps improvement programs from exported delivery and incident data."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {analytics.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"analytics.commands.{info.name}")
        name = getattr(module, "NAME", info.name)  # e.g. imports.py declares NAME = "import"
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 0
    try:
        return int(args._run(args) or 0)
    except AnalyticsError as exc:
        # one line, whatever data text the message quotes (escape sequences, line breaks)
        print(f"error: {terminal_text(str(exc), ERROR_LIMIT)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
