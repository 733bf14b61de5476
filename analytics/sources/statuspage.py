"""Atlassian Statuspage: the public incidents JSON (``https://<page>/api/v2/incidents.json``).

(The Manage API's ``GET https://api.statuspage.io/v1/pages/{page_id}/incidents``, a bare list of
the same incident objects, is read too; name the service with ``--service``.)

An object with ``page`` (``name``, ``time_zone``) and ``incidents``: each with ``id``, ``name``,
``status`` (investigating / identified / monitoring / resolved / postmortem), ``impact``
(none / minor / major / critical), ``created_at``, ``started_at``, ``resolved_at``,
``incident_updates`` and ``components``. Timestamps carry the page's offset.

* severity: critical -> critical, major -> high, minor -> medium, none -> low;
* opened_at = ``created_at``; impact_started_at = ``started_at`` when over a minute earlier;
* resolved_at = ``resolved_at``; when a resolved / postmortem incident has none, the time of its
  ``resolved`` update is used (repaired), else it is dropped; unresolved incidents stay open;
* service = ``--service``, else the page name (components are listed in the title's log only).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analytics.data.dataset import QualityLog
from analytics.exceptions import DataValidationError
from analytics.sources._common import SourceOptions, Tally, field_of, finish, raw_frame, read_json

IMPACT = {
    "critical": "critical",
    "major": "high",
    "minor": "medium",
    "none": "low",
    "maintenance": "low",
}
CLOSED = {"resolved", "postmortem", "completed"}


def read(paths: list[Path], options: SourceOptions) -> tuple[dict[str, pd.DataFrame], QualityLog]:
    """Incidents of one or more status pages."""
    log, tally = QualityLog(), Tally()
    records: list[dict] = []
    index: list[int] = []
    for path in paths:
        for doc in _documents(path):
            if isinstance(doc, list):  # the Manage API (api.statuspage.io/v1/pages/{id}/incidents)
                doc = {"page": {}, "incidents": doc}
            if not isinstance(doc, dict) or not isinstance(doc.get("incidents"), list):
                raise DataValidationError(
                    "not a Statuspage incidents export (expected an object with "
                    "'incidents', from /api/v2/incidents.json)",
                    file=str(path),
                    column="incidents",
                )
            page = field_of(doc, "page.name")
            for n, inc in enumerate(doc["incidents"]):
                rec = _incident(inc, n, path, options.service or page, tally)
                if rec:
                    records.append(rec)
                    index.append(len(index) + 1)
    tally.flush(log)
    frame = raw_frame(records, "incidents", index)
    if len(frame) and frame["service"].isna().any():
        log.add(
            "incidents",
            "no page name: service named 'statuspage' (use --service)",
            "noted",
            int(frame["service"].isna().sum()),
        )
        frame["service"] = frame["service"].fillna("statuspage")
    return finish({"incidents": frame}, options, log, {"incidents": str(paths[0])}), log


def _incident(inc: dict, n: int, path: Path, service: str | None, tally: Tally) -> dict | None:
    for key in ("id", "created_at"):
        if not isinstance(inc, dict) or not inc.get(key):
            raise DataValidationError(
                f"incidents[{n}] has no '{key}'", file=str(path), rows=[n + 1], column=key
            )
    inc_id = f"statuspage:{inc['id']}"
    impact = str(inc.get("impact") or "none").lower()
    if impact not in IMPACT:
        raise DataValidationError(
            f"incidents[{n}] has unknown impact {impact!r}",
            file=str(path),
            rows=[n + 1],
            column="impact",
        )
    resolved = inc.get("resolved_at")
    status = str(inc.get("status") or "").lower()
    if not resolved and status in CLOSED:
        updates = [
            u
            for u in inc.get("incident_updates") or []
            if isinstance(u, dict) and u.get("status") == "resolved" and u.get("created_at")
        ]
        if updates:
            resolved = min(u["created_at"] for u in updates)
            tally.add(
                "incidents",
                "resolved without resolved_at: time of the 'resolved' update used",
                "repaired",
                inc_id,
            )
        else:
            tally.add(
                "incidents",
                "marked resolved but with no resolution time at all: dropped",
                "dropped",
                inc_id,
            )
            return None
    elif not resolved:
        tally.add("incidents", "not resolved yet: kept as still open", "noted", inc_id)
    started = inc.get("started_at")
    if started and not _before(started, inc["created_at"], slack_s=60):
        started = None  # the same moment (Statuspage stamps them milliseconds apart)
    if resolved and _before(resolved, inc["created_at"]):
        tally.add(
            "incidents",
            "resolved before it was posted (back-filled): resolved_at set to created_at",
            "repaired",
            inc_id,
        )
        resolved = inc["created_at"]
    if impact == "none":
        tally.add("incidents", "impact 'none' read as severity low", "repaired", inc_id)
    components = [
        str(c["name"]) for c in inc.get("components") or [] if isinstance(c, dict) and c.get("name")
    ]
    title = str(inc.get("name") or "")
    if components:
        title = f"{title} [{', '.join(components)}]"
    return {
        "incident_id": inc_id,
        "severity": IMPACT[impact],
        "opened_at": inc["created_at"],
        "resolved_at": resolved,
        "impact_started_at": started,
        "service": service,
        "title": title,
    }


def _before(a: str, b: str, slack_s: float = 0) -> bool:
    """True when timestamp text ``a`` is more than ``slack_s`` seconds before ``b`` (False if
    unreadable)."""
    try:
        return pd.Timestamp(a) < pd.Timestamp(b) - pd.Timedelta(seconds=slack_s)
    except (ValueError, TypeError):
        return False


def _documents(path: Path) -> list:
    """``read_json``, with the way out when the file is a CSV (a status-page dataset)."""
    try:
        return read_json(path)
    except DataValidationError as err:
        if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
            raise
        raise DataValidationError(
            f"{err.reason}; this looks like a CSV file, not a Statuspage JSON export: import it "
            "with 'import csv --mapping FILE' (see 'import --help')",
            file=err.file,
        ) from None
