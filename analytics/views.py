"""Report-ready views: what a report notebook shows, computed once per month.

A notebook opens a :class:`MonthReport` with :func:`open_month` and then makes one call per
section, so the notebooks hold no logic (STYLE #9). Everything is computed lazily and cached
on the object. Text that comes from data is left as data: pandas escapes it when a table is
displayed, and :func:`verdict_markdown` escapes what it writes.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from analytics.benchmarks import classify
from analytics.catalog import HEADLINE_METRICS, METRICS
from analytics.config import ProgramConfig
from analytics.control import xmr_chart
from analytics.dataset import Dataset
from analytics.exceptions import AnalyticsError, ConfigError
from analytics.impact import IMPACT_COLUMNS, program_impact, require_phases
from analytics.load import load
from analytics.metrics import (
    coverage_by_service,
    deployment_facts,
    lead_times,
    metric_table,
    restore_times,
)
from analytics.metrics.linking import link_changes, link_coverage, link_incidents
from analytics.paths import find_data_dir
from analytics.periods import local_day, period_range, period_start, phase_of_dates
from analytics.schema import TABLES
from analytics.scorecard import (
    phase_value,
    scorecard,
    target_detail,
    target_text,
    targets_met_text,
    value_text,
)
from analytics.trend import change_points, segmented_regression
from analytics.wording import format_hours, format_value

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_TABLE_LABELS = {"deployments": "Deployments", "changes": "Changes", "incidents": "Incidents",
                 "test_runs": "Test runs"}
# tables in the reports show whole texts (pandas cuts cells at 50 characters by default)
pd.set_option("display.max_colwidth", None)


@dataclass
class MonthReport:
    """The data and results behind one month's report set."""

    dataset: Dataset
    month: str
    preset: str
    data_dir: str = ""

    @property
    def config(self) -> ProgramConfig:
        return self.dataset.config

    @property
    def month_start(self) -> pd.Timestamp:
        return pd.Timestamp(f"{self.month}-01")

    @cached_property
    def monthly(self) -> pd.DataFrame:
        """metric_table by month, for every month of the data."""
        return metric_table(self.dataset, freq="month", preset=self.preset)

    @cached_property
    def weekly(self) -> pd.DataFrame:
        return metric_table(self.dataset, freq="week", preset=self.preset)

    @cached_property
    def has_phases(self) -> bool:
        try:
            require_phases(self.config, "baseline", "after")
        except ConfigError:
            return False
        return True

    @cached_property
    def impact(self) -> pd.DataFrame:
        """program_impact; an empty table when program.yml has no baseline/after phases."""
        if not self.has_phases:
            return pd.DataFrame(columns=IMPACT_COLUMNS)
        return program_impact(self.dataset, preset=self.preset)

    @cached_property
    def scorecard(self) -> pd.DataFrame:
        """The targets for this month (value, target, met, baseline, trend, band)."""
        by_service = None
        if any(t.applies_to == "every_service" for t in self.config.targets):
            by_service = metric_table(self.dataset, freq="month", by="service", preset=self.preset)
        return scorecard(self.monthly, self.config, period_start=self.month_start, by_service=by_service)

    @cached_property
    def bands(self) -> pd.DataFrame:
        return classify(self.monthly, config=self.config)


def open_month(data_dir: str, month: str, program_file: str | None = None,
               services: list[str] | None = None, preset: str | None = None) -> MonthReport:
    """Load ``data_dir`` and prepare the report of ``month`` (``YYYY-MM``).

    ``services`` keeps only those services; ``preset`` overrides program.yml's definitions.
    The data are cut at the end of ``month`` (``Dataset.until``): a month's report, rendered
    now or later from a longer export, shows what was known at the end of that month.
    """
    if not _MONTH.match(str(month)):
        raise AnalyticsError(f"month must look like YYYY-MM, got {month!r}")
    ds = load(find_data_dir(data_dir), program_file)  # also from a notebook's own folder
    check_services(ds, services)
    span = ds.date_range()
    first, last = (f"{span[0]:%Y-%m}", f"{span[1]:%Y-%m}") if span else (None, None)
    if span is None or not first <= str(month) <= last:
        where = f"the data covers {first} to {last}" if span else "the data has no dated rows"
        raise AnalyticsError(f"{data_dir}: no data for {month} ({where})")
    ds = ds.until(month_end(str(month), ds.config.timezone))  # a month's report knows nothing later
    return MonthReport(ds.filter_services(services), str(month), preset or ds.config.definitions, str(data_dir))


def month_end(month: str, timezone: str) -> pd.Timestamp:
    """The first instant after ``month`` (``YYYY-MM``) in ``timezone``, as UTC."""
    return (pd.Timestamp(f"{month}-01") + pd.offsets.MonthBegin(1)).tz_localize(timezone).tz_convert("UTC")


def check_services(dataset: Dataset, services: list[str] | None) -> None:
    """Raise a one-line error naming any service that is in no table of the dataset."""
    if not services:
        return
    known = set()
    for table in ("deployments", "changes", "incidents", "test_runs"):
        known |= set(dataset.table(table)["service"].dropna())
    unknown = [s for s in services if s not in known]
    if unknown:
        raise AnalyticsError(f"unknown service {unknown[0]!r} (known: {', '.join(sorted(known)) or 'none'})")


# --- executive summary -------------------------------------------------------------------------


def verdict_markdown(report: MonthReport) -> str:
    """A few sentences an executive can repeat: targets met this month, and the program's effect."""
    card = report.scorecard
    lines = [f"**Check the data first:** {w}\n" for w in month_warnings(report)]  # no data text in them
    if len(card):
        lines.append(f"**In {_month_name(report.month)}, "
                     f"{targets_met_text(card['met'], card['lower_bound'], sentence=True)}.**")
        mix = release_mix(report)
        if mix:
            lines.append(f"- Counted as releases: {mix}")
        for row in card.itertuples():
            if row.met is False:
                lines.append(f"- Not met: {html.escape(str(row.label))} ({html.escape(target_detail(row))}).")
    if not report.has_phases:
        lines.append("\nprogram.yml has no *baseline* and *after* phases, so the program's effect "
                     "cannot be estimated.")
        return "\n".join(lines)
    imp = report.impact
    after = report.config.phase("after")
    if report.month_start.date() < after.start:
        lines.append(f"\n**The program's effect is not judged yet:** the after phase starts in "
                     f"{_month_name(f'{after.start:%Y-%m}')}, and this report uses only data up to the "
                     f"end of {_month_name(report.month)}.")
        return "\n".join(lines)
    headline = imp[imp["metric"].isin(HEADLINE_METRICS)]
    others = imp[~imp["metric"].isin(HEADLINE_METRICS)]
    shown = int(headline["improved"].sum())
    lines.append(f"\n**From the baseline to the after phase, {shown} of {len(headline)} claimed "
                 "improvements are shown by the data** (95% confidence, Holm-adjusted):\n")
    if report.month_start.date() < after.end.replace(day=1):
        lines[-1] = lines[-1].replace(":\n", f", with the after phase seen up to the end of "
                                      f"{_month_name(report.month)} only:\n")
    lines += [_verdict_line(row) for row in headline.itertuples()]
    if len(others):
        lines.append("\nAlso compared:\n")
        lines += [_verdict_line(row) for row in others.itertuples()]
    return "\n".join(lines)


#: tables whose monthly row count is checked for gaps (incidents may rightly be few or none)
_VOLUME_TABLES = {"deployments": "deployments", "changes": "changes", "test_runs": "test runs"}
_GAP_SHARE = 0.25  # a month with fewer rows than this share of the usual is flagged
_GAP_MONTHS = 6  # the usual: the median of up to this many months before


def month_warnings(report: MonthReport) -> list[str]:
    """Plain sentences about this month's data that should make a reader doubt its figures.

    A table (deployments, changes, test runs) with no rows, or fewer than a quarter of its
    usual rows (the median of up to six months before, when that is at least 5), suggests a
    gap in the export rather than a real collapse; test coverage measured on fewer than half
    the services that reported it before is flagged too.
    """
    counts = rows_per_month(report)
    month = report.month_start
    out = []
    for table, label in _VOLUME_TABLES.items():
        rows = counts[counts["table"] == table].set_index("period_start")["rows"]
        before = rows[rows.index < month].tail(_GAP_MONTHS)
        usual = float(before.median()) if len(before) else 0.0
        now = int(rows.get(month, 0))
        if usual >= 5 and now < _GAP_SHARE * usual:
            amount = "No" if now == 0 else f"Only {now:,}"
            out.append(f"{amount} {label if now != 1 else label[:-1]} in {_month_name(report.month)}, against about {usual:,.0f} a month "
                       "before: the export may be missing data, so this month's figures that count "
                       f"{label} are doubtful.")
    cov = report.monthly[(report.monthly["metric"] == "test_coverage") & (report.monthly["service"] == "all")
                         & (report.monthly["severity"] == "all")].set_index("period_start")["n"]
    earlier = cov[cov.index < month].tail(_GAP_MONTHS)
    if len(earlier) and earlier.max() >= 2 and cov.get(month, 0) < earlier.max() / 2:
        out.append(f"Test coverage in {_month_name(report.month)} comes from {int(cov.get(month, 0))} of the "
                   f"{int(earlier.max())} services that reported it before.")
    return out


def release_mix(report: MonthReport) -> str:
    """The month's production releases by kind, e.g. "21 production releases: 14 regular, 6 hotfixes
    and 1 rollback" ("" when every release is regular): a target on releases counts them all."""
    facts = deployment_facts(report.dataset, report.preset)
    month = facts[facts["is_production"] & facts["success"]
                  & (facts["day"].dt.to_period("M") == pd.Period(report.month, "M"))]
    kinds = month["kind"].fillna("regular").value_counts()
    if kinds.drop("regular", errors="ignore").sum() == 0:
        return ""
    names = {"regular": ("regular", "regular"), "hotfix": ("hotfix", "hotfixes"), "rollback": ("rollback", "rollbacks")}
    parts = [f"{n:,} {names.get(k, (k, k))[n != 1]}" for k, n in kinds.items()]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{len(month):,} production releases in {_month_name(report.month)}: {listed}."


def _verdict_line(row) -> str:
    if row.n_before == 0 or row.n_after == 0:
        mark = "No data"
    else:
        mark = "Shown" if row.improved else "Not shown"
    return f"- {mark}: {html.escape(row.sentence)}"


def kpi_table(report: MonthReport) -> pd.DataFrame:
    """The month's targets as a readable table (strings with units)."""
    card = report.scorecard
    return pd.DataFrame({
        "KPI": card["label"] + card["severity"].map(lambda s: "" if s == "all" else f" ({s})"),
        "This month": [value_text(r) for r in card.itertuples()],
        "Target": [target_text(r.metric, r.op, r.target, r.applies_to) for r in card.itertuples()],
        "Met": card["met"].map({True: "yes", False: "no"}).fillna("no data"),
        "Baseline": [_fmt(m, v) for m, v in zip(card["metric"], card["baseline"], strict=True)],
        "Trend": card["trend"],
        "DORA band": card["band"].replace("", "-"),
    }).set_index("KPI").rename_axis(None)


# --- per-topic tables --------------------------------------------------------------------------


def month_values(report: MonthReport, metrics: tuple[str, ...]) -> pd.DataFrame:
    """This month's value of each metric next to the baseline mean, with units and n."""
    table = report.monthly[report.monthly["severity"] == "all"]
    rows = []
    for metric in metrics:
        series = table[table["metric"] == metric].set_index("period_start")
        now = series["value"].get(report.month_start, float("nan"))
        n = series["n"].get(report.month_start, 0)
        base = phase_value(report.monthly, report.config, metric, "baseline")
        rows.append({"Metric": METRICS[metric].label, "This month": _fmt(metric, now),
                     "Baseline": _fmt(metric, base), "n": f"{int(n):,}"})
    return pd.DataFrame(rows).set_index("Metric").rename_axis(None)


def restore_by_severity(report: MonthReport) -> pd.DataFrame:
    """Time to restore this month per severity: mean, median, P90, n, still open."""
    t = report.monthly
    t = t[(t["metric"] == "time_to_restore_hours") & (t["period_start"] == report.month_start)]
    order = {s: i for i, s in enumerate(["critical", "high", "medium", "low", "all"])}
    t = t.sort_values("severity", key=lambda s: s.map(order))
    return pd.DataFrame({
        "Severity": t["severity"], "Mean": t["mean"].map(_hours), "Median": t["median"].map(_hours),
        "P90": t["p90"].map(_hours), "Incidents": t["n"].astype(int), "Still open": t["n_censored"].astype(int),
    }).set_index("Severity").rename_axis(None)


def incidents_of_month(report: MonthReport) -> pd.DataFrame:
    """Every incident opened in the month, newest first (titles as data: escaped on display)."""
    items = restore_times(report.dataset, report.preset)
    inc = report.dataset.incidents.set_index("incident_id")
    items = items[_in_month(items["opened_at"], report)]
    links = link_incidents(report.dataset.incidents, report.dataset.deployments,
                           report.config.production_environments, report.config.link_window_hours)
    linked = links.set_index("incident_id")["deployment_id"]
    out = pd.DataFrame({
        "Incident": items["incident_id"],
        "Opened (local)": items["opened_at"].dt.tz_convert(report.config.timezone).dt.strftime("%Y-%m-%d %H:%M"),
        "Severity": items["severity"],
        "Service": items["service"].fillna("-"),
        "Restored in": items["restore_hours"].map(_hours).where(~items["censored"], "still open"),
        "Caused by": items["incident_id"].map(linked).fillna("-"),
        "Title": items["incident_id"].map(inc["title"]).fillna(""),
    })
    return out.sort_values("Opened (local)", ascending=False).set_index("Incident").rename_axis(None)


def phase_items(report: MonthReport, kind: str) -> pd.DataFrame:
    """Per-item durations with their phase: ``kind`` is "restore" or "lead"."""
    items = (restore_times(report.dataset, report.preset) if kind == "restore"
             else lead_times(report.dataset, report.preset))
    return items.assign(phase=phase_of_dates(items["day"], report.config))


def weekly_series(report: MonthReport, metric: str) -> pd.Series:
    """The weekly values of one metric (severity "all"), indexed by week start, gaps dropped."""
    t = report.weekly
    rows = t[(t["metric"] == metric) & (t["severity"] == "all")]
    return rows.set_index("period_start")["value"].dropna()


def control_frame(report: MonthReport, metric: str) -> pd.DataFrame:
    """XmR chart of a weekly metric, limits from the baseline weeks."""
    series = weekly_series(report, metric)
    base = report.config.phase("baseline")
    if base is not None:
        end = pd.Timestamp(base.end)
    else:  # no baseline phase: limits from the first 20 points (Wheeler's usual minimum)
        end = series.index[min(len(series), 20) - 1] if len(series) else None
    frame = xmr_chart(series, baseline_end=end)
    return frame.reset_index(drop=True).assign(period_start=series.index)


def its_frame(report: MonthReport, metric: str) -> pd.DataFrame:
    """Observed, fitted and counterfactual weekly values around the program (segmented fit).

    The counterfactual continues the baseline *trend* only when the baseline slope is
    distinguishable from zero (p < 0.05); otherwise it is the baseline *level*. A short, noisy
    baseline would otherwise be extrapolated into an absurd projection (a Poisson trend
    compounds), which readers would take as what "would have happened".
    """
    program = report.config.phase("program")
    if program is None:  # nothing to break the series at: an empty fit, drawn as "no data"
        return pd.DataFrame(columns=["observed", "fitted", "counterfactual", "phase"],
                            index=pd.DatetimeIndex([], name="period_start"), dtype=float)
    series = weekly_series(report, metric)
    start, end = pd.Timestamp(program.start), pd.Timestamp(program.end)
    count = METRICS[metric].kind == "count"
    if count:  # weekly counts: quasi-Poisson, a week of exposure
        if METRICS[metric].unit.endswith("/day"):
            series = series * 7
        fit = segmented_regression(series, start, end, kind="count", exposure=pd.Series(7.0, index=series.index))
    else:
        fit = segmented_regression(series, start, end)
    frame = fit.fitted.copy()
    slope = fit.coefficients.set_index("term")["p_value"].get("slope", float("nan"))
    if not slope < 0.05:
        baseline = frame.loc[frame["phase"] == "baseline", "observed"].mean()
        frame["counterfactual"] = frame["counterfactual"].where(frame["phase"] == "baseline", baseline)
    return frame


def change_point_table(report: MonthReport, metrics: tuple[str, ...]) -> pd.DataFrame:
    """The two largest level shifts of each weekly series (corroboration only: not a test)."""
    rows = []
    for metric in metrics:
        series = weekly_series(report, metric)
        if len(series) < 8:
            continue
        found = change_points(series, n_bkps=2)
        weeks = [series.index[p].date().isoformat() for p in found.positions]
        rows.append({"Metric": METRICS[metric].label, "Level changed in weeks starting": ", ".join(weeks) or "none"})
    return pd.DataFrame(rows, columns=["Metric", "Level changed in weeks starting"]).set_index("Metric").rename_axis(None)


def coverage_table(report: MonthReport) -> pd.DataFrame:
    """Each service's coverage this month (last run) next to its last baseline value."""
    cov = coverage_by_service(report.dataset, freq="month", preset=report.preset)
    now = cov[cov["period_start"] == report.month_start].set_index("service")["coverage"]
    base = report.config.phase("baseline")
    before = pd.Series(dtype=float)
    if base is not None:
        inside = cov[(cov["period_start"] >= pd.Timestamp(base.start)) & (cov["period_start"] <= pd.Timestamp(base.end))]
        before = inside.sort_values("finished_at").groupby("service")["coverage"].last()
    services = sorted(set(now.index) | set(before.index))
    target = report.config.target("test_coverage")
    return pd.DataFrame({
        "Service": services,
        "This month": [_share_1dp(now.get(s, float("nan"))) for s in services],
        "End of baseline": [_share_1dp(before.get(s, float("nan"))) for s in services],
        "Meets target": ["-" if target is None or pd.isna(now.get(s)) else ("yes" if target.met(now.get(s)) else "no")
                         for s in services],
    }).set_index("Service").rename_axis(None)


def impact_display(report: MonthReport) -> pd.DataFrame:
    """program_impact as a readable table: levels with units, effect with its CI, adjusted p."""
    imp = report.impact
    if imp.empty:
        return pd.DataFrame({"note": ["No baseline and after phases in program.yml: nothing to compare."]}).set_index("note").rename_axis(None)

    def effect(row) -> str:
        if pd.isna(row.effect):
            return "-"
        if row.effect_kind == "ratio":
            return f"{row.effect:.2g}x ({row.ci_low:.2g}-{row.ci_high:.2g}x)"
        return f"{100 * row.effect:+.1f} pts ({100 * row.ci_low:+.1f} to {100 * row.ci_high:+.1f})"

    return pd.DataFrame({
        "Metric": imp["label"],
        "Baseline": [_level(m, v) for m, v in zip(imp["metric"], imp["baseline"], strict=True)],
        "After": [_level(m, v) for m, v in zip(imp["metric"], imp["after"], strict=True)],
        "Effect (95% CI)": [effect(r) for r in imp.itertuples()],
        "Adjusted p": imp["p_adjusted"].map(lambda p: "-" if pd.isna(p) else ("< 0.0001" if p < 1e-4 else f"{p:.4f}")),
        "Test": imp["test"],
        "n before / after": [f"{a:,} / {b:,}" for a, b in zip(imp["n_before"], imp["n_after"], strict=True)],
        "Shown": [("yes" if r.improved else "no") if r.n_before and r.n_after else "no data"
                  for r in imp.itertuples()],
    }).set_index("Metric").rename_axis(None)


def _level(metric: str, value: float) -> str:
    if METRICS[metric].kind == "count" and pd.notna(value):
        return f"{value:.2f}"
    return _fmt(metric, value)


def definitions_table(report: MonthReport) -> pd.DataFrame:
    """The settings every number in the report depends on."""
    cfg = report.config
    phases = "; ".join(f"{p.name} {p.start}..{p.end}" for p in cfg.phases) or "none"
    return pd.DataFrame({"Setting": [
        "Definitions preset", "Time zone (days begin at local midnight)", "Weeks start on",
        "Production environments", "Incident -> deployment window", "Phases", "DORA benchmark year",
        "Services shown",
    ], "Value": [
        report.preset, cfg.timezone, cfg.week_start, ", ".join(cfg.production_environments),
        f"{cfg.link_window_hours:g} h", phases, str(cfg.benchmark_year),
        ", ".join(sorted(set(report.dataset.deployments["service"]))) or "none",
    ]}).set_index("Setting").rename_axis(None)


# --- data quality ------------------------------------------------------------------------------


def load_summary(report: MonthReport) -> pd.DataFrame:
    """Per table: the file read, rows read and loaded, first and last local date."""
    s = report.dataset.summary()
    return pd.DataFrame({
        "File": s["file"].to_numpy(),
        "Rows read": [f"{n:,}" for n in s["rows_read"]],
        "Rows used": [f"{n:,}" for n in s["rows_loaded"]],
        "First day": s["first"].map(lambda d: "-" if d is None or pd.isna(d) else str(d)).to_numpy(),
        "Last day": s["last"].map(lambda d: "-" if d is None or pd.isna(d) else str(d)).to_numpy(),
    }, index=[_TABLE_LABELS[t] for t in s["table"]])


def rows_per_month(report: MonthReport) -> pd.DataFrame:
    """Loaded rows per local month and table (period_start, table, rows), months without rows as 0."""
    frames = []
    for table in ("deployments", "changes", "incidents", "test_runs"):
        frame = report.dataset.table(table)
        if not len(frame):
            continue
        col = TABLES[table].time_column
        months = period_start(frame[col].dropna(), "month", report.config.timezone)
        frames.append(months.value_counts().rename("rows").rename_axis("period_start").reset_index().assign(table=table))
    if not frames:
        return pd.DataFrame(columns=["period_start", "table", "rows"])
    out = pd.concat(frames, ignore_index=True)
    span = report.dataset.date_range()
    if span is not None:  # complete the grid so an empty month shows as 0, not as a gap in the line
        grid = pd.MultiIndex.from_product([period_range(span[0], span[1], "month"), out["table"].unique()],
                                          names=["period_start", "table"])
        out = out.set_index(["period_start", "table"])["rows"].reindex(grid, fill_value=0).reset_index()
        out = out[out["period_start"] >= period_range(span[0], span[1], "month")[0]]
    return out[["period_start", "table", "rows"]]


def quality_log(report: MonthReport) -> pd.DataFrame:
    q = report.dataset.quality
    if not len(q):
        return pd.DataFrame({"note": ["Nothing was repaired or dropped."]}).set_index("note").rename_axis(None)
    return pd.DataFrame({
        "Table": [_TABLE_LABELS.get(t, t) for t in q["table"]],
        "Rule": q["rule"].to_numpy(), "Action": q["action"].to_numpy(),
        "Rows": [f"{n:,}" for n in q["rows"]], "Examples": q["examples"].to_numpy(),
    }).set_index("Table").rename_axis(None)


def link_coverage_table(report: MonthReport) -> pd.DataFrame:
    """How many changes and incidents could be linked to a deployment, and how."""
    ds, cfg = report.dataset, report.config
    changes = link_changes(ds.changes, ds.deployments, cfg.production_environments)
    incidents = link_incidents(ds.incidents, ds.deployments, cfg.production_environments, cfg.link_window_hours)
    cov = link_coverage(ds.changes, ds.incidents, changes, incidents)
    counts = {label: [f"{n:,}" for n in cov[col]] for col, label in (
        ("rows", "Rows"), ("linked", "Linked"), ("explicit", "By id"), ("ancestry", "By git ancestry"),
        ("service_time", "By service and time"), ("previous_deployment", "To the previous deployment"),
        ("unlinked", "Not linked"))}
    counts["Share linked"] = [format_value(v, "share") if pd.notna(v) else "-" for v in cov["share"]]
    order = ["Rows", "Linked", "Share linked", "By id", "By git ancestry", "By service and time",
             "To the previous deployment", "Not linked"]
    return pd.DataFrame(counts, index=[_TABLE_LABELS[t] for t in cov["table"]])[order]


# --- helpers -----------------------------------------------------------------------------------


def _in_month(ts: pd.Series, report: MonthReport) -> pd.Series:
    day = local_day(ts, report.config.timezone)
    return (day >= report.month_start) & (day < report.month_start + pd.offsets.MonthBegin(1))


def _hours(h: float) -> str:
    return "-" if pd.isna(h) else format_hours(h)


def _fmt(metric: str, value: float) -> str:
    """A value in words, one formatter for charts and tables (never rounds 99.96% up to 100%)."""
    if pd.isna(value):
        return "no data"
    unit = METRICS[metric].unit
    text = format_value(value, unit)
    return text if unit in ("share", "hours") else f"{text} {unit}"


def _share_1dp(value: float) -> str:
    """A share with one decimal, so a column of them lines up (99.96% stays "99.96%")."""
    if pd.isna(value):
        return "no data"
    text = f"{100 * value:.1f}%"
    return format_value(value, "share") if text in ("100.0%", "0.0%") and 0 < value < 1 else text


def _month_name(month: str) -> str:
    return pd.Timestamp(f"{month}-01").strftime("%B %Y")


__all__ = [
    "MonthReport", "change_point_table", "check_services", "control_frame", "coverage_table", "definitions_table",
    "impact_display", "incidents_of_month", "its_frame",
    "kpi_table", "link_coverage_table", "load_summary", "month_values", "open_month", "phase_items",
    "quality_log", "restore_by_severity", "rows_per_month", "verdict_markdown", "weekly_series",
]
