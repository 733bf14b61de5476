"""The shape of the large data: scales and rows per table, the period and program phases, the
services, ``program.yml``, and the calendar that days are drawn from."""

from __future__ import annotations

import datetime as dt

import numpy as np

DEFAULT_SEED = 20231231
#: rows per table at factor 1.0 ("large")
FULL_ROWS = {
    "deployments": 1_000_000,
    "changes": 5_000_000,
    "incidents": 100_000,
    "test_runs": 1_000_000,
}
#: named scales -> row factor
SCALES = {"tiny": 0.002, "small": 0.01, "medium": 0.1, "large": 1.0}
FORMATS = ("csv", "parquet")

TIMEZONE = "Asia/Shanghai"
_OFFSET_S = 8 * 3600  # Asia/Shanghai has had no daylight-saving time since 1991
START = dt.date(2019, 1, 1)
END = dt.date(2023, 12, 31)
PROGRAM_START = dt.date(2020, 7, 1)
PROGRAM_END = dt.date(2021, 12, 31)
_DAY = 86_400
_HOUR = 3_600

_DOMAINS = (
    "loan",
    "credit",
    "risk",
    "payment",
    "ledger",
    "account",
    "card",
    "fraud",
    "notify",
    "identity",
    "pricing",
    "search",
    "catalog",
    "order",
    "billing",
    "report",
    "audit",
    "collect",
    "onboard",
    "profile",
)
_ROLES = (
    "api",
    "engine",
    "gateway",
    "worker",
    "store",
    "scheduler",
    "ui",
    "adapter",
    "stream",
    "batch",
)
_TITLES = (
    "Elevated error rate",
    "Latency above SLO",
    "Timeouts calling a dependency",
    "Queue backlog growing",
    "Disk full on log volume",
    "Certificate expired",
    "Bad config pushed, rolled back",
    "Memory leak, pods restarting",
    "Database failover",
    "Partial outage, one region",
)


def program_yaml() -> str:
    """The ``program.yml`` written beside the large data."""
    return f"""\
# Program definition of the generated scale data (analytics/synthetic/large/).
name: Scale benchmark program
timezone: {TIMEZONE}
week_start: monday
production_environments: [production]
phases:
  baseline: {{start: {START}, end: {PROGRAM_START - dt.timedelta(days=1)}}}
  program:  {{start: {PROGRAM_START}, end: {PROGRAM_END}}}
  after:    {{start: {PROGRAM_END + dt.timedelta(days=1)}, end: {END}}}
milestones:
  - {{date: 2020-09-01, label: Unified CI pipeline}}
  - {{date: 2021-03-01, label: Canary releases}}
targets:
  delivery_throughput_per_day: 500
  production_releases: 4000
  time_to_restore_hours: {{severity: critical, max: 1}}
  unit_test_pass_rate: 0.99
  test_coverage: 0.9
definitions: default
benchmark_year: 2021
severity_map: {{P1: critical, P2: high, P3: medium, P4: low}}
"""


def rows_for(scale: str | float) -> dict[str, int]:
    """Rows per table at ``scale`` (a name of ``SCALES`` or a factor of ``FULL_ROWS``)."""
    factor = SCALES[scale] if isinstance(scale, str) else float(scale)
    if not factor > 0:
        raise ValueError(
            f"scale must be one of {', '.join(SCALES)} or a positive factor, got {scale!r}"
        )
    return {t: max(10, int(round(n * factor))) for t, n in FULL_ROWS.items()}


def _services(factor: float) -> np.ndarray:
    count = int(min(200, max(8, round(200 * factor**0.5 * 2))))
    names = [f"{d}-{r}" for r in _ROLES for d in _DOMAINS][:count]
    return np.array(names, dtype=object)


# ------------------------------------------------------------------------------------ calendar
def _days() -> tuple[np.ndarray, np.ndarray]:
    """Local midnights (epoch seconds, UTC instants) of every date, and the program progress."""
    n = (END - START).days + 1
    day0 = (START - dt.date(1970, 1, 1)).days
    midnight = (day0 + np.arange(n, dtype=np.int64)) * _DAY - _OFFSET_S
    x = (np.arange(n) - (PROGRAM_START - START).days + 1) / ((PROGRAM_END - PROGRAM_START).days + 1)
    x = np.clip(x, 0.0, 1.0)
    return midnight, x * x * (3 - 2 * x)


def _weekday_weight(midnight: np.ndarray, weekend: float) -> np.ndarray:
    weekday = ((midnight + _OFFSET_S) // _DAY + 3) % 7  # 1970-01-01 was a Thursday (3)
    return np.where(weekday < 5, 1.0, weekend)


def _draw_days(rng, n: int, weight: np.ndarray) -> np.ndarray:
    return rng.choice(len(weight), size=n, p=weight / weight.sum())
