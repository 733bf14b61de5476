"""``devops-analytics summary DATA_DIR``: a month's KPIs against their targets, and the verdict."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from analytics.commands._month import add_month_arguments
from analytics.commands._output import emit, terminal_lines

if TYPE_CHECKING:
    import pandas as pd

HELP = "Print one month's KPIs against the program's targets and the before/after verdict."


def add_arguments(parser) -> None:
    add_month_arguments(parser)


def run(args) -> int:
    from analytics import views
    from analytics.commands._month import resolve_month

    month = resolve_month(args.data_dir, args.month, args.program)
    report = views.open_month(args.data_dir, month, args.program, None, args.preset)
    print(terminal_lines(f"{report.config.name}: {month} (definitions {report.preset})") + "\n")
    kpis = views.kpi_table(report)
    if len(kpis):
        emit(kpis.rename_axis("KPI").reset_index())
    else:
        print("program.yml sets no targets; the month's figures that the data supports:\n")
        figures, missing = month_figures(report.monthly, report.month_start)
        emit(figures)
        if missing:
            print(f"\nNo data this month for: {', '.join(missing)}.")
    print()
    text = views.verdict_markdown(report)
    print(terminal_lines(re.sub(r"\*\*(.+?)\*\*", r"\1", text)))  # plain text on a terminal
    return 0


def month_figures(
    monthly: pd.DataFrame, month_start: pd.Timestamp
) -> tuple[pd.DataFrame, list[str]]:
    """The month's metrics with data (service and severity ``all``) as readable text: what a
    summary can say without targets, e.g. for incidents only; and the metrics without data.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"period_start": [pd.Timestamp("2024-07-01")] * 2,
    ...     "service": "all", "severity": "all",
    ...     "metric": ["time_to_restore_hours", "lead_time_hours"],
    ...     "value": [2.5, float("nan")], "n": [4, 0], "median": [1.0, float("nan")]})
    >>> figures, missing = month_figures(t, pd.Timestamp("2024-07-01"))
    >>> figures["Metric"].tolist(), figures["n"].tolist(), missing
    (['Time to restore (mean)'], [4], ['lead time'])
    """
    import pandas as pd

    from analytics.catalog import METRICS
    from analytics.wording.numbers import format_value

    rows = monthly[
        (monthly["period_start"] == month_start)
        & (monthly["service"] == "all")
        & (monthly["severity"] == "all")
    ]
    have = rows[rows["n"] > 0]
    out = pd.DataFrame(
        {
            "Metric": [_label(m) for m in have["metric"]],
            "Value": [
                format_value(v, METRICS[m].unit) if m in METRICS else f"{v:g}"
                for m, v in zip(have["metric"], have["value"], strict=True)
            ],
            "n": have["n"].astype(int).tolist(),
            "Median": [
                format_value(v, "hours") if pd.notna(v) else ""
                for v in have.get("median", pd.Series(float("nan"), index=have.index))
            ],
        }
    )
    missing = [
        m.replace("_", " ").removesuffix(" hours") for m in rows.loc[rows["n"] == 0, "metric"]
    ]
    return out, missing


def _label(metric: str) -> str:
    from analytics.catalog import METRICS

    label = METRICS[metric].label if metric in METRICS else metric
    return f"{label} (mean)" if metric == "time_to_restore_hours" else label
