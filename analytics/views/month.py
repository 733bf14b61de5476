"""The month behind a report set: :class:`MonthReport`, opened with :func:`open_month`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from analytics.config import ProgramConfig
from analytics.data.dataset import Dataset, check_services
from analytics.data.load import load
from analytics.exceptions import AnalyticsError, ConfigError
from analytics.metrics import lead_time_stages, metric_table
from analytics.paths import find_data_dir
from analytics.periods import local_day, parse_month, phase_of_dates
from analytics.program.dora import classify
from analytics.program.groups import impact_by, metric_table_by
from analytics.program.impact import IMPACT_COLUMNS, program_impact
from analytics.program.phase_effects import require_phases
from analytics.program.rollout import RolloutStudy, rollout_study
from analytics.program.scorecard import scorecard
from analytics.views import month_cache, shared_months
from analytics.views.display import show_whole_texts


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

    def table(self, freq: str = "month") -> pd.DataFrame:
        """metric_table at ``freq`` (month and week are cached; day is computed each time)."""
        if freq == "month":
            return self.monthly
        if freq == "week":
            return self.weekly
        return metric_table(self.dataset, freq=freq, preset=self.preset)

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
    def monthly_by_service(self) -> pd.DataFrame | None:
        """metric_table by month and service, when a target applies to every service."""
        if not any(t.applies_to == "every_service" for t in self.config.targets):
            return None
        return metric_table(self.dataset, freq="month", by="service", preset=self.preset)

    @cached_property
    def scorecard(self) -> pd.DataFrame:
        """The targets for this month (value, target, met, baseline, trend, band, on track)."""
        return scorecard(
            self.monthly,
            self.config,
            period_start=self.month_start,
            by_service=self.monthly_by_service,
        )

    @cached_property
    def after_scorecard(self) -> pd.DataFrame:
        """The targets pooled over the after phase as far as this month (same statistics)."""
        if self.config.phase("after") is None:
            return scorecard(self.monthly.iloc[0:0], self.config, by_service=None)
        return scorecard(self.monthly, self.config, by_service=self.monthly_by_service)

    @cached_property
    def headline(self) -> list:
        """The month's headline numbers (``analytics.views.headline``): one per target."""
        from analytics.views.headline import build_headlines  # it builds on this module

        return build_headlines(self)

    @cached_property
    def status(self) -> dict[str, object]:
        """The month at a glance (``analytics.views.executive.status_of``), computed once."""
        from analytics.views.executive import compute_status  # it builds on this module

        return compute_status(self)

    @property
    def judged(self) -> bool:
        """True once the report month reaches the after phase (the targets are judged on it)."""
        after = self.config.phase("after")
        return after is not None and self.month_start.date() >= after.start.replace(day=1)

    @cached_property
    def lead_stages(self) -> pd.DataFrame:
        """Each shipped change's lead time in stages (``lead_time_stages``), with its phase."""
        stages = lead_time_stages(self.dataset, self.preset)
        return stages.assign(phase=phase_of_dates(stages["day"], self.config))

    def rows(self, metric: str, **kwargs) -> pd.DataFrame:
        """The items behind this month's ``metric`` (see ``analytics.views.drill.rows_behind``
        for ``period``, ``team``, ``service`` and ``severity``).

        >>> report.rows("production_releases")  # doctest: +SKIP
        """
        from analytics.views.drill import rows_behind  # drill builds on this module

        return rows_behind(self, metric, **kwargs)

    @cached_property
    def grouping(self) -> str:
        """``"team"`` when program.yml maps services to teams, else ``"service"``."""
        return "team" if self.config.teams else "service"

    @cached_property
    def monthly_by_team(self) -> pd.DataFrame:
        """metric_table by month per team (per service without teams); see ``grouping``."""
        return metric_table_by(self.dataset, self.grouping, preset=self.preset)

    @cached_property
    def impact_by_team(self) -> pd.DataFrame:
        """program_impact per team (per service without teams), Holm across all rows."""
        if not self.has_phases:
            return pd.DataFrame(columns=[self.grouping, *IMPACT_COLUMNS, "status", "services"])
        return impact_by(self.dataset, self.grouping, preset=self.preset)

    @cached_property
    def impact_by_service(self) -> pd.DataFrame:
        """program_impact per service, Holm across all rows."""
        if not self.has_phases:
            return pd.DataFrame(columns=["service", *IMPACT_COLUMNS, "status", "services"])
        return impact_by(self.dataset, "service", preset=self.preset)

    @cached_property
    def bands(self) -> pd.DataFrame:
        return classify(self.monthly, config=self.config)

    @cached_property
    def rollout(self) -> RolloutStudy:
        """The event study on each service's own adoption date (empty without ``adoption:``)."""
        return rollout_study(self.dataset, preset=self.preset)


def open_month(
    data_dir: str,
    month: str | None,
    program_file: str | None = None,
    services: list[str] | None = None,
    preset: str | None = None,
    teams: list[str] | None = None,
) -> MonthReport:
    """Load ``data_dir`` and prepare the report of ``month`` (``YYYY-MM``; None: the data's
    last month).

    ``services`` keeps only those services, ``teams`` only the services of those teams
    (program.yml ``teams``; given both, the services named either way); an unknown name raises
    AnalyticsError listing the known ones.
    ``preset`` overrides program.yml's definitions. The data are cut at the end of ``month``
    (``Dataset.until``): a month's report, rendered now or later from a longer export, shows
    what was known at the end of that month.

    Examples
    --------
    >>> report = open_month("data/sample", "2021-12", teams=["Platform"])  # doctest: +SKIP
    >>> len(report.rows("production_releases"))  # the team's releases that month  # doctest: +SKIP
    """
    month = parse_month(month) if month is not None else None
    show_whole_texts()  # report tables show whole texts (not on import: no global state)
    folder = find_data_dir(data_dir)  # also from a notebook's own folder
    kept = month_cache.kept()
    key = (
        month_cache.key_of(folder, month, program_file, services, preset, teams)
        if kept is not None
        else None
    )
    if kept is not None and key in kept:
        return kept[key]
    report = shared_months.fetch(key) if key is not None else None  # built once by the render
    if report is None:
        report = _open(folder, data_dir, month, program_file, services, preset, teams)
    if kept is not None and key is not None:
        kept.clear()  # one month at a time: a kernel renders the pages of one month in turn
        kept[key] = report
    return report


def month_of(
    dataset: Dataset,
    data_dir: str,
    month: str,
    services: list[str] | None = None,
    preset: str | None = None,
    teams: list[str] | None = None,
) -> MonthReport:
    """The month ``open_month`` would open, from a dataset already loaded from ``data_dir``."""
    return _month_of(dataset, data_dir, parse_month(month), services, preset, teams)


def _open(folder, data_dir, month, program_file, services, preset, teams=None) -> MonthReport:
    return _month_of(load(folder, program_file), data_dir, month, services, preset, teams)


def _month_of(ds, data_dir, month, services, preset, teams=None) -> MonthReport:
    check_services(ds, services)
    if teams:
        members = ds.team_services(list(teams))
        if not members:
            raise AnalyticsError(f"{data_dir}: no rows for team {', '.join(map(repr, teams))}")
        services = [*(services or []), *members]
    span = ds.date_range()
    first, last = (f"{span[0]:%Y-%m}", f"{span[1]:%Y-%m}") if span else (None, None)
    month = last if month is None else str(month)
    if span is None or not first <= month <= last:
        where = f"the data covers {first} to {last}" if span else "the data has no dated rows"
        raise AnalyticsError(f"{data_dir}: no data for {month} ({where})")
    ds = ds.until(month_end(month, ds.config.timezone))  # a month's report knows nothing later
    return MonthReport(
        ds.filter_services(services, strict=False),
        month,
        preset or ds.config.definitions,
        str(data_dir),
    )


def month_end(month: str, timezone: str) -> pd.Timestamp:
    """The first instant after ``month`` (``YYYY-MM``) in ``timezone``, as UTC."""
    return (
        (pd.Timestamp(f"{month}-01") + pd.offsets.MonthBegin(1))
        .tz_localize(timezone)
        .tz_convert("UTC")
    )


def _in_month(ts: pd.Series, report: MonthReport) -> pd.Series:
    day = local_day(ts, report.config.timezone)
    return (day >= report.month_start) & (day < report.month_start + pd.offsets.MonthBegin(1))
