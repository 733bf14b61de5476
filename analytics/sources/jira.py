"""Jira: the issues CSV export (Filters > search for the incident issues > Export > CSV).

Columns read (first present; a ``--mapping`` file in csv_mapping format, table ``incidents``,
adds or overrides them, e.g. ``severity: "Custom field (Severity)"`` or a ``service`` column):

* incident_id <- ``Issue key``; title <- ``Summary``
* opened_at <- ``Created``; resolved_at <- ``Resolved`` (empty = still open)
* severity <- ``Priority`` (Highest critical, High high, Medium medium, Low / Lowest low; also
  P1..P4 and Blocker / Critical / Major / Minor / Trivial)
* service <- ``Component/s`` (the first one: Jira repeats the header once per component), else
  ``Project name``

Jira writes dates in the exporting user's date format and language, without a time zone:
``05/Mar/24 2:17 PM`` (English), ``05/Mär/24 2:17 PM`` (German), ``05/mars/24 14:17`` (French) ...
They are read with localised month names (en, de, fr, es, it, pt, nl) and in the mapping's
``timestamps.timezone`` (default: program.yml's); ``timestamps.format`` forces a strftime format.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.data.dataset import QualityLog
from analytics.data.schema import UTC_NS
from analytics.exceptions import DataValidationError
from analytics.sources._common import SourceOptions, finish, read_csv
from analytics.sources.csv_mapping import Mapping, apply_mapping, load_mapping

PRIORITY = {
    "highest": "critical",
    "blocker": "critical",
    "critical": "critical",
    "p1": "critical",
    "high": "high",
    "major": "high",
    "p2": "high",
    "medium": "medium",
    "p3": "medium",
    "low": "low",
    "lowest": "low",
    "minor": "low",
    "trivial": "low",
    "p4": "low",
    "p5": "low",
}
DEFAULT = Mapping(
    table="incidents",
    columns={
        "incident_id": ("Issue key",),
        "title": ("Summary",),
        "opened_at": ("Created",),
        "resolved_at": ("Resolved",),
        "severity": ("Priority",),
        "service": ("__service",),
    },
    values={"severity": PRIORITY},
)
#: Month abbreviations as Java's localised ``MMM`` prints them -> month number.
_MONTHS: dict[str, int] = {}
for _names in (
    "jan feb mar apr may jun jul aug sep oct nov dec",  # en
    "jan feb mar apr mai jun jul aug sep okt nov dez",  # de
    "janv fevr mars avr mai juin juil aout sept oct nov dec",  # fr
    "ene feb mar abr may jun jul ago sept oct nov dic",  # es
    "gen feb mar apr mag giu lug ago set ott nov dic",  # it
    "jan fev mar abr mai jun jul ago set out nov dez",  # pt
    "jan feb mrt apr mei jun jul aug sep okt nov dec",  # nl
):
    for _i, _m in enumerate(_names.split(), start=1):
        _MONTHS.setdefault(_m, _i)
_MONTHS.update({"sep": 9, "maerz": 3, "marz": 3, "mrz": 3, "juni": 6, "juli": 7, "fevrier": 2})
_JIRA_RE = re.compile(
    r"^(\d{1,2})[/.\- ]([^\W\d_]+)\.?[/.\- ](\d{2}|\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"\s*([ap]\.?\s?m\.?|vorm\.|nachm\.)?$",
    re.IGNORECASE,
)


def read(paths: list[Path], options: SourceOptions) -> tuple[dict[str, pd.DataFrame], QualityLog]:
    """Incidents from Jira issues; unresolved issues are kept as still open."""
    mapping = DEFAULT.merged(
        load_mapping(options.mapping, "incidents") if options.mapping else None
    )
    log = QualityLog()
    frames = []
    for path in paths:
        frame = read_csv(path)
        frame["__service"] = _service(frame, log)
        raw = apply_mapping(
            frame, mapping, path, options, log, parse_time=_parser(mapping.timestamp_format)
        )
        if options.service:
            raw["service"] = options.service
        still_open = raw["resolved_at"].isna() if "resolved_at" in raw else pd.Series(dtype=bool)
        log.add(
            "incidents",
            "unresolved issues: kept as still open",
            "noted",
            int(still_open.sum()),
            raw.loc[still_open, "incident_id"] if len(still_open) else [],
        )
        frames.append(raw)
    raw = pd.concat(frames) if len(frames) > 1 else frames[0]
    return finish({"incidents": raw}, options, log, {"incidents": str(paths[0])}), log


def _service(frame: pd.DataFrame, log: QualityLog) -> pd.Series:
    """The first component (Jira repeats ``Component/s`` once per component), else the project
    name."""
    comps = [c for c in frame.columns if c == "Component/s" or c.startswith("Component/s.")]
    service = pd.Series(pd.NA, index=frame.index, dtype="str")
    for c in comps:
        service = service.fillna(frame[c])
    if "Project name" in frame.columns:
        fallback = service.isna() & frame["Project name"].notna()
        log.add(
            "incidents",
            "no component: service = the project name",
            "repaired",
            int(fallback.sum()),
            frame.index[fallback],
        )
        service = service.fillna(frame["Project name"])
    return service


def _fold(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c)
    )


def parse_jira_date(text: str) -> pd.Timestamp | None:
    """A naive timestamp from Jira's ``dd/MMM/yy h:mm a`` in any supported language, or ISO 8601."""
    text = text.strip()
    m = _JIRA_RE.match(text)
    if not m:
        try:
            ts = pd.Timestamp(text) if re.match(r"^\d{4}-\d{2}-\d{2}", text) else None
        except ValueError:
            return None
        return ts
    day, mon, year, hour, minute, second, ampm = m.groups()
    month = _MONTHS.get(_fold(mon)) or _MONTHS.get(_fold(mon)[:3])
    if month is None:
        return None
    year_i = int(year) + (2000 if len(year) == 2 else 0)
    hour_i = int(hour)
    if ampm:
        pm = _fold(ampm).startswith(("p", "nachm"))
        if hour_i > 12:
            return None
        hour_i = hour_i % 12 + (12 if pm else 0)
    try:
        return pd.Timestamp(year_i, month, int(day), hour_i, int(minute), int(second or 0))
    except ValueError:
        return None


def _parser(fmt: str | None):
    def parse(
        s: pd.Series,
        col: str,
        mapping: Mapping,
        path: Path,
        options: SourceOptions,
        log: QualityLog,
        table: str,
    ) -> pd.Series:
        tz = mapping.timezone or options.config.timezone
        present = s.notna()
        if fmt:
            naive = pd.to_datetime(s[present], format=fmt, errors="coerce")
        else:
            naive = s[present].astype("str").map(parse_jira_date)
        bad = naive.isna()
        if bad.any():
            raise DataValidationError(
                f"cannot read {s[present][bad].iloc[0]!r} as a Jira date "
                "(expected e.g. 05/Mar/24 2:17 PM; "
                "set timestamps.format in a --mapping file)",
                file=str(path),
                rows=list(naive.index[bad]),
                column=col,
            )
        naive = pd.to_datetime(naive)
        if getattr(naive.dt, "tz", None) is None:
            aware = naive.dt.tz_localize(
                tz, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
            )
            log.add(
                table,
                f"{col}: Jira dates (no time zone) read in {tz}",
                "repaired",
                int(present.sum()),
                naive.index,
            )
        else:
            aware = naive
        out = pd.Series(pd.NaT, index=s.index, dtype=UTC_NS)
        out.loc[aware.index] = aware.dt.tz_convert("UTC").astype(out.dtype)
        return out

    return parse
