"""The settings behind the numbers and the quality of the data: loaded, repaired, linked."""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler

from analytics.data.schema import TABLE_NAMES, TABLES
from analytics.metrics.linking import link_changes, link_coverage, link_incidents
from analytics.metrics.presets import get_preset
from analytics.periods import period_range, period_start
from analytics.views._format import _TABLE_LABELS
from analytics.views.month import MonthReport
from analytics.wording.numbers import format_value
from analytics.wording.safe import DISPLAY_LIMIT, clean_text


def definitions_table(report: MonthReport) -> pd.DataFrame:
    """The settings every number in the report depends on."""
    cfg = report.config
    phases = "; ".join(f"{p.name} {p.start}..{p.end}" for p in cfg.phases) or "none"
    return (
        pd.DataFrame(
            {
                "Setting": [
                    "Definitions preset",
                    "Time zone (days begin at local midnight)",
                    "Weeks start on",
                    "Production environments",
                    "Incident -> deployment window",
                    "Zero-length incidents (time to restore)",
                    "Phases",
                    "DORA benchmark year",
                    "Services shown",
                ],
                "Value": [
                    report.preset,
                    cfg.timezone,
                    cfg.week_start,
                    ", ".join(cfg.production_environments),
                    f"{cfg.link_window_hours:g} h",
                    cfg.zero_length_incidents,
                    phases,
                    str(cfg.benchmark_year),
                    ", ".join(sorted(set(report.dataset.deployments["service"]))) or "none",
                ],
            }
        )
        .set_index("Setting")
        .rename_axis(None)
    )


def load_summary(report: MonthReport) -> pd.DataFrame:
    """Per table: the file read, rows read and loaded, first and last local date."""
    s = report.dataset.summary()
    return pd.DataFrame(
        {
            "File": s["file"].to_numpy(),
            "Rows read": [f"{n:,}" for n in s["rows_read"]],
            "Rows used": [f"{n:,}" for n in s["rows_loaded"]],
            "First day": s["first"]
            .map(lambda d: "-" if d is None or pd.isna(d) else str(d))
            .to_numpy(),
            "Last day": s["last"]
            .map(lambda d: "-" if d is None or pd.isna(d) else str(d))
            .to_numpy(),
        },
        index=[_TABLE_LABELS[t] for t in s["table"]],
    )


def rows_per_month(report: MonthReport) -> pd.DataFrame:
    """Loaded rows per local month and table (period_start, table, rows), months without rows
    as 0."""
    frames = []
    for table in ("deployments", "changes", "incidents", "test_runs"):
        frame = report.dataset.table(table)
        if not len(frame):
            continue
        col = TABLES[table].time_column
        months = period_start(frame[col].dropna(), "month", report.config.timezone)
        frames.append(
            months.value_counts()
            .rename("rows")
            .rename_axis("period_start")
            .reset_index()
            .assign(table=table)
        )
    if not frames:
        return pd.DataFrame(columns=["period_start", "table", "rows"])
    out = pd.concat(frames, ignore_index=True)
    span = report.dataset.date_range()
    if span is not None:  # complete the grid so an empty month shows as 0, not as a gap in the line
        grid = pd.MultiIndex.from_product(
            [period_range(span[0], span[1], "month"), out["table"].unique()],
            names=["period_start", "table"],
        )
        out = (
            out.set_index(["period_start", "table"])["rows"]
            .reindex(grid, fill_value=0)
            .reset_index()
        )
        out = out[out["period_start"] >= period_range(span[0], span[1], "month")[0]]
    return out[["period_start", "table", "rows"]]


def quality_log(report: MonthReport) -> pd.DataFrame:
    q = report.dataset.quality
    if not len(q):
        return (
            pd.DataFrame({"note": ["Nothing was repaired or dropped."]})
            .set_index("note")
            .rename_axis(None)
        )
    out = pd.DataFrame(
        {
            "Table": [_TABLE_LABELS.get(t, t) for t in q["table"]],
            "Rule": q["rule"].to_numpy(),
            "Action": q["action"].to_numpy(),
            "Rows": [f"{n:,}" for n in q["rows"]],
            "Examples": q["examples"].to_numpy(),
        }
    )
    if report.dataset.as_of is not None:  # the loader's repairs were made on the whole export
        out.loc[len(out)] = [
            "All tables",
            "the repairs and drops above were made on the whole export "
            "read, including rows after this month that its report does not use",
            "noted",
            "-",
            "",
        ]
    return out.set_index("Table").rename_axis(None)


def link_coverage_table(report: MonthReport) -> pd.DataFrame:
    """How many changes and incidents could be linked to a deployment, and how (under the
    report's preset: ``fourkeys`` links only what the export names)."""
    cov = link_coverage_rows(report)
    counts = {
        label: [f"{n:,}" for n in cov[col]]
        for col, label in (
            ("rows", "Rows"),
            ("linked", "Linked"),
            ("explicit", "By id"),
            ("ancestry", "By git ancestry"),
            ("service_time", "By service and time"),
            ("previous_deployment", "To the previous deployment"),
            ("unlinked", "Not linked"),
        )
    }
    counts["Share linked"] = [
        format_value(v, "share") if pd.notna(v) else "-" for v in cov["share"]
    ]
    order = [
        "Rows",
        "Linked",
        "Share linked",
        "By id",
        "By git ancestry",
        "By service and time",
        "To the previous deployment",
        "Not linked",
    ]
    return pd.DataFrame(counts, index=[_TABLE_LABELS[t] for t in cov["table"]])[order]


def link_coverage_rows(report: MonthReport) -> pd.DataFrame:
    """``link_coverage`` of the report's changes and incidents (rows, linked, share...)."""
    ds, cfg = report.dataset, report.config
    preset = get_preset(report.preset, cfg)
    explicit = preset.link_rules == "explicit"
    changes = link_changes(
        ds.changes, ds.deployments, cfg.production_environments, explicit_only=explicit
    )
    incidents = link_incidents(
        ds.incidents,
        ds.deployments,
        cfg.production_environments,
        preset.link_window_hours(cfg),
        explicit_only=explicit,
    )
    return link_coverage(ds.changes, ds.incidents, changes, incidents)


def long_names(report: MonthReport) -> pd.DataFrame:
    """Names and labels longer than ``DISPLAY_LIMIT`` characters, in full.

    Pages, charts and terminals show such text cut to ``DISPLAY_LIMIT`` characters with an
    ellipsis (:func:`analytics.wording.safe.shorten`); this table keeps the whole value (one
    line, bidi and control characters removed), one row per distinct value, with the number
    of rows that carry it. Columns: ``Where``, ``Rows``, ``Full value``.
    """
    found = []
    for table in TABLE_NAMES:
        frame = report.dataset.table(table)
        for column in frame.columns:
            if not (frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column])):
                continue
            text = frame[column].dropna().astype("str")
            long = text[text.str.len() > DISPLAY_LIMIT].value_counts(sort=False)
            where = f"{_TABLE_LABELS.get(table, table)}: {column}"
            found += [(where, f"{n:,}", clean_text(v)) for v, n in long.items()]
    cfg = report.config
    settings = [("program.yml: name", cfg.name)]
    settings += [("program.yml: phase", p.name) for p in cfg.phases]
    settings += [("program.yml: milestone", m.label) for m in cfg.milestones]
    found += [(where, "-", clean_text(v)) for where, v in settings if len(v) > DISPLAY_LIMIT]
    return pd.DataFrame(found, columns=["Where", "Rows", "Full value"])


def long_names_display(report: MonthReport) -> pd.DataFrame | Styler:
    """:func:`long_names` for a page: every value shown whole (pandas would cut it), escaped."""
    table = long_names(report)
    if not len(table):
        note = f"No name or label is longer than {DISPLAY_LIMIT} characters."
        return pd.DataFrame({"note": [note]}).set_index("note").rename_axis(None)
    return table.style.format(escape="html").hide(axis="index")
