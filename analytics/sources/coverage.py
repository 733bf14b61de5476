"""Coverage reports: Cobertura XML (coverage.py ``coverage xml``, gcovr, many Java tools) and
JaCoCo XML.

* Cobertura: root ``<coverage line-rate=".." lines-covered=".." lines-valid=".." timestamp="..">``;
  coverage = lines-covered / lines-valid (else ``line-rate``); ``timestamp`` is in milliseconds
  (coverage.py) or seconds (some older tools).
* JaCoCo: root ``<report>`` with ``<sessioninfo start=".." dump=".."/>`` (milliseconds) and the
  report-level ``<counter type="LINE" missed=".." covered=".."/>`` (direct children of
  ``<report>``); coverage = covered / (covered + missed). Its DOCTYPE is never fetched.

``import coverage FILE...`` makes one test run per report with its coverage; the run has no
test counts (0 passed, 0 failed: it adds nothing to the pass rate, logged). To attach coverage to
a JUnit run instead, put both reports in one folder and ``import junit FOLDER``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

from analytics.data.dataset import QualityLog
from analytics.exceptions import DataValidationError
from analytics.sources._common import (
    SourceOptions,
    Tally,
    finish,
    raw_frame,
    read_xml,
    service_from,
)

#: Timestamps below this are seconds, not milliseconds (it is 2001-09-09 in seconds).
_MS_THRESHOLD = 10**12


def is_coverage(root: ET.Element) -> bool:
    return root.tag in ("coverage", "report")


def parse_coverage(root: ET.Element, path: Path) -> tuple[float, pd.Timestamp | None]:
    """(line coverage 0..1, report time or None) of a Cobertura or JaCoCo root element."""
    if root.tag == "coverage":
        valid, covered = root.get("lines-valid"), root.get("lines-covered")
        try:
            if valid not in (None, "") and covered not in (None, "") and float(valid) > 0:
                share = float(covered) / float(valid)
            else:
                share = float(root.get("line-rate", ""))
        except ValueError:
            raise DataValidationError(
                "Cobertura report without a readable line-rate / lines-covered",
                file=str(path),
                column="line-rate",
            ) from None
        stamp = root.get("timestamp")
        when = None
        if stamp and stamp.strip().isdigit():
            value = int(stamp)
            when = pd.Timestamp(value, unit="ms" if value >= _MS_THRESHOLD else "s", tz="UTC")
        return share, when
    if root.tag == "report":
        line = next((c for c in root.findall("counter") if c.get("type") == "LINE"), None)
        if line is None:
            raise DataValidationError(
                "JaCoCo report without a report-level LINE counter",
                file=str(path),
                column="counter",
            )
        try:
            n_missed, n_covered = int(line.get("missed", "")), int(line.get("covered", ""))
        except ValueError:
            raise DataValidationError(
                "JaCoCo LINE counter without integer missed/covered",
                file=str(path),
                column="counter",
            ) from None
        total = n_covered + n_missed
        share = n_covered / total if total else float("nan")
        dumps = [
            int(s.get("dump", ""))
            for s in root.findall("sessioninfo")
            if (s.get("dump") or "").isdigit()
        ]
        return share, pd.Timestamp(max(dumps), unit="ms", tz="UTC") if dumps else None
    raise DataValidationError(
        f"not a coverage report (root element <{root.tag}>, expected Cobertura "
        "<coverage> or JaCoCo <report>)",
        file=str(path),
    )


def file_time(path: Path) -> pd.Timestamp:
    """The file's modification time (UTC), for reports that carry no time of their own."""
    return pd.Timestamp(path.stat().st_mtime, unit="s", tz="UTC").floor("s")


def coverage_files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*.xml") if p.is_file()) if path.is_dir() else [path]


def read(paths: list[Path], options: SourceOptions) -> tuple[dict[str, pd.DataFrame], QualityLog]:
    """One test run (with coverage, no test counts) per coverage report."""
    log, tally = QualityLog(), Tally()
    records, untimed = [], []
    for given in paths:
        for path in coverage_files(given):
            root = read_xml(path)
            share, when = parse_coverage(root, path)
            if when is None:
                when = file_time(path)
                untimed.append(path.name)
            service = service_from(options, None, path.resolve().parent.name, tally, "test_runs")
            records.append(
                {
                    "run_id": f"coverage:{service}:{path.stem}@{when.strftime('%Y%m%dT%H%M%SZ')}",
                    "service": service,
                    "finished_at": when.isoformat(),
                    "tests_passed": "0",
                    "tests_failed": "0",
                    "suite": options.suite or "unit",
                    "coverage": None if pd.isna(share) else repr(round(share, 6)),
                    "environment": options.environment,
                }
            )
    tally.flush(log)
    log.add(
        "test_runs",
        "report without a time: the file's modification time used",
        "repaired",
        len(untimed),
        untimed,
    )
    log.add(
        "test_runs",
        "coverage-only runs: no test counts (0 passed, 0 failed; no effect on pass rate)",
        "noted",
        len(records),
        [r["run_id"] for r in records],
    )
    frame = raw_frame(records, "test_runs")
    return finish({"test_runs": frame}, options, log, {"test_runs": str(paths[0])}), log
