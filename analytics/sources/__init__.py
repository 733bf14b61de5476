"""Adapters: tool exports -> canonical tables, one module per export format.

Every adapter has the same small interface::

    read(paths: list[Path], options: SourceOptions) -> (dict[table, DataFrame], QualityLog)

It only reads the files it is given (a local git repository is read with ``git``, read-only),
returns typed canonical tables (validated with ``analytics.data.coerce.coerce_table``) and a quality
log of every repair, drop and note. Bad input raises ``DataValidationError`` naming the file and
the line, record or field. docs/adapters.md gives, per tool, the export command and field mapping.

Examples
--------
>>> sorted(ADAPTERS)[:3]
['coverage', 'csv', 'git']
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from analytics.data.dataset import QualityLog
from analytics.exceptions import DataValidationError
from analytics.sources._common import SourceOptions

#: tool name -> (module, one-line description)
ADAPTERS: dict[str, tuple[str, str]] = {
    "git": (
        "git",
        "local repository, or tags.csv + commits.csv: releases from tags, commits as changes",
    ),
    "github": ("github", "REST JSON: deployments with statuses, pull requests"),
    "gitlab": ("gitlab", "REST JSON: deployments, merge requests"),
    "jenkins": ("jenkins", "builds JSON of deploy jobs (api/json?tree=builds[...])"),
    "pagerduty": ("pagerduty", "incidents CSV export"),
    "jira": ("jira", "issues CSV export (incidents), localised dates"),
    "statuspage": ("statuspage", "incidents JSON (/api/v2/incidents.json)"),
    "junit": ("junit", "JUnit XML reports -> test runs"),
    "coverage": ("coverage", "Cobertura (coverage xml) or JaCoCo XML -> coverage of a run"),
    "csv": ("csv_mapping", "any CSV, with a YAML mapping (--mapping)"),
}

__all__ = ["ADAPTERS", "SourceOptions", "read"]


def read(
    tool: str, paths: Sequence[str | Path], options: SourceOptions | None = None
) -> tuple[dict[str, pd.DataFrame], QualityLog]:
    """Read ``paths`` with the adapter for ``tool``.

    Parameters
    ----------
    tool
        One of ``ADAPTERS``.
    paths
        Input files (or a folder / repository, where the adapter accepts one).
    options
        Service name, mapping file, tag pattern, program config (time zone for naive times).

    Returns
    -------
    tables, log
        Canonical, typed tables (only those the export feeds) and the quality log.

    Raises
    ------
    DataValidationError
        For an unknown tool, a missing file, or an export that cannot be read.
    """
    if tool not in ADAPTERS:
        raise DataValidationError(f"unknown tool {tool!r} (known: {', '.join(ADAPTERS)})")
    if not paths:
        raise DataValidationError(f"{tool}: no input files given")
    given = [Path(p) for p in paths]
    for p in given:
        if not p.exists():
            raise DataValidationError("no such file or folder", file=str(p))
    module = importlib.import_module(f"analytics.sources.{ADAPTERS[tool][0]}")
    return module.read(given, options or SourceOptions())
