"""The render engine: fixture notebooks through papermill + nbconvert, failures, validation,
index."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path

import papermill
import pytest

from analytics.cli import main
from analytics.commands.render import parse_params
from analytics.exceptions import RenderError
from analytics.report import REPORTS, Report, discover, latest_complete_month, render_month
from analytics.report import kernels as kernels_mod
from analytics.report.index import list_months, write_index, write_manifest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "notebooks"
DATA = FIXTURES / "data"
GOOD = (
    Report("01-chart", "Chart report", "01-chart.ipynb"),
    Report("02-table", "Incident table", "02-table.ipynb"),
)
MONTH = "2021-11"
_RENDERED: dict[str, tuple] = {}


def render_fixture_month(tmp_path_factory) -> tuple:
    """Render the two good fixture notebooks once per session: (MonthResult, out folder).

    Runs with MPLBACKEND=Agg in the environment, which must not drop the figures.
    """
    if "month" not in _RENDERED:
        out = tmp_path_factory.mktemp("rendered") / "reports"
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("MPLBACKEND", "Agg")
            result = render_month(
                DATA,
                MONTH,
                out=out,
                reports=GOOD,
                notebook_dir=FIXTURES,
                jobs=2,
                services=["api"],
                preset="fourkeys",
                params={"top_n": 2},
            )
        _RENDERED["month"] = (result, out)
    return _RENDERED["month"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    return render_fixture_month(tmp_path_factory)


@pytest.fixture
def no_kernels(monkeypatch):
    """Fail the test if anything tries to execute a notebook or start a kernel."""
    forbid_kernels(monkeypatch)


def forbid_kernels(monkeypatch) -> None:
    """Make any notebook execution or kernel start fail the test."""
    from jupyter_client.manager import AsyncKernelManager, KernelManager

    def forbidden(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(papermill, "execute_notebook", forbidden)
    monkeypatch.setattr(KernelManager, "start_kernel", forbidden)
    monkeypatch.setattr(AsyncKernelManager, "start_kernel", forbidden)


# -- rendering -------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_page_written_with_parameters_injected_as_given(rendered):
    result, out = rendered
    assert result.ok, [str(f) for f in result.failures]
    assert [p.name for p in result.pages] == ["01-chart.html", "02-table.html"]
    chart = (out / MONTH / "01-chart.html").read_text(encoding="utf-8")
    echoed = json.loads(
        re.search(r"<pre>(\{.*?\})\s*</pre>", chart, re.S).group(1).replace("&quot;", '"')
    )
    assert echoed == {
        "data_dir": str(DATA),
        "month": MONTH,
        "preset": "fourkeys",
        "program_file": None,
        "services": ["api"],
    }
    table = (out / MONTH / "02-table.html").read_text(encoding="utf-8")
    assert "top_n = 2" in table  # the extra --param reached its notebook
    assert "INC-2" in table and "INC-3" not in table


@pytest.mark.slow
def test_figures_survive_mplbackend_agg(rendered):
    _, out = rendered
    chart = (out / MONTH / "01-chart.html").read_text(encoding="utf-8")
    assert chart.count('src="data:image/png;base64,') == 2


@pytest.mark.slow
def test_month_has_manifest_and_index_links_it(rendered):
    _, out = rendered
    manifest = json.loads((out / MONTH / "manifest.json").read_text(encoding="utf-8"))
    assert [p["file"] for p in manifest["pages"]] == ["01-chart.html", "02-table.html"]
    assert manifest["provenance"]["Definitions preset"] == "fourkeys"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f'href="{MONTH}/01-chart.html"' in index and f'href="{MONTH}/02-table.html"' in index
    assert_only_published_versions(out)


def assert_only_published_versions(out: Path) -> None:
    """No staging, temporary link or unpublished version is left in ``out``."""
    hidden = {p.name for p in out.iterdir() if p.name.startswith(".")}
    assert hidden <= {".versions", ".render.lock"}
    links = {os.readlink(p) for p in out.iterdir() if p.is_symlink()}
    versions = {f".versions/{p.name}" for p in (out / ".versions").iterdir()}
    assert versions == links


@pytest.mark.slow
def test_failures_leave_the_previous_month_intact(rendered, tmp_path, capsys):
    _, rendered_out = rendered
    out = tmp_path / "reports"
    shutil.copytree(rendered_out, out)
    before = {p.name: p.read_bytes() for p in (out / MONTH).iterdir()}
    index_before = (out / "index.html").read_bytes()
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(FIXTURES / "01-chart.ipynb", notebooks / "01-chart.ipynb")
    shutil.copy(FIXTURES / "03-fails.ipynb", notebooks / "02-fails.ipynb")
    shutil.copy(FIXTURES / "03-fails.ipynb", notebooks / "03-fails-too.ipynb")

    code = main(
        [
            "render",
            "--data",
            str(DATA),
            "--latest",
            "--out",
            str(out),
            "--jobs",
            "2",
            "--notebooks",
            str(notebooks),
        ]
    )

    assert code == 1
    err = capsys.readouterr().err
    assert (
        "error: 2021-11 02-fails.ipynb, cell 5 (In [4]): ValueError: fixture failure for 2021-11"
        in err
    )
    assert "03-fails-too.ipynb, cell 5" in err  # every failure, not the first
    assert "2 of 3 notebooks failed" in err
    assert {p.name: p.read_bytes() for p in (out / MONTH).iterdir()} == before
    assert (out / "index.html").read_bytes() == index_before
    kept = out / "_failed" / MONTH / "02-fails.ipynb"
    assert kept.is_file() and "fixture failure for 2021-11" in kept.read_text(encoding="utf-8")
    assert_only_published_versions(out)


# -- validation before any kernel -----------------------------------------------------------


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--month", "2021-13"], "month must be YYYY-MM"),
        (["--month", "21-11"], "month must be YYYY-MM"),
        (["--month", "2021/11"], "month must be YYYY-MM"),
        (["--month", "2020-01"], "month 2020-01 is outside the data (2021-10-05 to 2021-12-20)"),
        (["--month", "2021-11", "--param", "nope=1"], "unknown parameter 'nope'"),
        (["--month", "2021-11", "--param", "month=2021-10"], "has its own option"),
        (["--month", "2021-11", "--param", "no equals"], "KEY=VALUE"),
        (["--month", "2021-11", "--preset", "dora"], "unknown preset 'dora'"),
        (["--month", "2021-11", "--services", "api,ghost"], "unknown service 'ghost'"),
        (["--month", "2021-11", "--jobs", "0"], "jobs must be at least 1"),
    ],
)
def test_bad_input_is_rejected_before_any_kernel_starts(
    no_kernels, tmp_path, capsys, argv, message
):
    out = tmp_path / "reports"
    code = main(
        ["render", "--data", str(DATA), "--out", str(out), "--notebooks", str(FIXTURES), *argv]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err
    assert not out.exists() or not any(out.iterdir())


def test_a_notebook_without_parameters_cell_is_rejected(no_kernels, tmp_path):
    nb = json.loads((FIXTURES / "01-chart.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("tags", None)
    (tmp_path / "01-chart.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    with pytest.raises(RenderError, match="no cell is tagged 'parameters'"):
        render_month(DATA, MONTH, out=tmp_path / "out", reports=GOOD[:1], notebook_dir=tmp_path)


def test_a_missing_notebook_is_rejected(no_kernels, tmp_path):
    with pytest.raises(RenderError, match="report notebook not found"):
        render_month(DATA, MONTH, out=tmp_path / "out", reports=REPORTS, notebook_dir=tmp_path)


def test_parse_params_reads_json_else_text():
    assert parse_params(
        ["n=5", "ratio=0.5", "on=true", "xs=[1, 2]", "label=Q4 review", "none=null"]
    ) == {"n": 5, "ratio": 0.5, "on": True, "xs": [1, 2], "label": "Q4 review", "none": None}


# -- which month is complete ---------------------------------------------------------------

D = dt.date


@pytest.mark.parametrize(
    "first, last, phase_end, expected",
    [
        (D(2021, 1, 4), D(2021, 12, 31), None, "2021-12"),  # data to the month's last day
        (D(2021, 1, 4), D(2021, 12, 20), None, "2021-11"),  # December is partial
        (
            D(2021, 1, 4),
            D(2021, 12, 29),
            D(2021, 12, 31),
            "2021-12",
        ),  # ... the program ends in it, data reach it
        (
            D(2021, 1, 4),
            D(2021, 12, 20),
            D(2021, 12, 31),
            "2021-11",
        ),  # ... an export taken mid-month
        (
            D(2021, 1, 4),
            D(2021, 12, 15),
            D(2021, 12, 15),
            "2021-12",
        ),  # a phase ending mid-month, data to it
        (D(2021, 1, 4), D(2022, 1, 3), D(2021, 12, 31), "2021-12"),  # data runs past the program
        (D(2021, 2, 1), D(2021, 2, 28), None, "2021-02"),
    ],
)
def test_latest_complete_month(first, last, phase_end, expected):
    assert latest_complete_month(first, last, phase_end) == expected


def test_no_complete_month_is_an_error():
    with pytest.raises(RenderError, match="no complete month"):
        latest_complete_month(D(2021, 12, 3), D(2021, 12, 20))


# -- index and registry --------------------------------------------------------------------


def test_index_lists_every_month_newest_first(tmp_path):
    for month in ("2021-09", "2021-11", "2021-10"):
        folder = tmp_path / month
        folder.mkdir()
        (folder / "01-a.html").write_text("<html></html>", encoding="utf-8")
        write_manifest(
            folder,
            {
                "month": month,
                "rendered_at": "x",
                "data_through": "y",
                "pages": [{"title": f"A {month}", "file": "01-a.html"}],
            },
        )
    (tmp_path / "_failed" / "2021-12").mkdir(parents=True)
    (tmp_path / ".render-2021-12-abc").mkdir()
    assert [m.month for m in list_months(tmp_path)] == ["2021-11", "2021-10", "2021-09"]
    html = write_index(tmp_path).read_text(encoding="utf-8")
    assert re.findall(r'href="(\d{4}-\d{2})/01-a.html">A', html) == [
        "2021-11",
        "2021-10",
        "2021-09",
    ]
    assert "November 2021" in html and "_failed" not in html


def test_registry_is_the_eight_reports_in_order():
    assert [r.slug for r in REPORTS] == [
        "01-executive-summary",
        "02-delivery",
        "03-stability",
        "04-quality",
        "05-program-impact",
        "06-data-quality",
        "07-caict-evidence",
        "08-teams",
    ]
    assert all(r.notebook == f"{r.slug}.ipynb" and r.title for r in REPORTS)


def test_discover_reads_titles_from_the_notebooks():
    assert [(r.slug, r.title) for r in discover(FIXTURES)] == [
        ("01-chart", "Chart report"),
        ("02-table", "Incident table"),
        ("03-fails", "Failing report"),
    ]


def test_an_unknown_kernel_is_rejected(no_kernels, tmp_path):
    with pytest.raises(RenderError, match="no Jupyter kernel named 'nope'"):
        render_month(
            DATA,
            MONTH,
            out=tmp_path / "out",
            reports=GOOD,
            notebook_dir=FIXTURES,
            kernel_name="nope",
        )


def test_plan_months_and_injected_parameters(no_kernels, tmp_path):
    from analytics.report.plan import prepare

    def plan(months, **kw):
        return prepare(DATA, months, out=tmp_path, reports=GOOD, notebook_dir=FIXTURES, **kw)

    assert plan("latest").months == ["2021-11"]
    assert plan("all").months == ["2021-10", "2021-11"]
    partial = plan(["2021-12", "2021-12"])
    assert (
        partial.months == ["2021-12"]
        and "incomplete: the data ends 2021-12-20" in partial.notes["2021-12"]
    )
    both = plan(["2021-10", "2021-12"])  # each month's report is cut at its end
    assert both.data_through == {"2021-10": "2021-10-31", "2021-12": "2021-12-20"}
    through = dict(both.provenance["2021-10"])["Data through"]
    assert (
        through.startswith("2021-10-31 (local dates")
        and "export, which runs to 2021-12-20, are not used" in through
    )
    assert "not used" not in dict(both.provenance["2021-12"])["Data through"]
    jobs = plan("2021-11", params={"top_n": 3}, services=["web"]).jobs
    assert [j.parameters for j in jobs] == [
        {"data_dir": str(DATA), "month": "2021-11", "services": ["web"]},
        {
            "data_dir": str(DATA),
            "month": "2021-11",
            "services": ["web"],
            "top_n": 3,
        },  # declared here only
    ]


def test_kernel_start_failure_is_retried_but_other_start_errors_are_not(monkeypatch, tmp_path):
    kernel = kernels_mod.WarmKernel("python3", tmp_path)
    calls = []

    def died_once():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(kernel, "_start_once", died_once)
    kernel._start()
    assert len(calls) == 2

    def broken():
        calls.append(1)
        raise RuntimeError("no such kernel")

    calls.clear()
    monkeypatch.setattr(kernel, "_start_once", broken)
    with pytest.raises(RuntimeError, match="no such kernel"):
        kernel._start()
    assert len(calls) == 1


class _FakeClient:
    def execute_interactive(self, code, **kwargs):
        self.code = code

    def stop_channels(self):
        pass


def test_a_cell_error_keeps_the_kernel_anything_else_restarts_it(monkeypatch, tmp_path):
    from papermill.exceptions import PapermillExecutionError

    kernel = kernels_mod.WarmKernel("python3", tmp_path)
    kernel.km = manager = type("KM", (), {"close_clients": lambda self: None})()
    stopped = []
    monkeypatch.setattr(kernel, "_client", _FakeClient)
    monkeypatch.setattr(kernel, "shutdown", lambda: stopped.append(1))

    def cell_error(*args, **kwargs):
        assert kwargs["km"] is manager  # papermill runs in the warm kernel
        raise PapermillExecutionError(1, 1, "boom", "ValueError", "boom", [])

    monkeypatch.setattr(papermill, "execute_notebook", cell_error)
    with pytest.raises(PapermillExecutionError):
        kernel.execute(tmp_path / "x.ipynb", tmp_path / "o.ipynb", {}, 10)
    assert stopped == []

    def timed_out(*args, **kwargs):
        raise TimeoutError("Cell execution timed out")

    monkeypatch.setattr(papermill, "execute_notebook", timed_out)
    with pytest.raises(TimeoutError):
        kernel.execute(tmp_path / "x.ipynb", tmp_path / "o.ipynb", {}, 10)
    assert stopped == [1]
