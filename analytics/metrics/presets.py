"""Definition presets: ``default``, ``fourkeys`` and ``devlake``, written as data.

A preset says how each metric is computed where the tools disagree: the calendar (time zone
of a "day", first day of a week), the median (interpolated or lower), how lead time starts and
is rounded, what counts as a failed change, how restore time starts and is rounded, and whether
still-open incidents are censored or dropped. The metric functions read these fields; nothing
else in ``analytics.metrics`` knows a preset by name. docs/METRICS.md has the table of
differences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from analytics.catalog import PRESETS as PRESET_NAMES
from analytics.config import ProgramConfig


@dataclass(frozen=True)
class FrequencyBand:
    """A tool's deployment-frequency buckets (see ``frequency_band.deployment_frequency_band``).

    Over the last ``window_months`` months, with the preset's median: ``labels[0]`` when the
    median of deployment days per week >= ``days_per_week``; else ``labels[1]`` when the median
    of ``weekly_statistic`` per week (``week_deployed``: 0/1, or ``days_deployed``) >=
    ``weekly_threshold``; else ``labels[2]`` when the median of ``monthly_statistic``
    (``weeks_deployed``: per week, the number of weeks with a deployment in that week's month, as
    Four Keys does; or ``month_deployed``: 0/1 per calendar month) >= 1; else ``labels[3]``.
    """

    window_months: int
    days_per_week: float
    weekly_statistic: str  # "week_deployed" (0/1 per week) or "days_deployed"
    weekly_threshold: float
    monthly_statistic: str  # "weeks_deployed" (Four Keys) or "month_deployed" (DevLake)
    labels: tuple[str, str, str, str]


@dataclass(frozen=True)
class Preset:
    """How one definitions preset computes the metrics (fields are documented in METRICS.md).

    Attributes
    ----------
    timezone, week_start
        The calendar; None means the program's (``program.yml``).
    quantile
        pandas quantile interpolation: ``"linear"`` (interpolated median) or ``"lower"``
        (for an even n, the smaller middle value).
    lead_time_start
        ``"committed"`` (commit time) or ``"pr_cycle"`` (DevLake's PR cycle time).
    lead_time_rounding, restore_rounding
        ``"exact"``, ``"trunc_minutes"``, ``"ceil_minutes"`` or ``"trunc_hours"``.
    lead_time_keep_zero
        keep zero lead times (negative ones are always dropped).
    cfr
        ``"failed_deployments"`` (a production deployment that failed, was rolled back, was
        followed by a hotfix/rollback or has a linked incident, each counted once),
        ``"incident_rows"`` (linked incidents / successful production deployments) or
        ``"deployments_with_incident"``.
    followup_kinds, followup_window_hours
        a deployment followed by the next production deployment of the same service of one of
        these kinds within this many hours is a failed change (``"failed_deployments"`` only).
    incident_window_hours
        incident -> deployment link window; None = program.yml ``link_window_hours``.
    link_rules
        ``"inferred"``: every linking rule (explicit ids, then a change goes to the next
        production deployment of its service and an incident to the last one before it);
        ``"explicit"``: only what the source names (``changes.deployment_id`` naming a
        successful production deployment, ``incidents.caused_by_deployment_id``), as Four Keys
        links only the commits a deploy event lists and an incident's root-cause commit.
    incident_key
        ``"deployment"``: a linked incident counts against the deployment it links to;
        ``"commit"``: against every successful production deployment of that deployment's
        commit (Four Keys joins incidents to deployments on the root-cause commit, so a
        rollback to a commit shares its incidents).
    restore_start
        ``"impact_or_opened"``, ``"opened"`` or ``"root_cause_or_opened"`` (the earlier of
        ``opened_at`` and the first successful production deployment of the root-cause commit;
        Four Keys' incident ``time_created``). The period of an incident is that of its start
        under ``"root_cause_or_opened"``, of ``opened_at`` otherwise.
    censor_open
        True: open incidents are censored at ``as_of``; False: they are left out.
    band
        the tool's deployment-frequency buckets, or None (use analytics.program.dora).
    """

    name: str
    description: str
    timezone: str | None
    week_start: str | None
    quantile: str
    lead_time_start: str
    lead_time_rounding: str
    lead_time_keep_zero: bool
    cfr: str
    followup_kinds: tuple[str, ...]
    followup_window_hours: float
    incident_window_hours: float | None
    restore_start: str
    restore_rounding: str
    censor_open: bool
    band: FrequencyBand | None = None
    link_rules: str = "inferred"
    incident_key: str = "deployment"

    def calendar(self, config: ProgramConfig) -> tuple[str, str]:
        """(time zone, week start) used for every bucket under this preset."""
        return self.timezone or config.timezone, self.week_start or config.week_start

    def link_window_hours(self, config: ProgramConfig) -> float:
        """Incident -> deployment link window in hours under this preset."""
        return (
            config.link_window_hours
            if self.incident_window_hours is None
            else self.incident_window_hours
        )


DEFAULT = Preset(
    name="default",
    description="This project's definitions (BLUEPRINT section 4), in the program's calendar.",
    timezone=None,
    week_start=None,
    quantile="linear",
    lead_time_start="committed",
    lead_time_rounding="exact",
    lead_time_keep_zero=True,
    cfr="failed_deployments",
    followup_kinds=("hotfix", "rollback"),
    followup_window_hours=24.0,
    incident_window_hours=None,
    restore_start="impact_or_opened",
    restore_rounding="exact",
    censor_open=True,
)

FOURKEYS = Preset(
    name="fourkeys",
    description="dora-team/fourkeys dashboard: UTC days, Sunday weeks, interpolated medians, "
    "whole minutes/hours truncated, explicit links only, root-cause incident rows per "
    "deployment.",
    timezone="UTC",
    week_start="sunday",
    quantile="linear",
    lead_time_start="committed",
    lead_time_rounding="trunc_minutes",
    lead_time_keep_zero=False,
    cfr="incident_rows",
    followup_kinds=(),
    followup_window_hours=0.0,
    incident_window_hours=None,
    restore_start="root_cause_or_opened",
    restore_rounding="trunc_hours",
    censor_open=False,
    link_rules="explicit",
    incident_key="commit",
    band=FrequencyBand(
        window_months=3,
        days_per_week=3,
        weekly_statistic="week_deployed",
        weekly_threshold=1,
        monthly_statistic="weeks_deployed",
        labels=("Daily", "Weekly", "Monthly", "Yearly"),
    ),
)

DEVLAKE = Preset(
    name="devlake",
    description="Apache DevLake DORA dashboard: UTC days, Monday weeks, lower medians, PR cycle "
    "time in ceil'd minutes, deployments with >= 1 incident, 2021 time to restore.",
    timezone="UTC",
    week_start="monday",
    quantile="lower",
    lead_time_start="pr_cycle",
    lead_time_rounding="ceil_minutes",
    lead_time_keep_zero=False,
    cfr="deployments_with_incident",
    followup_kinds=(),
    followup_window_hours=0.0,
    incident_window_hours=math.inf,
    restore_start="opened",
    restore_rounding="trunc_minutes",
    censor_open=False,
    band=FrequencyBand(
        window_months=6,
        days_per_week=7,
        weekly_statistic="days_deployed",
        weekly_threshold=1,
        monthly_statistic="month_deployed",
        labels=("elite", "high", "medium", "low"),
    ),
)

PRESETS: dict[str, Preset] = {p.name: p for p in (DEFAULT, FOURKEYS, DEVLAKE)}
assert tuple(PRESETS) == PRESET_NAMES, "catalog.PRESETS and metrics.presets disagree"


def get_preset(preset: str | Preset | None, config: ProgramConfig | None = None) -> Preset:
    """The Preset called ``preset``; None means ``config.definitions`` (or ``default``).

    Raises
    ------
    ValueError
        for an unknown name (the message lists the known ones).
    """
    if isinstance(preset, Preset):
        return preset
    name = preset if preset is not None else (config.definitions if config else "default")
    try:
        return PRESETS[str(name).lower()]
    except KeyError:
        raise ValueError(
            f"unknown definitions preset {name!r} (known: {', '.join(PRESETS)})"
        ) from None
