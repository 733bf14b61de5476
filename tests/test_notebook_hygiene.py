"""Committed notebooks are thin and clean (STYLE #9, #10)."""

import ast
import json

import pytest

from analytics.report.registry import REPORTS
from tests.conftest import REPO

REPORT_NOTEBOOKS = sorted((REPO / "notebooks" / "reports").glob("*.ipynb"))
ALL_NOTEBOOKS = REPORT_NOTEBOOKS + sorted((REPO / "notebooks" / "explore").glob("*.ipynb"))
PARAMETERS = ["data_dir", "month", "program_file", "services", "preset"]


def _cells(path, kind="code"):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return nb, [c for c in nb["cells"] if c["cell_type"] == kind]


def test_registry_and_folder_agree():
    assert [r.notebook for r in REPORTS] == [p.name for p in REPORT_NOTEBOOKS]
    assert len(REPORTS) == 8


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_no_outputs_and_python3_kernel(path):
    nb, code = _cells(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in code:
        assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_thin_no_functions_no_path_hacks_no_silenced_warnings(path):
    _, code = _cells(path)
    assert len(code) <= 12
    for cell in code:
        source = "".join(cell["source"])
        tree = ast.parse(source)
        assert not any(
            isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef)
            for n in ast.walk(tree)
        ), f"{path.name}: logic belongs in analytics/"
        assert (
            "sys.path" not in source
            and "filterwarnings" not in source
            and "simplefilter" not in source
        )


def _parameter_lines(path) -> list[str]:
    _, code = _cells(path)
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, (
        f"{path.name}: {len(tagged)} cells tagged 'parameters', expected exactly 1"
    )
    assert code[0] is tagged[0], f"{path.name}: the parameters cell must be the first code cell"
    return "".join(tagged[0]["source"]).splitlines()


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_has_one_typed_commented_parameters_cell(path):
    """Papermill injects values after the tagged cell, so no later cell may set a parameter."""
    lines = _parameter_lines(path)
    assert lines
    for line in lines:
        assert "#" in line, f"parameter without a comment: {line}"
        assert isinstance(ast.parse(line).body[0], ast.AnnAssign), f"untyped parameter: {line}"
    names = {ln.split(":")[0] for ln in lines}
    _, code = _cells(path)
    for cell in code[1:]:
        for node in ast.walk(ast.parse("".join(cell["source"]))):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                assert node.id not in names, (
                    f"{path.name}: a later cell overwrites parameter {node.id}"
                )


@pytest.mark.parametrize("path", REPORT_NOTEBOOKS, ids=lambda p: p.name)
def test_report_notebooks_declare_the_render_parameters(path):
    assert [ln.split(":")[0] for ln in _parameter_lines(path)] == PARAMETERS


def test_explore_notebook_is_covered():
    assert "explore.ipynb" in [p.name for p in ALL_NOTEBOOKS if p.parent.name == "explore"]


@pytest.mark.parametrize("path", REPORT_NOTEBOOKS, ids=lambda p: p.name)
def test_report_notebook_starts_with_a_title_and_alternates_heading_and_call(path):
    nb, _ = _cells(path)
    cells = nb["cells"]
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).startswith("# ")
    body = cells[4:]  # title, parameters, imports, open_month
    kinds = [c["cell_type"] for c in body]
    assert kinds == ["markdown", "code"] * (len(body) // 2)


def test_nbstripout_finds_nothing_to_strip():
    import subprocess
    import sys

    paths = [str(p) for p in ALL_NOTEBOOKS]
    proc = subprocess.run(
        [sys.executable, "-m", "nbstripout", "--verify", *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
