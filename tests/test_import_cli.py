"""``devops-analytics import``: writes or merges canonical CSVs, idempotently, and writes
nothing on error."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from analytics import load
from analytics.cli import build_parser, main
from tests.conftest import FIXTURES

SRC = FIXTURES / "sources"
REAL = FIXTURES / "realdata"


def snapshot(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_import_is_registered_under_its_keyword():
    parser = build_parser()
    args = parser.parse_args(["import", "git", "repo", "--out", "data"])
    assert args.tool == "git" and args.inputs == ["repo"] and args.out == "data"


def test_git_import_then_metrics_and_byte_identical_reimport(tmp_path, capsys):
    out = tmp_path / "cp"
    assert main(["import", "git", str(REAL / "content-publisher"), "--out", str(out)]) == 0
    assert sorted(snapshot(out)) == ["changes.csv", "deployments.csv", "program.yml"]
    first = snapshot(out)
    assert "Imported git export" in capsys.readouterr().out
    assert main(["import", "git", str(REAL / "content-publisher"), "--out", str(out)]) == 0
    assert snapshot(out) == first  # re-importing the same export changes no byte
    assert "already_there" in capsys.readouterr().out
    ds = load(out)
    assert len(ds.deployments) == 795 and len(ds.changes) == 1975
    assert main(["metrics", str(out), "--format", "csv"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    feb = table[
        (table["metric"] == "production_releases") & (table["period_start"] == "2024-02-01")
    ]
    assert feb["value"].iloc[0] == 29


def test_local_repository_import_then_metrics(tmp_path, capsys):
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    from tests.test_sources_git import make_repo

    repo = make_repo(tmp_path)
    out = tmp_path / "data"
    assert main(["import", "git", str(repo), "--out", str(out)]) == 0
    assert main(["metrics", str(out)]) == 0
    assert "Production releases" in capsys.readouterr().out  # the readable view
    assert set(load(out).deployments["service"]) == {"shop-api"}


def test_incidents_only_import_gets_empty_deployments_and_program(tmp_path, capsys):
    out = tmp_path / "llm"
    args = [
        "import",
        "csv",
        str(REAL / "llm-status-incidents" / "incident_stages.csv"),
        "--mapping",
        str(REAL / "llm-status-incidents" / "mapping.yml"),
        "--out",
        str(out),
    ]
    assert main(args) == 0
    assert (out / "deployments.csv").read_text().startswith("deployment_id,service,environment")
    assert len(load(out).incidents) == 540
    assert main(["metrics", str(out), "--by", "service", "--format", "csv"]) == 0
    assert "time_to_restore_hours" in capsys.readouterr().out


def test_merging_sources_and_dedupe_by_id(tmp_path):
    out = tmp_path / "data"
    gh = [
        str(SRC / "github" / "deployments.json"),
        str(SRC / "github" / "deployment_statuses.json"),
    ]
    assert main(["import", "github", *gh, "--out", str(out)]) == 0
    assert (
        main(
            [
                "import",
                "jenkins",
                str(SRC / "jenkins" / "builds.json"),
                "--service",
                "payments-api",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    dep = load(out).deployments
    assert len(dep) == 5 + 5 and dep["deployment_id"].is_unique
    # a later export of the same deployments: 1296800007 has finished since; ids dedupe, it is added
    statuses = json.loads(
        (SRC / "github" / "deployment_statuses.json").read_text().split("][")[0] + "]"
    )
    done = dict(statuses[0], id=2841121199, state="success", created_at="2024-03-05T16:45:00Z")
    later = tmp_path / "statuses_later.json"
    later.write_text((SRC / "github" / "deployment_statuses.json").read_text() + json.dumps([done]))
    assert main(["import", "github", gh[0], str(later), "--out", str(out)]) == 0
    dep = load(out).deployments
    assert len(dep) == 11 and "github:1296800007" in set(dep["deployment_id"])


def test_program_yml_written_once_and_production_names_listed(tmp_path):
    out = tmp_path / "data"
    assert main(["import", "jenkins", str(SRC / "jenkins" / "builds.json"), "--out", str(out)]) == 0
    program = (out / "program.yml").read_text()
    assert "production_environments: [production, prod]" in program  # Jenkins said PROD once
    (out / "program.yml").write_text("name: Mine\ntimezone: Asia/Shanghai\n")
    assert main(["import", "jenkins", str(SRC / "jenkins" / "builds.json"), "--out", str(out)]) == 0
    assert (out / "program.yml").read_text() == "name: Mine\ntimezone: Asia/Shanghai\n"
    # timestamps are rewritten in the program's zone, so loading repairs nothing
    assert "+08:00" in (out / "deployments.csv").read_text()
    assert not load(out).quality["rule"].str.contains("offset").any()


@pytest.mark.parametrize(
    ("tool", "make_input", "expected"),
    [
        ("github", lambda d: _truncated(d), "truncated JSON"),
        ("junit", lambda d: SRC / "junit" / "nunit3.xml", "not a JUnit XML report"),
        ("git", lambda d: _plain_folder(d), "not a git repository"),
        ("jira", lambda d: _bad_jira(d), "row 2, column Created"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, tool, make_input, expected):
    path = make_input(tmp_path)
    out = tmp_path / "new"
    assert main(["import", tool, str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and expected in err and str(path) in err
    assert not out.exists()
    existing = tmp_path / "existing"
    assert (
        main(["import", "jenkins", str(SRC / "jenkins" / "builds.json"), "--out", str(existing)])
        == 0
    )
    before = snapshot(existing)
    assert main(["import", tool, str(path), "--out", str(existing)]) == 2
    assert snapshot(existing) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left


def test_csv_missing_mapped_column_exits_2(tmp_path, capsys):
    bad = tmp_path / "log.csv"
    bad.write_text((SRC / "csv" / "change_log.csv").read_text().replace("Outcome", "Result"))
    out = tmp_path / "out"
    assert (
        main(
            [
                "import",
                "csv",
                str(bad),
                "--mapping",
                str(SRC / "csv" / "change_log.mapping.yml"),
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "column Outcome" in capsys.readouterr().err and not out.exists()


def test_parquet_table_in_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "data"
    out.mkdir()
    (out / "deployments.parquet").write_bytes(b"PAR1")
    assert main(["import", "jenkins", str(SRC / "jenkins" / "builds.json"), "--out", str(out)]) == 2
    assert "deployments.parquet" in capsys.readouterr().err


def _truncated(d):
    path = d / "deployments.json"
    path.write_text((SRC / "github" / "deployments.json").read_text()[:900])
    return path


def _plain_folder(d):
    folder = d / "not-a-repo"
    folder.mkdir()
    (folder / "README").write_text("hi")
    return folder


def _bad_jira(d):
    path = d / "jira.csv"
    path.write_text(
        (SRC / "jira" / "incidents_en.csv")
        .read_text()
        .replace("04/Mar/24 11:40 PM", "4.3.2024 23:40")
    )
    return path


# --- issue #16 item 4: what a new user of the imports meets ---------------------------------
LLM = FIXTURES / "realdata" / "llm-status-incidents"


def test_import_help_shows_the_mapping_format(capsys):
    with pytest.raises(SystemExit):
        main(["import", "csv", "--help"])
    out = capsys.readouterr().out
    for key in ("table:", "columns:", "values:", "constants:", "timestamps:", "drop_rows:"):
        assert key in out


def test_statuspage_given_a_csv_points_at_import_csv(tmp_path, capsys):
    code = main(["import", "statuspage", str(LLM / "incident_stages.csv"), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "import csv --mapping" in err and "invalid JSON" in err
    assert not any(tmp_path.iterdir())  # nothing written


def test_unknown_severity_in_a_csv_import_points_at_the_mapping_values(tmp_path, capsys):
    mapping = tmp_path / "m.yml"
    mapping.write_text((LLM / "mapping.yml").read_text().replace("3: critical", "5: critical"))
    out = tmp_path / "data"
    code = main(
        ["import", "csv", str(LLM / "incident_stages.csv"), "--mapping", str(mapping)]
        + ["--out", str(out)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "unknown severity value '3'" in err and "values: {severity: {...}}" in err
    assert "severity_map" not in err and str(mapping) in err


def test_summary_without_deliveries_says_what_it_can(tmp_path, capsys):
    out = tmp_path / "data"
    args = ["import", "csv", str(LLM / "incident_stages.csv"), "--mapping"]
    assert main([*args, str(LLM / "mapping.yml"), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["summary", str(out), "--month", "2024-07"]) == 0
    text = capsys.readouterr().out
    assert "(no rows)" not in text and "sets no targets" in text
    # July 2024 by hand from incident_stages.csv: incidents opened in July (program.yml: UTC)
    inc = load(out).incidents
    july = inc[inc["opened_at"].dt.strftime("%Y-%m") == "2024-07"]
    assert "Time to restore (mean)" in text and f" {len(july)} " in text
    assert "No data this month for: delivery throughput per day" in text
