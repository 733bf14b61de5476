"""The output folder: what the render owns in it, and publishing a month in one atomic step.

Layout inside ``--out`` (docs/operations.md)::

    index.html                 the render's own
                               (``<meta name="generator" content="devops-analytics``)
    2021-12 -> .versions/2021-12-<id>    a symlink: the published version of the month
    .versions/2021-12-<id>/    a month's pages, manifest and files, written before it is published
    _failed/2021-12/           executed notebooks of failed pages
    .render.lock               held while a render writes into the folder

A month is written into a fresh ``.versions/<month>-<id>/`` folder; publishing replaces the
``<month>`` symlink with ``os.replace`` (a rename, atomic on POSIX), so a reader sees the old
month or the new one, never a missing or half-written folder. What a crash can leave behind
(an unpublished version, the version just replaced, a temporary link, the staging folders of
older releases) is removed by the next render, under the lock.

The render replaces only what it wrote: a ``YYYY-MM`` entry that is neither such a symlink nor
a folder with the render's ``manifest.json``, or an ``index.html`` without the render's
generator mark, makes it stop before any work (``RenderError``, one line, exit code 2).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from analytics.exceptions import RenderError
from analytics.report.manifest import written_by_render

VERSIONS = ".versions"
FAILED_DIR = "_failed"
LOCK = ".render.lock"
INDEX = "index.html"
_GENERATOR_MARK = b'<meta name="generator" content="devops-analytics'
#: left by earlier releases or by a crash: staging folders, replaced folders, temporary links
_STALE = re.compile(r"^\.(render-|staging-|index\.html\.|\d{4}-\d{2}\.(old|link)-)")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_out_folder(out: Path, months: Iterable[str]) -> None:
    """Refuse (RenderError) an ``out`` that is a file, or holds a month or index not ours."""
    if out.exists() and not out.is_dir():
        raise RenderError(f"--out {out}: is a file, not a folder")
    if out.is_symlink() and not out.exists():
        raise RenderError(f"--out {out}: is a broken symbolic link")
    for month in months:
        owned_month(out, month)
    index = out / INDEX
    if index.is_symlink() or (index.exists() and not _our_index(index)):
        raise RenderError(
            f"{index} was not written by devops-analytics render; move it away or choose "
            f"another --out (the render never overwrites what it did not write)"
        )


def owned_month(out: Path, month: str) -> Path | None:
    """The version folder behind ``out/month`` (None when absent); RenderError when not ours."""
    path = out / month
    if path.is_symlink():
        target = Path(os.readlink(path))
        if target.parent == Path(VERSIONS) and (out / target).is_dir():
            return out / target
    elif not path.exists():
        return None
    elif path.is_dir() and written_by_render(path):
        return path  # a month folder of an earlier release, published in place
    raise RenderError(
        f"{path} was not written by devops-analytics render (no manifest.json of the "
        f"render); move it away or choose another --out (the render never replaces it)"
    )


def _our_index(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return _GENERATOR_MARK in fh.read(4096)
    except OSError:
        return False


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold ``out/.render.lock``; RenderError when another render is writing into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / LOCK).open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RenderError(f"another render is writing into {out}; wait for it") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def clean_stale(out: Path) -> list[str]:
    """Remove what an interrupted render left (call under ``locked``); returns the names."""
    removed = []
    for entry in out.iterdir() if out.is_dir() else []:
        if _STALE.match(entry.name):
            _remove(entry)
            removed.append(entry.name)
    versions = out / VERSIONS
    if versions.is_dir():
        live = {os.readlink(p) for p in out.iterdir() if p.is_symlink() and _MONTH.match(p.name)}
        for entry in versions.iterdir():
            if str(Path(VERSIONS) / entry.name) not in live:
                _remove(entry)
                removed.append(f"{VERSIONS}/{entry.name}")
    return removed


def new_version(out: Path, month: str) -> Path:
    """A fresh, empty, unpublished version folder for ``month``."""
    versions = out / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{month}-", dir=versions))


def publish(out: Path, month: str, version: Path) -> None:
    """Make ``version`` the published ``out/month`` in one rename; drop the version it replaces."""
    os.chmod(version, 0o755)
    link = out / month
    previous = owned_month(out, month)  # checked again: nothing of the user's is replaced
    if previous is not None and not link.is_symlink():
        # an earlier release's folder: moved into .versions first (a short window, once)
        moved = new_version(out, month)
        os.rmdir(moved)
        os.replace(previous, moved)
        previous = moved
    tmp = out / f".{month}.link-{version.name}"
    tmp.unlink(missing_ok=True)
    os.symlink(Path(VERSIONS) / version.name, tmp)
    _switch(tmp, link)
    if previous is not None and previous != version:
        shutil.rmtree(previous, ignore_errors=True)


def _switch(tmp: Path, link: Path) -> None:
    """The atomic step: rename the new link over the old one (a separate function for tests)."""
    os.replace(tmp, link)


def discard(version: Path) -> None:
    """Drop an unpublished version."""
    shutil.rmtree(version, ignore_errors=True)


def keep_failed(out: Path, month: str, notebooks: Iterable[Path]) -> dict[Path, Path]:
    """Move executed notebooks of failed pages to ``out/_failed/<month>/``; old → new paths."""
    folder = out / FAILED_DIR / month
    folder.mkdir(parents=True, exist_ok=True)
    moved = {}
    for path in notebooks:
        if path.exists():
            moved[path] = folder / path.name
            shutil.move(str(path), moved[path])
    return moved


def clear_failed(out: Path, month: str, names: Iterable[str]) -> None:
    """Remove the render's failed notebooks of ``month`` (only those names), then empty folders."""
    folder = out / FAILED_DIR / month
    for name in names:
        (folder / name).unlink(missing_ok=True)
    for empty in (folder, folder.parent):
        with contextlib.suppress(OSError):
            empty.rmdir()


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)
