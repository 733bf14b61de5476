"""Test runs: unit, integration and e2e suites in CI; fewer failures and more coverage over the
program (coverage kept on unit runs only when framed)."""

from __future__ import annotations

import numpy as np

from analytics.synthetic.large.story import _HOUR, _draw_days, _weekday_weight
from analytics.synthetic.large.text import _ids


def _test_runs(rng, n, n_svc, svc_p, midnight, progress) -> dict:
    day = _draw_days(rng, n, _weekday_weight(midnight, 0.3) * (1.0 + progress))
    service = rng.choice(n_svc, size=n, p=svc_p)
    finished = midnight[day] + rng.integers(7 * _HOUR, 23 * _HOUR, size=n)
    suite = rng.choice(3, size=n, p=[0.6, 0.25, 0.15])  # unit, integration, e2e
    p = progress[day]
    size = (200 + 3000 * rng.random(n_svc))[service] * np.array([1.0, 0.2, 0.05])[suite]
    executed = rng.poisson(size)
    fail_share = np.where(rng.random(n) < 0.25 - 0.2 * p, rng.random(n) * 0.05, 0.0)
    failed = rng.binomial(executed, fail_share)
    skipped = rng.poisson(3, size=n)
    coverage = np.clip(0.55 + 0.4 * p + rng.normal(0, 0.03, size=n), 0, 1).round(4)
    order = np.lexsort((service, finished))
    out = {
        "service": service,
        "finished_at": finished,
        "suite": suite,
        "tests_passed": executed - failed,
        "tests_failed": failed,
        "tests_skipped": skipped,
        "coverage": coverage,
    }
    out = {k: v[order] for k, v in out.items()}
    out["run_id"] = _ids("RUN-", n, 7)
    out["zulu"] = out["service"] == n_svc - 1
    return out
