"""Incident -> deployment links: which deployment caused each incident.

The rules (``explicit``, ``previous_deployment`` within a window) are described in
``analytics.metrics.linking`` and docs/METRICS.md ("Linking").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.data.guards import require_columns
from analytics.metrics._keys import (
    asof,
    first_positions,
    instants,
    labels,
    positions,
    shared_codes,
    take_text,
)
from analytics.metrics._link_frames import (
    LINK_METHODS,
    _as_given,
    _deployment_frame,
    _empty,
    _production_rows,
    _text,
    _time,
)

INCIDENT_LINK_COLUMNS = ["incident_id", "deployment_id", "link_method"]


def link_incidents(
    incidents: pd.DataFrame,
    deployments: pd.DataFrame,
    production_environments: Sequence[str] = ("production",),
    window_hours: float | None = 24.0,
    explicit_only: bool = False,
) -> pd.DataFrame:
    """Link each incident to the deployment that caused it.

    ``explicit`` when ``caused_by_deployment_id`` names a known deployment; else
    ``previous_deployment``: the last successful production deployment of the same service that
    finished strictly before ``opened_at`` and at most ``window_hours`` before it (an incident
    exactly ``window_hours`` after a deployment is linked). See docs/METRICS.md ("Linking").

    Parameters
    ----------
    incidents
        Canonical incidents: ``incident_id``, ``opened_at`` (datetime64[ns, UTC]); optional
        ``service``, ``caused_by_deployment_id``.
    deployments
        Canonical deployments: ``deployment_id``, ``service``, ``environment``, ``finished_at``,
        ``status``.
    production_environments
        Environment names that count as production (case-insensitive).
    window_hours
        Longest gap between deployment and incident; ``None`` (or ``math.inf``) for no limit,
        which is Apache DevLake's rule.
    explicit_only
        Only ``caused_by_deployment_id`` links (no ``previous_deployment`` rule), as Four Keys
        links an incident only through the root cause it names.

    Returns
    -------
    DataFrame
        One row per incident, in input order: ``incident_id``, ``deployment_id``, ``link_method``
        (``explicit`` / ``previous_deployment``; missing when unlinked). Incidents without a
        service are linked only explicitly. Inputs are not modified.

    Raises
    ------
    DataValidationError
        When a required column is missing.
    ValueError
        When ``window_hours`` is not positive.
    """
    rows, method, dep = incident_link_rows(
        incidents, deployments, production_environments, window_hours, explicit_only
    )
    if incidents.empty:
        return _empty(INCIDENT_LINK_COLUMNS)
    return pd.DataFrame(
        {
            "incident_id": _as_given(incidents["incident_id"]),  # as given
            "deployment_id": take_text(dep["deployment_id"], rows),
            "link_method": labels(method, LINK_METHODS),
        }
    )


def incident_link_rows(
    incidents: pd.DataFrame,
    deployments: pd.DataFrame,
    production_environments: Sequence[str] = ("production",),
    window_hours: float | None = 24.0,
    explicit_only: bool = False,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """``link_incidents`` as positions: for each incident, the row of ``deployments``
    (positional; the first row with the linked id) or -1, the rule as an index into
    ``LINK_METHODS`` or -1, and the positional deployments frame (see ``change_link_rows``)."""
    require_columns(incidents, ["incident_id", "opened_at"], "incidents")
    dep = _deployment_frame(deployments, production_environments)
    tolerance = _tolerance(window_hours)
    n = len(incidents)
    rows = np.full(n, -1, dtype=np.int64)
    method = np.full(n, -1, dtype=np.int64)
    if incidents.empty:
        return rows, method, dep
    first = first_positions(dep["deployment_id"])
    by_id = np.flatnonzero(first == np.arange(len(dep)))
    named = positions(_text(incidents, "caused_by_deployment_id"), dep["deployment_id"].iloc[by_id])
    explicit = named >= 0
    rows[explicit] = by_id[named[explicit]]
    method[explicit] = LINK_METHODS.index("explicit")
    todo = np.flatnonzero(~explicit)
    if len(todo) and not explicit_only:
        prod = _production_rows(dep)
        dep_code, inc_code = shared_codes(dep["service"], _text(incidents, "service"))
        finished = instants(dep["finished_at"])
        hit = asof(
            inc_code[todo],
            instants(_time(incidents, "opened_at"))[todo],
            dep_code[prod],
            finished[prod],
            direction="backward",
            exact=False,
            tolerance_ns=None if tolerance is None else tolerance.value,
        )
        ok = hit >= 0
        rows[todo[ok]] = first[prod[hit[ok]]]
        method[todo[ok]] = LINK_METHODS.index("previous_deployment")
    return rows, method, dep


def _tolerance(window_hours: float | None) -> pd.Timedelta | None:
    """The merge_asof tolerance for a window in hours; None (or +inf) means no limit."""
    hours = math.inf if window_hours is None else float(window_hours)
    if not hours > 0:
        raise ValueError(f"window_hours must be positive or None, got {window_hours!r}")
    return None if math.isinf(hours) else pd.Timedelta(hours=hours)
