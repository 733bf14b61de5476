"""The figures the CAICT levels are judged on, for one window of local dates.

Each function takes a Dataset and a ``Window`` (inclusive local dates) and returns a small dict
of figures; ``analytics.program.caict`` turns them into levels. Rules: docs/METRICS.md
("CAICT continuous-delivery evidence"). Pure: nothing here changes the dataset.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.data.dataset import Dataset
from analytics.metrics import Preset, deployment_facts, get_preset
from analytics.metrics.working_time import elapsed_hours
from analytics.periods import floor_dates, local_day

#: a test run of the service at most this long before a deployment started counts as its gate
GATE_WINDOW = pd.Timedelta(hours=2)


@dataclass(frozen=True)
class Window:
    """A named stretch of local dates, both ends included (a month, or a program phase)."""

    name: str
    start: pd.Timestamp
    end: pd.Timestamp

    def holds(self, day: pd.Series) -> pd.Series:
        return (day >= self.start) & (day <= self.end)


@dataclass(frozen=True)
class Context:
    """What every figure needs: the preset, its local calendar, and the deployments' facts."""

    preset: Preset
    timezone: str
    week_start: str
    deployments: pd.DataFrame  # analytics.metrics.deployment_facts

    def day(self, ts: pd.Series) -> pd.Series:
        return local_day(ts, self.timezone)


def deployment_rhythm(ds: Dataset, w: Window, c: Context) -> dict:
    """Production deployment days per week, and production deployments per working day.

    Weeks (``week_start``) count when they hold a working day inside the window.
    """
    base = c.deployments
    ok = base[base["is_production"] & base["success"] & w.holds(base["day"])]
    days = pd.Series(pd.date_range(w.start, w.end, freq="D"))
    bc = ds.config.business_calendar
    frame = pd.DataFrame(
        {
            "week": floor_dates(days, "week", c.week_start),
            "working": bc.is_working_day(days),
            "deployed": days.isin(set(ok["day"])).to_numpy(),
        }
    )
    weeks = frame.groupby("week").agg(working=("working", "sum"), days=("deployed", "sum"))
    weeks = weeks[weeks["working"] > 0]
    working_days = int(frame["working"].sum())
    days_seen = base["day"].dropna()
    return {
        # like metric_table: no deployment is a real 0 only inside the deployments' date span
        "covered": bool(len(days_seen) and days_seen.min() <= w.end and days_seen.max() >= w.start),
        "count": len(ok),
        "working_days": working_days,
        "weeks": len(weeks),
        "median_days_per_week": float(weeks["days"].median()) if len(weeks) else np.nan,
        "median_week_deployed": float((weeks["days"] > 0).median()) if len(weeks) else np.nan,
        "per_working_day": len(ok) / working_days if working_days else np.nan,
    }


def deployment_quality(ds: Dataset, w: Window, c: Context) -> dict:
    """Change failure rate (the preset's), rollbacks seen so far, and test-gated deployments."""
    base = c.deployments
    facts = base[base["in_cfr"] & w.holds(base["day"])]
    so_far = base[base["is_production"] & (base["day"] <= w.end)]
    rollbacks = int((so_far["kind"].eq("rollback") | so_far["status"].eq("rolled_back")).sum())
    gate = preceding_runs(ds, w, c)
    return {
        "n": len(facts),
        "failures": int(facts["failures"].sum()),
        "rate": float(facts["failures"].sum() / len(facts)) if len(facts) else np.nan,
        "rollbacks": rollbacks,
        "gated": int(gate["passed"].sum()),
        "with_run": int(gate["has_run"].sum()),
        "deployments": len(gate),
    }


def preceding_runs(ds: Dataset, w: Window, c: Context) -> pd.DataFrame:
    """For each successful production deployment in ``w``: did a test run of its service finish
    within ``GATE_WINDOW`` before it started (``has_run``), and did the last one pass?"""
    base = c.deployments
    dep = ds.deployments
    start = dep["started_at"] if "started_at" in dep.columns else dep["finished_at"]
    base = base.assign(start=start.fillna(dep["finished_at"]).to_numpy())
    ok = base[base["is_production"] & base["success"] & w.holds(base["day"])]
    ok = ok.dropna(subset=["start"]).sort_values("start")
    runs = ds.test_runs[["service", "finished_at", "tests_failed"]].dropna(
        subset=["service", "finished_at"]
    )
    runs = runs.assign(passed=runs["tests_failed"].fillna(0).eq(0)).sort_values("finished_at")
    if ok.empty:
        return pd.DataFrame(
            {"has_run": pd.Series([], dtype=bool), "passed": pd.Series([], dtype=bool)}
        )
    joined = pd.merge_asof(
        ok[["service", "start"]],
        runs.rename(columns={"finished_at": "run_at"}),
        left_on="start",
        right_on="run_at",
        by="service",
        direction="backward",
        tolerance=GATE_WINDOW,
        allow_exact_matches=True,
    )
    has_run = joined["run_at"].notna()
    return pd.DataFrame({"has_run": has_run, "passed": has_run & joined["passed"].eq(True)})


def integration(ds: Dataset, w: Window, c: Context) -> dict:
    """Integrations to trunk per developer per working day (median over the developers).

    A change is integrated at ``merged_at``; a change without a pull request (no
    ``pr_opened_at``) at ``committed_at``; one still in review is not integrated.
    """
    chg = ds.changes
    if "author" not in chg.columns:
        chg = chg.assign(author=pd.Series(pd.NA, index=chg.index, dtype="str"))
    never = pd.Series(pd.NaT, index=chg.index, dtype="datetime64[ns, UTC]")
    merged = chg["merged_at"] if "merged_at" in chg.columns else never
    direct = chg["pr_opened_at"].isna() if "pr_opened_at" in chg.columns else never.isna()
    at = merged.where(merged.notna(), chg["committed_at"].where(direct))
    inside = at.notna() & w.holds(c.day(at))
    changes = chg.loc[inside, "author"]
    working_days = ds.config.business_calendar.working_days(w.start, w.end)
    per_dev = changes.dropna().value_counts()
    rates = per_dev / working_days if working_days else per_dev * np.nan
    return {
        "changes": int(inside.sum()),
        "without_author": int(changes.isna().sum()),
        "developers": len(per_dev),
        "working_days": working_days,
        "median_per_day": float(rates.median()) if len(rates) else np.nan,
    }


def ci_recovery(ds: Dataset, w: Window, c: Context) -> dict:
    """From the first failed run of a red streak to the next green run of the same service
    (any suite), in hours on the program's clock; streaks that start in the window."""
    runs = ds.test_runs
    r = pd.DataFrame(
        {
            "service": runs["service"],
            "at": runs["finished_at"],
            "red": runs["tests_failed"].fillna(0).gt(0).to_numpy(bool),
        }
    ).dropna(subset=["service", "at"])
    r = r.sort_values(["service", "at"], kind="stable")
    prev_red = r.groupby("service")["red"].shift(1, fill_value=False).astype(bool)
    starts = r[r["red"] & ~prev_red & w.holds(c.day(r["at"]))]
    greens = r[~r["red"]].rename(columns={"at": "green_at"})[["service", "green_at"]]
    if starts.empty:
        return {"episodes": 0, "recovered": 0, "median_hours": np.nan, "p90_hours": np.nan}
    nxt = pd.merge_asof(
        starts.sort_values("at"),
        greens.sort_values("green_at"),
        left_on="at",
        right_on="green_at",
        by="service",
        direction="forward",
        allow_exact_matches=False,
    )
    done = nxt[nxt["green_at"].notna()]
    hours = elapsed_hours(done["at"], done["green_at"], ds.config, c.preset, "exact")
    return {
        "episodes": len(nxt),
        "recovered": len(done),
        "median_hours": float(hours.median()) if len(hours) else np.nan,
        "p90_hours": float(hours.quantile(0.9)) if len(hours) else np.nan,
    }


def test_execution(ds: Dataset, w: Window, c: Context) -> dict:
    """Suites that ran, runs per service per working day, deployments preceded by a run."""
    runs = ds.test_runs
    inside = runs[w.holds(c.day(runs["finished_at"]))]
    suite = inside["suite"].fillna("unit") if "suite" in inside.columns else inside["service"]
    services = inside["service"].nunique()
    working_days = ds.config.business_calendar.working_days(w.start, w.end)
    gate = preceding_runs(ds, w, c)
    return {
        "runs": len(inside),
        "suites": tuple(sorted(set(suite.dropna()))),
        "services": services,
        "working_days": working_days,
        "runs_per_service_day": (
            len(inside) / (services * working_days) if services and working_days else np.nan
        ),
        "with_run": int(gate["has_run"].sum()),
        "deployments": len(gate),
    }


def branch_life(ds: Dataset, w: Window, c: Context) -> dict:
    """Median life of a merged pull request's branch (first commit to merge), calendar hours."""
    chg = ds.changes
    if not {"pr_opened_at", "merged_at"} <= set(chg.columns):
        return {"n": 0, "negative": 0, "median_hours": np.nan}
    first = chg["authored_at"] if "authored_at" in chg.columns else chg["committed_at"]
    first = first.fillna(chg["committed_at"])
    ok = chg["pr_opened_at"].notna() & chg["merged_at"].notna()
    ok &= w.holds(c.day(chg["merged_at"]))
    life = (chg.loc[ok, "merged_at"] - first[ok]).dt.total_seconds() / 3600
    negative = int((life < 0).sum())  # merged before the first commit: a data error
    life = life[life >= 0]
    return {
        "n": len(life),
        "negative": negative,
        "median_hours": float(life.median()) if len(life) else np.nan,
    }


def facts_for(ds: Dataset, w: Window, preset: str | Preset | None = None) -> dict[str, dict]:
    """Every figure for the window, by item name."""
    return facts_in(ds, w, context(ds, preset))


def context(ds: Dataset, preset: str | Preset | None = None) -> Context:
    """The shared inputs of the figures (computed once for all windows)."""
    p = get_preset(preset, ds.config)
    tz, week_start = p.calendar(ds.config)
    return Context(p, tz, week_start, deployment_facts(ds, p))


def facts_in(ds: Dataset, w: Window, c: Context) -> dict[str, dict]:
    """Every figure for the window, by item name, with a prepared ``Context``."""
    return {
        "deployment_rhythm": deployment_rhythm(ds, w, c),
        "deployment_quality": deployment_quality(ds, w, c),
        "integration": integration(ds, w, c),
        "ci_recovery": ci_recovery(ds, w, c),
        "test_execution": test_execution(ds, w, c),
        "branch_life": branch_life(ds, w, c),
    }
