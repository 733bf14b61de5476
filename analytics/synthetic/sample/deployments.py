"""Deployments: how many a month and a day, when they start, how long they take, and the
failed, rolled-back, cancelled, rollback and hotfix ones around them."""

from __future__ import annotations

import math
from datetime import date

import numpy as np

from analytics.synthetic.sample.story import (
    _SERVICE_P,
    AFTER_START,
    PROGRAM_START,
    SERVICES,
    _date_range,
    _in_freeze,
    _lerp_log,
    _midnight,
    _months,
    _progress,
    _service_progress,
    _workday,
)


def _day_weight(d: date, production: bool) -> float:
    if _in_freeze(d):
        return 0.0 if production else 0.04
    return 1.0 if _workday(d) else 0.12


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


def _service_weights(d: date) -> dict[bool, np.ndarray]:
    """Which service a deployment on ``d`` is of (production: True): services that adopted
    the program deploy more often, as the month's totals do (equal to ``_SERVICE_P`` while
    no service has adopted, so the baseline draws are unchanged)."""
    progress = np.array([_service_progress(d, s) for s in SERVICES])
    out = {}
    for production, (low, gain) in ((True, (3.5, 16.5)), (False, (0.75, 5.85))):
        w = _SERVICE_P * (low + gain * progress)
        out[production] = w / w.sum()
    return out


def _deployments(rng: np.random.Generator) -> list[dict]:
    deps: list[dict] = []
    for first, last in _months():
        days = _date_range(first, last)
        prod_target, total_target = _month_targets(rng, first, last, len(days))
        wp = np.array([_day_weight(d, True) * (3.5 + 16.5 * _progress(d)) for d in days])
        wn = np.array([_day_weight(d, False) * (0.75 + 5.85 * _progress(d)) for d in days])
        prod_counts = rng.multinomial(prod_target, wp / wp.sum())
        non_counts = rng.multinomial(total_target - prod_target, wn / wn.sum())
        for d, n_prod, n_non in zip(days, prod_counts, non_counts, strict=True):
            service_p = _service_weights(d)
            for i in range(int(n_prod) + int(n_non)):
                deps.extend(_deployment(rng, d, i < n_prod, service_p))
    deps.sort(
        key=lambda r: (
            r["started_at"],
            r["finished_at"],
            r["service"],
            r["environment"],
            r["status"],
        )
    )
    _settle_rollbacks(deps)
    for i, r in enumerate(deps, start=1):
        r["deployment_id"] = f"DEP-{i:05d}"
    return deps


def _month_targets(
    rng: np.random.Generator, first: date, last: date, n_days: int
) -> tuple[int, int]:
    """Production and total deployments of the month ``first``..``last``."""
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
    return prod_target, max(total_target, prod_target + 5)


def _deployment(
    rng: np.random.Generator, d: date, production: bool, service_p: dict[bool, np.ndarray]
) -> list[dict]:
    """One deployment on ``d`` and the failed or cancelled attempts just before it."""
    env = "production" if production else ("staging" if rng.random() < 0.35 else "test")
    service = SERVICES[int(rng.choice(len(SERVICES), p=service_p[production]))]
    p = _service_progress(d, service)
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
        extra.extend(_release_attempts(rng, dep, p))
    elif rng.random() < _lerp_log(0.30, 0.12, p):
        extra.append(_attempt_before(rng, dep, "failed", (5.0, 90.0), p))
    if rng.random() < 0.04 and dep["kind"] != "rollback":
        extra.append(_attempt_before(rng, dep, "cancelled", (5.0, 180.0), p))
    return [dep, *(e for e in extra if e is not None)]


def _release_attempts(rng: np.random.Generator, dep: dict, p: float) -> list[dict | None]:
    """A production release's kind (regular, rollback after a bad release, hotfix) and the
    bad release or failed attempt before it; sets ``dep["kind"]``."""
    extra: list[dict | None] = []
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
    return extra


def _settle_rollbacks(deps: list[dict]) -> None:
    """A rollback re-deploys the last good version right after the bad release; where another
    production deployment of the service came in between, it is an ordinary release instead."""
    previous: dict[str, dict] = {}
    for r in deps:
        if r["environment"] != "production":
            continue
        if r["kind"] == "rollback" and previous.get(r["service"]) is not r.pop("bad", None):
            r["kind"] = "regular"
        previous[r["service"]] = r
