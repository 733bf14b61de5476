"""CAICT continuous-delivery evidence: which level of each measurable item the data supports.

The CAICT DevOps capability maturity model (continuous delivery, ``caict_model``) is mostly
about practice; six of its items carry a figure the exports hold. For each of them and each
window (the month, each program phase) ``caict_evidence`` gives the level (1-5) the figure
supports, the figure and its n, the rule applied, the model's text of that level in Chinese
with the English restatement, and what the data cannot show. ``caict_not_judged`` lists the
other items. Rules: docs/METRICS.md ("CAICT continuous-delivery evidence"); they are written
once, in :mod:`analytics.program.caict_rules`.
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
from analytics.program.caict_facts import Window, context, facts_in
from analytics.program.caict_model import level_text, model_items
from analytics.program.caict_rules import (
    GATE_TEXT,
    GATED_SHARE,
    Judgement,
    level_branches,
    level_execution,
    level_integration,
    level_quality,
    level_recovery,
    level_rhythm,
)

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


ITEMS: tuple[Item, ...] = (
    Item(
        "deployment_strategy",
        "Deployment strategy / frequency",
        "部署策略",
        "deployment_rhythm",
        level_rhythm,
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
        level_quality,
        "failure rate (change failure rate of the month's definitions) high above 30%, medium "
        "above 15%, low at most 15%; L1: high, or no rollback ever seen; L2: a rollback seen "
        f"and the rate medium or low; L3: low, and at least {GATED_SHARE:.0%} of successful "
        f"production deployments followed a passing test run of their service within {GATE_TEXT}",
        3,
        "change-scope and test reports per deployment (L3), monitoring with automatic "
        "degrade/rollback (L4); L5 needs L4",
    ),
    Item(
        "integration_frequency",
        "Integration frequency",
        "集成频率",
        "integration",
        level_integration,
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
        level_recovery,
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
        level_execution,
        "L1: under one run per service a week (0.2 per working day); L2: at least weekly; "
        "L3: code-level (unit) and service-level (integration) suites ran, and at least "
        f"{GATED_SHARE:.0%} of successful production deployments had a run of their service "
        f"within {GATE_TEXT} before (triggered by the pipeline)",
        3,
        "whether UI tests are automated (L2), a test platform linked to requirements and "
        "changes (L4), continuous optimisation (L5)",
    ),
    Item(
        "branch_management",
        "Branch management",
        "分支管理",
        "branch_life",
        level_branches,
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
