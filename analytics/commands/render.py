"""``devops-analytics render``: render the monthly report set into offline HTML pages.

Exit codes: 0 every page rendered; 1 some notebook failed (those months were left as they
were; each failure is named); 2 bad input (month, parameter, timeout, data, an output folder
holding what the render did not write), before any page ran.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from analytics.exceptions import RenderError

HELP = "Render the monthly report notebooks into offline HTML pages and refresh the index."


def add_arguments(parser) -> None:
    parser.add_argument("--data", required=True, metavar="DIR", help="the data folder")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--month", metavar="YYYY-MM", help="the month to render")
    which.add_argument(
        "--latest",
        action="store_true",
        help="the latest complete month of the data (see docs/operations.md)",
    )
    which.add_argument(
        "--all-months",
        action="store_true",
        help="every month of the data up to the latest complete one",
    )
    parser.add_argument(
        "--out", default="reports", metavar="DIR", help="output folder (default: reports)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(4, os.cpu_count() or 1),
        metavar="N",
        help="notebooks executed at once (default: CPUs, at most 4)",
    )
    parser.add_argument(
        "--preset",
        metavar="NAME",
        default=None,
        help="definitions preset: default, fourkeys or devlake (default: program.yml's)",
    )
    parser.add_argument(
        "--program",
        metavar="FILE",
        default=None,
        help="program.yml to use (default: DIR/program.yml)",
    )
    parser.add_argument(
        "--services",
        metavar="A,B",
        default=None,
        help="comma-separated services to report on (default: all)",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="another notebook parameter; VALUE is read as JSON when it parses "
        "(numbers, true/false, null, lists), else as text. Repeatable.",
    )
    parser.add_argument(
        "--notebooks",
        metavar="DIR",
        default=None,
        help="render the numbered notebooks (NN-name.ipynb) of DIR instead of "
        "the report set in notebooks/reports",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600,
        metavar="SECONDS",
        help="longest a single cell may run, above 0 (default: 600)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="render every month again, even one whose inputs (its rows, program.yml, the "
        "package, the notebooks, these options) have not changed since it was published",
    )


def parse_params(items: list[str]) -> dict:
    """``["top_n=5", "label=Q4"]`` -> ``{"top_n": 5, "label": "Q4"}``."""
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise RenderError(f"--param expects KEY=VALUE with a Python name as KEY, got {item!r}")
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


def _skip_slow_optional_import() -> None:
    """Save ~1.3 s of start-up: jsonschema (imported by nbformat) builds the Lark grammar of the
    optional ``rfc3987_syntax`` at import, only to check the "iri" string format, which notebook
    validation never uses. Marking it absent makes jsonschema skip that one checker."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: absent


def run(args) -> int:
    _skip_slow_optional_import()
    pool = _warm_early(args)
    try:
        return _run(args, pool)
    finally:
        if pool is not None:
            pool.shutdown()


def _warm_early(args):
    """Start the kernels now, while the render imports and checks its inputs (about 2 s of a
    month's render on two cores), when the options look right and a page will likely be
    rendered: ``--force``, a new output folder, or a named month not yet there. A check that
    fails later stops them again; no page runs before every check passed."""
    import math

    from analytics.periods import parse_month

    out = Path(args.out)
    try:
        months = [parse_month(args.month)] if args.month else []
        sane = math.isfinite(args.timeout) and args.timeout > 0 and args.jobs >= 1
    except Exception:
        return None
    if not sane or not Path(args.data).is_dir() or (out.exists() and not out.is_dir()):
        return None
    fresh = not (out / "index.html").exists()
    missing = any(not (out / m / "manifest.json").exists() for m in months)
    if not (args.force or fresh or missing):
        return None  # probably nothing to render: no kernel spent on it
    from analytics.report.kernels import KernelPool

    return KernelPool(args.jobs, "python3", Path.cwd()).warm()


def _run(args, pool) -> int:
    from analytics.report import registry
    from analytics.report.plan import prepare
    from analytics.report.render import execute

    params = parse_params(args.param)
    services = [s for s in args.services.split(",") if s.strip()] if args.services else None
    if args.notebooks:
        reports = registry.discover(args.notebooks)
        if not reports:
            raise RenderError(f"{args.notebooks}: no numbered notebooks (NN-name.ipynb)")
    else:
        reports = registry.REPORTS
    months = "latest" if args.latest else "all" if args.all_months else args.month
    start = time.perf_counter()
    cwd = Path.cwd()
    plan = prepare(
        args.data,
        months,
        out=args.out,
        reports=reports,
        notebook_dir=args.notebooks,
        jobs=args.jobs,
        preset=args.preset,
        program_file=args.program,
        services=services,
        params=params,
        cwd=cwd,
        cell_timeout_s=args.timeout,
        force=args.force,
    )
    _notes(plan)
    todo = [j for j in plan.jobs if j.month in plan.todo]
    if plan.todo:
        print(
            f"Rendering {_months_text(plan.todo)}: {len(todo)} notebooks, {args.jobs} at a time",
            flush=True,
        )
    progress = _Progress(len(todo))
    try:
        results = execute(
            plan, jobs=args.jobs, progress=progress, cell_timeout_s=args.timeout, cwd=cwd, pool=pool
        )
    finally:
        progress.close()
    seconds = time.perf_counter() - start
    failures = [f for r in results for f in r.failures]
    for result in results:
        if result.ok and not result.skipped:
            print(f"{result.month}: {len(result.pages)} pages in {result.folder}{os.sep}")
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    if failures:
        bad = [r.month for r in results if not r.ok]
        print(
            f"error: {len(failures)} of {len(todo)} notebooks failed; not replaced: "
            f"{', '.join(bad)}",
            file=sys.stderr,
        )
        return 1
    print(f"Done in {seconds:.1f} s; index: {Path(args.out) / 'index.html'}")
    return 0


def _notes(plan) -> None:
    if plan.span_note:
        print(f"note: {plan.span_note}", file=sys.stderr)
    for month in plan.months:
        if month in plan.notes:
            print(f"note: {plan.notes[month]}", file=sys.stderr)
    if plan.unchanged:
        print(
            f"Unchanged since published, not rendered again: {_months_text(plan.unchanged)} "
            f"(--force renders them)",
            flush=True,
        )


def _months_text(months: list[str]) -> str:
    """``2021-01, 2021-02`` or, for many, ``2021-01 to 2021-12 (12 months)``."""
    if len(months) <= 4:
        return ", ".join(months)
    return f"{months[0]} to {months[-1]} ({len(months)} months)"


class _Progress:
    """A tqdm bar on a terminal; one plain line per page otherwise (CI logs)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="page", desc="render", file=sys.stderr, leave=False)

    def __call__(self, event) -> None:
        self.done += 1
        status = "ok" if event.ok else "FAILED"
        if self.bar is not None:
            self.bar.set_postfix_str(f"{event.month} {event.report.slug} {status}")
            self.bar.update(1)
        else:
            print(
                f"[{self.done}/{self.total}] {event.month} {event.report.slug}: {status} "
                f"({event.seconds:.1f} s)",
                flush=True,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
