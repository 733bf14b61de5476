"""Versions, commit shas and changes: one pass over the deployments in time order per service,
linking each change to the production deployment that shipped it."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from analytics.synthetic.sample.story import (
    _EXPORT_TS,
    _SERVICE_P,
    SERVICES,
    START,
    _lerp_log,
    _midnight,
)


def _sha(rng: np.random.Generator) -> str:
    return rng.bytes(20).hex()


def _change(rng, service: str, committed: int, ship_start: int | None, dep_id: str | None) -> dict:
    authored = committed - int(min(20 * 60 * math.exp(rng.normal(0.0, 1.5)), 3 * 86400))
    if ship_start is None:
        horizon = max(_EXPORT_TS - committed, 600)
        span = min(horizon, int(86400 * rng.uniform(0.2, 3.0)))
    else:
        span = ship_start - committed
    pr_opened = committed + int(span * rng.uniform(0.02, 0.15))
    merged: int | None = committed + int(span * rng.uniform(0.30, 0.95))
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
    state: dict[str, dict[str, Any]] = {}
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
        if dep["environment"] != "production":
            dep["version"] = f"{st['major']}.{st['minor'] + 1}.0-rc.{st['rc']}"
            st["rc"] += 1
            dep["commit_sha"] = _sha(rng)
        elif dep["status"] != "success":
            _version_unshipped(dep, st)
            dep["commit_sha"] = _sha(rng)
        elif dep["kind"] == "rollback":
            dep["version"], dep["commit_sha"] = st["good"]
        else:
            changes.extend(_release(rng, dep, st))
    changes.extend(_unshipped_changes(rng, state, len(changes)))
    changes.sort(key=lambda c: (c["committed_at"], c["service"], c["commit_sha"]))
    for i, c in enumerate(changes, start=1):
        c["change_id"] = f"CHG-{i:06d}"
    return changes


def _version_unshipped(dep: dict, st: dict[str, Any]) -> None:
    """The version a failed, rolled-back or cancelled production deployment tried."""
    if dep["status"] == "rolled_back":
        st["minor"] += 1  # the bad release consumed a version number
        st["patch"] = 0
        dep["version"] = f"{st['major']}.{st['minor']}.0"
    elif dep["kind"] == "hotfix":
        dep["version"] = f"{st['major']}.{st['minor']}.{st['patch'] + 1}"
    else:
        dep["version"] = f"{st['major']}.{st['minor'] + 1}.0"


def _release(rng: np.random.Generator, dep: dict, st: dict[str, Any]) -> list[dict]:
    """A successful release (regular or hotfix): its version and the changes it ships."""
    p = dep["p"]
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
    return batch


def _unshipped_changes(
    rng: np.random.Generator, state: dict[str, dict[str, Any]], n_shipped: int
) -> list[dict]:
    """Changes never shipped to production: abandoned ones, and work in progress at the end."""
    out = []
    first_ts, last_ts = _midnight(START), _EXPORT_TS - 3600
    for _ in range(int(n_shipped * 0.04)):
        s = SERVICES[int(rng.choice(len(SERVICES), p=_SERVICE_P))]
        committed = first_ts + int((last_ts - first_ts) * rng.random())
        out.append(_change(rng, s, committed, None, None))
    for s in SERVICES:
        since = state[s]["last_ship"] or first_ts
        for _ in range(int(rng.poisson(6))):
            committed = since + 600 + int((last_ts - since - 600) * rng.random())
            out.append(_change(rng, s, committed, None, None))
    return out


#: each service's team (the authors of its changes); see ``add_authors``
DEVELOPERS_PER_SERVICE = 2


def add_authors(changes: list[dict], seed: int) -> None:
    """Give every change an author from its service's team, in place.

    Authors come from a random stream of their own, so adding them left every other column
    of the sample as it was.
    """
    rng = np.random.Generator(np.random.PCG64([seed, 13]))
    picks = rng.integers(0, DEVELOPERS_PER_SERVICE, size=len(changes))
    for change, k in zip(changes, picks, strict=True):
        change["author"] = f"{change['service']}-dev{int(k) + 1}"
