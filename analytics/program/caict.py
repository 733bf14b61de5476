"""CAICT continuous-delivery evidence: which level of each measurable item the data supports.

The CAICT DevOps capability maturity model (continuous delivery, ``caict_model``) is mostly
about practice; six of its items carry a figure the exports hold. For each of them and each
window (the month, each program phase) ``caict_evidence`` gives the level (1-5) the figure
supports, the figure and its n, the rule applied, the model's text of that level in Chinese
with the English restatement, and what the data cannot show. ``caict_not_judged`` lists the
other items. Rules: docs/METRICS.md ("CAICT continuous-delivery evidence"); they are written
once, here, as the ``_level_*`` functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analytics.config import ProgramConfig
from analytics.data.dataset import Dataset
from analytics.metrics import Preset
from analytics.metrics.working_time import uses_working_hours
from analytics.program.caict_facts import GATE_WINDOW, Window, context, facts_in
from analytics.program.caict_model import level_text, model_items

EVIDENCE_COLUMNS = [
    "window",
    "item",
    "item_zh",
    "level",
    "max_level",
    "figure",
    "n",
    "rule",
    "rule_zh",
    "rule_en",
    "not_judged",
]
#: failure-rate bands of "deployment quality": high above 30 %, low at most 15 % (DORA 2021)
HIGH_FAILURE_RATE, LOW_FAILURE_RATE = 0.30, 0.15
#: share of production deployments that must follow a (passing) test run for level 3
GATED_SHARE = 0.95
_GATE = f"{GATE_WINDOW.total_seconds() / 3600:g} h"


@dataclass(frozen=True)
class Judgement:
    """A level (None: not judged), its figure and n, and what the data could not show."""

    level: int | None
    figure: str
    n: int
    missing: str = ""


@dataclass(frozen=True)
class Item:
    """One measurable item: its model name, the figures it reads, its rule and its ceiling."""

    key: str
    label: str
    subitem: str
    facts: str
    judge: Callable[[dict, str], Judgement]
    rule: str
    max_level: int
    practice: str


def _hours(h: float) -> str:
    if h < 1:
        return f"{h * 60:.0f} min"
    return f"{h:.1f} h" if h < 48 else f"{h / 24:.1f} days"


def _level_rhythm(f: dict, clock: str) -> Judgement:
    if not f["covered"]:
        return Judgement(None, "no deployment data around the window", 0)
    if f["weeks"] == 0:
        return Judgement(None, "no week with a working day in the window", 0)
    days, weekly, rate = f["median_days_per_week"], f["median_week_deployed"], f["per_working_day"]
    level = 4 if days >= 3 and rate >= 2 else 3 if days >= 3 else 2 if weekly >= 1 else 1
    figure = (
        f"median {days:g} production deployment days a week ({f['weeks']} weeks); "
        f"{f['count']} successful production deployments in {f['working_days']} working days "
        f"({rate:.2f} per working day)"
    )
    return Judgement(level, figure, f["weeks"])


def _level_quality(f: dict, clock: str) -> Judgement:
    if f["n"] == 0:
        return Judgement(None, "no production deployment in the window", 0)
    rate, gated = f["rate"], f["gated"] / f["deployments"] if f["deployments"] else 0.0
    by_rate = 1 if rate > HIGH_FAILURE_RATE else 2 if rate > LOW_FAILURE_RATE else 3
    level = min(by_rate, 2 if gated < GATED_SHARE else 3)
    missing = ""
    if f["rollbacks"] == 0:
        level = 1
        missing = (
            f"no rollback in the data up to the window's end, so rollback capability is not "
            f"shown (with it, the failure rate would support level {min(by_rate, 2)} or more)"
        )
    figure = (
        f"change failure rate {rate:.0%} ({f['failures']} of {f['n']}); {f['rollbacks']} "
        f"rollbacks up to the window's end; {f['gated']} of {f['deployments']} successful "
        f"production deployments ({gated:.0%}) followed a passing test run of their service "
        f"within {_GATE}"
    )
    return Judgement(level, figure, f["n"], missing)


def _level_integration(f: dict, clock: str) -> Judgement:
    if f["changes"] == 0:
        return Judgement(None, "no change integrated to trunk in the window", 0)
    if f["developers"] == 0:
        return Judgement(None, "the changes carry no author (changes.author)", f["changes"])
    rate = f["median_per_day"]
    level = 4 if rate >= 2 else 3 if rate >= 1 else 2 if rate >= 0.1 else 1
    figure = (
        f"median {rate:.2f} integrations to trunk per developer per working day "
        f"({f['developers']} developers, {f['changes']} changes, {f['working_days']} working "
        "days)"
    )
    if f["without_author"]:
        figure += f"; {f['without_author']} changes without an author not counted"
    return Judgement(level, figure, f["developers"])


def _level_recovery(f: dict, clock: str) -> Judgement:
    if f["episodes"] == 0:
        return Judgement(None, "no failed test run in the window: nothing to recover from", 0)
    if f["recovered"] == 0:
        figure = f"none of {f['episodes']} red streaks had a green run by the end of the data"
        return Judgement(1, figure, f["episodes"])
    median = f["median_hours"]
    level = (
        5
        if median <= 10 / 60
        else 4
        if median <= 0.5
        else 3
        if median < 12
        else 2
        if median < 168
        else 1
    )
    figure = (
        f"median {_hours(median)} from a failed run to the service's next green run "
        f"(P90 {_hours(f['p90_hours'])}; {f['recovered']} of {f['episodes']} red streaks "
        f"recovered; {clock})"
    )
    return Judgement(level, figure, f["recovered"])


def _level_execution(f: dict, clock: str) -> Judgement:
    if f["runs"] == 0:
        return Judgement(None, "no test run in the window", 0)
    rate = f["runs_per_service_day"]
    covered = f["with_run"] / f["deployments"] if f["deployments"] else 0.0
    layered = {"unit", "integration"} <= set(f["suites"])
    level = 3 if layered and covered >= GATED_SHARE else 2 if rate >= 0.2 else 1
    figure = (
        f"{f['runs']} automated runs ({', '.join(f['suites'])}) of {f['services']} services, "
        f"{rate:.2f} per service per working day; {f['with_run']} of {f['deployments']} "
        f"successful production deployments ({covered:.0%}) had a run of their service within "
        f"{_GATE} before"
    )
    return Judgement(level, figure, f["runs"])


def _level_branches(f: dict, clock: str) -> Judgement:
    if f["n"] == 0:
        return Judgement(None, "no merged pull request in the window", 0)
    median = f["median_hours"]
    figure = (
        f"median branch life {_hours(median)} (first commit to merge, calendar time; "
        f"{f['n']} merged pull requests)"
    )
    if f["negative"]:
        figure += f"; {f['negative']} merged before their first commit left out"
    return Judgement(3 if median <= 72 else 2, figure, f["n"])


ITEMS: tuple[Item, ...] = (
    Item(
        "deployment_strategy",
        "Deployment strategy / frequency",
        "部署策略",
        "deployment_rhythm",
        _level_rhythm,
        "L2: production got a deployment in the median week; L3: in the median week on at "
        "least 3 days (Four Keys' 'daily'); L4: also at least 2 production deployments per "
        "working day; else L1",
        4,
        "deployment unit and app/config separation (L2-L3), low-risk release strategies such "
        "as blue-green or canary (L4), team autonomy (L5)",
    ),
    Item(
        "deployment_quality",
        "Deployment quality",
        "部署质量",
        "deployment_quality",
        _level_quality,
        "failure rate (change failure rate of the month's definitions) high above 30%, medium "
        "above 15%, low at most 15%; L1: high, or no rollback ever seen; L2: a rollback seen "
        f"and the rate medium or low; L3: low, and at least {GATED_SHARE:.0%} of successful "
        f"production deployments followed a passing test run of their service within {_GATE}",
        3,
        "change-scope and test reports per deployment (L3), monitoring with automatic "
        "degrade/rollback (L4); L5 needs L4",
    ),
    Item(
        "integration_frequency",
        "Integration frequency",
        "集成频率",
        "integration",
        _level_integration,
        "integration = the merge (merged_at), or the commit of a change without a pull "
        "request; per developer with an integration in the window: integrations / working "
        "days; median over developers. L2 >= 0.1 (every two working weeks), L3 >= 1 (daily), "
        "L4 >= 2 (several a day); else L1",
        4,
        "whether every change (code, configuration, environment) triggers the full CI (L4, "
        "L5); developers without any integration in the window are not seen",
    ),
    Item(
        "integration_feedback",
        "Integration feedback and fix time",
        "反馈周期",
        "ci_recovery",
        _level_recovery,
        "red streak = consecutive failed runs (tests_failed > 0) of a service; recovery = its "
        "first failed run to the service's next run without failures; median over the streaks "
        "that start in the window. L5 <= 10 min, L4 <= 30 min, L3 < 12 h (within hours), "
        "L2 < 1 week (half a day or more), L1 a week or more",
        5,
        "the feedback half (commit to failure detected): runs do not name the commit that "
        "triggered them; whether a failure was an integration problem",
    ),
    Item(
        "test_execution",
        "Automated test execution",
        "自动化执行",
        "test_execution",
        _level_execution,
        "L1: under one run per service a week (0.2 per working day); L2: at least weekly; "
        "L3: code-level (unit) and service-level (integration) suites ran, and at least "
        f"{GATED_SHARE:.0%} of successful production deployments had a run of their service "
        f"within {_GATE} before (triggered by the pipeline)",
        3,
        "whether UI tests are automated (L2), a test platform linked to requirements and "
        "changes (L4), continuous optimisation (L5)",
    ),
    Item(
        "branch_management",
        "Branch management",
        "分支管理",
        "branch_life",
        _level_branches,
        "branch life = first commit (authored_at) to merge of a merged pull request, median; "
        "L3 <= 3 days (short-lived branches), else L2; L1 (no branch management) cannot be "
        "told from data",
        3,
        "merge effort and conflicts (L3), trunk releasable at any time (L4), a strategy per "
        "business need (L5)",
    ),
)


def caict_windows(
    config: ProgramConfig, month: str, through: dt.date | None = None
) -> list[Window]:
    """The month ``YYYY-MM`` and each program phase that started by its end (cut there)."""
    start = pd.Timestamp(f"{month}-01")
    end = start + pd.offsets.MonthEnd(0)
    if through is not None:
        end = min(end, pd.Timestamp(through))
    out = [Window(month, start, end)]
    for phase in config.phases:
        p0, p1 = pd.Timestamp(phase.start), pd.Timestamp(phase.end)
        if p0 <= end:
            out.append(Window(phase.name, p0, min(p1, end)))
    return out


def caict_evidence(
    dataset: Dataset, windows: list[Window], preset: str | Preset | None = None
) -> pd.DataFrame:
    """The level each measurable CAICT item reaches in each window, with its evidence.

    Parameters
    ----------
    dataset
        reads deployments, changes (author for integration frequency), incidents (change
        failure rate) and test_runs.
    windows
        local-date windows, e.g. ``caict_windows(config, "2021-12")`` (the month and phases).
    preset
        definitions preset (None: the program's); sets the change failure rate's definition
        and the local calendar.

    Returns
    -------
    DataFrame
        ``EVIDENCE_COLUMNS``: window, item, item_zh (the model's name), level (Int64; missing
        when not judged), max_level (the highest level the data can show), figure (text with
        the numbers), n, rule (how the figure maps to levels), rule_zh / rule_en (the model's
        text of the level reached), not_judged (what the data cannot show). One row per
        (item, window), items in model order.
    """
    ctx = context(dataset, preset)
    working = uses_working_hours(dataset.config, ctx.preset)
    clock = "working hours" if working else "calendar time"
    rows = []
    for w in windows:
        facts = facts_in(dataset, w, ctx)
        rows += [_row(item, w.name, item.judge(facts[item.facts], clock)) for item in ITEMS]
    out = pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
    out["level"] = out["level"].astype("Int64")
    order = {item.label: i for i, item in enumerate(ITEMS)}
    out = out.sort_values("item", key=lambda s: s.map(order), kind="stable")
    return out.reset_index(drop=True)


def _row(item: Item, window: str, j: Judgement) -> dict:
    zh, en = level_text(item.subitem, j.level) if j.level is not None else ("", "")
    not_judged = j.missing or ""
    if j.level is None:
        not_judged = f"not judged: {j.figure}"
    not_judged = "; ".join(
        t for t in (not_judged, f"practice, not in the data: {item.practice}") if t
    )
    return {
        "window": window,
        "item": item.label,
        "item_zh": item.subitem,
        "level": j.level,
        "max_level": item.max_level,
        "figure": j.figure if j.level is not None else "",
        "n": j.n,
        "rule": item.rule,
        "rule_zh": zh,
        "rule_en": en,
        "not_judged": not_judged,
    }


def caict_not_judged() -> pd.DataFrame:
    """The model's items that the exports cannot judge: subdomain, item (Chinese), level 3."""
    items = model_items()
    measured = {item.subitem for item in ITEMS}
    rest = items[~items["subitem"].isin(measured)]
    return pd.DataFrame(
        {
            "area": rest["subdomain"].to_numpy(),
            "item_zh": rest["subitem"].to_numpy(),
            "level_3_zh": [" ".join(str(t).split()) for t in rest["L3"]],
            "reason": "practice, not in the exports",
        }
    )


__all__ = [
    "EVIDENCE_COLUMNS",
    "ITEMS",
    "Window",
    "caict_evidence",
    "caict_not_judged",
    "caict_windows",
]
