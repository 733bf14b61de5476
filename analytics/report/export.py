"""A month's tables to hand on: CSV files, one Excel workbook and a short Markdown digest.

``write_month_files(report, folder)`` writes, beside the month's pages:

- ``<month>-<name>.csv``: the month's KPIs against targets, the metric table, the program's
  impact (overall and by team), the lead-time stages, and for each headline metric the rows
  behind the month's number (``<month>-rows_<metric>.csv``, see ``analytics.views.drill``);
- ``<month>-tables.xlsx``: the same tables, one sheet each (openpyxl);
- ``<month>-digest.md``: the month in a few lines (verdict, targets, what changed, by team)
  for an e-mail or a chat.

Each file name starts with the month, so a file handed on still says which month it is.

Every text cell passes through ``analytics.wording.safe.spreadsheet_frame`` (a cell starting
with ``=``, ``+``, ``-``, ``@``, tab or CR is quoted, so a spreadsheet never runs it as a
formula) and every data text in the digest through ``markdown_text``. In the workbook,
times are in UTC (Excel has no time zones); the CSV files keep ISO 8601 with the offset.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analytics.exceptions import AnalyticsError, RenderError
from analytics.views import (
    MonthReport,
    kpi_table,
    lead_stage_summary,
    team_status_counts,
    verdict_markdown,
)
from analytics.views.drill import rows_behind
from analytics.wording.safe import markdown_text, spreadsheet_frame

#: the metrics whose rows are exported (each gives ``rows_<metric>``)
ROW_METRICS = (
    "production_releases",
    "delivery_throughput_per_day",
    "lead_time_hours",
    "change_failure_rate",
    "time_to_restore_hours",
    "unit_test_pass_rate",
    "test_coverage",
)
WORKBOOK = "tables.xlsx"
DIGEST = "digest.md"
_SHEET_CHARS = 31  # Excel's limit on a sheet name


def month_tables(report: MonthReport) -> dict[str, pd.DataFrame]:
    """The month's tables by name (the CSV file and sheet names), in a reader's order.

    Examples
    --------
    >>> from analytics import views
    >>> tables = month_tables(views.open_month("data/sample", "2021-12"))  # doctest: +SKIP
    >>> len(tables["rows_production_releases"])  # the month's releases  # doctest: +SKIP
    21
    """
    month = report.monthly[report.monthly["period_start"] == report.month_start]
    tables = {
        "kpis": report.scorecard,
        "metrics": month,
        "metrics_by_month": report.monthly,
        "impact": report.impact,
        f"impact_by_{report.grouping}": report.impact_by_team,
        "lead_time_stages": lead_stage_summary(report),
    }
    for metric in ROW_METRICS:
        tables[f"rows_{metric}"] = rows_behind(report, metric)
    return tables


def _for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].map(lambda t: t.isoformat() if pd.notna(t) else None)
    return spreadsheet_frame(out.astype({c: object for c in out.columns if _is_text(out[c])}))


def _for_excel(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_convert("UTC").dt.tz_localize(None)
    return spreadsheet_frame(out.astype({c: object for c in out.columns if _is_text(out[c])}))


def _is_text(series: pd.Series) -> bool:
    return series.dtype == object or isinstance(series.dtype, pd.StringDtype)


def write_month_files(report: MonthReport, folder: str | Path) -> list[Path]:
    """Write the month's CSV files, workbook and digest into ``folder``; return the paths.

    ``folder`` is a month's staging folder (``analytics.report.render``) or any folder the
    caller owns: existing files of the same names are overwritten, nothing else is touched.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = month_tables(report)
    written = []
    for name, frame in tables.items():
        path = folder / f"{report.month}-{name}.csv"
        _for_csv(frame).to_csv(path, index=False, encoding="utf-8")
        written.append(path)
    workbook = folder / f"{report.month}-{WORKBOOK}"
    with pd.ExcelWriter(workbook, engine="openpyxl") as writer:
        for name, frame in tables.items():
            _for_excel(frame).to_excel(writer, sheet_name=name[:_SHEET_CHARS], index=False)
    written.append(workbook)
    digest = folder / f"{report.month}-{DIGEST}"
    digest.write_text(digest_markdown(report), encoding="utf-8")
    written.append(digest)
    return written


def export_staged_month(plan, month: str, stage: Path, cwd: Path) -> list[Path]:
    """Write ``month``'s files into its staging folder with the render's parameters.

    Called by ``analytics.report.render`` once every page of the month rendered; the files are
    then published with the pages (or not at all).

    Raises
    ------
    RenderError
        naming the month, when the tables cannot be computed or written.
    """
    from analytics.report.plan import _resolve as resolve_path  # same package: the plan's rule
    from analytics.views import open_month

    params = next(j.parameters for j in plan.jobs if j.month == month)
    program = params.get("program_file")
    try:
        report = open_month(
            str(resolve_path(params["data_dir"], cwd)),
            month,
            str(resolve_path(program, cwd)) if program else None,
            params.get("services"),
            params.get("preset"),
        )
        report.data_dir = str(params["data_dir"])  # as the pages show it
        return write_month_files(report, stage)
    except (AnalyticsError, OSError, ValueError) as exc:
        raise RenderError(f"{month}: the month's tables could not be exported: {exc}") from exc


def digest_markdown(report: MonthReport) -> str:
    """The month in a few Markdown lines: verdict, targets, what changed, by team.

    The verdict and the effects are the executive summary's (``views.verdict_markdown``);
    targets are the KPI table's; data text is escaped for Markdown.
    """
    month = report.month_start.strftime("%B %Y")
    lines = [f"# {markdown_text(report.config.name)}: {month}", "", verdict_markdown(report)]
    kpis = kpi_table(report)
    if len(kpis):
        lines += ["", "**Targets this month**", ""]
        for label, row in kpis.iterrows():
            lines.append(  # labels and targets are the catalogue's; a value may name a service
                f"- {label}: {markdown_text(row['This month'])} "
                f"(target {row['Target']}; met: {row['Met']})"
            )
    lines += _team_lines(report)
    lines += [
        "",
        f"Definitions: {report.preset} preset; data from {markdown_text(report.data_dir)}.",
    ]
    return "\n".join(lines) + "\n"


def _team_lines(report: MonthReport) -> list[str]:
    counts = team_status_counts(report)
    if counts.empty:
        return []
    compared = report.impact_by_team["metric"].nunique()
    out = ["", f"**By {report.grouping}** (of {compared} metrics compared, Holm-adjusted):", ""]
    for name, row in counts.iterrows():
        improved, worse = int(row.get("improved", 0)), int(row.get("worsened", 0))
        out.append(f"- {markdown_text(name)}: {improved} improved, {worse} got worse")
    return out


def write_export_files(files) -> list[str]:
    """The render's writer of a month's further files (``registry.register_month_files``)."""
    return [
        Path(p).name for p in export_staged_month(files.plan, files.month, files.folder, Path.cwd())
    ]
