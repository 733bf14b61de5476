"""The month a command reports on: ``YYYY-MM`` as given, or the data's latest complete month."""

from __future__ import annotations

from analytics.catalog import PRESETS


def add_month_arguments(parser) -> None:
    """DATA_DIR, --month (default: the latest complete month), --program and --preset."""
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
        choices=PRESETS,
        default=None,
        help="metric definitions (default: the program's)",
    )


def resolve_month(data_dir: str, month: str, program: str | None = None) -> str:
    """``month``, or for ``"latest"`` the latest complete month of the data in ``data_dir``."""
    if month != "latest":
        return month
    from analytics.data.load import load
    from analytics.exceptions import AnalyticsError
    from analytics.report.plan import latest_complete_month

    ds = load(data_dir, program)
    span = ds.date_range()
    if span is None:
        raise AnalyticsError(f"{data_dir}: no dated rows, so no month to summarise")
    last_phase = ds.config.phases[-1].end if ds.config.phases else None
    return latest_complete_month(span[0].date(), span[1].date(), last_phase)
