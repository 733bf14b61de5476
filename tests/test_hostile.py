"""A catalogue of hostile and broken inputs (issue #15): each is refused in one line with exit 2
naming the file (and row and column where there is one), or handled and counted.

Data files, program.yml, output formats and what reaches pages and charts. The browser test
(tests/test_browser.py) renders a month from tests/hostile.py's data; the fuzz tests are in
tests/test_fuzz.py.
"""

from __future__ import annotations

import csv
import io
import os
import pathlib

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analytics import views
from analytics.cli import main
from analytics.config import load_config
from analytics.data.load import load
from analytics.exceptions import AnalyticsError, ConfigError
from analytics.report.html import offline_problems
from analytics.stats.difference_effects import proportion_effect
from analytics.wording.safe import DISPLAY_LIMIT
from tests.conftest import MINIMAL_DEPLOYMENTS, SAMPLE_DIR
from tests.hostile import LONG_LABEL, LONG_SERVICE, RLO, SERVICES, write_hostile_sample

HEADER = "deployment_id,service,environment,finished_at,status\n"
RUNS = "run_id,service,finished_at,tests_passed,tests_failed\n"


def one_line_error(capsys, argv: list[str]) -> str:
    """Run the CLI; assert exit 2 and exactly one ``error:`` line on stderr, no traceback."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


# -- data files -------------------------------------------------------------------------------

BAD_FILES = [
    pytest.param(
        {"deployments.csv": "deployment_id,Service,service,environment,finished_at,status\n"},
        "deployments.csv",
        None,
        "column service",
        "the header names column 'service' 2 times ('Service', 'service'",
        id="duplicate-header-differing-in-case",
    ),
    pytest.param(
        {"deployments.csv": HEADER + "d1,api,production,2262-04-11T23:47:16Z,success\n"},
        "deployments.csv",
        "row 1",
        "column finished_at",
        "2262-04-11T23:47:16Z is outside the supported years 1900..2199",
        id="timestamp-at-the-end-of-pandas-range",
    ),
    pytest.param(
        {
            "deployments.csv": HEADER
            + "d1,api,production,2021-03-01T10:00:00Z,success\n"
            + "d2,api,production,2262-04-11T20:00:00,success\n",
            "program.yml": "timezone: America/New_York\n",
        },
        "deployments.csv",
        "row 2",
        "column finished_at",
        "outside the supported years",
        id="naive-timestamp-overflowing-in-a-zone-behind-utc",
    ),
    pytest.param(
        {"deployments.csv": HEADER + "d1,api,production,1850-01-01T00:00:00+01:00,success\n"},
        "deployments.csv",
        "row 1",
        "column finished_at",
        "outside the supported years",
        id="timestamp-before-1900",
    ),
    pytest.param(
        {
            "deployments.csv": MINIMAL_DEPLOYMENTS,
            "test_runs.csv": RUNS + "r1,api,2021-03-01T10:00:00Z,0x10,0\n",
        },
        "test_runs.csv",
        "row 1",
        "column tests_passed",
        "'0x10' is not a number",
        id="hex-count",
    ),
    pytest.param(
        {
            "deployments.csv": MINIMAL_DEPLOYMENTS,
            "test_runs.csv": RUNS
            + "r1,api,2021-03-01T10:00:00Z,10,0\nr2,api,2021-03-01T11:00:00Z,1_000,0\n",
        },
        "test_runs.csv",
        "row 2",
        "column tests_passed",
        "'1_000' is not a number",
        id="underscore-count",
    ),
    pytest.param(
        {
            "deployments.csv": MINIMAL_DEPLOYMENTS,
            "test_runs.csv": RUNS + "r1,api,2021-03-01T10:00:00Z,10,inf\n",
        },
        "test_runs.csv",
        "row 1",
        "column tests_failed",
        "'inf' is not a number",
        id="infinite-count",
    ),
    pytest.param(
        {
            "deployments.csv": HEADER
            + "d1,api,production,2021-03-01T10:00Z,success\n"
            + "d1,api,production,2021-03-02T10:00Z,success\n"
        },
        "deployments.csv",
        "rows 1, 2",
        "column finished_at",
        "deployment_id 'd1' appears 2 times with different content "
        "(they differ in column finished_at)",
        id="duplicate-id-names-the-id-column",
    ),
    pytest.param(
        {
            "deployments.csv": HEADER
            + "".join(f"d{i:06d},api,production,2021-03-01T10:00Z,success\n" for i in range(2000))
            + "d9,api\x00,production,2021-03-01T10:00Z,success\n"
        },
        "deployments.csv",
        "row 2001",
        None,
        "a NUL byte in data row 2001",
        id="nul-byte-after-the-first-64-KiB",
    ),
]


@pytest.mark.parametrize(("files", "file", "row", "column", "message"), BAD_FILES)
def test_bad_data_file_is_one_line_naming_file_row_and_column(
    write_folder, capsys, files, file, row, column, message
):
    folder = write_folder(files)
    err = one_line_error(capsys, ["validate", str(folder)])
    assert f"{folder / file}" in err and message in err
    for where in (row, column):
        if where:
            assert where in err


def test_nul_check_reaches_past_64_kib(write_folder):
    # the fixture above puts the NUL byte beyond the first 64 KiB: check the premise
    folder = write_folder({"deployments.csv": BAD_FILES[-1].values[0]["deployments.csv"]})
    data = (folder / "deployments.csv").read_bytes()
    assert data.index(b"\x00") > 65536


@pytest.mark.parametrize(
    ("unit", "year"), [pytest.param("ms", 1600, id="ms-1600"), pytest.param("s", 9999, id="s-9999")]
)
def test_parquet_timestamps_outside_pandas_range(tmp_path, capsys, unit, year):
    when = pa.array([pd.Timestamp(f"{year}-06-01").to_pydatetime()], pa.timestamp(unit, tz="UTC"))
    table = pa.table(
        {
            "deployment_id": ["d1"],
            "service": ["api"],
            "environment": ["production"],
            "finished_at": when,
            "status": ["success"],
        }
    )
    pq.write_table(table, tmp_path / "deployments.parquet")
    err = one_line_error(capsys, ["validate", str(tmp_path)])
    assert "deployments.parquet, row 1, column finished_at" in err
    assert f"{year}-06-01" in err and "outside the supported years" in err


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_folder_or_pipe_named_like_a_table_is_not_an_absent_table(write_folder, capsys, kind):
    folder = write_folder({"deployments.csv": MINIMAL_DEPLOYMENTS})
    if kind == "folder":
        (folder / "incidents.csv").mkdir()
    else:
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this platform")
        os.mkfifo(folder / "incidents.csv")
    err = one_line_error(capsys, ["validate", str(folder)])
    assert f"{folder / 'incidents.csv'}: not a regular file" in err


def _deny(monkeypatch, target: pathlib.Path) -> None:
    """Opening ``target`` fails with EACCES, as it would for another user (tests run as root)."""
    real_open, real_path_open = open, pathlib.Path.open

    def fake_open(file, *args, **kwargs):
        if pathlib.Path(file) == target:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    def fake_path_open(self, *args, **kwargs):
        if self == target:
            raise PermissionError(13, "Permission denied", str(self))
        return real_path_open(self, *args, **kwargs)

    monkeypatch.setattr("builtins.open", fake_open)
    monkeypatch.setattr(pathlib.Path, "open", fake_path_open)


@pytest.mark.parametrize("name", ["deployments.csv", "incidents.csv", "program.yml"])
def test_permission_denied_on_a_file(write_folder, capsys, monkeypatch, name):
    folder = write_folder(
        {
            "deployments.csv": MINIMAL_DEPLOYMENTS,
            "incidents.csv": "incident_id,severity,opened_at\ni1,high,2021-03-01T10:00Z\n",
            "program.yml": "timezone: UTC\n",
        }
    )
    _deny(monkeypatch, folder / name)
    err = one_line_error(capsys, ["validate", str(folder)])
    assert f"{folder / name}: cannot be read (Permission denied)" in err


def test_permission_denied_on_the_folder(write_folder, capsys, monkeypatch):
    folder = write_folder({"deployments.csv": MINIMAL_DEPLOYMENTS})
    real = os.scandir

    def fake_scandir(path="."):
        if pathlib.Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", fake_scandir)
    err = one_line_error(capsys, ["validate", str(folder)])
    assert f"{folder}: cannot be read (Permission denied)" in err


# -- program.yml ------------------------------------------------------------------------------

BOMB = "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)
BAD_PROGRAMS = [
    pytest.param(
        'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + BOMB,
        "line 1: YAML anchors and aliases (&x, *x) are not allowed",
        id="alias-bomb",
    ),
    pytest.param(
        "name: first\ntimezone: UTC\nname: second\n",
        "line 3: key 'name' appears twice (the second would win)",
        id="duplicate-key",
    ),
    pytest.param(
        "phases:\n  baseline: {start: 2021-01-01, end: 2021-02-01, start: 2021-01-02}\n",
        "key 'start' appears twice",
        id="duplicate-nested-key",
    ),
    pytest.param("link_window_hours: 1e300\n", "at most 8760", id="link-window-1e300"),
    pytest.param("link_window_hours: .inf\n", "at most 8760", id="link-window-inf"),
    pytest.param("a: " + "[" * 5000 + "]" * 5000 + "\n", "not valid YAML", id="deep-nesting"),
    pytest.param("name: x\n" + "# padding\n" * 120_000, "larger than 1024 KiB", id="huge-file"),
]


@pytest.mark.parametrize(("text", "message"), BAD_PROGRAMS)
def test_bad_program_yml_is_one_line(write_folder, capsys, text, message):
    folder = write_folder({"deployments.csv": MINIMAL_DEPLOYMENTS, "program.yml": text})
    err = one_line_error(capsys, ["validate", str(folder)])  # the alias bomb took 42 s, 3.5 GB
    assert f"{folder / 'program.yml'}" in err and message in err


def test_program_yml_that_is_a_folder(write_folder, capsys):
    folder = write_folder({"deployments.csv": MINIMAL_DEPLOYMENTS})
    (folder / "program.yml").mkdir()
    err = one_line_error(capsys, ["validate", str(folder)])
    assert f"{folder / 'program.yml'}: not a file" in err


def test_link_window_of_a_year_still_loads(tmp_path):
    (tmp_path / "program.yml").write_text("link_window_hours: 8760\n", encoding="utf-8")
    assert load_config(tmp_path / "program.yml").link_window_hours == 8760


def test_mapping_files_use_the_same_strict_loader(tmp_path):
    from analytics.sources.csv_mapping import load_mapping

    path = tmp_path / "map.yml"
    path.write_text("table: deployments\ntable: incidents\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="key 'table' appears twice"):
        load_mapping(path)


# -- output formats ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> pathlib.Path:
    return write_hostile_sample(tmp_path_factory.mktemp("hostile") / "data")


def test_metrics_csv_has_no_formula_cells(hostile, capsys):
    assert main(["metrics", str(hostile), "--by", "service", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    # the formula is still there, quoted as text (OWASP): nothing was dropped
    assert "'" + SERVICES["credit-scoring"] in cells


def test_table_output_carries_no_escape_codes_or_bidi_controls(hostile, capsys):
    assert main(["metrics", str(hostile), "--by", "service"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and RLO not in out
    assert "red <a href" in out  # the text itself is shown (a terminal runs no HTML)
    assert max(len(line) for line in out.splitlines()) < 400  # the long name was cut


def test_error_messages_are_one_line_whatever_the_data(write_folder, capsys):
    bad = "x\x1b[2J\nstill" + "y" * 5000
    folder = write_folder({"deployments.csv": HEADER + f'd1,api,production,"{bad}",success\n'})
    err = one_line_error(capsys, ["validate", str(folder)])
    assert "\x1b" not in err and len(err) <= 1010


# -- statistics on huge counts -----------------------------------------------------------------


def test_proportion_test_on_huge_counts_is_quick_and_right():
    n = 9007199254740991  # Fisher's exact test took minutes on counts like these
    effect = proportion_effect(0, n, 1, n)
    # Pearson chi-square by hand: expected 0.5 failures a side, chi2 = 2 * 0.5**2 / 0.5 = 1,
    # P(chi2_1 > 1) = 2 * (1 - Phi(1)) = 0.31731
    assert effect.test == "Pearson chi-square"
    assert effect.p_value == pytest.approx(0.31731, abs=1e-5)


def test_small_counts_keep_fishers_exact_test():
    # Fisher's tea-tasting table 3/4 vs 1/4: two-sided p = 0.4857 (Fisher 1935)
    effect = proportion_effect(1, 4, 3, 4)
    assert effect.test == "Fisher exact" and effect.p_value == pytest.approx(0.4857, abs=1e-4)


# -- pages and charts -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_month(hostile):
    return views.open_month(str(hostile), "2021-03")


def test_verdict_markdown_renders_no_link_image_or_markup(hostile_month):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    text = views.verdict_markdown(hostile_month)
    # the month's coverage target is missed, naming the lowest service: "[clickme](javascript:..."
    assert "Not met: Test coverage" in text and "clickme" in text
    html = markdown2html_mistune(text)
    assert "<a " not in html and "<img" not in html and "<script" not in html
    assert offline_problems(html) == []


def test_kpi_tiles_escape_and_shorten_service_names(hostile_month):
    from analytics import plots

    tiles = str(plots.kpi_tiles_html(hostile_month.scorecard))
    assert "<script>alert" not in tiles and "onerror=" not in tiles.replace("onerror=&", "")
    assert RLO not in tiles and LONG_SERVICE not in tiles


@pytest.mark.parametrize("service", [SERVICES["identity"], LONG_SERVICE], ids=["tex", "long"])
def test_milestone_labels_and_names_are_bounded_on_charts(hostile, service):
    from analytics import plots
    from analytics.metrics import metric_table
    from analytics.plots.decorations import MILESTONE_LABEL_LIMIT

    ds = load(hostile)
    table = metric_table(ds, by="service", services=[service])
    fig = plots.run_chart(table, "delivery_throughput_per_day", ds.config, service=service)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "milestone-label"]
    assert len(labels) == 4 and max(map(len, labels)) <= MILESTONE_LABEL_LIMIT
    assert len(ax.get_title()) < 300  # the service is named, shortened to DISPLAY_LIMIT
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")  # "$\\frac{1}{0}$" is not read as TeX
    width, height = (int.from_bytes(buffer.getvalue()[i : i + 4], "big") for i in (16, 20))
    assert width < 3000 and height < 3000  # the 100,000-character label drew 10^6 px wide


def test_long_names_are_kept_whole_on_the_data_quality_page(hostile_month):
    table = views.long_names(hostile_month)
    values = set(table["Full value"])
    assert {LONG_SERVICE, LONG_LABEL, "T" * 100_000} <= values
    assert (table["Full value"].str.len() > DISPLAY_LIMIT).all()
    services = table[table["Where"] == "Deployments: service"]
    carrying = int((hostile_month.dataset.deployments["service"] == LONG_SERVICE).sum())
    assert carrying > 0 and list(services["Rows"]) == [f"{carrying:,}"]
    assert views.long_names(views.open_month(str(SAMPLE_DIR), "2021-06")).empty


def test_loading_hostile_names_keeps_them_as_data(hostile):
    ds = load(hostile)
    assert set(SERVICES.values()) <= set(ds.deployments["service"])  # nothing altered or lost


def test_every_hostile_command_is_handled(hostile, capsys):
    for argv in (["validate", str(hostile)], ["summary", str(hostile), "--month", "2021-06"]):
        try:
            assert main(argv) == 0
        except AnalyticsError as exc:  # pragma: no cover - main turns these into exit 2
            pytest.fail(str(exc))
    out = capsys.readouterr().out
    assert "\x1b" not in out and RLO not in out
