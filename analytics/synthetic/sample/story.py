"""The sample's story: the services, the phases of the program, the calendar (holidays,
make-up working days, freezes), the progress ramp and the ``program.yml`` that describes it.

All instants are int seconds since the Unix epoch, UTC; local time is Asia/Shanghai (+08:00).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np

DEFAULT_SEED = 20211231

SERVICES: tuple[str, ...] = (
    "loan-application",
    "credit-scoring",
    "risk-engine",
    "repayment",
    "disbursement",
    "customer-profile",
    "notification",
    "payment-gateway",
    "collections",
    "api-gateway",
    "reporting",
    "identity",
)
# relative activity of each service (deployments, incidents)
_SERVICE_WEIGHTS = np.array([1.4, 1.2, 1.1, 1.2, 1.0, 0.9, 0.8, 1.1, 0.7, 1.0, 0.6, 0.8])
_SERVICE_P = _SERVICE_WEIGHTS / _SERVICE_WEIGHTS.sum()

UTC_SERVICE = "reporting"  # deliberate problem 2
_OFFSET = 8 * 3600  # Asia/Shanghai, no DST since 1991

START = date(2020, 10, 1)
END = date(2021, 12, 31)
PROGRAM_START = date(2021, 1, 1)
PROGRAM_END = date(2021, 8, 31)
AFTER_START = date(2021, 9, 1)
MILESTONES = (date(2021, 1, 18), date(2021, 3, 15), date(2021, 5, 10), date(2021, 7, 5))

# the date each service adopted the program's practices: two services at a time on the
# milestone dates and between them, the last one early in July, so that every service has
# finished its ramp (``_ADOPTION_RAMP_DAYS``) by the end of the program phase
ADOPTION: dict[str, date] = {
    "loan-application": date(2021, 1, 18),
    "credit-scoring": date(2021, 1, 18),
    "api-gateway": date(2021, 2, 22),
    "identity": date(2021, 2, 22),
    "risk-engine": date(2021, 3, 15),
    "repayment": date(2021, 3, 15),
    "payment-gateway": date(2021, 4, 19),
    "disbursement": date(2021, 4, 19),
    "customer-profile": date(2021, 5, 10),
    "notification": date(2021, 5, 10),
    "collections": date(2021, 6, 21),
    "reporting": date(2021, 7, 5),
}
_ADOPTION_RAMP_DAYS = 56

FREEZES = (
    (date(2021, 2, 11), date(2021, 2, 17)),  # Spring Festival
    (date(2021, 10, 1), date(2021, 10, 7)),  # National Day
)


def _date_range(a: date, b: date) -> list[date]:
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


_HOLIDAYS = frozenset(
    _date_range(date(2020, 10, 1), date(2020, 10, 8))
    + [date(2021, 1, 1)]
    + _date_range(date(2021, 2, 11), date(2021, 2, 17))
    + _date_range(date(2021, 4, 3), date(2021, 4, 5))
    + _date_range(date(2021, 5, 1), date(2021, 5, 5))
    + _date_range(date(2021, 6, 12), date(2021, 6, 14))
    + _date_range(date(2021, 9, 19), date(2021, 9, 21))
    + _date_range(date(2021, 10, 1), date(2021, 10, 7))
)
_MAKEUP_WORKDAYS = frozenset(
    [
        date(2020, 10, 10),
        date(2021, 2, 7),
        date(2021, 2, 20),
        date(2021, 4, 25),
        date(2021, 5, 8),
        date(2021, 9, 18),
        date(2021, 9, 26),
        date(2021, 10, 9),
    ]
)

_PROGRAM_YAML = """\
# Program definition for the bundled sample (read by analytics.config).
name: Loan platform continuous-delivery program
timezone: Asia/Shanghai            # days, weeks and months are bucketed in this local time
week_start: monday                 # first day of a reporting week
production_environments: [production]   # environments whose deployments are releases
phases:                            # inclusive local dates
  baseline: {start: 2020-10-01, end: 2020-12-31}
  program:  {start: 2021-01-01, end: 2021-08-31}
  after:    {start: 2021-09-01, end: 2021-12-31}
milestones:                        # drawn on every trend chart
  - {date: 2021-01-18, label: Unified CI pipeline}
  - {date: 2021-03-15, label: Automated test gate}
  - {date: 2021-05-10, label: Micro-service split complete}
  - {date: 2021-07-05, label: Canary releases}
targets:                           # the program's claims, checked on the after phase
  delivery_throughput_per_day: 6   # successful deployments, any environment, per calendar day
  production_releases: 18          # successful production deployments per calendar month
  time_to_restore_hours: {severity: critical, max: 1}   # mean restore time of critical incidents
  unit_test_pass_rate: 1.0         # passed / (passed + failed), unit runs pooled
  # The claim "100% automated test coverage" is tested as line coverage of at least 95% for every
  # service, taken from the last unit run of each service in the period.
  test_coverage: {min: 0.95, claim: 100% automated test coverage}
definitions: default               # metric definitions preset: default, fourkeys or devlake
benchmark_year: 2021               # DORA report year whose performance bands are used
severity_map: {P1: critical, SEV1: critical, P2: high, SEV2: high, P3: medium, P4: low}
calendar:                          # working days: weekends, China's public holidays, make-up days
  country: CN                      # public holidays and official make-up working days
  working_hours: "09:00-18:00"     # local working day, for durations in working hours
  durations: calendar              # lead time and time to restore: calendar or working_hours
teams:                             # optional: which team owns which service (by-team views)
  Lending: {services: [loan-application, credit-scoring, risk-engine], department: Product}
  Payments: {services: [repayment, disbursement, payment-gateway, collections], department: Product}
  Platform: {services: [api-gateway, identity, notification], department: Engineering}
  Customer data: {services: [customer-profile, reporting], department: Engineering}
"""


def program_yaml() -> str:
    """The text of the sample's ``program.yml``."""
    return _PROGRAM_YAML + _adoption_yaml()


# ---------------------------------------------------------------------------------------------
# calendar helpers (all instants are int seconds since the Unix epoch, UTC)


def _midnight(d: date) -> int:
    """Epoch seconds of local midnight starting date ``d``."""
    return (d - date(1970, 1, 1)).days * 86400 - _OFFSET


def _local_date(ts: int) -> date:
    return date(1970, 1, 1) + timedelta(days=(ts + _OFFSET) // 86400)


_EXPORT_TS = _midnight(END + timedelta(days=1)) - 60  # 2021-12-31 23:59 local


def _in_freeze(d: date) -> bool:
    return any(a <= d <= b for a, b in FREEZES)


def _workday(d: date) -> bool:
    if d in _MAKEUP_WORKDAYS:
        return True
    return d.weekday() < 5 and d not in _HOLIDAYS


def _service_progress(d: date, service: str) -> float:
    """0 before the service adopted the program (``ADOPTION``), then a step to 0.35 and a
    smooth rise to 1 over ``_ADOPTION_RAMP_DAYS`` days: each service improves on its own date."""
    adopted = ADOPTION[service]
    if d < adopted:
        return 0.0
    x = min(1.0, ((d - adopted).days + 1) / _ADOPTION_RAMP_DAYS)
    return 0.35 + 0.65 * x * x * (3 - 2 * x)


def _progress(d: date) -> float:
    """0 in the baseline, 1 in the after phase: the activity-weighted mean of the services'
    own progress, a ramp with steps where services adopt."""
    return float(np.dot(_SERVICE_P, [_service_progress(d, s) for s in SERVICES]))


def _adoption_yaml() -> str:
    """The ``adoption:`` block of the sample's program.yml, written from ``ADOPTION``."""
    lines = [
        "adoption:                          # when each service adopted the program (event study)"
    ]
    lines += [
        f"  {s}: {d.isoformat()}" for s, d in sorted(ADOPTION.items(), key=lambda i: (i[1], i[0]))
    ]
    return "\n".join(lines) + "\n"


def _lerp_log(a: float, b: float, p: float) -> float:
    return math.exp(math.log(a) + (math.log(b) - math.log(a)) * p)


def _months() -> list[tuple[date, date]]:
    out = []
    d = START
    while d <= END:
        nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        out.append((d, nxt - timedelta(days=1)))
        d = nxt
    return out
