"""git: releases from tags, and the commits each release shipped.

Input is a local repository (read with ``git for-each-ref`` and ``git log``; nothing is written),
or the two files those commands export (``tags.csv`` + ``commits.csv``, or their ``.tsv``
forms; see docs/adapters.md for the exact commands).

* every tag matching ``--tags`` (a glob; default: all) is a production release: a successful
  deployment at the tag's time (tagger date of annotated tags, commit date of lightweight ones);
* releases are ordered by that time (ties: natural tag order); each commit belongs to the
  *first* release whose tag reaches it (``analytics.data.ancestry.first_shipped_by``), so merge and
  squash workflows both work and an out-of-order release (a pipeline that tagged an older
  commit after a newer one) ships nothing twice;
* each shipped commit is a change: ``change_id`` = SHA, ``deployment_id`` = its release,
  ``author`` = the author's e-mail (``%aE``; an export without the column leaves it empty).
"""

from __future__ import annotations

import fnmatch
import subprocess
from pathlib import Path

import pandas as pd

from analytics.data.ancestry import first_shipped_by
from analytics.data.dataset import QualityLog
from analytics.data.guards import require_columns
from analytics.exceptions import DataValidationError
from analytics.sources._common import SourceOptions, finish, natural_key, read_csv

TAG_COLUMNS = ("tag", "commit", "created_at", "tag_type")
COMMIT_COLUMNS = ("commit", "parents", "authored_at", "committed_at", "author", "subject")
#: The exact formats (also documented in docs/adapters.md); tab-separated, one record per line.
TAG_FORMAT = (
    "%(refname:lstrip=2)%09%(if)%(*objectname)%(then)%(*objectname)%(else)%(objectname)%(end)"
    "%09%(creatordate:iso-strict)%09%(objecttype)"
)
LOG_FORMAT = "%H%x09%P%x09%aI%x09%cI%x09%aE%x09%s"
_TAG_TYPES = {"tag": "annotated", "commit": "lightweight"}


def read(paths: list[Path], options: SourceOptions) -> tuple[dict[str, pd.DataFrame], QualityLog]:
    """Deployments (one per release tag) and changes (one per shipped commit)."""
    log = QualityLog()
    tags, commits, tags_file, commits_file, name = _inputs(paths)
    service = options.service or name
    return _build(tags, commits, tags_file, commits_file, service, options, log), log


def _inputs(paths: list[Path]) -> tuple[pd.DataFrame, pd.DataFrame, str, str, str]:
    if len(paths) == 1 and paths[0].is_dir():
        folder = paths[0]
        export = [folder / f"{t}.{ext}" for t in ("tags", "commits") for ext in ("csv", "tsv")]
        found = [p for p in export if p.is_file()]
        if not (folder / ".git").exists() and len(found) >= 2:
            return _inputs(found)
        return _from_repository(folder)
    tags = commits = None
    for path in paths:
        if path.is_dir():
            raise DataValidationError(
                "give either one repository folder or the tags and commits files", file=str(path)
            )
        frame = read_csv(path)
        if "tag" in frame.columns:
            tags = (frame, str(path))
        elif "parents" in frame.columns:
            commits = (frame, str(path))
        else:
            raise DataValidationError(
                "neither a tags export (column 'tag') nor a commits export (column 'parents')",
                file=str(path),
                column="tag",
            )
    if tags is None or commits is None:
        missing = "tags.csv" if tags is None else "commits.csv"
        raise DataValidationError(
            f"the git export needs both tags.csv and commits.csv; {missing} is missing",
            file=str(paths[0]),
        )
    name = Path(tags[1]).resolve().parent.name
    return tags[0], commits[0], tags[1], commits[1], name


def _git(repo: Path, *args: str) -> str:
    cmd = [
        "git",
        "-C",
        str(repo),
        "-c",
        "log.showSignature=false",
        "-c",
        "core.quotepath=off",
        *args,
    ]
    try:
        done = subprocess.run(cmd, capture_output=True, check=False, timeout=300)
    except FileNotFoundError:
        raise DataValidationError("git is not installed (or not on PATH)", file=str(repo)) from None
    if done.returncode != 0:
        msg = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DataValidationError(
            f"git {args[0]} failed: {msg[0] if msg else done.returncode}", file=str(repo)
        )
    return done.stdout.decode("utf-8", "replace")


def _from_repository(repo: Path) -> tuple[pd.DataFrame, pd.DataFrame, str, str, str]:
    if not repo.exists():
        raise DataValidationError("no such folder", file=str(repo))
    check = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--show-toplevel", "--git-dir"],
        capture_output=True,
        check=False,
    )
    if check.returncode != 0:
        raise DataValidationError(
            "not a git repository (and no tags.csv + commits.csv export in it)", file=str(repo)
        )
    top = check.stdout.decode().splitlines()[0] if check.stdout.strip() else str(repo)
    tags = _tsv(_git(repo, "for-each-ref", f"--format={TAG_FORMAT}", "refs/tags"), TAG_COLUMNS)
    heads = ["--tags"]
    if (
        subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "-q", "--verify", "HEAD"],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    ):
        heads.append("HEAD")
    commits = _tsv(_git(repo, "log", f"--format={LOG_FORMAT}", *heads), COMMIT_COLUMNS)
    name = Path(top).name if top != "." else repo.resolve().name
    if name.endswith(".git"):  # a bare repository
        name = name[:-4]
    return tags, commits, f"{repo} (git for-each-ref)", f"{repo} (git log)", name


def _tsv(text: str, columns: tuple[str, ...]) -> pd.DataFrame:
    rows = [line.split("\t", len(columns) - 1) for line in text.splitlines() if line]
    rows = [r + [""] * (len(columns) - len(r)) for r in rows]
    frame = pd.DataFrame(rows, columns=list(columns), dtype="str").replace("", pd.NA)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def _times(s: pd.Series, file: str, column: str) -> pd.Series:
    parsed = pd.to_datetime(s, utc=True, format="ISO8601", errors="coerce")
    bad = parsed.isna()
    if bad.any():
        raise DataValidationError(
            f"cannot read {s[bad].iloc[0]!r} as an ISO 8601 timestamp with offset "
            "(export with --format ...%(creatordate:iso-strict) / %cI)",
            file=file,
            rows=list(s.index[bad]),
            column=column,
        )
    return parsed


def _build(
    tags: pd.DataFrame,
    commits: pd.DataFrame,
    tags_file: str,
    commits_file: str,
    service: str,
    options: SourceOptions,
    log: QualityLog,
) -> dict[str, pd.DataFrame]:
    require_columns(tags, ("tag", "commit", "created_at"), Path(tags_file))
    require_columns(commits, ("commit", "parents", "committed_at"), Path(commits_file))
    pattern = options.tags or "*"
    if tags.empty:
        raise DataValidationError(
            "no tags at all: nothing marks a release", file=tags_file, column="tag"
        )
    match = (
        tags["tag"]
        .map(lambda t: isinstance(t, str) and fnmatch.fnmatchcase(t, pattern))
        .astype(bool)
    )
    rel = tags[match].copy()
    if rel.empty:
        raise DataValidationError(
            f"no tags match {pattern!r}: no releases to import", file=tags_file, column="tag"
        )
    rel["time"] = _times(rel["created_at"], tags_file, "created_at")
    commits = commits.drop_duplicates("commit")
    known = set(commits["commit"].dropna())
    orphan = ~rel["commit"].isin(known)
    if orphan.any():  # a tag on a tree or blob, or a commits export that missed it
        log.add(
            "deployments",
            "tags whose commit is not in the commit log dropped",
            "dropped",
            int(orphan.sum()),
            rel.loc[orphan, "tag"],
        )
        rel = rel[~orphan]
    order = sorted(set(rel["tag"]), key=natural_key)
    rel["order"] = rel["tag"].map({t: i for i, t in enumerate(order)})
    rel = rel.sort_values(["time", "order"], kind="stable")
    if (
        "tag_type" in rel.columns
    ):  # git prints the object type: tag (annotated) or commit (lightweight)
        light = rel["tag_type"].map(lambda t: _TAG_TYPES.get(t, t)).eq("lightweight")
        log.add(
            "deployments",
            "lightweight tags: release time is the tagged commit's date (no tagger date)",
            "noted",
            int(light.sum()),
            rel.loc[light, "tag"],
        )
    ids = [f"{service}@{t}" for t in rel["tag"]]
    deployments = pd.DataFrame(
        {
            "deployment_id": ids,
            "service": service,
            "environment": options.environment or "production",
            "finished_at": rel["created_at"].to_numpy(),
            "status": "success",
            "commit_sha": rel["commit"].to_numpy(),
            "version": rel["tag"].to_numpy(),
            "kind": "regular",
        },
        index=rel.index,
    )

    parents = {
        c: tuple(str(p).split()) if isinstance(p, str) else ()
        for c, p in zip(commits["commit"], commits["parents"], strict=True)
    }
    first = first_shipped_by(list(rel["commit"]), parents)
    shipped = commits[commits["commit"].isin(first.keys())].copy()
    shipped["deployment_id"] = [ids[first[c]] for c in shipped["commit"]]
    unreleased = len(commits) - len(shipped)
    log.add(
        "changes",
        "commits in no release (not shipped yet, or only on untagged branches) left out",
        "dropped",
        unreleased,
        commits.loc[~commits["commit"].isin(first.keys()), "commit"].str[:10],
    )
    empty = sorted(set(range(len(ids))) - set(first.values()))
    log.add(
        "deployments",
        "releases that ship no new commit (re-tagged, or an older commit released after "
        "a newer one)",
        "noted",
        len(empty),
        [rel["tag"].iloc[i] for i in empty],
    )
    merges = shipped["parents"].fillna("").str.contains(" ")
    log.add(
        "changes",
        "merge commits kept as changes",
        "noted",
        int(merges.sum()),
        shipped.loc[merges, "commit"].str[:10],
    )
    committed = _times(shipped["committed_at"], commits_file, "committed_at")
    released = pd.Series(dict(zip(ids, rel["time"], strict=True)))
    late = committed.to_numpy() > released.loc[shipped["deployment_id"]].to_numpy()
    log.add(
        "changes",
        "committed after their release's tag time (clock skew, or a lightweight tag dated by "
        "its commit): negative lead time",
        "noted",
        int(late.sum()),
        shipped.loc[late, "commit"].str[:10],
    )
    changes = pd.DataFrame(
        {
            "change_id": shipped["commit"],
            "service": service,
            "committed_at": shipped["committed_at"],
            "deployment_id": shipped["deployment_id"],
            "commit_sha": shipped["commit"],
        }
    )
    for column in ("authored_at", "author"):  # optional in an export
        if column in shipped.columns:
            changes[column] = shipped[column]
    return finish(
        {"deployments": deployments, "changes": changes},
        options,
        log,
        {"deployments": tags_file, "changes": commits_file},
    )
