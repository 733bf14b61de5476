"""Test runs: nightly unit runs on working days, and the unit, integration or e2e run before
each deployment; coverage only on unit runs."""

from __future__ import annotations

from datetime import date

import numpy as np

from analytics.synthetic.sample.story import (
    AFTER_START,
    END,
    PROGRAM_START,
    SERVICES,
    START,
    _date_range,
    _local_date,
    _midnight,
    _service_progress,
    _workday,
)


def _coverage_bounds(d: date) -> tuple[float, float]:
    """Where a unit run's coverage on ``d`` may lie: about half before the program, 96%+ after."""
    if d < PROGRAM_START:
        return 0.40, 0.60
    if d >= AFTER_START:
        return 0.96, 1.0
    return 0.38, 1.0


def _test_runs(rng: np.random.Generator, deps: list[dict]) -> list[dict]:
    unit_base = {s: int(rng.integers(250, 900)) for s in SERVICES}
    integ_base = {s: int(rng.integers(40, 160)) for s in SERVICES}
    cov0 = {s: float(rng.uniform(0.44, 0.56)) for s in SERVICES}
    cov1 = {s: float(rng.uniform(0.965, 0.995)) for s in SERVICES}
    runs: list[dict] = []

    def unit(service: str, finished: int, environment: str) -> None:
        d = _local_date(finished)
        p = _service_progress(d, service)
        n = int(round(unit_base[service] * (1 + 2.5 * p) * rng.uniform(0.98, 1.02)))
        if d >= AFTER_START:
            failed = 0
        else:
            mean_f = 0.10 * (1 - p) ** 1.5
            f = min(max(rng.normal(mean_f, 0.35 * mean_f), 0.0), 0.5)
            failed = int(rng.binomial(n, f))
        skipped = int(rng.binomial(n - failed, 0.015))
        cov = cov0[service] + (cov1[service] - cov0[service]) * p + rng.normal(0.0, 0.006)
        low, high = _coverage_bounds(d)
        cov = min(max(cov, low), high)
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
        p = _service_progress(_local_date(finished), service)
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
