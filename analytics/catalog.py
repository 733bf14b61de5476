"""The catalogue of metrics: names, units, labels and which direction is better.

Every consumer (metrics, comparisons, targets, plots, notebooks) takes metric names from
here, so a metric is named once. Definitions live in docs/METRICS.md.
"""

from __future__ import annotations

from dataclasses import dataclass

HOURS_PER_DAY = 24
MINUTES_PER_HOUR = 60
SECONDS_PER_HOUR = 3600
DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class MetricInfo:
    """What a reader needs to know about one metric."""

    name: str
    label: str
    unit: str
    higher_is_better: bool
    table: str
    kind: str  # "count" (rate of events), "duration", "proportion" or "level"


METRICS: dict[str, MetricInfo] = {
    m.name: m
    for m in [
        MetricInfo(
            "delivery_throughput_per_day",
            "Delivery throughput",
            "deployments/day",
            True,
            "deployments",
            "count",
        ),
        MetricInfo(
            "production_releases",
            "Production releases",
            "releases/month",
            True,
            "deployments",
            "count",
        ),
        MetricInfo(
            "deployment_frequency_per_day",
            "Deployment frequency",
            "deployments/day",
            True,
            "deployments",
            "count",
        ),
        MetricInfo(
            "deployment_days_per_week",
            "Deployment days per week",
            "days/week",
            True,
            "deployments",
            "level",
        ),
        MetricInfo(
            "lead_time_hours", "Lead time for changes", "hours", False, "changes", "duration"
        ),
        MetricInfo(
            "change_failure_rate",
            "Change failure rate",
            "share",
            False,
            "deployments",
            "proportion",
        ),
        MetricInfo(
            "time_to_restore_hours", "Time to restore", "hours", False, "incidents", "duration"
        ),
        MetricInfo("rework_rate", "Rework rate", "share", False, "deployments", "proportion"),
        MetricInfo(
            "unit_test_pass_rate", "Unit-test pass rate", "share", True, "test_runs", "proportion"
        ),
        MetricInfo("test_coverage", "Test coverage", "share", True, "test_runs", "level"),
    ]
}

METRIC_NAMES: tuple[str, ...] = tuple(METRICS)

#: The five KPIs an improvement program of this kind usually claims, in report order.
HEADLINE_METRICS: tuple[str, ...] = (
    "delivery_throughput_per_day",
    "production_releases",
    "time_to_restore_hours",
    "unit_test_pass_rate",
    "test_coverage",
)

SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")
PRESETS: tuple[str, ...] = ("default", "fourkeys", "devlake")
FREQUENCIES: tuple[str, ...] = ("day", "week", "month")
