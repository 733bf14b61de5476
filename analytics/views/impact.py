"""The program's effect as a readable table."""

from __future__ import annotations

import pandas as pd

from analytics.views._format import _level
from analytics.views.month import MonthReport


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
                "Shown": [
                    ("yes" if r.improved else "no") if r.n_before and r.n_after else "no data"
                    for r in imp.itertuples()
                ],
            }
        )
        .set_index("Metric")
        .rename_axis(None)
    )
