"""Deterministic, vectorised generator of large synthetic exports (for benchmarks and scale tests).

At ``scale="large"`` it writes about 1,000,000 deployments, 5,000,000 changes, 100,000 incidents
and 1,000,000 test runs of 200 services over five years (local dates 2019-01-01 .. 2023-12-31,
Asia/Shanghai). Smaller scales (``tiny``, ``small``, ``medium``, or any row factor) keep the
same shape with fewer rows. Unlike ``analytics.sample`` (a small, story-driven sample generated
row by row), everything here is numpy/pyarrow array code: the large set takes about a minute.

The data obey the contract (data/README.md) and exercise the loader and the linking rules:
timestamps with a ``+08:00`` offset, except one service written in UTC (``Z``); incident
severities as ``P1``..``P4`` (mapped through ``severity_map``); about 80 % of shipped changes
name their deployment (``deployment_id``), 1 % name a staging deployment (carried forward), 0.5 %
an unknown id, the rest none (linked by service and time); a third of the incidents open after
a production deployment of their service, half of those naming it; incidents still open at the
export moment have no ``resolved_at``; coverage on unit runs only. Invariants: ids are unique,
``started_at <= finished_at``, ``committed_at <= merged_at <=`` the shipping deployment's
``started_at``, ``impact_started_at <= opened_at <= resolved_at``. Metrics improve over a
program phase (2020-07 .. 2021-12), so the impact analysis has something to find.

Randomness comes from ``numpy.random.PCG64(seed)`` only: a seed gives the same tables, the same
CSV bytes and the same Parquet contents on every run.

    python -m analytics.sample_large --scale large --out benchmarks/data/large
    devops-analytics sample --scale large --out DIR            # the same, through the CLI
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.schema import TABLE_NAMES, TABLES

__all__ = ["DEFAULT_SEED", "FULL_ROWS", "SCALES", "generate_large", "program_yaml", "rows_for",
           "write_large"]

DEFAULT_SEED = 20231231
#: rows per table at factor 1.0 ("large")
FULL_ROWS = {"deployments": 1_000_000, "changes": 5_000_000, "incidents": 100_000,
             "test_runs": 1_000_000}
#: named scales -> row factor
SCALES = {"tiny": 0.002, "small": 0.01, "medium": 0.1, "large": 1.0}
FORMATS = ("csv", "parquet")

TIMEZONE = "Asia/Shanghai"
_OFFSET_S = 8 * 3600  # Asia/Shanghai has had no daylight-saving time since 1991
START = dt.date(2019, 1, 1)
END = dt.date(2023, 12, 31)
PROGRAM_START = dt.date(2020, 7, 1)
PROGRAM_END = dt.date(2021, 12, 31)
_DAY = 86_400
_HOUR = 3_600

_DOMAINS = ("loan", "credit", "risk", "payment", "ledger", "account", "card", "fraud", "notify",
            "identity", "pricing", "search", "catalog", "order", "billing", "report", "audit",
            "collect", "onboard", "profile")
_ROLES = ("api", "engine", "gateway", "worker", "store", "scheduler", "ui", "adapter", "stream",
          "batch")
_TITLES = ("Elevated error rate", "Latency above SLO", "Timeouts calling a dependency",
           "Queue backlog growing", "Disk full on log volume", "Certificate expired",
           "Bad config pushed, rolled back", "Memory leak, pods restarting",
           "Database failover", "Partial outage, one region")


def program_yaml() -> str:
    """The ``program.yml`` written beside the large data."""
    return f"""\
# Program definition of the generated scale data (analytics/sample_large.py).
name: Scale benchmark program
timezone: {TIMEZONE}
week_start: monday
production_environments: [production]
phases:
  baseline: {{start: {START}, end: {PROGRAM_START - dt.timedelta(days=1)}}}
  program:  {{start: {PROGRAM_START}, end: {PROGRAM_END}}}
  after:    {{start: {PROGRAM_END + dt.timedelta(days=1)}, end: {END}}}
milestones:
  - {{date: 2020-09-01, label: Unified CI pipeline}}
  - {{date: 2021-03-01, label: Canary releases}}
targets:
  delivery_throughput_per_day: 500
  production_releases: 4000
  time_to_restore_hours: {{severity: critical, max: 1}}
  unit_test_pass_rate: 0.99
  test_coverage: 0.9
definitions: default
benchmark_year: 2021
severity_map: {{P1: critical, P2: high, P3: medium, P4: low}}
"""


def rows_for(scale: str | float) -> dict[str, int]:
    """Rows per table at ``scale`` (a name of ``SCALES`` or a factor of ``FULL_ROWS``)."""
    factor = SCALES[scale] if isinstance(scale, str) else float(scale)
    if not factor > 0:
        raise ValueError(f"scale must be one of {', '.join(SCALES)} or a positive factor, got {scale!r}")
    return {t: max(10, int(round(n * factor))) for t, n in FULL_ROWS.items()}


def _services(factor: float) -> np.ndarray:
    count = int(min(200, max(8, round(200 * factor ** 0.5 * 2))))
    names = [f"{d}-{r}" for r in _ROLES for d in _DOMAINS][:count]
    return np.array(names, dtype=object)


# ------------------------------------------------------------------------------------ calendar
def _days() -> tuple[np.ndarray, np.ndarray]:
    """Local midnights (epoch seconds, UTC instants) of every date, and the program progress."""
    n = (END - START).days + 1
    day0 = (START - dt.date(1970, 1, 1)).days
    midnight = (day0 + np.arange(n, dtype=np.int64)) * _DAY - _OFFSET_S
    x = (np.arange(n) - (PROGRAM_START - START).days + 1) / ((PROGRAM_END - PROGRAM_START).days + 1)
    x = np.clip(x, 0.0, 1.0)
    return midnight, x * x * (3 - 2 * x)


def _weekday_weight(midnight: np.ndarray, weekend: float) -> np.ndarray:
    weekday = ((midnight + _OFFSET_S) // _DAY + 3) % 7  # 1970-01-01 was a Thursday (3)
    return np.where(weekday < 5, 1.0, weekend)


def _draw_days(rng, n: int, weight: np.ndarray) -> np.ndarray:
    return rng.choice(len(weight), size=n, p=weight / weight.sum())


# ------------------------------------------------------------------------------------ text
def _ids(prefix: str, n: int, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1)), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _shas(rng, n: int) -> pa.Array:
    raw = rng.integers(0, 256, size=(n, 20), dtype=np.uint8)
    hexdigits = np.frombuffer(b"0123456789abcdef", dtype="S1")
    pairs = np.empty((n, 40), dtype="S1")
    pairs[:, 0::2] = hexdigits[raw >> 4]
    pairs[:, 1::2] = hexdigits[raw & 15]
    return pa.array(pairs.view("S40").ravel().astype(object), type=pa.binary()).cast(pa.string())


def _stamps(seconds: np.ndarray, zulu: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """ISO 8601 text: local time with ``+08:00``, or UTC with ``Z`` where ``zulu``."""
    missing = np.zeros(len(seconds), bool) if missing is None else missing
    local = pa.array(seconds + _OFFSET_S, type=pa.timestamp("s"), mask=missing)
    utc = pa.array(seconds, type=pa.timestamp("s"), mask=missing)
    fmt = "%Y-%m-%dT%H:%M:%S"
    with_offset = pc.binary_join_element_wise(pc.strftime(local, format=fmt), "+08:00", "")
    with_z = pc.binary_join_element_wise(pc.strftime(utc, format=fmt), "Z", "")
    return pc.if_else(pa.array(zulu), with_z, with_offset)


# ------------------------------------------------------------------------------------ tables
def generate_large(scale: str | float = "large", seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """The four canonical tables as typed frames (timestamps as UTC, as ``analytics.load`` gives).

    Parameters
    ----------
    scale
        ``"tiny"``, ``"small"``, ``"medium"``, ``"large"`` (see ``SCALES``) or a row factor.
    seed
        seed of ``numpy.random.PCG64``; the same seed gives the same tables.

    Returns
    -------
    dict
        table name -> DataFrame with the contract's columns (``program_yaml()`` is the config).
        ``severity`` holds the raw labels ``P1``..``P4``; ``kind``/``suite`` canonical values.
    """
    rows = rows_for(scale)
    factor = rows["deployments"] / FULL_ROWS["deployments"]
    rng = np.random.Generator(np.random.PCG64(seed))
    services = _services(factor)
    n_svc = len(services)
    svc_p = 1.0 / np.arange(1, n_svc + 1) ** 0.7
    svc_p /= svc_p.sum()
    midnight, progress = _days()
    export_at = int(midnight[-1] + _DAY - 60)  # 23:59 local on the last day

    dep = _deployments(rng, rows["deployments"], n_svc, svc_p, midnight, progress)
    chg = _changes(rng, rows["changes"], dep, midnight, progress, export_at)
    inc = _incidents(rng, rows["incidents"], n_svc, svc_p, dep, midnight, progress, export_at)
    runs = _test_runs(rng, rows["test_runs"], n_svc, svc_p, midnight, progress)
    return {"deployments": _frame(dep, services, "deployments"), "changes": _frame(chg, services, "changes"),
            "incidents": _frame(inc, services, "incidents"), "test_runs": _frame(runs, services, "test_runs")}


def _deployments(rng, n, n_svc, svc_p, midnight, progress) -> dict:
    day = _draw_days(rng, n, _weekday_weight(midnight, 0.15) * (1.0 + 1.5 * progress))
    service = rng.choice(n_svc, size=n, p=svc_p)
    env = rng.choice(3, size=n, p=[0.4, 0.3, 0.3])  # test, staging, production
    started = midnight[day] + rng.integers(8 * _HOUR, 21 * _HOUR, size=n)
    finished = started + (rng.lognormal(np.log(9.0), 0.6, size=n) * 60).astype(np.int64) + 30
    p = progress[day]
    u = rng.random(n)
    failed_p, rolled_p, cancel_p = 0.10 - 0.06 * p, 0.03 - 0.02 * p, 0.03
    status = np.select([u < failed_p, u < failed_p + rolled_p, u < failed_p + rolled_p + cancel_p],
                       [1, 2, 3], 0)  # success, failed, rolled_back, cancelled
    v = rng.random(n)
    kind = np.where(env == 2, np.select([v < 0.03, v < 0.05], [1, 2], 0), 0)  # regular, hotfix, rollback
    order = np.lexsort((service, finished))
    out = {"service": service, "environment": env, "started_at": started, "finished_at": finished,
           "status": status, "kind": kind}
    out = {k: v[order] for k, v in out.items()}
    out["deployment_id"] = _ids("DEP-", n, 7)
    out["commit_sha"] = _shas(rng, n)
    seq = pd.Series(np.ones(n, np.int64)).groupby(out["service"]).cumsum().to_numpy()
    out["version"] = pc.binary_join_element_wise(
        "2.", pc.cast(pa.array(seq // 100), pa.string()), ".", pc.cast(pa.array(seq % 100), pa.string()), "")
    out["zulu"] = out["service"] == n_svc - 1  # the smallest service writes UTC ("Z")
    return out


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
    tail_merged = np.minimum(fin[tail_owner] + rng.integers(60, 3 * _DAY, size=rest), export_at - 60)
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
    named[unknown] = "DEP-9" + pd.Series(np.arange(unknown.sum())).astype(str).str.zfill(6).to_numpy(object)
    order = np.lexsort((service, committed))
    out = {"service": service, "committed_at": committed, "merged_at": merged, "deployment_id": named,
           "zulu": dep["zulu"][dep_row]}
    out = {k: v[order] for k, v in out.items()}
    out["change_id"] = _ids("CHG-", n, 8)
    out["commit_sha"] = _shas(rng, n)
    return out


def _incidents(rng, n, n_svc, svc_p, dep, midnight, progress, export_at) -> dict:
    caused = int(n * 0.35)
    prod = np.flatnonzero((dep["environment"] == 2) & (dep["status"] == 0))
    src = prod[rng.integers(0, len(prod), size=caused)]
    opened_c = dep["finished_at"][src] + (rng.exponential(4.0, size=caused) * _HOUR).astype(np.int64) + 60
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
    out = {"service": service, "opened_at": opened, "resolved_at": resolved, "still_open": still_open,
           "impact_started_at": impact, "no_impact": no_impact, "unassigned": unassigned,
           "severity": sev, "caused_by_deployment_id": cause, "title": title}
    out = {k: v[order] for k, v in out.items()}
    out["incident_id"] = _ids("INC-", n, 6)
    out["zulu"] = out["service"] == n_svc - 1
    return out


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
    out = {"service": service, "finished_at": finished, "suite": suite, "tests_passed": executed - failed,
           "tests_failed": failed, "tests_skipped": skipped, "coverage": coverage}
    out = {k: v[order] for k, v in out.items()}
    out["run_id"] = _ids("RUN-", n, 7)
    out["zulu"] = out["service"] == n_svc - 1
    return out


def _utc(seconds: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    out = pd.Series(pd.to_datetime(seconds, unit="s", utc=True)).astype("datetime64[ns, UTC]")
    return out.mask(missing) if missing is not None else out


def _text(values) -> pd.Series:
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return pd.Series(values.to_pandas(), dtype="str")
    return pd.Series(values, dtype="str")


def _frame(d: dict, services: np.ndarray, table: str) -> pd.DataFrame:
    svc = _text(services[d["service"]])
    if table == "deployments":
        cols = {"deployment_id": _text(d["deployment_id"]), "service": svc,
                "environment": _text(np.array(["test", "staging", "production"], object)[d["environment"]]),
                "finished_at": _utc(d["finished_at"]),
                "status": _text(np.array(["success", "failed", "rolled_back", "cancelled"], object)[d["status"]]),
                "started_at": _utc(d["started_at"]), "commit_sha": _text(d["commit_sha"]),
                "version": _text(d["version"]),
                "kind": _text(np.array(["regular", "hotfix", "rollback"], object)[d["kind"]])}
    elif table == "changes":
        cols = {"change_id": _text(d["change_id"]), "service": svc, "committed_at": _utc(d["committed_at"]),
                "merged_at": _utc(d["merged_at"]), "deployment_id": _text(d["deployment_id"]),
                "commit_sha": _text(d["commit_sha"])}
    elif table == "incidents":
        cols = {"incident_id": _text(d["incident_id"]),
                "severity": _text(np.array(["P1", "P2", "P3", "P4"], object)[d["severity"]]),
                "opened_at": _utc(d["opened_at"]), "resolved_at": _utc(d["resolved_at"], d["still_open"]),
                "impact_started_at": _utc(d["impact_started_at"], d["no_impact"]),
                "service": svc.mask(d["unassigned"]), "caused_by_deployment_id": _text(d["caused_by_deployment_id"]),
                "title": _text(np.array(_TITLES, object)[d["title"]])}
    else:
        cols = {"run_id": _text(d["run_id"]), "service": svc, "finished_at": _utc(d["finished_at"]),
                "tests_passed": pd.Series(d["tests_passed"], dtype="int64"),
                "tests_failed": pd.Series(d["tests_failed"], dtype="int64"),
                "tests_skipped": pd.Series(d["tests_skipped"], dtype="int64"),
                "suite": _text(np.array(["unit", "integration", "e2e"], object)[d["suite"]]),
                "coverage": pd.Series(np.where(d["suite"] == 0, d["coverage"], np.nan)),
                "environment": _text(np.full(len(d["run_id"]), "ci", dtype=object))}
    frame = pd.DataFrame(cols)
    frame.attrs["zulu"] = np.asarray(d["zulu"], bool)
    return frame


# ------------------------------------------------------------------------------------ writing
def _arrow_table(frame: pd.DataFrame, table: str, as_text: bool) -> pa.Table:
    """The frame as an Arrow table: typed (Parquet) or every cell as ISO/plain text (CSV)."""
    zulu = frame.attrs.get("zulu", np.zeros(len(frame), bool))
    arrays = {}
    for col in TABLES[table].columns:
        if col.name not in frame.columns:
            continue
        s = frame[col.name]
        if col.kind == "timestamp":
            secs = s.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[s]")
            missing = np.isnat(secs)
            if as_text:
                arrays[col.name] = _stamps(secs.astype(np.int64), zulu, missing)
            else:
                arrays[col.name] = pa.array(secs.astype(np.int64), type=pa.timestamp("s"), mask=missing).cast(
                    pa.timestamp("us", tz="UTC"))
        elif col.kind == "share":
            values = pa.array(s.to_numpy("float64"), from_pandas=True)  # NaN -> null
            arrays[col.name] = pc.cast(values, pa.string()) if as_text else values
        elif col.kind == "count":
            arrays[col.name] = pa.array(s.to_numpy("int64"))
        else:
            text = pa.array(s.astype(object).where(s.notna(), None), type=pa.string())
            if as_text:  # quote only the values that need it (the writer quotes none)
                needs = pc.fill_null(pc.match_substring_regex(text, '[,"\\n\\r]'), False)
                quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
                text = pc.if_else(needs, quoted, text)
            arrays[col.name] = text
    return pa.table(arrays)


def _write_csv(data: pa.Table, path: Path, chunk_rows: int = 500_000) -> None:
    """RFC 4180 CSV of an all-text table whose cells are already quoted where needed.

    (pyarrow's writer quotes every string or refuses any comma, so lines are joined here.)
    """
    with open(path, "wb") as fh:
        fh.write((",".join(data.column_names) + "\n").encode())
        for start in range(0, data.num_rows, chunk_rows):
            part = data.slice(start, chunk_rows)
            cols = [pc.cast(part[c], pa.string()) for c in data.column_names]
            line = pc.binary_join_element_wise(*cols, ",", null_handling="replace", null_replacement="")
            line = pc.binary_join_element_wise(line, "\n", "").combine_chunks()
            offsets = np.frombuffer(line.buffers()[1], dtype=np.int32, count=len(line) + 1, offset=line.offset * 4)
            fh.write(memoryview(line.buffers()[2])[offsets[0]:offsets[-1]])


def write_large(out_dir: str | Path, scale: str | float = "large", seed: int = DEFAULT_SEED,
                formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Generate at ``scale`` and write each table as CSV and/or Parquet, with ``program.yml``.

    With one format the files go straight into ``out_dir``; with both, into ``out_dir/csv`` and
    ``out_dir/parquet`` (a data folder holds one file per table). Returns the paths written.
    """
    import pyarrow.parquet as pq

    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ValueError(f"formats must be among {', '.join(FORMATS)}, got {formats!r}")
    tables = generate_large(scale, seed)
    out = Path(out_dir)
    folders = {f: (out / f if len(formats) > 1 else out) for f in formats}
    paths = []
    for fmt, folder in folders.items():
        folder.mkdir(parents=True, exist_ok=True)
        for table in TABLE_NAMES:
            data = _arrow_table(tables[table], table, as_text=fmt == "csv")
            path = folder / f"{table}.{fmt}"
            if fmt == "csv":
                _write_csv(data, path)
            else:
                pq.write_table(data, path, compression="snappy")
            paths.append(path)
        path = folder / "program.yml"
        path.write_text(program_yaml(), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--scale", default="large", help=f"{', '.join(SCALES)} or a row factor")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--format", choices=(*FORMATS, "both"), default="both")
    args = parser.parse_args(argv)
    scale = args.scale if args.scale in SCALES else float(args.scale)
    formats = FORMATS if args.format == "both" else (args.format,)
    for path in write_large(args.out, scale, args.seed, formats):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
