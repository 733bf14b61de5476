"""Shared fixtures: small canonical data folders written on the fly."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "data" / "sample"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

MINIMAL_DEPLOYMENTS = (
    "deployment_id,service,environment,finished_at,status\n"
    "d1,api,production,2021-03-01T10:00:00+08:00,success\n"
    "d2,api,staging,2021-03-01T11:00:00+08:00,failed\n"
)


@pytest.fixture
def write_folder(tmp_path):
    """Write {filename: text} into a fresh folder and return its path."""

    def _write(files: dict[str, str | bytes]) -> Path:
        folder = tmp_path / "data"
        folder.mkdir(exist_ok=True)
        for name, content in files.items():
            path = folder / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return folder

    return _write


def browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER") == "1"


def _render(tmp_path_factory, name: str, data: Path, month: str):
    from analytics.report import render_months

    out = tmp_path_factory.mktemp(name) / "reports"
    [result] = render_months(
        data, month, out=out, notebook_dir=REPO / "notebooks" / "reports", jobs=2, cwd=REPO
    )
    return result


@pytest.fixture(scope="session")
def rendered_sample(tmp_path_factory):
    """The eight report notebooks rendered on data/sample for its latest complete month (once)."""
    return _render(tmp_path_factory, "sample", SAMPLE_DIR, "latest")


@pytest.fixture(scope="session")
def rendered_tiny(tmp_path_factory):
    """The eight report notebooks rendered on the tiny hand-made fixture, March 2021 (once)."""
    return _render(tmp_path_factory, "tiny", FIXTURES / "tiny", "2021-03")


@pytest.fixture(scope="session")
def rendered_without_phases(tmp_path_factory):
    """The tiny data with a program.yml that has no phases, rendered for January 2021 (once).

    January holds the incident titled ``<script>alert(1)</script>``.
    """
    data = tmp_path_factory.mktemp("nophase-data")
    for name in ("deployments.csv", "incidents.csv"):
        (data / name).write_bytes((FIXTURES / "tiny" / name).read_bytes())
    (data / "program.yml").write_text(
        "name: No phases\ntimezone: Europe/London\n", encoding="utf-8"
    )
    return _render(tmp_path_factory, "nophase", data, "2021-01")


@pytest.fixture(scope="session")
def rendered_hostile(tmp_path_factory):
    """The report notebooks rendered on tests/hostile.py's data for March 2021 (once): a month
    whose missed coverage target names the service ``[clickme](javascript:alert(1))``."""
    from tests.hostile import write_hostile_sample

    data = write_hostile_sample(tmp_path_factory.mktemp("hostile-data") / "data")
    return _render(tmp_path_factory, "hostile", data, "2021-03")
