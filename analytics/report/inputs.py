"""Fingerprints of what a month's pages are made from, for the incremental render.

A month is rendered again only when one of these changed since its manifest was written:

- ``rows``: the data as the month's pages see them (every table cut at the month's end with
  ``Dataset.until``, so later rows do not count), hashed row by row with pandas;
- ``program``: the bytes of program.yml (or of ``--program``);
- ``package``: the package version, and ``code``: the bytes of the package's own source and
  templates (a changed chart or wording in a checkout changes the pages too);
- ``notebooks``: the bytes of the report notebooks, with their titles and order;
- ``options``: the data folder as given, preset, services and extra parameters.

Not compared: the export's later rows and its data-quality log beyond the month's rows (a skipped
month keeps the provenance and quality log of the export it was rendered from; ``--force``
renders again).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

_PACKAGE = Path(__file__).resolve().parents[1]
_CODE_SUFFIXES = {".py", ".j2", ".css", ".json", ".tpl"}


def month_inputs(
    dataset,
    month: str,
    *,
    program_path: Path | None,
    notebooks: Iterable[tuple[str, Path]],
    options: Mapping[str, Any],
) -> dict[str, str]:
    """The fingerprints of ``month``'s pages (see the module docstring)."""
    import analytics

    return {
        "rows": rows_fingerprint(dataset, month),
        "program": files_fingerprint([program_path] if program_path else []),
        "package": analytics.__version__,
        "code": code_fingerprint(),
        "notebooks": _digest(
            json.dumps([[title, _sha(path)] for title, path in notebooks]).encode()
        ),
        "options": _digest(json.dumps(options, sort_keys=True, default=str).encode()),
    }


def rows_fingerprint(dataset, month: str) -> str:
    """SHA-256 over every table of ``dataset`` cut at the end of ``month``, row by row."""
    from analytics.data.schema import TABLE_NAMES
    from analytics.views.month import month_end

    cut = dataset.until(month_end(month, dataset.config.timezone))
    h = hashlib.sha256()
    for name in TABLE_NAMES:
        frame = cut.table(name)
        h.update(json.dumps([name, list(frame.columns), [str(t) for t in frame.dtypes]]).encode())
        h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def files_fingerprint(paths: Iterable[Path]) -> str:
    """SHA-256 of the files' bytes (a missing file counts as absent)."""
    return _digest(json.dumps([[str(p), _sha(p)] for p in paths]).encode())


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 of the package's source files and templates (relative path and bytes)."""
    h = hashlib.sha256()
    for path in sorted(p for p in _PACKAGE.rglob("*") if p.suffix in _CODE_SUFFIXES):
        if "__pycache__" not in path.parts:
            h.update(str(path.relative_to(_PACKAGE)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
