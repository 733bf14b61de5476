"""The program's effect as a readable table."""

from __future__ import annotations

import pandas as pd

from analytics.views._format import _level, _month_name
from analytics.views.month import MonthReport

#: The program-impact page's sections shown only once the program is judged (the after phase
#: has begun): in an earlier month they would be empty tables and charts.
JUDGED_SECTIONS = {
    "before_after": (
        "## Before and after\n\n"
        "Rates: quasi-Poisson on daily counts (releases come in bursts). Durations: medians, "
        "bootstrap CI, Mann-Whitney. Shares: Wilson / Newcombe, Fisher. Coverage: paired by "
        "service, Wilcoxon. Lead times and test results come in groups (changes shipped "
        "together, tests of one day's runs): their intervals resample whole deployments or "
        "days, and their tests compare deployments or days. p-values are adjusted for testing "
        "several metrics at once (Holm)."
    ),
    "forest": "## Effects with their 95% confidence intervals",
    "ramp": (
        "## Production releases: the ramp\n\n"
        "Weekly releases with a segmented Poisson fit. The dashed line carries the baseline "
        "forward for comparison: its trend when it had a clear one (p < 0.05), else its average "
        "level. It is not an estimate of what would have happened without the program."
    ),
    "change_points": (
        "## Change points\n\nWhere each weekly series shifted most (corroboration, not a test)."
    ),
}


def impact_status_markdown(report: MonthReport) -> str:
    """The page's opening: not judged yet (and what will be judged, when), or nothing."""
    if not report.has_phases:
        return (
            "program.yml has no *baseline* and *after* phases: there is nothing to compare, so "
            "the program's effect is not estimated."
        )
    if report.judged:
        return ""
    base, after = report.config.phase("baseline"), report.config.phase("after")
    names = [f"{h.label} ({h.statistic}, target {h.target})" for h in report.headline]
    listed = "\n".join(f"- {n}" for n in names) or "- the headline metrics (no targets set)"
    return (
        f"**The program is not judged yet.** {_month_name(report.month)} comes before the after "
        f"phase ({after.start:%B %Y} – {after.end:%B %Y}), so there is nothing to compare "
        "against the baseline. From the "
        f"{after.start:%B %Y} report on, this page compares the baseline ({base.start:%b %Y} – "
        f"{base.end:%b %Y}) with the after phase for each claim, with a test, a 95% interval "
        "and the trend breaks:\n\n"
        f"{listed}\n\nUntil then, the executive summary shows whether each target is on "
        "track at the current trend."
    )


def impact_section(report: MonthReport, name: str) -> str:
    """A section heading and its explanation (``JUDGED_SECTIONS``), or "" before the after
    phase, when the section would be empty."""
    return JUDGED_SECTIONS[name] if report.judged and report.has_phases else ""


def if_judged(report: MonthReport, shown: object) -> object:
    """``shown`` once the program is judged, else None (the page shows nothing)."""
    return shown if report.judged and report.has_phases else None


def impact_display(report: MonthReport) -> pd.DataFrame:
    """program_impact as a readable table: levels with units, effect with its CI, adjusted p."""
    return impact_readable(report.impact)


def impact_readable(imp: pd.DataFrame) -> pd.DataFrame:
    """A ``program_impact`` table in words: levels with units, effect with its CI, adjusted p.

    Used by the program-impact page and ``devops-analytics impact``.
    """
    if imp.empty:
        return (
            pd.DataFrame(
                {"note": ["No baseline and after phases in program.yml: nothing to compare."]}
            )
            .set_index("note")
            .rename_axis(None)
        )

    def effect(row) -> str:
        if pd.isna(row.effect):
            return "-"
        if pd.isna(row.ci_low) or pd.isna(row.ci_high):  # too few items for an interval
            return (
                f"{row.effect:.2g}x (no interval)"
                if row.effect_kind == "ratio"
                else (f"{100 * row.effect:+.1f} pts (no interval)")
            )
        if row.effect_kind == "ratio":
            return f"{row.effect:.2g}x ({row.ci_low:.2g}-{row.ci_high:.2g}x)"
        return f"{100 * row.effect:+.1f} pts ({100 * row.ci_low:+.1f} to {100 * row.ci_high:+.1f})"

    return (
        pd.DataFrame(
            {
                "Metric": imp["label"],
                "Baseline": [
                    _level(m, v) for m, v in zip(imp["metric"], imp["baseline"], strict=True)
                ],
                "After": [_level(m, v) for m, v in zip(imp["metric"], imp["after"], strict=True)],
                "Effect (95% CI)": [effect(r) for r in imp.itertuples()],
                "Adjusted p": imp["p_adjusted"].map(
                    lambda p: "-" if pd.isna(p) else ("< 0.0001" if p < 1e-4 else f"{p:.4f}")
                ),
                "Test": imp["test"],
                "n before / after": [
                    f"{a:,} / {b:,}" for a, b in zip(imp["n_before"], imp["n_after"], strict=True)
                ],
                "Demonstrated": [
                    ("yes" if r.improved else "no") if r.n_before and r.n_after else "no data"
                    for r in imp.itertuples()
                ],
            }
        )
        .set_index("Metric")
        .rename_axis(None)
    )
