"""Shared pieces of the linking rules: link methods, column readers, and the
positional working copy of ``deployments`` that change and incident links point into.

Private to ``analytics.metrics.linking``, ``change_links`` and ``incident_links``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.data.arrowtext import is_trimmed_text
from analytics.data.guards import require_columns
from analytics.data.schema import UTC_NS
from analytics.metrics._keys import instants

LINK_METHODS = ("explicit", "ancestry", "service_time", "previous_deployment")
DEPLOYMENT_COLUMNS = ["deployment_id", "service", "environment", "finished_at", "status"]


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    """Column as ``str`` with blanks as missing, positionally indexed; all-missing when absent."""
    return _clean_text(frame, col)[0]


def _clean_text(frame: pd.DataFrame, col: str) -> tuple[pd.Series, bool]:
    """``_text``, and whether the column already was that text (nothing stripped or blanked)."""
    if col not in frame.columns:
        return pd.Series([pd.NA] * len(frame), dtype="str"), False
    s = frame[col].reset_index(drop=True)
    if is_trimmed_text(s):  # nothing to strip or blank out
        return s, True
    s = s.astype("str").str.strip()
    return s.mask(s == ""), False


def _time(frame: pd.DataFrame, col: str) -> pd.Series:
    """Column as UTC nanosecond timestamps, positionally indexed; all-NaT when absent."""
    if col not in frame.columns:
        return pd.Series(pd.NaT, index=range(len(frame)), dtype=UTC_NS)
    s = frame[col].reset_index(drop=True)
    return pd.to_datetime(s, utc=True, format="mixed").astype(UTC_NS)


def _good_production(
    deployments: pd.DataFrame, production_environments: Sequence[str]
) -> pd.Series:
    """Positional mask of successful deployments to a production environment."""
    envs = {str(e).strip().lower() for e in production_environments}
    env = _text(deployments, "environment").str.lower()
    status = _text(deployments, "status").str.lower()
    return (env.isin(envs) & (status == "success")).fillna(False).astype(bool)


def _deployment_frame(
    deployments: pd.DataFrame, production_environments: Sequence[str]
) -> pd.DataFrame:
    """A positional working copy: id, service, finished_at, commit_sha, good (successful
    production)."""
    require_columns(deployments, DEPLOYMENT_COLUMNS, "deployments")
    return pd.DataFrame(
        {
            "deployment_id": _text(deployments, "deployment_id"),
            "service": _text(deployments, "service"),
            "finished_at": _time(deployments, "finished_at"),
            "commit_sha": _text(deployments, "commit_sha"),
            "good": _good_production(deployments, production_environments),
        }
    )


def _production_sequence(dep: pd.DataFrame) -> pd.DataFrame:
    """Successful production deployments with a service and a finish time, in finish order."""
    return dep.iloc[_production_rows(dep)][
        ["deployment_id", "service", "finished_at", "commit_sha"]
    ]


def _production_rows(dep: pd.DataFrame) -> np.ndarray:
    """Positions of ``_production_sequence``'s rows in ``dep``, in that order."""
    keep = (
        dep["good"]
        & dep["service"].notna()
        & dep["finished_at"].notna()
        & dep["deployment_id"].notna()
    ).to_numpy()
    rows = np.flatnonzero(keep)
    return rows[np.argsort(instants(dep["finished_at"])[rows], kind="stable")]


def _empty(columns: Sequence[str], times: Sequence[str] = ()) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=UTC_NS if c in times else "str") for c in columns})


def _as_given(column: pd.Series) -> pd.Series | np.ndarray:
    """An id column for the output exactly as ``column.to_numpy()`` would give it, without
    turning millions of ``str`` values into Python objects first."""
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.na_value is not pd.NA:
        return column.reset_index(drop=True)
    return column.to_numpy()
