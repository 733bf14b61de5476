"""The level rules of the six measurable CAICT continuous-delivery items, one function each.

Each ``level_*`` function takes the item's facts (:mod:`analytics.program.caict_facts`) and the
name of the clock durations are measured on, and returns a :class:`Judgement`: the level the
figures support (None: not judged), the figure in words, its n and what the data cannot show.
The thresholds are our reading of the model's wording; docs/METRICS.md ("CAICT continuous-delivery
evidence") states them.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.program.caict_facts import GATE_WINDOW

#: failure-rate bands of "deployment quality": high above 30 %, low at most 15 % (DORA 2021)
HIGH_FAILURE_RATE, LOW_FAILURE_RATE = 0.30, 0.15
#: share of production deployments that must follow a (passing) test run for level 3
GATED_SHARE = 0.95
GATE_TEXT = f"{GATE_WINDOW.total_seconds() / 3600:g} h"


@dataclass(frozen=True)
class Judgement:
    """A level (None: not judged), its figure and n, and what the data could not show."""

    level: int | None
    figure: str
    n: int
    missing: str = ""


def _hours(h: float) -> str:
    if h < 1:
        return f"{h * 60:.0f} min"
    return f"{h:.1f} h" if h < 48 else f"{h / 24:.1f} days"


def level_rhythm(f: dict, clock: str) -> Judgement:
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


def level_quality(f: dict, clock: str) -> Judgement:
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
        f"within {GATE_TEXT}"
    )
    return Judgement(level, figure, f["n"], missing)


def level_integration(f: dict, clock: str) -> Judgement:
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


def level_recovery(f: dict, clock: str) -> Judgement:
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


def level_execution(f: dict, clock: str) -> Judgement:
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
        f"{GATE_TEXT} before"
    )
    return Judgement(level, figure, f["runs"])


def level_branches(f: dict, clock: str) -> Judgement:
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
