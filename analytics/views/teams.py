"""The "by team / service" page: which teams improved, by how much, and which did not.

One call per section of ``notebooks/reports/08-teams.ipynb``. Groups are program.yml's teams
(``report.grouping`` is ``"team"``), or the services when program.yml names no teams. The
figures are those of ``report.impact_by_team`` / ``report.monthly_by_team``, computed once.
"""

from __future__ import annotations

import pandas as pd

from analytics.catalog import METRICS
from analytics.program.groups import IMPROVED, NO_DATA, NO_EVIDENCE, WORSENED
from analytics.views._format import _fmt, _level
from analytics.views.month import MonthReport
from analytics.wording.safe import markdown_text

_WORDS = {IMPROVED: "improved", WORSENED: "got worse", NO_EVIDENCE: "no clear change"}


def _group_title(report: MonthReport) -> str:
    return "team" if report.grouping == "team" else "service"


def team_verdict_markdown(report: MonthReport) -> str:
    """Per metric, the teams that improved, those that got worse and those with no clear change.

    Judged on ``report.impact_by_team`` (95% confidence, Holm-adjusted across every team and
    metric). Team names are escaped for Markdown.
    """
    table = report.impact_by_team
    kind = _group_title(report)
    if table.empty:
        return "program.yml has no *baseline* and *after* phases: no team can be compared."
    lines = [
        f"**Baseline vs after, {kind} by {kind}** (95% confidence, Holm-adjusted across all "
        f"{len(table)} comparisons):\n"
    ]
    if report.grouping != "team":
        lines.insert(0, "program.yml maps no services to teams (key `teams`): showing services.\n")
    for _metric, rows in table.groupby("metric", sort=False):
        parts = []
        for status in (IMPROVED, WORSENED, NO_EVIDENCE):
            names = [markdown_text(n) for n in rows.loc[rows["status"] == status, report.grouping]]
            if names:
                parts.append(f"{_WORDS[status]}: {', '.join(names)}")
        missing = [markdown_text(n) for n in rows.loc[rows["status"] == NO_DATA, report.grouping]]
        if missing:
            parts.append(f"no data on one side: {', '.join(missing)}")
        lines.append(f"- **{markdown_text(rows['label'].iloc[0])}**: {'; '.join(parts)}.")
    return "\n".join(lines)


def _cell(row) -> str:
    if row.status == NO_DATA:
        return "no data"
    arrow = f"{_level(row.metric, row.baseline)} → {_level(row.metric, row.after)}"
    return f"{arrow} ({_WORDS.get(row.status, row.status)})"


def team_impact_table(report: MonthReport, by: str | None = None) -> pd.DataFrame:
    """One row per team (``by="service"``: per service), one column per metric: baseline →
    after and whether it improved, got worse or showed no clear change."""
    table = report.impact_by_service if by == "service" else report.impact_by_team
    group = "service" if by == "service" else report.grouping
    if table.empty:
        return pd.DataFrame({"note": ["No baseline and after phases: nothing to compare."]})
    cells = table.assign(cell=[_cell(r) for r in table.itertuples()])
    labels = dict(zip(cells["metric"], cells["label"], strict=True))  # as the impact names them
    wide = cells.pivot(index=group, columns="metric", values="cell")
    wide = wide.reindex(index=list(dict.fromkeys(cells[group])), columns=list(labels))
    return wide.rename(columns=labels).rename_axis(index=group.capitalize(), columns=None)


def team_status_counts(report: MonthReport) -> pd.DataFrame:
    """Per team: how many metrics improved, got worse, showed no clear change or lack data."""
    table = report.impact_by_team
    if table.empty:
        return pd.DataFrame()
    counts = pd.crosstab(table[report.grouping], table["status"])
    order = [s for s in (IMPROVED, WORSENED, NO_EVIDENCE, NO_DATA) if s in counts.columns]
    counts = counts.reindex(index=list(dict.fromkeys(table[report.grouping])), columns=order)
    return counts.rename_axis(index=report.grouping.capitalize(), columns=None)


def team_month_values(report: MonthReport, metrics: tuple[str, ...]) -> pd.DataFrame:
    """This month's value of each metric per team, with units ("no data" when none)."""
    t = report.monthly_by_team
    t = t[(t["severity"] == "all") & (t["period_start"] == report.month_start)]
    wide = t[t["metric"].isin(metrics)].pivot(
        index=report.grouping, columns="metric", values="value"
    )
    wide = wide.reindex(index=list(dict.fromkeys(t[report.grouping])), columns=list(metrics))
    shown = pd.DataFrame(
        {METRICS[m].label: [_fmt(m, v) for v in wide[m]] for m in metrics}, index=wide.index
    )
    return shown.rename_axis(index=report.grouping.capitalize())
