"""The executive summary: the verdict in words, warnings about the month's data, the KPI table."""

from __future__ import annotations

import pandas as pd

from analytics.catalog import HEADLINE_METRICS
from analytics.program.impact import demonstrated
from analytics.program.scorecard import target_detail, target_text, targets_met_text, value_text
from analytics.views._format import _fmt, _month_name
from analytics.views.drill import rows_behind
from analytics.views.month import MonthReport
from analytics.views.quality import rows_per_month
from analytics.wording.safe import html_text, markdown_text


def verdict_markdown(report: MonthReport) -> str:
    """A few sentences an executive can repeat: targets met this month, and the program's effect."""
    card = report.scorecard
    lines = [
        f"**Check the data first:** {w}\n" for w in month_warnings(report)
    ]  # no data text in them
    if len(card):
        lines.append(
            f"**In {_month_name(report.month)}, "
            f"{targets_met_text(card['met'], card['lower_bound'], sentence=True)}.**"
        )
        mix = release_mix(report)
        if mix:
            lines.append(f"- Counted as releases: {mix}")
        for row in card.itertuples():
            if row.met is False:
                lines.append(
                    f"- Not met: {markdown_text(row.label, None)} "
                    f"({markdown_text(target_detail(row), None)})."
                )
    after = report.config.phase("after")
    if not report.has_phases or after is None:  # has_phases: there is an after phase
        lines.append(
            "\nprogram.yml has no *baseline* and *after* phases, so the program's effect "
            "cannot be estimated."
        )
        return "\n".join(lines)
    if not report.judged:
        lines.append(
            f"\n**The program's effect is not judged yet:** the after phase starts in "
            f"{_month_name(f'{after.start:%Y-%m}')}, and this report uses only data up to the "
            f"end of {_month_name(report.month)}."
        )
        return "\n".join(lines)
    lines += _effect_lines(report)
    return "\n".join(lines)


def effect_markdown(report: MonthReport) -> str:
    """The program's effect for the executive page beyond its targets (whose table says which
    claims the data demonstrate): the other comparisons (judged months), else what will be
    judged and when."""
    if not report.has_phases:
        return (
            "program.yml has no *baseline* and *after* phases, so the program's effect "
            "cannot be estimated."
        )
    after, base = report.config.phase("after"), report.config.phase("baseline")
    if after is None or base is None:  # has_phases says both exist; for the type checker
        return ""
    if not report.judged:
        return (
            f"The program is not judged yet. From the end of {after.end:%B %Y}, each target "
            f"above is compared between the baseline ({base.start:%b %Y} – {base.end:%b %Y}) "
            f"and the after phase ({after.start:%b %Y} – {after.end:%b %Y}); the first "
            f"provisional verdict comes with the {after.start:%B %Y} report."
        )
    return "\n".join(_effect_lines(report, claims=False)).strip()


def _effect_lines(report: MonthReport, *, claims: bool = True) -> list[str]:
    """The program's effect in plain words: each claim's headline figures (the same numbers as
    the tiles and tables) and whether the data demonstrate the improvement (``claims`` False:
    only the count and the other comparisons, for a page whose targets table has the claims)."""
    imp = report.impact
    after = report.config.phase("after")
    heads = {h.metric: h for h in report.headline}
    headline = imp[imp["metric"].isin(HEADLINE_METRICS)]
    others = imp[~imp["metric"].isin(HEADLINE_METRICS)]
    shown = int(headline["improved"].sum())
    lines = [
        f"\n**From the baseline to the after phase, {shown} of {len(headline)} claimed "
        "improvements are demonstrated by the data** (95% confidence, allowing for the number "
        "of comparisons; the tests are on the Program impact page):\n"
    ]
    if after is not None and report.month_start.date() < after.end.replace(day=1):
        lines[-1] = lines[-1].replace(
            ":\n",
            f", with the after phase seen up to the end of {_month_name(report.month)} only:\n",
        )
    if not claims:  # the page's first line says how many; its targets table says which
        lines = []
    if claims:
        lines += [_verdict_line(row, heads.get(row.metric)) for row in headline.itertuples()]
    if len(others):
        lines.append(
            "\nAlso compared (medians and pooled shares, as on the Program impact page):\n"
            if claims
            else "Beyond the targets, the Program impact page compares (medians and pooled "
            "shares):\n"
        )
        lines += [_verdict_line(row) for row in others.itertuples()]
    return lines


#: tables whose monthly row count is checked for gaps (incidents may rightly be few or none)
_VOLUME_TABLES = {"deployments": "deployments", "changes": "changes", "test_runs": "test runs"}
_GAP_SHARE = 0.25  # a month with fewer rows than this share of the usual is flagged
_GAP_MONTHS = 6  # the usual: the median of up to this many months before


def _thin(rows: pd.Series, month: pd.Timestamp) -> tuple[int, float] | None:
    """(rows, usual) when ``month`` holds under a quarter of its usual rows (the median of up to
    six months before, when that is at least 5), else None."""
    before = rows[rows.index < month].tail(_GAP_MONTHS)
    usual = float(before.median()) if len(before) else 0.0
    now = int(rows.get(month, 0))
    return (now, usual) if usual >= 5 and now < _GAP_SHARE * usual else None


def month_warnings(report: MonthReport) -> list[str]:
    """Plain sentences about the data that should make a reader doubt the figures.

    A table (deployments, changes, test runs) with no rows in a month, or fewer than a quarter
    of its usual rows (the median of up to six months before, when that is at least 5),
    suggests a gap in the export rather than a real collapse: the report month is checked, and
    so are the earlier months, whose gaps would pull down the trends and the phase comparisons.
    Test coverage measured on fewer than half the services that reported it before is flagged too.
    """
    counts = rows_per_month(report)
    month = report.month_start
    out, earlier = [], []
    for table, label in _VOLUME_TABLES.items():
        rows = counts[counts["table"] == table].set_index("period_start")["rows"]
        thin = _thin(rows, month)
        if thin:
            now, usual = thin
            amount = "No" if now == 0 else f"Only {now:,}"
            out.append(
                f"{amount} {label if now != 1 else label[:-1]} in {_month_name(report.month)}, "
                f"against about {usual:,.0f} a month "
                "before: the export may be missing data, so this month's figures that count "
                f"{label} are doubtful."
            )
        for m in rows.index[rows.index < month]:
            if (thin := _thin(rows, m)) is not None:
                earlier.append(
                    (
                        m,
                        f"{label} in {_month_name(f'{m:%Y-%m}')} "
                        f"({thin[0]:,}; usually about {thin[1]:,.0f})",
                    )
                )
    if earlier:
        listed = "; ".join(text for _, text in earlier[:4]) + (
            f"; and {len(earlier) - 4} more" if len(earlier) > 4 else ""
        )
        compared = [
            p
            for p in (report.config.phase("baseline"), report.config.phase("after"))
            if p is not None
        ]
        counted = any(p.start <= m.date() <= p.end for m, _ in earlier for p in compared)
        where = (
            "the trends and the before/after comparison count" if counted else "the trends count"
        )
        out.append(
            f"Earlier months look like gaps in the export: {listed}; {where} them as quiet months."
        )
    cov = report.monthly[
        (report.monthly["metric"] == "test_coverage")
        & (report.monthly["service"] == "all")
        & (report.monthly["severity"] == "all")
    ].set_index("period_start")["n"]
    before = cov[cov.index < month].tail(_GAP_MONTHS)
    if len(before) and before.max() >= 2 and cov.get(month, 0) < before.max() / 2:
        out.append(
            f"Test coverage in {_month_name(report.month)} comes from "
            f"{int(cov.get(month, 0))} of the "
            f"{int(before.max())} services that reported it before."
        )
    return out


def release_mix(report: MonthReport) -> str:
    """The month's production releases by kind, e.g. "21 production releases: 14 regular, 6 hotfixes
    and 1 rollback" ("" when every release is regular): a target on releases counts them all."""
    month = rows_behind(report, "production_releases")
    kinds = month["kind"].fillna("regular").value_counts()
    if kinds.drop("regular", errors="ignore").sum() == 0:
        return ""
    names = {
        "regular": ("regular", "regular"),
        "hotfix": ("hotfix", "hotfixes"),
        "rollback": ("rollback", "rollbacks"),
    }
    parts = [f"{n:,} {names.get(k, (k, k))[n != 1]}" for k, n in kinds.items()]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{len(month):,} production releases in {_month_name(report.month)}: {listed}."


_MARKS = {True: "Demonstrated", False: "Not demonstrated", None: "No data"}


def _verdict_line(row, head=None) -> str:
    """One comparison in plain words: 'Demonstrated', 'Not demonstrated' or 'No data', then the
    headline's figures when the metric has a target (else the comparison's own sentence, cut
    before its effect ratio and interval, which belong on the Program impact page)."""
    mark = _MARKS[demonstrated(row)]
    if head is not None and mark != "No data":
        text = f"{head.name}: {head.change_text()}."
    else:
        text = html_text(row.sentence, None).split(": ")[0].split("; n = ")[0].rstrip(".") + "."
    note = ""
    if (
        mark == "Not demonstrated"
        and _interval_excludes_no_change(row)
        and not row.p_adjusted < 0.05
    ):
        note = (
            " Its interval alone excludes no change, but not once all the comparisons made "
            "are allowed for."
        )
    return f"- {mark}: {text}{note}"  # our words: no data text


def _interval_excludes_no_change(row) -> bool:
    null = 1.0 if row.effect_kind == "ratio" else 0.0
    return bool(row.ci_low > null or row.ci_high < null)


def kpi_table(report: MonthReport) -> pd.DataFrame:
    """The month's targets as a readable table (strings with units)."""
    card = report.scorecard
    return (
        pd.DataFrame(
            {
                "KPI": card["label"]
                + card["severity"].map(lambda s: "" if s == "all" else f" ({s})"),
                "This month": [value_text(r) for r in card.itertuples()],
                "Target": [
                    target_text(r.metric, r.op, r.target, r.applies_to) for r in card.itertuples()
                ],
                "Met": card["met"].map({True: "yes", False: "no"}).fillna("no data"),
                "Baseline": [
                    _fmt(m, v) for m, v in zip(card["metric"], card["baseline"], strict=True)
                ],
                "Trend": card["trend"],
                # a DORA band describes all incidents: none for one severity's figure
                "DORA band": card["band"].where(card["severity"] == "all", "").replace("", "-"),
            }
        )
        .set_index("KPI")
        .rename_axis(None)
    )
