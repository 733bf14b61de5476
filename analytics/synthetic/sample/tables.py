"""Assembly: run the generators on one random stream, add the deliberate data problems and
format the rows as the four canonical tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.data.schema import TABLES
from analytics.synthetic.sample.changes import _versions_and_changes, add_authors
from analytics.synthetic.sample.deployments import _deployments
from analytics.synthetic.sample.incidents import _incidents
from analytics.synthetic.sample.runs import _test_runs
from analytics.synthetic.sample.story import _OFFSET, DEFAULT_SEED, UTC_SERVICE

#: the canonical columns, in the contract's order (analytics/data/schema.py is the one source)
COLUMNS = {name: table.names for name, table in TABLES.items()}
_TIME_COLUMNS = {
    name: [c.name for c in table.columns if c.kind == "timestamp"] for name, table in TABLES.items()
}


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
    add_authors(changes, seed)
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
