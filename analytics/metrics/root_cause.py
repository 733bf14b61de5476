"""Incidents joined to deployments through their root-cause commit, as Four Keys does.

Four Keys (dora-team/fourkeys ``queries/incidents.sql`` and the change-failure-rate panel of
``dashboard/fourkeys_dashboard.json``) links an incident to every deployment whose change list
holds the incident's root-cause commit, and starts the incident at the earlier of its creation
and the first such deployment. The canonical tables name the causing *deployment*
(``incidents.caused_by_deployment_id``); its ``commit_sha`` is the root-cause commit here (the
deployment id itself when the deployment has no commit). Only successful production
deployments take part, as Four Keys' deployments table holds successful deployments only.
Used by the ``fourkeys`` preset (``incident_key="commit"``, ``restore_start=
"root_cause_or_opened"``); docs/METRICS.md ("Presets").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.metrics._link_frames import _production_rows
from analytics.metrics.incident_links import incident_link_rows

ROOT_CAUSE_COLUMNS = ["incident", "deployment", "finished_at"]


def root_cause_deployments(
    incidents: pd.DataFrame,
    deployments: pd.DataFrame,
    production_environments: Sequence[str] = ("production",),
) -> pd.DataFrame:
    """Every (incident, deployment) pair joined through the incident's root-cause commit.

    Parameters
    ----------
    incidents
        ``incident_id``, ``opened_at``; optional ``caused_by_deployment_id``.
    deployments
        ``deployment_id``, ``service``, ``environment``, ``finished_at``, ``status``; optional
        ``commit_sha``.
    production_environments
        Environment names that count as production (case-insensitive).

    Returns
    -------
    DataFrame
        ``incident`` and ``deployment`` (row positions in ``incidents`` and ``deployments``)
        and the deployment's ``finished_at``: one row per successful production deployment of
        the commit that the incident's named deployment shipped. Incidents that name no known
        deployment have no row.

    Examples
    --------
    >>> import pandas as pd
    >>> t = lambda s: pd.Timestamp(s, tz="UTC")
    >>> deps = pd.DataFrame({"deployment_id": ["d1", "d2"], "service": ["api", "api"],
    ...     "environment": ["production"] * 2, "status": ["success"] * 2,
    ...     "finished_at": [t("2021-03-01 10:00"), t("2021-03-09 10:00")],
    ...     "commit_sha": ["abc", "abc"]})  # d2 rolls back to d1's commit
    >>> inc = pd.DataFrame({"incident_id": ["i1"], "opened_at": [t("2021-03-02 10:00")],
    ...     "caused_by_deployment_id": ["d1"]})
    >>> root_cause_deployments(inc, deps)["deployment"].tolist()
    [0, 1]
    """
    rows, _, dep = incident_link_rows(
        incidents, deployments, production_environments, None, explicit_only=True
    )
    key = dep["commit_sha"].fillna(dep["deployment_id"])
    named = np.flatnonzero(rows >= 0)
    wanted = pd.DataFrame({"incident": named, "key": key.to_numpy(object)[rows[named]]})
    prod = _production_rows(dep)
    good = pd.DataFrame(
        {
            "deployment": prod,
            "key": key.to_numpy(object)[prod],
            "finished_at": dep["finished_at"].iloc[prod].reset_index(drop=True),
        }
    )
    pairs = wanted.merge(good, on="key", how="inner")
    pairs = pairs.sort_values(["incident", "deployment"], kind="stable")
    return pairs[ROOT_CAUSE_COLUMNS].reset_index(drop=True)


def incidents_per_deployment(
    incidents: pd.DataFrame,
    deployments: pd.DataFrame,
    production_environments: Sequence[str] = ("production",),
) -> np.ndarray:
    """Per row of ``deployments``, how many incidents have it among their root-cause
    deployments (``root_cause_deployments``); int64."""
    pairs = root_cause_deployments(incidents, deployments, production_environments)
    return np.bincount(pairs["deployment"], minlength=len(deployments)).astype("int64")


def root_cause_start(
    incidents: pd.DataFrame,
    deployments: pd.DataFrame,
    production_environments: Sequence[str] = ("production",),
) -> pd.Series:
    """The earlier of ``opened_at`` and the first root-cause deployment's ``finished_at``
    (Four Keys' incident ``time_created``), aligned with ``incidents.index``."""
    pairs = root_cause_deployments(incidents, deployments, production_environments)
    opened = incidents["opened_at"]
    first = pairs.groupby("incident")["finished_at"].min()
    root = pd.Series(pd.NaT, index=range(len(incidents)), dtype=opened.dtype)
    if len(first):
        root.iloc[first.index.to_numpy()] = first.to_numpy()
    root.index = incidents.index
    return root.where(root < opened, opened)
