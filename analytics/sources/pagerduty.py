"""PagerDuty: the incidents CSV export.

Columns read (Analytics / Insights > Incidents > "Download CSV"; the REST list flattened by the
script in docs/adapters.md gives the ``created_at`` / ``resolved_at`` spellings):

=====================  ==========================================  ==========================
canonical              PagerDuty column (first present)            notes
=====================  ==========================================  ==========================
incident_id            ``id``, ``incident_number``                 prefixed ``pagerduty:``
opened_at              ``created_on``, ``created_at``              ISO 8601 with offset
resolved_at            ``resolved_on``, ``resolved_at``            empty = still open (kept)
severity               ``priority_name`` / ``priority`` (P1..P5),  P1 critical, P2 high,
                       else ``urgency`` (high / low)               P3 medium, P4-P5 low
service                ``service_name``
title                  ``description``, ``title``, ``summary``
=====================  ==========================================  ==========================

A ``--mapping`` file (csv_mapping format, table ``incidents``) adds or overrides entries.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analytics.data.dataset import QualityLog
from analytics.sources._common import SourceOptions, finish, read_csv
from analytics.sources.csv_mapping import Mapping, apply_mapping, load_mapping, source_column

PRIORITY = {
    "p1": "critical",
    "sev1": "critical",
    "p2": "high",
    "sev2": "high",
    "p3": "medium",
    "sev3": "medium",
    "p4": "low",
    "sev4": "low",
    "p5": "low",
    "sev5": "low",
    "high": "high",
    "low": "low",
}
DEFAULT = Mapping(
    table="incidents",
    columns={
        "incident_id": ("id", "incident_number", "Incident ID"),
        "opened_at": ("created_on", "created_at", "Created At"),
        "resolved_at": ("resolved_on", "resolved_at", "Resolved At"),
        "severity": ("__severity",),
        "service": ("service_name", "Service Name", "service"),
        "title": ("description", "title", "summary", "Title"),
    },
    values={"severity": PRIORITY},
)


def read(paths: list[Path], options: SourceOptions) -> tuple[dict[str, pd.DataFrame], QualityLog]:
    """Incidents; open ones (no resolved time) are kept and counted as open."""
    mapping = DEFAULT.merged(
        load_mapping(options.mapping, "incidents") if options.mapping else None
    )
    log = QualityLog()
    frames = []
    for path in paths:
        frame = read_csv(path)
        frame["__severity"] = _severity(frame, log)
        raw = apply_mapping(frame, mapping, path, options, log)
        raw["incident_id"] = "pagerduty:" + raw["incident_id"].astype("str")
        if options.service:
            raw["service"] = options.service
        if "resolved_at" in raw:
            still_open = raw["resolved_at"].isna()
            log.add(
                "incidents",
                "still open (no resolved_on): kept, time to restore censored",
                "noted",
                int(still_open.sum()),
                raw.loc[still_open, "incident_id"],
            )
        frames.append(raw)
    raw = pd.concat(frames) if len(frames) > 1 else frames[0]
    return finish({"incidents": raw}, options, log, {"incidents": str(paths[0])}), log


def _severity(frame: pd.DataFrame, log: QualityLog) -> pd.Series:
    """Priority when set (P1..P5), else urgency; logged when urgency had to stand in."""
    prio_col = source_column(frame, ("priority_name", "priority", "Priority"))
    urg_col = source_column(frame, ("urgency", "Urgency"))
    prio = frame[prio_col] if prio_col else pd.Series(pd.NA, index=frame.index, dtype="str")
    urg = frame[urg_col] if urg_col else pd.Series(pd.NA, index=frame.index, dtype="str")
    fallback = prio.isna() & urg.notna()
    log.add(
        "incidents",
        "no priority: severity from urgency (high -> high, low -> low)",
        "repaired",
        int(fallback.sum()),
        frame.index[fallback],
    )
    return prio.fillna(urg)
