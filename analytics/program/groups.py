"""Metrics, targets and program impact per service, team or department.

Each group is the dataset cut to the group's services (``Dataset.filter_services``) and
judged by the same functions as the whole program (``metric_table``, ``program_impact``,
``scorecard``): one estimator, applied per group. Teams and departments come from
program.yml ``teams`` (analytics/config/teams.py); services that no team names form the group
``"(no team)"``.

The by-group impact table re-adjusts the p-values with Holm's method across *all* its rows
(groups x metrics): naming the teams that improved is one family of comparisons, and a
team's row must not look stronger because there are many teams.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from analytics.catalog import METRICS
from analytics.config import ProgramConfig
from analytics.config.teams import team_groups
from analytics.data.dataset import Dataset
from analytics.exceptions import ConfigError
from analytics.metrics import metric_table
from analytics.program.impact import ALPHA, IMPACT_COLUMNS, compared, points_better, program_impact
from analytics.program.scorecard import scorecard
from analytics.stats.compare import DEFAULT_SEED, holm

GROUPINGS = ("service", "team", "department")
#: what a group's change is called (the by-team page and the digest use these words)
IMPROVED, WORSENED, NO_EVIDENCE, NO_DATA = "improved", "worsened", "no clear change", "no data"


def groups(dataset: Dataset, by: str) -> dict[str, tuple[str, ...]]:
    """``{group: services}`` for ``by`` = ``"service"``, ``"team"`` or ``"department"``.

    Raises
    ------
    ConfigError
        for ``team`` or ``department`` when program.yml has no ``teams``.

    Examples
    --------
    >>> import analytics
    >>> ds = analytics.Dataset.from_tables({})
    >>> groups(ds, "service")
    {}
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}, got {by!r}")
    services = dataset.service_names()
    if by == "service":
        return {s: (s,) for s in services}
    config = dataset.config
    if not config.teams:
        raise ConfigError(
            f"{config.source or 'program.yml'}: key 'teams': needed for a view by {by} "
            "(map each team to its services, see data/README.md)"
        )
    by_team = team_groups(config.teams, services)
    if by == "team":
        return by_team
    out: dict[str, tuple[str, ...]] = {}
    department = {t.name: t.department or t.name for t in config.teams}
    for team, members in by_team.items():
        name = department.get(team, team)
        out[name] = out.get(name, ()) + members
    return out


def metric_table_by(
    dataset: Dataset, by: str, *, freq: str = "month", preset: str | None = None
) -> pd.DataFrame:
    """``metric_table`` of each group, stacked, with the group in a first column named ``by``.

    The ``service`` column keeps ``"all"`` (all services of the group together).
    """
    frames = [
        metric_table(dataset.filter_services(list(members)), freq=freq, preset=preset).assign(
            **{by: name}
        )
        for name, members in groups(dataset, by).items()
    ]
    if not frames:
        return metric_table(dataset, freq=freq, preset=preset).assign(**{by: ""}).iloc[0:0]
    out = pd.concat(frames, ignore_index=True)
    return out[[by] + [c for c in out.columns if c != by]]


def scorecard_by(
    dataset: Dataset, by: str, period_start: pd.Timestamp, *, preset: str | None = None
) -> pd.DataFrame:
    """The program's targets judged on each group's value of one month (a first column ``by``).

    Every target is judged on the group's overall value (a coverage target for "every
    service" is then judged on the group's mean: use ``by="service"`` for each service).
    Targets on counts (releases a month, deployments a day) are left out: they are set for
    the whole program, and a team's share of them says nothing about the target.
    """
    config = dataset.config
    frames = []
    for name, members in groups(dataset, by).items():
        monthly = metric_table(dataset.filter_services(list(members)), freq="month", preset=preset)
        card = scorecard(monthly, _overall_targets(config), period_start=period_start)
        frames.append(card.assign(**{by: name}))
    if not frames:
        return pd.DataFrame(columns=[by])
    out = pd.concat(frames, ignore_index=True)
    return out[[by] + [c for c in out.columns if c != by]]


def _overall_targets(config: ProgramConfig) -> ProgramConfig:
    kept = tuple(
        replace(t, applies_to="overall")
        for t in config.targets
        if METRICS[t.metric].kind != "count"
    )
    return replace(config, targets=kept)


def impact_by(
    dataset: Dataset,
    by: str,
    *,
    preset: str | None = None,
    alpha: float = ALPHA,
    seed: int = DEFAULT_SEED,
    n_boot: int = 2000,
) -> pd.DataFrame:
    """``program_impact`` of each group, one row per (group, metric), with a ``status``.

    Returns
    -------
    DataFrame
        a first column ``by``, then ``IMPACT_COLUMNS`` with ``p_adjusted`` and ``improved``
        recomputed across every row (Holm), then ``status``: ``"improved"``, ``"worsened"``
        (the effect points the bad way with adjusted p < alpha), ``"no clear change"`` or
        ``"no data"`` (a side without observations), and ``services`` (how many).

    Examples
    --------
    >>> import analytics
    >>> impact_by(analytics.Dataset.from_tables({}), "service").empty
    True
    """
    frames = []
    for name, members in groups(dataset, by).items():
        table = program_impact(
            dataset.filter_services(list(members)), preset=preset, seed=seed, n_boot=n_boot
        )
        frames.append(table.assign(**{by: name, "services": len(members)}))
    if not frames:
        return pd.DataFrame(columns=[by, *IMPACT_COLUMNS, "status", "services"])
    out = pd.concat(frames, ignore_index=True)
    out["p_adjusted"] = holm(out["p_value"].astype(float))
    out["status"] = [status(row, alpha) for row in out.itertuples()]
    out["improved"] = out["status"] == IMPROVED
    return out[[by, *IMPACT_COLUMNS, "status", "services"]]


def status(row, alpha: float = ALPHA) -> str:
    """``improved`` / ``worsened`` / ``no clear change`` / ``no data`` for one impact row
    (a namedtuple or Series with metric, effect, effect_kind, baseline, after, p_adjusted,
    n_before, n_after)."""
    if not compared(row):
        return NO_DATA
    better = points_better(
        row.metric, float(row.effect), row.effect_kind, float(row.baseline), float(row.after)
    )
    p = float(row.p_adjusted)
    if better is None or np.isnan(p) or not p < alpha:
        return NO_EVIDENCE
    return IMPROVED if better else WORSENED
