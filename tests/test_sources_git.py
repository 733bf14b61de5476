"""git adapter: releases from tags, commits shipped by ancestry, on a fixture export, a real
local repository built on the fly, and the real content-publisher history (trimmed)."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from analytics import DataValidationError
from analytics.sources import SourceOptions, read
from tests.conftest import FIXTURES

EXPORT = FIXTURES / "sources" / "git"
REAL = FIXTURES / "realdata" / "content-publisher"


@pytest.fixture(scope="module")
def export_tables():
    return read(
        "git",
        [EXPORT / "tags.csv", EXPORT / "commits.csv"],
        SourceOptions(service="payments-api", tags="v*"),
    )


def test_export_releases_are_matching_tags_in_time_order(export_tables):
    tables, _ = export_tables
    dep = tables["deployments"]
    assert list(dep["version"]) == [
        "v1.0.0",
        "v1.1.0",
        "v1.1.1",
        "v1.2.0",
    ]  # nightly-* excluded by --tags
    assert list(dep["deployment_id"]) == [f"payments-api@{v}" for v in dep["version"]]
    assert set(dep["environment"]) == {"production"} and set(dep["status"]) == {"success"}
    assert dep["finished_at"].iloc[0] == pd.Timestamp(
        "2024-03-01T11:00:00Z"
    )  # tag time, +01:00 read


def test_export_changes_are_first_release_reaching_each_commit(export_tables):
    tables, log = export_tables
    ch = tables["changes"]
    subjects = {r["commit"]: r["subject"] for r in csv.DictReader((EXPORT / "commits.csv").open())}
    shipped = (
        ch.assign(subject=ch["change_id"].map(subjects))
        .groupby("deployment_id")["subject"]
        .apply(set)
    )
    assert shipped["payments-api@v1.0.0"] == {"Initial commit", "Payments skeleton"}
    assert shipped["payments-api@v1.1.0"] == {
        "Fix typo",
        "Add IBAN model",
        "Validate IBAN checksum",
    }
    # the merge brings both sides, the merge commit included
    assert shipped["payments-api@v1.2.0"] == {
        "Log card network",
        "Tidy settlement export",
        'Retry refunds on 503, "idempotent"',
        "Merge pull request #42 from acme/refund-retries",
    }
    assert "payments-api@v1.1.1" not in shipped  # tags an older commit: ships nothing new
    assert len(ch) == 9 and ch["change_id"].is_unique
    rules = log.frame().set_index("rule")["rows"]
    assert (
        rules["commits in no release (not shipped yet, or only on untagged branches) left out"] == 1
    )
    assert rules["merge commits kept as changes"] == 1
    assert any("ship no new commit" in r for r in rules.index)


def test_export_authored_and_committed_times_kept(export_tables):
    ch = export_tables[0]["changes"].set_index("change_id")
    retry = next(
        i for i, r in ch.iterrows() if r["committed_at"] == pd.Timestamp("2024-03-05T10:02:00Z")
    )
    assert ch.loc[retry, "authored_at"] == pd.Timestamp("2024-03-04T15:20:00Z")
    assert ch.loc[retry, "commit_sha"] == retry


def test_tag_pattern_matching_nothing_is_an_error():
    with pytest.raises(DataValidationError, match=r"tags\.csv.*column tag: no tags match 'rel-\*'"):
        read("git", [EXPORT / "tags.csv", EXPORT / "commits.csv"], SourceOptions(tags="rel-*"))


def test_not_a_repository(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DataValidationError, match="not a git repository") as err:
        read("git", [tmp_path])
    assert err.value.file == str(tmp_path)


def test_bad_date_in_export_names_file_row_column(tmp_path):
    text = (
        (EXPORT / "tags.csv").read_text().replace("2024-03-02T15:00:00+01:00", "02/03/2024 15:00")
    )
    (tmp_path / "tags.csv").write_text(text)
    shutil.copy(EXPORT / "commits.csv", tmp_path / "commits.csv")
    with pytest.raises(DataValidationError) as err:
        read("git", [tmp_path / "tags.csv", tmp_path / "commits.csv"])
    assert (
        err.value.file.endswith("tags.csv")
        and err.value.rows == [3]
        and err.value.column == "created_at"
    )


def test_missing_column_and_missing_file(tmp_path):
    (tmp_path / "tags.csv").write_text("tag,commit,tag_type\nv1,abc,annotated\n")
    shutil.copy(EXPORT / "commits.csv", tmp_path / "commits.csv")
    with pytest.raises(DataValidationError, match="missing column 'created_at'"):
        read("git", [tmp_path / "tags.csv", tmp_path / "commits.csv"])
    with pytest.raises(DataValidationError, match="tags.csv is missing"):
        read("git", [tmp_path / "commits.csv"])


# --- a real local repository -------------------------------------------------------------------

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_SYSTEM": os.devnull,
    "GIT_AUTHOR_NAME": "Ana",
    "GIT_AUTHOR_EMAIL": "ana@example.com",
    "GIT_COMMITTER_NAME": "Ana",
    "GIT_COMMITTER_EMAIL": "ana@example.com",
}


def _git(repo: Path, *args: str, when: str | None = None) -> str:
    env = {**os.environ, **GIT_ENV}
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    return subprocess.run(
        ["git", "-C", str(repo), *args], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def make_repo(root: Path) -> Path:
    """main: c1 - c2 (tag v1, annotated) - c3 ; feature off c2: f1 ; merge (tag v2, lightweight)."""
    repo = root / "shop-api"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")

    def commit(name: str, when: str, *author: str) -> None:
        (repo / f"{name}.txt").write_text(name)
        _git(repo, "add", f"{name}.txt")
        _git(repo, "commit", "-q", "-m", f"add {name}", *author, when=when)

    commit("c1", "2024-03-01T09:00:00+01:00")
    commit("c2", "2024-03-01T10:00:00+01:00")
    _git(repo, "tag", "-a", "v1", "-m", "release 1", when="2024-03-01T12:00:00+01:00")
    _git(repo, "checkout", "-q", "-b", "feature")
    commit("f1", "2024-03-02T09:00:00+01:00", "--author=Bo <bo@example.com>")
    _git(repo, "checkout", "-q", "main")
    commit("c3", "2024-03-02T10:00:00+01:00")
    _git(
        repo,
        "merge",
        "-q",
        "--no-ff",
        "feature",
        "-m",
        "merge feature",
        when="2024-03-03T08:00:00+01:00",
    )
    _git(repo, "tag", "v2")
    return repo


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_local_repository(tmp_path):
    repo = make_repo(tmp_path)
    before = _git(repo, "status", "--porcelain")
    tables, log = read("git", [repo])
    dep, ch = tables["deployments"], tables["changes"]
    assert list(dep["deployment_id"]) == ["shop-api@v1", "shop-api@v2"]  # service = repository name
    assert dep["finished_at"].iloc[0] == pd.Timestamp("2024-03-01T11:00:00Z")  # tagger date
    assert dep["finished_at"].iloc[1] == pd.Timestamp(
        "2024-03-03T07:00:00Z"
    )  # lightweight: commit date
    assert ch.groupby("deployment_id").size().to_dict() == {"shop-api@v1": 2, "shop-api@v2": 3}
    assert ch.groupby("author").size().to_dict() == {"ana@example.com": 4, "bo@example.com": 1}
    assert "lightweight tags: release time is the tagged commit's date (no tagger date)" in set(
        log.frame()["rule"]
    )
    assert _git(repo, "status", "--porcelain") == before  # read-only


def test_local_repository_without_tags(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    repo = tmp_path / "empty"
    repo.mkdir()
    _git(repo, "init", "-q")
    with pytest.raises(DataValidationError, match="no tags at all"):
        read("git", [repo])


# --- real data: alphagov/content-publisher (tests/fixtures/realdata/SOURCE.md) ----------------


@pytest.fixture(scope="module")
def real():
    return read("git", [REAL])


def _independent_first_release() -> tuple[list[dict], dict[str, int], dict[str, pd.Timestamp]]:
    """Straight from the CSVs, naively: each release's full ancestor set minus all earlier ones."""
    tags = list(csv.DictReader((REAL / "tags.csv").open(encoding="utf-8")))
    times = [pd.Timestamp(t["created_at"]) for t in tags]
    assert times == sorted(times)  # the export lists tags by time (ties in tag order)
    commits = {
        r["commit"]: r for r in csv.DictReader((REAL / "commits.csv").open(encoding="utf-8"))
    }
    parents = {c: [p for p in r["parents"].split() if p in commits] for c, r in commits.items()}
    first: dict[str, int] = {}
    for k, t in enumerate(tags):
        todo, seen = [t["commit"]], set()
        while todo:
            c = todo.pop()
            if c not in seen:
                seen.add(c)
                todo.extend(parents[c])
        for c in seen:
            first.setdefault(c, k)
    committed = {c: pd.Timestamp(r["committed_at"]) for c, r in commits.items()}
    return tags, first, committed


def test_real_monthly_releases_match_tag_counts(real):
    dep = real[0]["deployments"]
    per_month = dep["finished_at"].dt.strftime("%Y-%m").value_counts()
    counts: dict[str, int] = {}
    for row in csv.DictReader((REAL / "tags.csv").open(encoding="utf-8")):
        month = pd.Timestamp(row["created_at"]).tz_convert("UTC").strftime("%Y-%m")
        counts[month] = counts.get(month, 0) + 1
    for month in ("2021-01", "2022-09", "2023-08", "2024-02", "2024-09"):
        assert per_month[month] == counts[month]
    assert per_month.get("2023-06", 0) == 0  # a real gap: no release for three months
    assert len(dep) == 795 and per_month["2024-02"] == 29


def test_real_lead_times_match_independent_ancestry(real):
    tables, log = real
    tags, first, committed = _independent_first_release()
    dep, ch = tables["deployments"], tables["changes"]
    assert len(ch) == len(first) == 1975
    ids = {f"content-publisher@{t['tag']}": k for k, t in enumerate(tags)}
    assert all(
        ids[d] == first[c] for c, d in zip(ch["change_id"], ch["deployment_id"], strict=True)
    )
    released = dep.set_index("deployment_id")["finished_at"]
    lead = (ch["deployment_id"].map(released) - ch["committed_at"]).dt.total_seconds() / 3600
    month = ch["deployment_id"].map(released).dt.strftime("%Y-%m")
    ours = lead.groupby(month).median()
    for m in ("2021-01", "2022-09", "2023-09", "2024-02"):
        expected = pd.Series(
            [
                (pd.Timestamp(tags[k]["created_at"]) - committed[c]).total_seconds() / 3600
                for c, k in first.items()
                if pd.Timestamp(tags[k]["created_at"]).tz_convert("UTC").strftime("%Y-%m") == m
            ]
        ).median()
        assert ours[m] == pytest.approx(expected)
    assert ours["2021-01"] == pytest.approx(0.4186, abs=1e-3)  # 25 min: continuous deployment
    assert ours["2024-02"] == pytest.approx(0.2110, abs=1e-3)
    out_of_order = log.frame().set_index("rule")["rows"]
    assert (
        out_of_order[
            "releases that ship no new commit "
            "(re-tagged, or an older commit released after a newer one)"
        ]
        == 49
    )


def test_real_metrics_through_metric_table(real):
    metrics = pytest.importorskip("analytics.metrics")
    from analytics import Dataset

    ds = Dataset.from_tables(real[0])
    table = metrics.metric_table(ds, freq="month")
    rel = table[table["metric"] == "production_releases"].set_index("period_start")["value"]
    lead = table[table["metric"] == "lead_time_hours"].set_index("period_start")
    assert rel[pd.Timestamp("2024-02-01")] == 29 and rel[pd.Timestamp("2023-06-01")] == 0
    assert lead.loc[pd.Timestamp("2021-01-01"), "median"] == pytest.approx(0.4186, abs=1e-3)
    assert lead.loc[pd.Timestamp("2021-01-01"), "n"] == 35


def test_tsv_export_as_git_prints_it(tmp_path):
    """The documented commands write tab-separated files; quotes in subjects are not CSV quoting."""
    tags = (
        "tag\tcommit\tcreated_at\ttag_type\nv1\t" + "a" * 40 + "\t2024-03-01T12:00:00+01:00\ttag\n"
    )
    commits = (
        "commit\tparents\tauthored_at\tcommitted_at\tsubject\n"
        + "a" * 40
        + "\t"
        + "b" * 40
        + '\t2024-03-01T10:00:00+01:00\t2024-03-01T10:00:00+01:00\t"Quoted" start, comma\n'
        + "b" * 40
        + "\t\t2024-02-29T10:00:00+01:00\t2024-02-29T10:00:00+01:00\tInitial\n"
    )
    (tmp_path / "tags.tsv").write_text(tags)
    (tmp_path / "commits.tsv").write_text(commits)
    tables, _ = read("git", [tmp_path], SourceOptions(service="svc"))
    assert list(tables["deployments"]["deployment_id"]) == ["svc@v1"]
    assert len(tables["changes"]) == 2
    assert tables["changes"]["author"].isna().all()  # an export without the author column


def test_export_with_authors(tmp_path):
    tags = "tag,commit,created_at\nv1," + "a" * 40 + ",2024-03-01T12:00:00+01:00\n"
    commits = (
        "commit,parents,authored_at,committed_at,author,subject\n"
        + "a" * 40
        + ",,2024-03-01T10:00:00+01:00,2024-03-01T10:00:00+01:00,bo@example.com,Initial\n"
    )
    (tmp_path / "tags.csv").write_text(tags)
    (tmp_path / "commits.csv").write_text(commits)
    tables, _ = read("git", [tmp_path], SourceOptions(service="svc"))
    assert list(tables["changes"]["author"]) == ["bo@example.com"]
