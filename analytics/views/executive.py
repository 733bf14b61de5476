"""The executive summary's first screen: the status, the flags, the targets and the DORA keys.

Every figure comes from the month's headline numbers (``analytics.views.headline``) or from
the DORA bands (``analytics.program.dora.classify``): nothing here computes a metric. The
words are plain: test names, adjusted p-values and effect ratios belong on the program-impact
page.
"""

from __future__ import annotations

import math

import pandas as pd

from analytics.catalog import HEADLINE_METRICS, METRICS
from analytics.program.impact import demonstrated
from analytics.program.scorecard import phase_value
from analytics.views._format import HtmlText, _month_name
from analytics.views.drill import rows_behind
from analytics.views.headline import COUNTS, Headline, _frame, got_worse
from analytics.views.month import MonthReport
from analytics.views.quality import link_coverage_rows
from analytics.wording.levels import scoped_label
from analytics.wording.numbers import format_value, rate_suffix
from analytics.wording.safe import markdown_text
from analytics.wording.targets import target_words

#: The four DORA keys (as banded by ``classify``) and the rework rate, with the statistic shown.
DORA_ROWS = tuple(
    (metric, scoped_label(metric), counts)  # "Time to restore, all incidents"
    for metric, counts in (
        ("deployment_frequency_per_day", "production deployments a day"),
        ("lead_time_hours", "median of the month's changes"),
        ("time_to_restore_hours", "median of the month's incidents"),
        ("change_failure_rate", COUNTS["change_failure_rate"]),
        ("rework_rate", COUNTS["rework_rate"]),
    )
)
_NOUNS = {"time_to_restore_hours": "incident", "lead_time_hours": "change"}
FEW_EVENTS = 5  #: a figure from fewer events than this is flagged
LOW_LINK_SHARE = 0.5  #: a change failure rate from fewer linked incidents than this is flagged


def _phase_span(report: MonthReport, name: str) -> str:
    p = report.config.phase(name)
    return f"{p.start:%b %Y} – {p.end:%b %Y}" if p else ""


def status_of(report: MonthReport) -> dict[str, object]:
    """The month at a glance, for the page and the index (kept in the month's manifest):
    targets_met, targets_total, judged, on_track (targets on track at the current trend),
    demonstrated and compared (claimed improvements shown by the data), verdict (a few words).

    Computed once per month (:attr:`MonthReport.status`); this is a copy of it.
    """
    return dict(report.status)


def compute_status(report: MonthReport) -> dict[str, object]:
    """:func:`status_of` computed (``MonthReport.status`` keeps it)."""
    heads = report.headline
    met = sum(h.met is True for h in heads)
    on_track = sum(h.on_track is True for h in heads)
    status: dict[str, object] = {
        "targets_met": met,
        "targets_total": len(heads),
        "judged": report.judged,
        "on_track": on_track,
    }
    shown, compared = _demonstrated(report)
    status.update(demonstrated=shown, compared=compared)
    after = report.config.phase("after")
    if not heads:
        verdict = "no targets in program.yml"
    elif report.judged:
        verdict = (
            f"{shown} of {compared} claimed improvements demonstrated"
            if compared
            else "no improvement could be compared"
        )
    else:
        verdict = f"program judged from {after.start:%B %Y}" if after else "no after phase"
    status["verdict"] = verdict
    return status


def _demonstrated(report: MonthReport) -> tuple[int, int]:
    """Claimed improvements the data demonstrate (headline metrics), and how many were compared."""
    if not report.judged or not report.has_phases:
        return 0, 0
    imp = report.impact
    shown = [demonstrated(r) for r in imp[imp["metric"].isin(HEADLINE_METRICS)].itertuples()]
    judged = [s for s in shown if s is not None]
    return sum(judged), len(judged)


def _status_word(h: Headline, judged: bool) -> str:
    state = h.met if judged else h.on_track
    if state is None:
        return "not judged (no data)" if judged else "no trend yet"
    if judged:
        return "met" if state else "not met"
    return "on track" if state else "off track"


def status_sentence(report: MonthReport) -> HtmlText:
    """The first line of the page, as HTML (our words; the month and phases only)."""
    s, month = report.status, _month_name(report.month)
    if not s["targets_total"]:
        return HtmlText(f"<p><strong>{month}: program.yml sets no targets.</strong></p>")
    if s["judged"]:
        met = f"{s['targets_met']} of {s['targets_total']}"
        text = f"<strong>In {month}, {met} targets were met.</strong>"
        if s["compared"]:
            text += (
                f" From the baseline ({_phase_span(report, 'baseline')}) to the after phase "
                f"({_phase_span(report, 'after')}), <strong>{s['demonstrated']} of "
                f"{s['compared']} claimed improvements are demonstrated by the data</strong> "
                '(tests and intervals: <a href="05-program-impact.html">Program impact</a>).'
            )
        return HtmlText(f"<p>{text}</p>")
    after = report.config.phase("after")
    return HtmlText(
        "<p><strong>The program is not judged yet.</strong> Its targets are judged on the "
        f"after phase ({_phase_span(report, 'after')}); in {month}, <strong>{s['on_track']} "
        f"of {s['targets_total']} targets are on track</strong> to be met within three months "
        "at the current trend." + ("" if after else " program.yml has no after phase.") + "</p>"
    )


def targets_table(report: MonthReport) -> pd.DataFrame:
    """Each target: this month, the target, its status, baseline, after phase, and whether the
    data demonstrate the improvement from the baseline to the after phase (the test is on the
    program-impact page; what each figure counts is said by :func:`claims_markdown`)."""
    judged = report.judged
    shown = _shown_by_metric(report)
    rows = [
        {
            "Figure": h.name,
            "This month": h.month_text,
            "Target": h.target,
            "Status": _status_word(h, judged),
            "Baseline": h.baseline_text,
            "After phase": h.after_text if judged else "not reached",
            "Improvement": shown.get(h.metric, "not judged yet" if not judged else "no data"),
        }
        for h in report.headline
    ]
    return _frame(rows, "Figure")


def _shown_by_metric(report: MonthReport) -> dict[str, str]:
    """metric -> 'demonstrated' / 'not demonstrated' / 'no data' (judged months only)."""
    if not report.judged or not report.has_phases:
        return {}
    return {r.metric: _SHOWN[demonstrated(r)] for r in report.impact.itertuples()}


_SHOWN = {True: "demonstrated", False: "not demonstrated", None: "no data"}


def claims_markdown(report: MonthReport) -> str:
    """How each claim of program.yml is tested, one line each (the claim's own words, from
    program.yml ``claim:``, when it has them)."""
    if not report.headline:
        return "program.yml sets no targets (`targets:`), so no claim is tested."
    lines = []
    for h, t in zip(report.headline, report.config.targets, strict=True):
        head = markdown_text(h.label, None)
        claim = f" (claimed: “{markdown_text(h.claim, None)}”)" if h.claim else ""
        how = f"{h.statistic}, target {h.target}"
        if t.applies_to == "every_service":
            how = f"{h.statistic}, target {target_words(t.op, t.threshold, h.unit)}"
            how += " (every service must reach it, so the lowest one is judged)"
        lines.append(f"- **{head}**{claim}: tested as the {how}; counts {h.counts}.")
    return "\n".join(lines)


def _band_rows(report: MonthReport) -> pd.DataFrame:
    bands = report.bands
    return bands[(bands["period_start"] == report.month_start) & (bands["service"] == "all")]


def dora_table(report: MonthReport) -> pd.DataFrame:
    """The four DORA keys and the rework rate this month, each with its band for the
    configured report year (program.yml ``benchmark_year``)."""
    bands = _band_rows(report).set_index("metric")
    year = report.config.benchmark_year
    month = report.monthly[
        (report.monthly["period_start"] == report.month_start)
        & (report.monthly["service"] == "all")
        & (report.monthly["severity"] == "all")
    ].set_index("metric")
    rows = []
    for metric, label, counts in DORA_ROWS:
        unit = METRICS[metric].unit
        if metric in bands.index:
            value, band = float(bands.at[metric, "value"]), str(bands.at[metric, "band"])
        else:
            value = float(month["value"].get(metric, math.nan))
            band = "no DORA band"
        rows.append(
            {
                "Key": label,
                "Counts": counts,
                "This month": format_value(value, unit) + rate_suffix(unit),
                f"DORA {year} band": band,
            }
        )
    return _frame(rows, "Key")


#: Figures flagged when their after phase is worse even without a target (as headline figures
#: when program.yml sets one)
ALWAYS_CHECKED = ("change_failure_rate", "rework_rate")


def _worse_flags(report: MonthReport) -> list[str]:
    """Figures whose after phase is worse than the baseline (same statistic both sides), each
    once: the headline figures, then those of ``ALWAYS_CHECKED`` that no target makes a
    headline figure of the same statistic (a target of all severities, over all services)."""
    if not report.judged:
        return []
    out = [f"{h.name} got worse: {h.change_text()}." for h in report.headline if h.worse]
    headline = {
        t.metric for t in report.config.targets if t.severity is None and t.applies_to == "overall"
    }
    for metric in ALWAYS_CHECKED:
        if metric in headline:
            continue
        info = METRICS[metric]
        before = phase_value(report.monthly, report.config, metric, "baseline")
        after = phase_value(report.monthly, report.config, metric, "after")
        if got_worse(before, after, info.unit, info.higher_is_better):
            b, a = format_value(before, info.unit), format_value(after, info.unit)
            out.append(f"{info.label} got worse: baseline {b}, after phase {a}.")
    return out


def _release_flag(report: MonthReport) -> list[str]:
    """A releases target met only thanks to hotfixes and rollbacks."""
    target = report.config.target("production_releases")
    if target is None or target.op != ">=":
        return []
    month = rows_behind(report, "production_releases")  # the releases the target counts
    kinds = month["kind"].fillna("regular")
    regular = int((kinds == "regular").sum())
    hot, back = int((kinds == "hotfix").sum()), int((kinds == "rollback").sum())
    if len(month) >= target.threshold > regular:
        return [
            f"The production-releases target ({target.threshold:g} a month) is met only thanks "
            f"to repairs: {len(month)} releases, of which {regular} regular, {hot} "
            f"hotfix{'es' if hot != 1 else ''} and {back} rollback{'s' if back != 1 else ''}."
        ]
    return []


def _few_event_flags(report: MonthReport) -> list[str]:
    out = [
        f"{h.label} this month is the {h.statistic} of only {h.n} "
        f"{_NOUNS.get(h.metric, 'event')}{'s' if h.n != 1 else ''}."
        for h in report.headline
        if METRICS[h.metric].kind == "duration" and 0 < h.n < FEW_EVENTS
    ]
    cov = link_coverage_rows(report).set_index("table")
    if "incidents" in cov.index and cov.at["incidents", "rows"]:
        share = float(cov.at["incidents", "share"])
        if share < LOW_LINK_SHARE:
            out.append(
                f"The change failure rate rests on the {format_value(share, 'share')} of "
                f"incidents ({int(cov.at['incidents', 'linked']):,} of "
                f"{int(cov.at['incidents', 'rows']):,}) that could be linked to a deployment "
                "(see [Data quality](06-data-quality.html))."
            )
    return out


def flags(report: MonthReport) -> list[str]:
    """What a reader should look at before trusting the summary (Markdown sentences)."""
    from analytics.views.summary import month_warnings  # summary builds on this module

    return [
        *month_warnings(report),
        *_release_flag(report),
        *_few_event_flags(report),
        *_worse_flags(report),
    ]


def flags_markdown(report: MonthReport) -> str:
    found = flags(report)
    return "\n".join(f"- {f}" for f in found) if found else "Nothing stands out this month."
