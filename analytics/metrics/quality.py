"""Quality metrics: unit-test pass rate and test coverage.

Every definition is in docs/METRICS.md; the functions here say which columns they read.
All functions are pure: they never modify the dataset's frames. The presets do not change
these definitions (the peers have none), only the calendar.
"""

from __future__ import annotations

import pandas as pd

from analytics.catalog import METRICS
from analytics.data.dataset import Dataset
from analytics.data.guards import require_columns
from analytics.metrics._common import ALL, KEYS, Calendar, Grid, resolve, tag_scope, to_rows
from analytics.metrics.presets import Preset

TEST_COLUMNS = ["run_id", "service", "finished_at", "tests_passed", "tests_failed"]


def unit_test_runs(dataset: Dataset, preset: str | Preset | None = None) -> pd.DataFrame:
    """Every unit-test run (suite ``unit``, or empty suite) with its counts.

    Parameters
    ----------
    dataset
        needs ``test_runs`` (run_id, service, finished_at, tests_passed, tests_failed; suite
        optional).
    preset
        definitions preset; only its calendar matters here.

    Returns
    -------
    DataFrame
        run_id, service, finished_at, tests_passed, tests_failed (int64; missing counts as 0),
        day (local date in the preset's calendar). Pass rate of any subset =
        ``tests_passed.sum() / (tests_passed.sum() + tests_failed.sum())``.
        See docs/METRICS.md ("Unit-test pass rate").
    """
    _, cal = resolve(dataset, preset)
    runs = dataset.test_runs
    require_columns(runs, TEST_COLUMNS, "test_runs")
    suite = (
        runs["suite"].fillna("unit")
        if "suite" in runs.columns
        else pd.Series("unit", index=runs.index)
    )
    unit = runs[suite.eq("unit").to_numpy()]
    out = pd.DataFrame(
        {
            "run_id": unit["run_id"],
            "service": unit["service"],
            "finished_at": unit["finished_at"],
            "tests_passed": unit["tests_passed"].fillna(0).astype("int64"),
            "tests_failed": unit["tests_failed"].fillna(0).astype("int64"),
        }
    )
    out["day"] = cal.day(out["finished_at"])
    return out.reset_index(drop=True)


def unit_test_totals(
    dataset: Dataset, freq: str = "month", by: str | None = None, preset: str | Preset | None = None
) -> pd.DataFrame:
    """Unit-test counts summed per period (and service when ``by="service"``).

    Returns
    -------
    DataFrame
        period_start, service, runs, tests_passed, tests_failed, pass_rate (NaN when no test
        passed or failed). Only periods with unit runs appear.
    """
    _, cal = resolve(dataset, preset)
    runs = tag_scope(unit_test_runs(dataset, preset), by, cal, freq, "finished_at")
    g = runs.groupby(KEYS)
    out = pd.DataFrame(
        {
            "runs": g.size(),
            "tests_passed": g["tests_passed"].sum(),
            "tests_failed": g["tests_failed"].sum(),
        }
    )
    executed = out["tests_passed"] + out["tests_failed"]
    out["pass_rate"] = (out["tests_passed"] / executed).where(executed > 0)
    return out.reset_index()


def coverage_by_service(
    dataset: Dataset, freq: str = "month", preset: str | Preset | None = None
) -> pd.DataFrame:
    """Coverage of each service's last run with a coverage value, per period.

    Parameters
    ----------
    dataset
        needs ``test_runs`` with ``coverage`` (any suite).
    freq
        ``"day"``, ``"week"`` or ``"month"``.
    preset
        definitions preset; only its calendar matters here.

    Returns
    -------
    DataFrame
        period_start, service, coverage (0..1), run_id, finished_at of that run. Services
        without a covered run in a period do not appear for it.
        See docs/METRICS.md ("Test coverage").
    """
    _, cal = resolve(dataset, preset)
    runs = dataset.test_runs
    require_columns(runs, ["run_id", "service", "finished_at"], "test_runs")
    cols = ["period_start", "service", "coverage", "run_id", "finished_at"]
    if "coverage" not in runs.columns:
        runs = runs.assign(coverage=float("nan"))
    cov = runs.loc[
        runs["coverage"].notna(), ["run_id", "service", "finished_at", "coverage"]
    ].copy()
    cov["period_start"] = cal.period(cov["finished_at"], freq)
    cov = cov.sort_values(["finished_at", "run_id"], kind="stable")
    last = cov.groupby(["period_start", "service"], sort=True).tail(1)
    return last.sort_values(["period_start", "service"])[cols].reset_index(drop=True)


def quality_rows(
    dataset: Dataset, grid: Grid, p: Preset, cal: Calendar, by: str | None
) -> pd.DataFrame:
    """Long-form rows of unit-test pass rate and test coverage for ``grid``."""
    totals = unit_test_totals(dataset, grid.freq, by, p).set_index(KEYS)
    executed = totals["tests_passed"] + totals["tests_failed"]
    rate = pd.DataFrame({"value": totals["pass_rate"], "n": executed}).loc[executed > 0]
    cov = coverage_by_service(dataset, grid.freq, p)
    if by is None:
        cov = cov.assign(service=ALL)
    g = cov.groupby(KEYS)["coverage"]
    level = pd.DataFrame({"value": g.mean(), "n": g.size()})
    return pd.concat(
        [
            to_rows(grid, rate, "unit_test_pass_rate", METRICS["unit_test_pass_rate"].unit),
            to_rows(grid, level, "test_coverage", METRICS["test_coverage"].unit),
        ],
        ignore_index=True,
    )
