"""Finding a data folder named relative to the repository from wherever a notebook runs.

Notebooks name their data as ``data/sample``, a path from the repository root. Papermill and
the render command run them from the root, but JupyterLab starts each kernel in the notebook's
own folder (``notebooks/reports/``). :func:`find_data_dir` makes one relative path work in both.
"""

from __future__ import annotations

from pathlib import Path

from analytics.exceptions import DataValidationError


def find_data_dir(path: str | Path, start: str | Path | None = None) -> Path:
    """The data folder ``path``, looked for in ``start`` and then in its parent folders.

    Parameters
    ----------
    path
        A data folder: absolute, or relative to ``start``.
    start
        The folder a relative ``path`` is read from, where the search begins; None: the
        current folder.

    Returns
    -------
    Path
        ``path`` unchanged when it exists as given (relative to the current folder when
        ``start`` is None, else ``start / path``); otherwise the first existing folder
        ``parent / path`` over the parents of ``start``, nearest first, up to the
        filesystem root (an absolute path).

    Raises
    ------
    DataValidationError
        when ``path`` exists nowhere it was looked for; the message names the path and the
        folders searched. An absolute path is never searched for.

    Examples
    --------
    >>> from analytics.paths import find_data_dir
    >>> find_data_dir("data/sample")  # doctest: +SKIP
    PosixPath('/home/me/devops-analytics/data/sample')
    """
    given = Path(path)
    base = Path.cwd() if start is None else Path(start)
    here = given if start is None else base / given
    if here.exists():
        return here
    if given.is_absolute():
        raise DataValidationError("no such folder", file=str(path))
    folder = base.resolve()
    for parent in folder.parents:
        if (parent / given).is_dir():
            return parent / given
    raise DataValidationError(
        f"no such folder in {folder} or any folder above it (up to {folder.anchor})", file=str(path)
    )
