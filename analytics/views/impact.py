"""The program's effect as a readable table."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analytics.program.impact import demonstrated
from analytics.views._format import HtmlText, _level, _month_name
from analytics.views.month import MonthReport

_YES_NO = {True: "yes", False: "no", None: "no data"}  # the table's "Demonstrated" column


def impact_status_html(report: MonthReport) -> HtmlText:
    """Why the page has no comparison yet (no phases, or a month before the after phase) and
    what it will compare, and when; "" once the program is judged."""
    if not report.has_phases:
        return HtmlText(
            "<p>program.yml has no <em>baseline</em> and <em>after</em> phases: there is "
            "nothing to compare, so the program's effect is not estimated.</p>"
        )
    if report.judged:
        return HtmlText("")
    base, after = report.config.phase("baseline"), report.config.phase("after")
    if base is None or after is None:  # has_phases says both exist; for the type checker
        return HtmlText("")
    names = [f"{h.label} ({h.statistic}, target {h.target})" for h in report.headline]
    listed = "".join(f"<li>{html.escape(n)}</li>" for n in names)
    return HtmlText(
        f"<p><strong>The program is not judged yet.</strong> {_month_name(report.month)} comes "
        f"before the after phase ({after.start:%B %Y} – {after.end:%B %Y}), so there is "
        f"nothing to compare against the baseline yet. From the {after.start:%B %Y} report on, "
        f"this page compares the baseline ({base.start:%b %Y} – {base.end:%b %Y}) with the "
        "after phase for each claim, with a test, a 95% interval and the trend breaks:</p>"
        + (f"<ul>{listed}</ul>" if listed else "")
        + "<p>Until then, the executive summary shows whether each target is on track at the "
        "current trend.</p>"
    )


@dataclass(frozen=True)
class Later:
    """A call made only when its result is shown (:func:`later`, :func:`if_judged`)."""

    func: Callable[..., object]
    args: tuple[object, ...]
    kwargs: dict[str, object]

    def __call__(self) -> object:
        return _call(self.func, self.args, self.kwargs)


def later(func: Callable[..., object], *args: object, **kwargs: object) -> Later:
    """``func(*args, **kwargs)``, made only when needed: an argument of :func:`if_judged` that
    is itself computed, so that a month that does not show it computes nothing.

    >>> later(max, 1, later(abs, -3))()
    3
    """
    return Later(func, args, kwargs)


def _call(func: Callable[..., object], args: tuple, kwargs: dict) -> object:
    """``func`` called with its arguments, any :class:`Later` among them made first."""

    def made(value: object) -> object:
        return value() if isinstance(value, Later) else value

    return func(*map(made, args), **{k: made(v) for k, v in kwargs.items()})


def if_judged(report: MonthReport, shown: object, *args: object, **kwargs: object) -> object:
    """What a section shows once the program is judged; before, one plain sentence instead of
    an empty table or chart (the section's heading stays, so the page keeps its shape).

    ``shown`` is the table or chart itself, or a function to call with ``args`` and ``kwargs``
    (any :func:`later` among them made first) only when it is shown, so that a month before the
    after phase computes nothing for it:
    ``views.if_judged(report, plots.effect_forest, report.impact)``.
    """
    if report.judged and report.has_phases:
        return _call(shown, args, kwargs) if callable(shown) else shown
    after = report.config.phase("after") if report.has_phases else None
    when = f" from the {after.start:%B %Y} report on" if after else " once program.yml has phases"
    return HtmlText(f"<p><em>Not judged yet: shown{when}.</em></p>")


def impact_or_status(report: MonthReport) -> object:
    """The before-and-after table once the program is judged, else why not yet and what will
    be compared (:func:`impact_status_html`)."""
    return (
        impact_display(report)
        if report.judged and report.has_phases
        else impact_status_html(report)
    )


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
                "Demonstrated": [_YES_NO[demonstrated(r)] for r in imp.itertuples()],
            }
        )
        .set_index("Metric")
        .rename_axis(None)
    )
