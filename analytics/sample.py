"""Deterministic generator of the bundled sample data (``data/sample/``).

The story
---------
A consumer-loan platform of twelve micro-services (loan-application, credit-scoring, risk-engine,
repayment, disbursement, customer-profile, notification, payment-gateway, collections,
api-gateway, reporting, identity) runs a continuous-delivery improvement program. Local time is
Asia/Shanghai (+08:00); the data covers the local dates 2020-10-01 .. 2021-12-31:

* baseline 2020-10-01 .. 2020-12-31: under one successful deployment a day (all environments),
  3-4 successful production releases a month (mostly evening release windows), change lead times
  of weeks, critical (P1) incidents restored in hours, unit tests passing ~90%, coverage 40-60%;
* program 2021-01-01 .. 2021-08-31: a ramp (smooth, with small steps at the four milestones of
  ``program.yml``), not a step;
* after 2021-09-01 .. 2021-12-31: every month 6.3-7 successful deployments per calendar day,
  19-22 successful production releases, lead times of hours, P1 incidents (2-4 a month) restored
  in under an hour (each capped at 55 min), zero unit-test failures, coverage 0.96-1.00.

Texture: production freezes (no production deployment at all) 2021-02-11..17 (Spring Festival)
and 2021-10-01..07 (National Day), when non-production deployments are also rare; quiet weekends
and public holidays, with the official make-up working days (e.g. Sat 2021-09-18) treated as
working days; lognormal durations; failed, rolled-back and cancelled deployments; ``rollback``
deployments (re-deploying the previous good version and commit) right after a failed or
rolled-back production deployment; hotfixes; changes linked to the production deployment that
shipped them through ``deployment_id`` (the deployment's ``commit_sha`` is the head change's);
changes never shipped (blank ``deployment_id``); incidents mostly P3/P4, some linked to a
deployment through ``caused_by_deployment_id`` and some caused by one but not linked (they open
shortly after a production deployment of the same service); blank ``impact_started_at`` for some;
3-4 incidents still open at the end of December 2021 (blank ``resolved_at``); nightly unit runs on
working days plus a unit run before every ``test`` deployment, an integration run before every
``staging`` deployment and an e2e run before every ``production`` deployment; coverage only on
unit runs.

Deliberate data problems (the loader must repair them and log what it did)
--------------------------------------------------------------------------
1. ``deployments.csv`` holds exactly one fully duplicated row: a successful production deployment
   of June 2021 appears twice (same ``deployment_id``, every column equal), on adjacent lines.
2. Every timestamp of the service ``reporting`` (in all four tables) is written in UTC with a
   ``Z`` suffix (``2021-03-02T02:15:00Z``) instead of ``+08:00``; the instants are correct.
3. Five deployments have their status written in upper case (``SUCCESS``).

Nothing else is wrong on purpose. Invariants: every id is unique (but for the duplicated row);
``started_at <= finished_at``; ``authored_at <= committed_at <= pr_opened_at <= merged_at <``
the ``started_at`` of the production deployment that shipped the change; ``impact_started_at <=
opened_at <= resolved_at``; test counts are non-negative integers.

Output is byte-identical for a given seed: randomness comes from ``numpy.random.PCG64`` only,
times are whole seconds, floats are written with four decimals, rows are sorted.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.schema import TABLES

__all__ = ["DEFAULT_SEED", "SERVICES", "generate", "program_yaml", "write_sample"]

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

_EXPORT_TS = None  # set below: local midnight after END (the moment of the export)

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
  test_coverage: 0.95
definitions: default               # metric definitions preset: default, fourkeys or devlake
benchmark_year: 2021               # DORA report year whose performance bands are used
severity_map: {P1: critical, SEV1: critical, P2: high, SEV2: high, P3: medium, P4: low}
"""


def program_yaml() -> str:
    """The text of the sample's ``program.yml``."""
    return _PROGRAM_YAML


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


def _progress(d: date) -> float:
    """0 in the baseline, 1 in the after phase; a smooth ramp with milestone steps between."""
    if d < PROGRAM_START:
        return 0.0
    if d > PROGRAM_END:
        return 1.0
    x = ((d - PROGRAM_START).days + 1) / ((PROGRAM_END - PROGRAM_START).days + 1)
    smooth = x * x * (3 - 2 * x)
    steps = sum(d >= m for m in MILESTONES) / len(MILESTONES)
    return 0.7 * smooth + 0.3 * steps


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


def _day_weight(d: date, production: bool) -> float:
    if _in_freeze(d):
        return 0.0 if production else 0.04
    return 1.0 if _workday(d) else 0.12


def _sha(rng: np.random.Generator) -> str:
    return rng.bytes(20).hex()


# ---------------------------------------------------------------------------------------------
# deployments


def _start_time(rng: np.random.Generator, d: date, production: bool, p: float) -> int:
    """A start instant on local date ``d`` (finishing the same day: starts by 21:00)."""
    base = _midnight(d)
    if not _workday(d):
        hours = rng.uniform(10.0, 18.0)
    elif production and rng.random() < 0.8 * (1 - p):
        hours = rng.uniform(19.5, 21.0)  # the old evening release window
    else:
        hours = rng.uniform(9.5, 19.5)
    return base + int(hours * 3600)


def _duration(rng: np.random.Generator, production: bool, p: float, failed: bool = False) -> int:
    median = _lerp_log(45.0, 9.0, p) if production else _lerp_log(20.0, 6.0, p)
    if failed:
        median *= 0.6
    minutes = min(max(median * math.exp(rng.normal(0.0, 0.5)), 1.5), 150.0)
    return int(minutes * 60)


def _attempt_before(
    rng, dep: dict, status: str, gap_min: tuple[float, float], p: float
) -> dict | None:
    """A non-successful deployment finishing shortly before ``dep`` starts, the same local day."""
    production = dep["environment"] == "production"
    dur = _duration(rng, production, p, failed=True)
    finish = dep["started_at"] - int(rng.uniform(*gap_min) * 60)
    start = finish - dur
    if start < _midnight(dep["date"]) + 7 * 3600:
        return None
    return {
        "service": dep["service"],
        "environment": dep["environment"],
        "date": dep["date"],
        "started_at": start,
        "finished_at": finish,
        "status": status,
        "kind": dep["kind"],
        "p": p,
    }


def _deployments(rng: np.random.Generator) -> list[dict]:
    deps: list[dict] = []
    for first, last in _months():
        days = _date_range(first, last)
        n_days = len(days)
        p_mid = _progress(first + (last - first) / 2)
        if last < PROGRAM_START:
            prod_target = int(rng.integers(3, 5))
            total_target = round(n_days * rng.uniform(0.60, 0.85))
        elif first >= AFTER_START:
            prod_target = int(rng.integers(19, 23))
            total_target = math.ceil(n_days * rng.uniform(6.35, 6.90))
        else:
            prod_target = max(3, round(3.5 + 16.5 * p_mid + rng.normal(0.0, 1.0)))
            total_target = round(n_days * (0.75 + 5.85 * p_mid) * rng.uniform(0.92, 1.08))
        total_target = max(total_target, prod_target + 5)
        wp = np.array([_day_weight(d, True) * (3.5 + 16.5 * _progress(d)) for d in days])
        wn = np.array([_day_weight(d, False) * (0.75 + 5.85 * _progress(d)) for d in days])
        prod_counts = rng.multinomial(prod_target, wp / wp.sum())
        non_counts = rng.multinomial(total_target - prod_target, wn / wn.sum())
        for d, n_prod, n_non in zip(days, prod_counts, non_counts, strict=True):
            p = _progress(d)
            for i in range(int(n_prod) + int(n_non)):
                production = i < n_prod
                env = "production" if production else ("staging" if rng.random() < 0.35 else "test")
                service = SERVICES[int(rng.choice(len(SERVICES), p=_SERVICE_P))]
                start = _start_time(rng, d, production, p)
                dep = {
                    "service": service,
                    "environment": env,
                    "date": d,
                    "started_at": start,
                    "finished_at": start + _duration(rng, production, p),
                    "status": "success",
                    "kind": "regular",
                    "p": p,
                }
                extra: list[dict | None] = []
                if production:
                    u = rng.random()
                    if u < _lerp_log(0.10, 0.04, p):
                        # a failed or rolled-back release, then the rollback to the last good one
                        dep["kind"] = "rollback"
                        bad_status = "rolled_back" if rng.random() < 0.7 else "failed"
                        bad = _attempt_before(rng, dep, bad_status, (3.0, 25.0), p)
                        if bad is None:
                            dep["kind"] = "regular"
                        else:
                            bad["kind"] = "regular"
                            dep["bad"] = bad
                            extra.append(bad)
                    elif u < _lerp_log(0.10, 0.04, p) + 0.12:
                        dep["kind"] = "hotfix"
                    if dep["kind"] != "rollback" and rng.random() < _lerp_log(0.25, 0.06, p):
                        extra.append(_attempt_before(rng, dep, "failed", (10.0, 120.0), p))
                elif rng.random() < _lerp_log(0.30, 0.12, p):
                    extra.append(_attempt_before(rng, dep, "failed", (5.0, 90.0), p))
                if rng.random() < 0.04 and dep["kind"] != "rollback":
                    extra.append(_attempt_before(rng, dep, "cancelled", (5.0, 180.0), p))
                deps.append(dep)
                deps.extend(e for e in extra if e is not None)
    deps.sort(
        key=lambda r: (
            r["started_at"],
            r["finished_at"],
            r["service"],
            r["environment"],
            r["status"],
        )
    )
    # a rollback re-deploys the last good version right after the bad release; where another
    # production deployment of the service came in between, it is an ordinary release instead
    previous: dict[str, dict] = {}
    for r in deps:
        if r["environment"] != "production":
            continue
        if r["kind"] == "rollback" and previous.get(r["service"]) is not r.pop("bad", None):
            r["kind"] = "regular"
        previous[r["service"]] = r
    for i, r in enumerate(deps, start=1):
        r["deployment_id"] = f"DEP-{i:05d}"
    return deps


# ---------------------------------------------------------------------------------------------
# versions, shas and changes (one pass in time order per service)


def _change(rng, service: str, committed: int, ship_start: int | None, dep_id: str | None) -> dict:
    authored = committed - int(min(20 * 60 * math.exp(rng.normal(0.0, 1.5)), 3 * 86400))
    if ship_start is None:
        horizon = max(_EXPORT_TS - committed, 600)
        span = min(horizon, int(86400 * rng.uniform(0.2, 3.0)))
    else:
        span = ship_start - committed
    pr_opened = committed + int(span * rng.uniform(0.02, 0.15))
    merged = committed + int(span * rng.uniform(0.30, 0.95))
    if ship_start is None and rng.random() < 0.5:
        merged = None  # still in review
    return {
        "service": service,
        "authored_at": authored,
        "committed_at": committed,
        "pr_opened_at": pr_opened,
        "merged_at": merged,
        "deployment_id": dep_id,
        "commit_sha": _sha(rng),
    }


def _versions_and_changes(rng: np.random.Generator, deps: list[dict]) -> list[dict]:
    state = {}
    for s in SERVICES:
        major, minor = int(rng.integers(1, 4)), int(rng.integers(2, 18))
        state[s] = {
            "major": major,
            "minor": minor,
            "patch": 0,
            "rc": 1,
            "good": (f"{major}.{minor}.0", _sha(rng)),
            "last_ship": None,
        }
    changes: list[dict] = []
    for dep in deps:
        st = state[dep["service"]]
        p = dep["p"]
        if dep["environment"] != "production":
            dep["version"] = f"{st['major']}.{st['minor'] + 1}.0-rc.{st['rc']}"
            st["rc"] += 1
            dep["commit_sha"] = _sha(rng)
            continue
        if dep["status"] != "success":
            if dep["status"] == "rolled_back":
                st["minor"] += 1  # the bad release consumed a version number
                st["patch"] = 0
                dep["version"] = f"{st['major']}.{st['minor']}.0"
            elif dep["kind"] == "hotfix":
                dep["version"] = f"{st['major']}.{st['minor']}.{st['patch'] + 1}"
            else:
                dep["version"] = f"{st['major']}.{st['minor'] + 1}.0"
            dep["commit_sha"] = _sha(rng)
            continue
        if dep["kind"] == "rollback":
            dep["version"], dep["commit_sha"] = st["good"]
            continue
        if dep["kind"] == "hotfix":
            st["patch"] += 1
            n = int(rng.integers(1, 4))
            median_h = 2.0
            sigma = 0.6
        else:
            st["minor"] += 1
            st["patch"] = 0
            st["rc"] = 1
            n = max(1, int(rng.poisson(_lerp_log(70.0, 26.0, p))))
            median_h = _lerp_log(16 * 24.0, 9.0, p)
            sigma = _lerp_log(0.6, 0.8, p)
        dep["version"] = f"{st['major']}.{st['minor']}.{st['patch']}"
        ship = dep["started_at"]
        floor = st["last_ship"]
        batch = []
        for _ in range(n):
            lead = max(int(median_h * 3600 * math.exp(rng.normal(0.0, sigma))), 15 * 60)
            committed = ship - lead
            if floor is not None and committed <= floor + 300:
                room = ship - floor - 600
                if room >= 1200:  # committed after the previous release of the service
                    committed = floor + 300 + int(room * rng.random())
                else:  # releases minutes apart: a last-minute commit
                    committed = ship - 900 - int(600 * rng.random())
            batch.append(_change(rng, dep["service"], committed, ship, dep["deployment_id"]))
        head = max(batch, key=lambda c: (c["committed_at"], c["commit_sha"]))
        dep["commit_sha"] = head["commit_sha"]
        st["good"] = (dep["version"], dep["commit_sha"])
        st["last_ship"] = ship
        changes.extend(batch)

    # changes never shipped to production: abandoned ones, and work in progress at the end
    first_ts, last_ts = _midnight(START), _EXPORT_TS - 3600
    for _ in range(int(len(changes) * 0.04)):
        s = SERVICES[int(rng.choice(len(SERVICES), p=_SERVICE_P))]
        committed = first_ts + int((last_ts - first_ts) * rng.random())
        changes.append(_change(rng, s, committed, None, None))
    for s in SERVICES:
        since = state[s]["last_ship"] or first_ts
        for _ in range(int(rng.poisson(6))):
            committed = since + 600 + int((last_ts - since - 600) * rng.random())
            changes.append(_change(rng, s, committed, None, None))
    changes.sort(key=lambda c: (c["committed_at"], c["service"], c["commit_sha"]))
    for i, c in enumerate(changes, start=1):
        c["change_id"] = f"CHG-{i:06d}"
    return changes


# ---------------------------------------------------------------------------------------------
# incidents

_TITLES = {
    "loan-application": [
        "Loan application form fails to submit on step 3",
        "Application status stuck in 'pending review'",
    ],
    "credit-scoring": [
        "Credit bureau API timeouts, scores not returned",
        "Scoring model returns default score for new customers",
    ],
    "risk-engine": [
        "Risk rules misconfigured after release, approvals blocked",
        "Fraud check latency above SLO",
    ],
    "repayment": [
        "Repayment deductions failed for some customers",
        "Repayment schedule shows <null> amount & wrong due date",
    ],
    "disbursement": [
        "Disbursement batch delayed, funds not released",
        "Duplicate disbursement instruction sent to bank",
    ],
    "customer-profile": ["Customer profile updates not saved", "ID card photo upload fails"],
    "notification": ["SMS reminders delayed by several hours", "Push notifications sent twice"],
    "payment-gateway": [
        "Payment callback timeouts from bank channel",
        "Card binding fails with error 5001",
    ],
    "collections": ["Collections work queue empty, agents idle", "Overdue list missing accounts"],
    "api-gateway": [
        "Elevated 5xx rate on api-gateway",
        "TLS certificate expired on public endpoint",
    ],
    "reporting": [
        "Daily regulator report generation failed",
        "Dashboard figures stale since midnight",
    ],
    "identity": ["Login failures: OTP not delivered", "Token refresh errors, users logged out"],
}
_GENERIC_TITLES = [
    "Database connection pool exhausted",
    "Memory leak, pods restarting",
    "p99 latency above SLO",
    "Message queue backlog growing",
    "Disk full on log volume",
]

# restore-time medians in minutes (baseline, after) and lognormal sigma, clip (min, max) minutes
_RESTORE = {
    "P1": (300.0, 25.0, 0.4),
    "P2": (8 * 60.0, 2 * 60.0, 0.8),
    "P3": (48 * 60.0, 10 * 60.0, 0.8),
    "P4": (5 * 24 * 60.0, 2 * 24 * 60.0, 0.8),
}


def _incident(
    rng,
    sev: str,
    opened: int,
    service: str,
    caused: str | None,
    p: float,
    open_at_end: bool = False,
) -> dict:
    base_m, after_m, sigma = _RESTORE[sev]
    minutes = _lerp_log(base_m, after_m, p) * math.exp(rng.normal(0.0, sigma))
    if sev == "P1":
        lo, hi = _lerp_log(180.0, 8.0, p), _lerp_log(540.0, 55.0, p)
        minutes = min(max(minutes, lo), hi)
    else:
        minutes = max(minutes, 10.0)
    dur = int(minutes * 60)  # restore time measured from the start of impact (or opening)
    has_impact = rng.random() < (0.8 if sev in ("P1", "P2") else 0.4)
    delay = int(dur * rng.uniform(0.05, 0.30)) if has_impact else 0
    impact = opened - delay if has_impact else None
    resolved = None if open_at_end else opened - delay + dur
    if resolved is not None and resolved > _EXPORT_TS:
        resolved = opened + int((_EXPORT_TS - opened) * rng.uniform(0.3, 0.9))
    pool = _TITLES[service] + _GENERIC_TITLES
    title = pool[int(rng.integers(0, len(pool)))]
    return {
        "severity": sev,
        "opened_at": opened,
        "resolved_at": resolved,
        "impact_started_at": impact,
        "service": service,
        "caused_by_deployment_id": caused,
        "title": title,
    }


def _incidents(rng: np.random.Generator, deps: list[dict]) -> list[dict]:
    out: list[dict] = []
    prod = [
        d
        for d in deps
        if d["environment"] == "production"
        and d["status"] in ("success", "rolled_back")
        and d["kind"] != "rollback"
    ]
    for first, last in _months():
        p_mid = _progress(first + (last - first) / 2)
        if last < PROGRAM_START:
            n_total, n_p1 = int(rng.integers(24, 36)), int(rng.integers(2, 4))
        elif first >= AFTER_START:
            n_total, n_p1 = int(rng.integers(9, 15)), int(rng.integers(2, 5))
        else:
            n_total = max(8, round(30 - 18 * p_mid + rng.normal(0.0, 2.0)))
            n_p1 = int(rng.integers(2, 4))
        month_prod = [d for d in prod if first <= d["date"] <= last]
        # a share of production releases is bad (about 45% in the baseline, 10% at the end);
        # each bad release causes one incident, the rest of the month's incidents are unrelated
        bad_share = 0.45 + (0.10 - 0.45) * p_mid
        bad = [d for d in month_prod if rng.random() < bad_share]
        lo, hi = _midnight(first), min(_midnight(last + timedelta(days=1)), _EXPORT_TS - 86400)
        for i in range(n_total):
            sev = "P1" if i < n_p1 else str(rng.choice(["P2", "P3", "P4"], p=[0.2, 0.4, 0.4]))
            caused = None
            if bad and rng.random() < (0.5 if sev == "P1" else 0.3):
                dep = bad.pop(int(rng.integers(0, len(bad))))
                lag = min(max(45 * 60 * math.exp(rng.normal(0.0, 0.8)), 300), 10 * 3600)
                opened = dep["finished_at"] + int(lag)
                service = dep["service"]
                if rng.random() < 0.6:
                    caused = dep["deployment_id"]
            else:
                day = lo + int(rng.integers(0, max((hi - lo) // 86400, 1))) * 86400
                hours = rng.uniform(8.0, 22.0) if rng.random() < 0.7 else rng.uniform(0.0, 24.0)
                opened = day + int(hours * 3600)
                service = SERVICES[int(rng.choice(len(SERVICES), p=_SERVICE_P))]
            opened = min(opened, _EXPORT_TS - 7200)
            out.append(_incident(rng, sev, opened, service, caused, _progress(_local_date(opened))))
    # still open at the end of the export
    lo = _midnight(date(2021, 12, 15))
    for _ in range(int(rng.integers(3, 5))):
        opened = lo + int((_EXPORT_TS - 86400 - lo) * rng.random())
        sev = str(rng.choice(["P2", "P3", "P4"], p=[0.2, 0.4, 0.4]))
        service = SERVICES[int(rng.choice(len(SERVICES), p=_SERVICE_P))]
        out.append(_incident(rng, sev, opened, service, None, 1.0, open_at_end=True))
    out.sort(key=lambda r: (r["opened_at"], r["service"], r["severity"]))
    for i, r in enumerate(out, start=1):
        r["incident_id"] = f"INC-{i:04d}"
    return out


# ---------------------------------------------------------------------------------------------
# test runs


def _test_runs(rng: np.random.Generator, deps: list[dict]) -> list[dict]:
    unit_base = {s: int(rng.integers(250, 900)) for s in SERVICES}
    integ_base = {s: int(rng.integers(40, 160)) for s in SERVICES}
    cov0 = {s: float(rng.uniform(0.44, 0.56)) for s in SERVICES}
    cov1 = {s: float(rng.uniform(0.965, 0.995)) for s in SERVICES}
    runs: list[dict] = []

    def unit(service: str, finished: int, environment: str) -> None:
        d = _local_date(finished)
        p = _progress(d)
        n = int(round(unit_base[service] * (1 + 2.5 * p) * rng.uniform(0.98, 1.02)))
        if d >= AFTER_START:
            failed = 0
        else:
            mean_f = 0.10 * (1 - p) ** 1.5
            f = min(max(rng.normal(mean_f, 0.35 * mean_f), 0.0), 0.5)
            failed = int(rng.binomial(n, f))
        skipped = int(rng.binomial(n - failed, 0.015))
        cov = cov0[service] + (cov1[service] - cov0[service]) * p + rng.normal(0.0, 0.006)
        if d < PROGRAM_START:
            cov = min(max(cov, 0.40), 0.60)
        elif d >= AFTER_START:
            cov = min(max(cov, 0.96), 1.0)
        else:
            cov = min(max(cov, 0.38), 1.0)
        runs.append(
            {
                "service": service,
                "finished_at": finished,
                "suite": "unit",
                "tests_passed": n - failed - skipped,
                "tests_failed": failed,
                "tests_skipped": skipped,
                "coverage": round(cov, 4),
                "environment": environment,
            }
        )

    def other(suite: str, service: str, finished: int, environment: str) -> None:
        p = _progress(_local_date(finished))
        if suite == "integration":
            n = int(round(integ_base[service] * (1 + 1.5 * p) * rng.uniform(0.97, 1.03)))
            fp = 0.04 * (1 - p) + 0.003
        else:
            n = int(rng.integers(12, 40))
            fp = 0.06 * (1 - p) + 0.005
        failed = int(rng.binomial(n, fp))
        skipped = int(rng.binomial(n - failed, 0.03))
        runs.append(
            {
                "service": service,
                "finished_at": finished,
                "suite": suite,
                "tests_passed": n - failed - skipped,
                "tests_failed": failed,
                "tests_skipped": skipped,
                "coverage": None,
                "environment": environment,
            }
        )

    for d in _date_range(START, END):
        if not _workday(d):
            continue
        for s in SERVICES:
            unit(s, _midnight(d) + int(rng.uniform(2.0, 3.5) * 3600), "ci")
    for dep in deps:
        start = dep["started_at"]
        if dep["environment"] == "test":
            unit(dep["service"], start - int(rng.uniform(1.0, 10.0) * 60), "ci")
        elif dep["environment"] == "staging":
            other("integration", dep["service"], start - int(rng.uniform(2.0, 20.0) * 60), "test")
        else:
            other("e2e", dep["service"], start - int(rng.uniform(5.0, 40.0) * 60), "staging")
    runs.sort(key=lambda r: (r["finished_at"], r["service"], r["suite"]))
    for i, r in enumerate(runs, start=1):
        r["run_id"] = f"TR-{i:06d}"
    return runs


# ---------------------------------------------------------------------------------------------
# assembly

#: the canonical columns, in the contract's order (analytics/schema.py is the one source)
COLUMNS = {name: table.names for name, table in TABLES.items()}
_TIME_COLUMNS = {name: [c.name for c in table.columns if c.kind == "timestamp"] for name, table in TABLES.items()}


def _format_times(values: list[int | None], utc: list[bool]) -> list[str | None]:
    arr = np.array([0 if v is None else v for v in values], dtype=np.int64)
    local = np.datetime_as_string((arr + _OFFSET).astype("datetime64[s]"), unit="s")
    zulu = np.datetime_as_string(arr.astype("datetime64[s]"), unit="s")
    return [
        None if v is None else (f"{z}Z" if u else f"{loc}+08:00")
        for v, u, loc, z in zip(values, utc, local, zulu, strict=True)
    ]


def _frame(table: str, rows: list[dict]) -> pd.DataFrame:
    cols = COLUMNS[table]
    utc = [r["service"] == UTC_SERVICE for r in rows]
    data = {}
    for c in cols:
        vals = [r[c] for r in rows]
        data[c] = _format_times(vals, utc) if c in _TIME_COLUMNS[table] else vals
    df = pd.DataFrame(data, columns=cols)
    if table == "test_runs":
        for c in ("tests_passed", "tests_failed", "tests_skipped"):
            df[c] = df[c].astype("int64")
        df["coverage"] = df["coverage"].astype("float64")
    return df


def generate(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """The sample tables (deployments, changes, incidents, test_runs) for ``seed``.

    Columns are exactly the canonical ones; timestamps are ISO-8601 strings with an offset,
    blanks are missing values. The deliberate data problems listed in the module docstring are
    included.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    deps = _deployments(rng)
    changes = _versions_and_changes(rng, deps)
    incidents = _incidents(rng, deps)
    runs = _test_runs(rng, deps)

    # deliberate problem 3: a few statuses in upper case
    candidates = [
        i for i, d in enumerate(deps) if d["status"] == "success" and d["service"] != UTC_SERVICE
    ]
    for i in sorted(rng.choice(len(candidates), size=5, replace=False)):
        deps[candidates[int(i)]]["status"] = "SUCCESS"
    # deliberate problem 1: one exact duplicate row (a June 2021 production release)
    june = [
        i
        for i, d in enumerate(deps)
        if d["environment"] == "production"
        and d["status"] == "success"
        and d["date"].year == 2021
        and d["date"].month == 6
        and d["service"] != UTC_SERVICE
    ]
    k = june[int(rng.integers(0, len(june)))]
    deps.insert(k + 1, dict(deps[k]))

    return {
        "deployments": _frame("deployments", deps),
        "changes": _frame("changes", changes),
        "incidents": _frame("incidents", incidents),
        "test_runs": _frame("test_runs", runs),
    }


def write_sample(out_dir: str | Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the four CSV files and ``program.yml`` into ``out_dir``; return their paths.

    UTF-8, ``\\n`` line endings, a header row, no index, floats with four decimals: the output is
    byte-identical on every run and platform for a given seed.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for table, df in generate(seed).items():
        path = out / f"{table}.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            df.to_csv(fh, index=False, lineterminator="\n", float_format="%.4f", na_rep="")
        paths.append(path)
    path = out / "program.yml"
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(program_yaml())
    paths.append(path)
    return paths
