"""Deployments: weekday-heavy, more and better over the program; production gets hotfixes and
rollbacks; one service writes UTC."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.synthetic.large.story import _HOUR, _draw_days, _weekday_weight
from analytics.synthetic.large.text import _ids, _shas


def _deployments(rng, n, n_svc, svc_p, midnight, progress) -> dict:
    day = _draw_days(rng, n, _weekday_weight(midnight, 0.15) * (1.0 + 1.5 * progress))
    service = rng.choice(n_svc, size=n, p=svc_p)
    env = rng.choice(3, size=n, p=[0.4, 0.3, 0.3])  # test, staging, production
    started = midnight[day] + rng.integers(8 * _HOUR, 21 * _HOUR, size=n)
    finished = started + (rng.lognormal(np.log(9.0), 0.6, size=n) * 60).astype(np.int64) + 30
    p = progress[day]
    u = rng.random(n)
    failed_p, rolled_p, cancel_p = 0.10 - 0.06 * p, 0.03 - 0.02 * p, 0.03
    status = np.select(
        [u < failed_p, u < failed_p + rolled_p, u < failed_p + rolled_p + cancel_p], [1, 2, 3], 0
    )  # success, failed, rolled_back, cancelled
    v = rng.random(n)
    kind = np.where(
        env == 2, np.select([v < 0.03, v < 0.05], [1, 2], 0), 0
    )  # regular, hotfix, rollback
    order = np.lexsort((service, finished))
    out = {
        "service": service,
        "environment": env,
        "started_at": started,
        "finished_at": finished,
        "status": status,
        "kind": kind,
    }
    out = {k: v[order] for k, v in out.items()}
    out["deployment_id"] = _ids("DEP-", n, 7)
    out["commit_sha"] = _shas(rng, n)
    seq = pd.Series(np.ones(n, np.int64)).groupby(out["service"]).cumsum().to_numpy()
    out["version"] = pc.binary_join_element_wise(
        "2.",
        pc.cast(pa.array(seq // 100), pa.string()),
        ".",
        pc.cast(pa.array(seq % 100), pa.string()),
        "",
    )
    out["zulu"] = out["service"] == n_svc - 1  # the smallest service writes UTC ("Z")
    return out
