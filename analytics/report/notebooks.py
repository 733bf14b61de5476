"""The render's checks of the notebooks (no kernel runs) and each month's provenance lines.

``declared_parameters`` reads a notebook's ``parameters`` cell with ``ast`` and papermill;
``provenance`` is the footer every page shows (and the manifest keeps).
"""

from __future__ import annotations

import ast
import subprocess
from functools import lru_cache
from pathlib import Path

import nbformat
import papermill

from analytics.exceptions import RenderError
from analytics.report.registry import Report


def check_kernel(name: str) -> None:
    """The kernelspec exists (reads kernel.json; starts nothing)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise RenderError(
            f"no Jupyter kernel named {name!r}: run `make install` (it registers "
            f"the python3 kernel of .venv)"
        ) from None


def declared_parameters(folder: Path, report: Report) -> tuple[set[str], int]:
    path = folder / report.notebook
    if not path.is_file():
        raise RenderError(f"{path}: report notebook not found")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several types for a damaged file
        raise RenderError(f"{path}: not a readable notebook ({type(exc).__name__})") from None
    index = next(
        (i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])), None
    )
    if index is None:
        raise RenderError(f"{path}: no cell is tagged 'parameters'")
    return assigned_names(nb.cells[index].source) | set(
        papermill.inspect_notebook(str(path))
    ), index


def assigned_names(source: str) -> set[str]:
    """Names a ``parameters`` cell assigns at top level (``x = 1``, ``x: int | None = None``).

    Read with ``ast``, which also understands the annotations papermill's own parser misses
    (``str | None``, ``list[str]``); empty when the cell is not plain Python.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Name):
                    names.add(leaf.id)
    return names


def provenance(
    data_dir, month, ds, given, params, last, through, rendered
) -> list[tuple[str, str]]:
    import analytics
    from analytics.metrics.working_time import clock_note

    cfg = ds.config
    preset = given["preset"] or f"{cfg.definitions} (program.yml)"
    commit = git_commit()
    rows = [
        ("Data folder", str(data_dir)),
        (
            "Data through",
            f"{through} (local dates, {cfg.timezone})"
            + (
                f"; later rows of the export, which runs to {last}, are not used"
                if last > through
                else ""
            ),
        ),
        ("Month", month),
        ("Definitions preset", preset),
        ("Calendar", clock_note(cfg, given["preset"])),
        (
            "Program file",
            given["program_file"]
            or ("program.yml in the data folder" if cfg.source else "none (defaults)"),
        ),
        ("Services", ", ".join(given["services"]) if given["services"] else "all"),
    ]
    if params:
        rows.append(("Parameters", ", ".join(f"{k}={v!r}" for k, v in sorted(params.items()))))
    rows += [
        ("Package", f"devops-analytics {analytics.__version__}"),
        ("Git commit", commit or "not a git checkout"),
        ("Rendered", rendered),
    ]
    return rows


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The short commit of the package's checkout (``+changes`` when dirty), or None."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        )
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return sha.stdout.strip() + (" +changes" if dirty.stdout.strip() else "")
