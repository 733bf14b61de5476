"""Incidents: a third open after a production deployment of their service (half of those name
it), the rest at random; restore times shrink over the program; some still open at export."""

from __future__ import annotations

import numpy as np

from analytics.synthetic.large.story import _DAY, _HOUR, _TITLES, _draw_days, _weekday_weight
from analytics.synthetic.large.text import _ids


def _incidents(rng, n, n_svc, svc_p, dep, midnight, progress, export_at) -> dict:
    caused = int(n * 0.35)
    prod = np.flatnonzero((dep["environment"] == 2) & (dep["status"] == 0))
    src = prod[rng.integers(0, len(prod), size=caused)]
    opened_c = (
        dep["finished_at"][src] + (rng.exponential(4.0, size=caused) * _HOUR).astype(np.int64) + 60
    )
    day = _draw_days(rng, n - caused, _weekday_weight(midnight, 0.6))
    opened_r = midnight[day] + rng.integers(0, _DAY, size=n - caused)
    opened = np.minimum(np.r_[opened_c, opened_r], export_at - 3600)
    service = np.r_[dep["service"][src], rng.choice(n_svc, size=n - caused, p=svc_p)]
    ids = np.asarray(dep["deployment_id"].to_numpy(zero_copy_only=False), dtype=object)
    cause = np.full(n, None, dtype=object)
    named = np.r_[rng.random(caused) < 0.5, np.zeros(n - caused, bool)]
    cause[named] = ids[src[named[:caused]]]
    sev = rng.choice(4, size=n, p=[0.05, 0.15, 0.4, 0.4])
    dayx = np.clip(np.searchsorted(midnight, opened, side="right") - 1, 0, len(midnight) - 1)
    p = progress[dayx]
    median_h = np.array([3.0, 6.0, 20.0, 48.0])[sev] * (1.0 - 0.75 * p)
    resolved = opened + (rng.lognormal(np.log(median_h), 1.0) * _HOUR).astype(np.int64)
    still_open = resolved > export_at
    impact = opened - (rng.exponential(0.4, size=n) * _HOUR).astype(np.int64)
    no_impact = rng.random(n) < 0.4
    unassigned = rng.random(n) < 0.02
    title = rng.integers(0, len(_TITLES), size=n)
    order = np.argsort(opened, kind="stable")
    out = {
        "service": service,
        "opened_at": opened,
        "resolved_at": resolved,
        "still_open": still_open,
        "impact_started_at": impact,
        "no_impact": no_impact,
        "unassigned": unassigned,
        "severity": sev,
        "caused_by_deployment_id": cause,
        "title": title,
    }
    out = {k: v[order] for k, v in out.items()}
    out["incident_id"] = _ids("INC-", n, 6)
    out["zulu"] = out["service"] == n_svc - 1
    return out
