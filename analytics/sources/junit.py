"""JUnit XML reports (pytest ``--junitxml``, Maven Surefire, Gradle, Jest, go-junit-report ...).

Each INPUT is one test run: a report file, or a folder whose reports (``*.xml``, recursively)
are summed, e.g. Surefire's one-file-per-class ``target/surefire-reports``. A Cobertura or JaCoCo
report in that folder gives the run's coverage. Read with junitparser:

* root ``<testsuites>`` or a single ``<testsuite>``; suites may nest (``<testsuite>`` inside
  ``<testsuite>``, as Jest and some Gradle plugins write) and every nested case counts once;
* per ``<testcase>``: ``<failure>`` or ``<error>`` -> failed (errors are failures in the
  contract), ``<skipped>`` -> skipped, nothing -> passed;
* finished_at = the latest suite ``timestamp`` + its ``time`` (seconds); timestamps without an
  offset are read in program.yml's time zone; no timestamp at all -> the file's modification time.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
from junitparser import JUnitXml, JUnitXmlError, TestSuite

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
from analytics.sources.coverage import file_time, is_coverage, parse_coverage

JUNIT_ROOTS = ("testsuites", "testsuite")


def read(paths: list[Path], options: SourceOptions) -> tuple[dict[str, pd.DataFrame], QualityLog]:
    """One test run per input file or folder."""
    log, tally = QualityLog(), Tally()
    records = [_run(path, options, log, tally) for path in paths]
    tally.flush(log)
    frame = raw_frame(records, "test_runs")
    return finish({"test_runs": frame}, options, log, {"test_runs": str(paths[0])}), log


def _folder_reports(given: Path, tally: Tally) -> tuple[list, list]:
    """The JUnit reports and coverage reports of a run's folder (other XML noted, ignored)."""
    reports, coverage = [], []
    for path in sorted(p for p in given.rglob("*.xml") if p.is_file()):
        root = read_xml(path)
        if root.tag in JUNIT_ROOTS:
            reports.append((path, root))
        elif is_coverage(root):
            coverage.append((path, root))
        else:
            tally.add(
                "test_runs",
                "XML files in the run folder that are neither JUnit nor coverage: ignored",
                "noted",
                path.name,
            )
    if not reports:
        raise DataValidationError(
            "no JUnit XML report (<testsuites> or <testsuite>) in this folder", file=str(given)
        )
    return reports, coverage


def _file_report(given: Path) -> tuple[list, list]:
    """One JUnit report file (a coverage report or other XML is refused)."""
    root = read_xml(given)
    if is_coverage(root):
        raise DataValidationError(
            f"a coverage report (<{root.tag}>), not JUnit: import it with "
            "`import coverage`, or put it in the run's folder",
            file=str(given),
        )
    if root.tag not in JUNIT_ROOTS:
        raise DataValidationError(
            f"not a JUnit XML report (root element <{root.tag}>, expected "
            "<testsuites> or <testsuite>)",
            file=str(given),
        )
    return [(given, root)], []


def _run(given: Path, options: SourceOptions, log: QualityLog, tally: Tally) -> dict:
    reports, coverage = _folder_reports(given, tally) if given.is_dir() else _file_report(given)
    passed = failed = skipped = 0
    ends: list[pd.Timestamp] = []
    for path, root in reports:
        p, f, s, end = _count(path, root)
        passed, failed, skipped = passed + p, failed + f, skipped + s
        if end is None:
            end = file_time(path)
            tally.add(
                "test_runs",
                "report without a timestamp: the file's modification time used",
                "repaired",
                path.name,
            )
        ends.append(end)
    finished = max(
        ends, key=lambda t: t.tz_localize(None) if t.tzinfo is None else t.tz_convert(None)
    )
    share = None
    if coverage:
        shares = [parse_coverage(root, path)[0] for path, root in coverage]
        share = repr(round(sum(shares) / len(shares), 6))
        if len(shares) > 1:
            tally.add(
                "test_runs",
                "several coverage reports in one run: their mean used",
                "noted",
                given.name,
            )
    service = service_from(
        options,
        None,
        (given if given.is_dir() else given.resolve().parent).resolve().name,
        tally,
        "test_runs",
    )
    if passed + failed + skipped == 0:
        tally.add("test_runs", "reports with no test cases: a run of 0 tests", "noted", given.name)
    stem = given.name if given.is_dir() else given.stem
    stamp = (
        finished.strftime("%Y%m%dT%H%M%S")
        if finished.tzinfo is None
        else finished.tz_convert("UTC").strftime("%Y%m%dT%H%M%SZ")
    )
    return {
        "run_id": f"junit:{service}:{stem}@{stamp}",
        "service": service,
        "finished_at": finished.isoformat(),
        "tests_passed": str(passed),
        "tests_failed": str(failed),
        "tests_skipped": str(skipped),
        "suite": options.suite or "unit",
        "coverage": share,
        "environment": options.environment,
    }


def _count(path: Path, root: ET.Element) -> tuple[int, int, int, pd.Timestamp | None]:
    try:
        xml = JUnitXml.fromroot(root)  # type: ignore[arg-type]  # junitparser types lxml's Element
    except JUnitXmlError:
        raise DataValidationError(
            f"not a JUnit XML report (root element <{root.tag}>)", file=str(path)
        ) from None
    passed = failed = skipped = 0
    ends = []
    for suite in xml:
        for case in suite:
            if case.is_failure or case.is_error:
                failed += 1
            elif case.is_skipped:
                skipped += 1
            else:
                passed += 1
        ends.extend(_suite_ends(suite, path))
    end = (
        max(ends, key=lambda t: t.tz_localize(None) if t.tzinfo is None else t.tz_convert(None))
        if ends
        else None
    )
    return passed, failed, skipped, end


def _suite_ends(suite: TestSuite, path: Path) -> list[pd.Timestamp]:
    """End time (timestamp + time) of the suite and of every nested suite that has a timestamp."""
    out = []
    for s in [suite, *_nested(suite)]:
        stamp = s.timestamp
        if not stamp:
            continue
        try:
            start = pd.Timestamp(stamp)
        except ValueError:
            raise DataValidationError(
                f"testsuite {s.name!r}: cannot read timestamp {stamp!r} (expected ISO 8601)",
                file=str(path),
                column="timestamp",
            ) from None
        try:
            seconds = float(s._elem.get("time") or 0)
        except ValueError:
            raise DataValidationError(
                f"testsuite {s.name!r}: time {s._elem.get('time')!r} is not a number of seconds",
                file=str(path),
                column="time",
            ) from None
        out.append(start + pd.Timedelta(seconds=seconds))
    return out


def _nested(suite: TestSuite) -> list[TestSuite]:
    out = []
    for child in suite.testsuites():
        out.append(child)
        out.extend(_nested(child))
    return out
