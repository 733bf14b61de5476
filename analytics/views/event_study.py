"""Did the program cause it? The event study on each service's adoption date, in words."""

from __future__ import annotations

import html

from analytics.views.month import MonthReport


def rollout_markdown(report: MonthReport) -> str:
    """One sentence per metric: does the change follow each service's adoption, or precede it?

    Examples of the wording (docs/METRICS.md, "Staggered adoption"): "Production releases:
    the change follows each service's own adoption date; ..." or "...: the change was already
    under way before adoption; ...". Without ``adoption:`` in program.yml, says how to add it.
    """
    summary = report.rollout.summary
    if summary.empty:
        return (
            "program.yml has no *adoption* dates, so the change cannot be aligned on each "
            "service's own adoption (add `adoption: {service: YYYY-MM-DD}`, data/README.md)."
        )
    if not (summary["adopted"] > 0).any():
        return (
            "No service had adopted the program by the end of this month (program.yml "
            "*adoption*): there is nothing to align on adoption yet."
        )
    follows = int((summary["timing"] == "follows adoption").sum())
    early = summary.loc[summary["timing"] == "under way before adoption", "label"].tolist()
    head = (
        f"**{follows} of {len(summary)} metrics change when each service adopts the program, "
        f"against services that had not adopted yet.**"
    )
    if early:
        head += f" Already under way before adoption: {html.escape(', '.join(early))}."
    # the sentences hold catalogue labels and numbers only (no data text), escaped as the
    # verdict's are
    lines = [head, ""] + [f"- {html.escape(s)}" for s in summary["sentence"]]
    return "\n".join(lines)
