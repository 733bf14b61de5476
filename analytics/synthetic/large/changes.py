"""Changes: most shipped by a successful production deployment of their service (named by
``deployment_id``, a staging one, an unknown id, or none), the rest merged after the last one."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.synthetic.large.story import _DAY, _HOUR
from analytics.synthetic.large.text import _ids, _shas


def _changes(rng, n, dep, midnight, progress, export_at) -> dict:
    prod = np.flatnonzero((dep["environment"] == 2) & (dep["status"] == 0))
    by_service = prod[np.lexsort((dep["finished_at"][prod], dep["service"][prod]))]
    svc = dep["service"][by_service]
    fin = dep["finished_at"][by_service]
    prev = np.r_[fin[0], fin[:-1]]
    first = np.r_[True, svc[1:] != svc[:-1]]
    lo = np.where(first, fin - 7 * _DAY, prev)
    hi = dep["started_at"][by_service]
    lo = np.minimum(lo, hi - 60)
    shipped = int(n * 0.97)
    weights = rng.gamma(2.0, 1.0, size=len(by_service))
    per_dep = rng.multinomial(shipped, weights / weights.sum())
    owner = np.repeat(np.arange(len(by_service)), per_dep)
    merged = lo[owner] + (rng.random(shipped) * (hi[owner] - lo[owner])).astype(np.int64)
    # the rest: merged after the last production deployment of a service (not shipped yet)
    rest = n - shipped
    last = np.flatnonzero(np.r_[svc[1:] != svc[:-1], True])
    tail_owner = last[rng.integers(0, len(last), size=rest)]
    tail_merged = np.minimum(
        fin[tail_owner] + rng.integers(60, 3 * _DAY, size=rest), export_at - 60
    )
    owner_all = np.r_[owner, tail_owner]
    merged = np.r_[merged, tail_merged]
    day = np.clip(np.searchsorted(midnight, merged, side="right") - 1, 0, len(midnight) - 1)
    p = progress[day]
    wait = (rng.lognormal(np.log(40.0 - 34.0 * p), 0.9) * _HOUR).astype(np.int64)
    committed = merged - wait
    service = svc[owner_all]
    dep_row = by_service[owner_all]
    u = rng.random(n)
    explicit = np.r_[np.ones(shipped, bool), np.zeros(rest, bool)] & (u < 0.80)
    to_staging = ~explicit & (u < 0.81) & (np.arange(n) < shipped)
    unknown = ~explicit & ~to_staging & (u >= 0.81) & (u < 0.815)
    # a staging deployment of the same service finished before the shipping one (if any)
    staging = np.flatnonzero(dep["environment"] == 1)
    key_st = dep["service"][staging].astype(np.int64) * 10**12 + dep["finished_at"][staging]
    st_order = np.argsort(key_st, kind="stable")
    key = service.astype(np.int64) * 10**12 + merged
    pos = np.searchsorted(key_st[st_order], key, side="right") - 1
    ok = pos >= 0
    cand = staging[st_order[np.clip(pos, 0, None)]]
    to_staging &= ok & (dep["service"][cand] == service)
    ids = np.asarray(dep["deployment_id"].to_numpy(zero_copy_only=False), dtype=object)
    named = np.full(n, None, dtype=object)
    named[explicit] = ids[dep_row[explicit]]
    named[to_staging] = ids[cand[to_staging]]
    named[unknown] = "DEP-9" + pd.Series(np.arange(unknown.sum())).astype(str).str.zfill(
        6
    ).to_numpy(object)
    order = np.lexsort((service, committed))
    out = {
        "service": service,
        "committed_at": committed,
        "merged_at": merged,
        "deployment_id": named,
        "zulu": dep["zulu"][dep_row],
    }
    out = {k: v[order] for k, v in out.items()}
    out["change_id"] = _ids("CHG-", n, 8)
    out["commit_sha"] = _shas(rng, n)
    return out
