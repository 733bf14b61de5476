"""The package's layers (docs/architecture.md, "Layers"): imports go down only, and a private
name is never imported from another subpackage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "analytics"

#: each top-level unit of the package and its layer; a unit imports only from lower layers
LAYER = {
    "exceptions": 0,
    "catalog": 1,
    "paths": 1,
    "config": 2,
    "periods": 3,
    "data": 4,
    "sources": 5,
    "synthetic": 5,
    "metrics": 5,
    "stats": 4,  # imports nothing of the package; metrics (Kaplan-Meier) and program use it
    "wording": 6,
    "program": 7,
    "plots": 8,
    "views": 8,
    "report": 9,
    "commands": 10,
    "cli": 11,
}
ENTRY_POINTS = {"__init__", "__main__"}  # the package's front door may import any layer


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, imported names) of every analytics import in one file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("analytics"):
            module = node.module or ""
            if module == "analytics":  # ``from analytics import x`` imports the unit x
                found += [(node.lineno, f"analytics.{a.name}", []) for a in node.names]
            else:
                found.append((node.lineno, module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, a.name, []) for a in node.names if a.name.startswith("analytics.")
            ]
    return found


def _unit(parts: tuple[str, ...]) -> str:
    return parts[0].removesuffix(".py")


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_top_level_unit_has_a_layer_and_few_modules_sit_at_the_top():
    units = {
        p.name.removesuffix(".py")
        for p in PACKAGE.iterdir()
        if p.suffix == ".py" or (p / "__init__.py").exists()
    }
    assert units - ENTRY_POINTS == set(LAYER)
    top_modules = [p.name for p in PACKAGE.glob("*.py") if p.stem not in ENTRY_POINTS]
    assert len(top_modules) <= 8, top_modules


def _problems(path: Path, source: str) -> list[str]:
    """Upward imports and private names imported from another unit, one line each."""
    problems = []
    for line, module, names in _imports(path):
        parts = module.split(".")[1:]
        if not parts or parts[0] in ("__version__", source):
            continue
        target = parts[0]
        if source not in ENTRY_POINTS and LAYER[target] >= LAYER[source]:
            problems.append(
                f"line {line}: {source} (layer {LAYER[source]}) imports {module} "
                f"(layer {LAYER[target]})"
            )
        private = [n for n in names if n.startswith("_")] + [p for p in parts if p.startswith("_")]
        if private:
            problems.append(f"line {line}: private {private} imported from {module}")
    return problems


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_down_and_private_names_stay_home(path):
    problems = _problems(path, _unit(path.relative_to(PACKAGE).parts))
    assert not problems, "\n".join(problems)


def test_the_checker_catches_an_upward_and_a_private_import(tmp_path):
    """The test above can fail: a stats module importing the report layer, and a private
    kernel of stats imported from program, are both reported."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from analytics.report.render import render\n"
        "from analytics.stats._ranks import mann_whitney\n"
        "from analytics.stats.compare import _z\n"
    )
    assert len(_problems(bad, "stats")) == 1  # same unit: only the upward import counts
    assert len(_problems(bad, "program")) == 3  # report is above program; two private imports


def test_the_report_package_imports_its_parts_on_first_use():
    """A report notebook imports ``analytics.report.manifest`` in its kernel: that must not
    bring nbconvert and papermill along (about 1.7 s of CPU a render); every public name of
    ``analytics.report`` still resolves."""
    import subprocess
    import sys

    import analytics.report as report

    code = (
        "import sys, analytics.report.manifest, analytics.report;"
        "print(sorted(m for m in ('nbconvert', 'papermill', 'analytics.report.render')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert sorted(report.__all__) == sorted(report._WHERE)
    for name in report.__all__:
        assert getattr(report, name) is not None
    with pytest.raises(AttributeError, match="no_such_name"):
        report.no_such_name  # noqa: B018
