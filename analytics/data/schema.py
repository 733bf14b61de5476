"""The canonical tables: columns, types, allowed values (the data contract).

The contract is written once, as data (``TABLES``); the loader coerces to it and the pandera
schema built from it (``analytics.data.validate.pandera_schema``), the single source of truth for
ranges and allowed values, checks the result and turns its failure cases into one-line errors.
data/README.md documents the same columns for people; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.catalog import SEVERITIES

STATUSES = ("success", "failed", "rolled_back", "cancelled")
KINDS = ("regular", "hotfix", "rollback")
SUITES = ("unit", "integration", "e2e")

#: Spellings seen in real exports, mapped to the canonical value (keys are lower-case).
STATUS_ALIASES = {
    "succeeded": "success",
    "successful": "success",
    "ok": "success",
    "passed": "success",
    "done": "success",
    "completed": "success",
    "deployed": "success",
    "failure": "failed",
    "fail": "failed",
    "error": "failed",
    "errored": "failed",
    "rollback": "rolled_back",
    "rolled back": "rolled_back",
    "rolledback": "rolled_back",
    "rolled-back": "rolled_back",
    "reverted": "rolled_back",
    "canceled": "cancelled",
    "aborted": "cancelled",
    "skipped": "cancelled",
}
KIND_ALIASES = {
    "normal": "regular",
    "standard": "regular",
    "hot-fix": "hotfix",
    "hot fix": "hotfix",
    "roll-back": "rollback",
    "roll back": "rollback",
}
SUITE_ALIASES = {
    "unittest": "unit",
    "unit-test": "unit",
    "unit test": "unit",
    "end-to-end": "e2e",
    "end to end": "e2e",
    "it": "integration",
}


@dataclass(frozen=True)
class Column:
    """One column of the contract.

    kind is one of ``id``, ``text``, ``timestamp``, ``count`` (non-negative integer),
    ``share`` (a number in 0..1) or ``enum`` (``values`` lists what is allowed).
    """

    name: str
    kind: str
    required: bool
    description: str
    example: str
    values: tuple[str, ...] = ()
    default: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    id_column: str
    time_column: str
    columns: tuple[Column, ...]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


TABLES: dict[str, Table] = {
    "deployments": Table(
        "deployments",
        "deployment_id",
        "finished_at",
        (
            Column("deployment_id", "id", True, "Unique id of the deployment", "dep-000123"),
            Column("service", "text", True, "Service (or repository) deployed", "credit-scoring"),
            Column(
                "environment",
                "text",
                True,
                "Target environment; which count as production is set in program.yml",
                "production",
            ),
            Column(
                "finished_at",
                "timestamp",
                True,
                "When the deployment finished",
                "2021-09-06T10:42:00+08:00",
            ),
            Column("status", "enum", True, "Outcome", "success", STATUSES),
            Column(
                "started_at",
                "timestamp",
                False,
                "When the deployment started",
                "2021-09-06T10:31:00+08:00",
            ),
            Column("commit_sha", "text", False, "Commit deployed", "9f2c1e7"),
            Column("version", "text", False, "Version or tag deployed", "v2.14.0"),
            Column(
                "kind",
                "enum",
                False,
                "regular, or unplanned work: hotfix / rollback",
                "regular",
                KINDS,
                "regular",
            ),
        ),
    ),
    "changes": Table(
        "changes",
        "change_id",
        "committed_at",
        (
            Column(
                "change_id",
                "id",
                True,
                "Unique id of the change (commit or pull request)",
                "chg-004512",
            ),
            Column("service", "text", True, "Service the change belongs to", "credit-scoring"),
            Column(
                "committed_at",
                "timestamp",
                True,
                "When the change was committed",
                "2021-09-03T16:05:00+08:00",
            ),
            Column(
                "authored_at",
                "timestamp",
                False,
                "When the change was first written",
                "2021-09-03T11:20:00+08:00",
            ),
            Column(
                "pr_opened_at",
                "timestamp",
                False,
                "When its pull/merge request was opened",
                "2021-09-03T16:30:00+08:00",
            ),
            Column(
                "merged_at",
                "timestamp",
                False,
                "When it was merged to the main line",
                "2021-09-04T09:12:00+08:00",
            ),
            Column(
                "deployment_id",
                "id",
                False,
                "The production deployment that shipped it, when the export says so",
                "dep-000123",
            ),
            Column("commit_sha", "text", False, "Commit of the change", "3b9d0aa"),
            Column(
                "author",
                "text",
                False,
                "Who wrote it (login or e-mail); gives integrations per developer",
                "mei-lin",
            ),
        ),
    ),
    "incidents": Table(
        "incidents",
        "incident_id",
        "opened_at",
        (
            Column("incident_id", "id", True, "Unique id of the incident", "inc-0042"),
            Column(
                "severity",
                "enum",
                True,
                "critical/high/medium/low after program.yml severity_map (P1, SEV1 ...)",
                "critical",
                SEVERITIES,
            ),
            Column(
                "opened_at",
                "timestamp",
                True,
                "When the incident was declared",
                "2021-09-07T02:14:00+08:00",
            ),
            Column(
                "resolved_at",
                "timestamp",
                False,
                "When service was restored; empty = still open",
                "2021-09-07T02:51:00+08:00",
            ),
            Column(
                "impact_started_at",
                "timestamp",
                False,
                "When impact began, if earlier than opened_at",
                "2021-09-07T02:05:00+08:00",
            ),
            Column("service", "text", False, "Affected service", "payment-gateway"),
            Column(
                "caused_by_deployment_id",
                "id",
                False,
                "Deployment that caused it, when known",
                "dep-000123",
            ),
            Column(
                "title",
                "text",
                False,
                "Short description (shown escaped in reports)",
                "Repayment callbacks time out",
            ),
        ),
    ),
    "test_runs": Table(
        "test_runs",
        "run_id",
        "finished_at",
        (
            Column("run_id", "id", True, "Unique id of the test run", "run-0099812"),
            Column("service", "text", True, "Service tested", "credit-scoring"),
            Column(
                "finished_at",
                "timestamp",
                True,
                "When the run finished",
                "2021-09-06T10:20:00+08:00",
            ),
            Column("tests_passed", "count", True, "Tests passed", "1824"),
            Column("tests_failed", "count", True, "Tests failed (errors included)", "0"),
            Column(
                "tests_skipped", "count", False, "Tests skipped (excluded from pass rate)", "12"
            ),
            Column(
                "suite",
                "enum",
                False,
                "unit, integration or e2e; empty means unit",
                "unit",
                SUITES,
                "unit",
            ),
            Column("coverage", "share", False, "Line coverage of the run, 0..1", "0.9731"),
            Column("environment", "text", False, "Where the run happened", "ci"),
        ),
    ),
}

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)

#: the dtype of every timestamp once loaded
UTC_NS = "datetime64[ns, UTC]"


def empty_table(table: str) -> pd.DataFrame:
    """A zero-row frame with the table's columns and dtypes (for absent tables)."""
    out = {}
    for c in TABLES[table].columns:
        if c.kind == "timestamp":
            out[c.name] = pd.Series([], dtype=UTC_NS)
        elif c.kind == "count":
            out[c.name] = pd.Series([], dtype="Int64")
        elif c.kind == "share":
            out[c.name] = pd.Series([], dtype="float64")
        else:
            out[c.name] = pd.Series([], dtype="str")
    return pd.DataFrame(out)
