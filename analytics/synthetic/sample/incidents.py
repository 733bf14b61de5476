"""Incidents: severities, restore times and titles; some caused by a production deployment,
some still open at the end of the export."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np

from analytics.synthetic.sample.story import (
    _EXPORT_TS,
    _SERVICE_P,
    AFTER_START,
    PROGRAM_START,
    SERVICES,
    _lerp_log,
    _local_date,
    _midnight,
    _months,
    _progress,
    _service_progress,
)

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
            p_service = _service_progress(_local_date(opened), service)
            out.append(_incident(rng, sev, opened, service, caused, p_service))
    # still open at the end of the export
    lo = _midnight(date(2021, 12, 15))
    for _ in range(int(rng.integers(3, 5))):
        opened = lo + int((_EXPORT_TS - 86400 - lo) * rng.random())
        sev = str(rng.choice(["P2", "P3", "P4"], p=[0.2, 0.4, 0.4]))
        service = SERVICES[int(rng.choice(len(SERVICES), p=_SERVICE_P))]
        out.append(_incident(rng, sev, opened, service, None, 1.0, open_at_end=True))
    out.extend(_month_edge_incidents())
    out.sort(key=lambda r: (r["opened_at"], r["service"], r["severity"]))
    for i, r in enumerate(out, start=1):
        r["incident_id"] = f"INC-{i:04d}"
    return out


#: Incidents in the first hours of a local month, still in the previous month in UTC (+08:00):
#: bucketing by the program's zone and by UTC (fourkeys, devlake) must disagree on them.
#: (opened_at UTC, minutes from impact start to opened or None, minutes to restore from the
#: start, severity, service, title); fixed, so the random stream of everything else is unchanged.
_MONTH_EDGE = [
    ("2020-12-31T16:40:00", None, 270, "P3", "identity", "Login failures: OTP not delivered"),
    (
        "2021-03-31T17:30:00",
        None,
        1200,
        "P4",
        "notification",
        "SMS reminders delayed by several hours",
    ),
    ("2021-06-30T20:00:00", 240, 600, "P4", "reporting", "Dashboard figures stale since midnight"),
    ("2021-09-30T19:15:00", 20, 110, "P2", "api-gateway", "Elevated 5xx rate on api-gateway"),
]


def _month_edge_incidents() -> list[dict]:
    """The ``_MONTH_EDGE`` incidents as generator rows (epoch seconds, not linked)."""
    out = []
    for opened_utc, before, minutes, sev, service, title in _MONTH_EDGE:
        opened = int(np.datetime64(opened_utc, "s").astype(np.int64))
        start = opened - 60 * (before or 0)
        out.append(
            {
                "severity": sev,
                "opened_at": opened,
                "resolved_at": start + 60 * minutes,
                "impact_started_at": None if before is None else start,
                "service": service,
                "caused_by_deployment_id": None,
                "title": title,
            }
        )
    return out
