"""analytics.synthetic.large: deterministic, valid against the data contract, rows scale with
the factor."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import analytics
from analytics.cli import main
from analytics.data.schema import TABLE_NAMES, TABLES
from analytics.metrics.linking import link_changes, link_coverage, link_incidents
from analytics.synthetic import large as sample_large


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    sample_large.write_large(out, "tiny")
    return out


def test_same_seed_same_tables_other_seed_other_tables():
    a = sample_large.generate_large("tiny", seed=7)
    b = sample_large.generate_large("tiny", seed=7)
    c = sample_large.generate_large("tiny", seed=8)
    for t in TABLE_NAMES:
        pd.testing.assert_frame_equal(a[t], b[t])
    assert not a["deployments"]["finished_at"].equals(c["deployments"]["finished_at"])


def test_csv_bytes_are_reproducible(tmp_path):
    first = sample_large.write_large(tmp_path / "a", 0.001, formats=("csv",))
    second = sample_large.write_large(tmp_path / "b", 0.001, formats=("csv",))
    for x, y in zip(first, second, strict=True):
        assert x.name == y.name and x.read_bytes() == y.read_bytes()


def test_rows_scale_with_the_factor():
    tiny, small = sample_large.rows_for("tiny"), sample_large.rows_for("small")
    assert sample_large.rows_for("large") == sample_large.FULL_ROWS
    for t in TABLE_NAMES:
        assert small[t] == pytest.approx(5 * tiny[t], rel=0.01)
    frames = sample_large.generate_large(0.003)
    assert {t: len(f) for t, f in frames.items()} == sample_large.rows_for(0.003)
    with pytest.raises(ValueError):
        sample_large.rows_for(0)


def test_csv_and_parquet_load_as_the_same_valid_dataset(tiny_dir):
    csv = analytics.load(tiny_dir / "csv")  # raises on any breach of the contract
    parquet = analytics.load(tiny_dir / "parquet")
    want = sample_large.rows_for("tiny")
    for t in TABLE_NAMES:
        assert csv.rows_read[t] == want[t] and len(csv.table(t)) == want[t]  # nothing dropped
        assert list(csv.table(t).columns) == TABLES[t].names
        pd.testing.assert_frame_equal(csv.table(t), parquet.table(t))
    assert csv.config.timezone == "Asia/Shanghai" and csv.config.phase("baseline") is not None
    rules = set(csv.quality["rule"])
    assert "severity: values mapped through severity_map" in rules  # P1..P4 through program.yml
    assert any("offset other than" in r for r in rules)  # one service writes UTC ("Z")


def test_invariants_of_the_story(tiny_dir):
    ds = analytics.load(tiny_dir / "parquet")
    dep, chg, inc = ds.deployments, ds.changes, ds.incidents
    assert (dep["started_at"] <= dep["finished_at"]).all()
    assert (chg["committed_at"] <= chg["merged_at"]).all()
    assert (
        inc["impact_started_at"].dropna() <= inc.loc[inc["impact_started_at"].notna(), "opened_at"]
    ).all()
    first, last = ds.date_range()
    assert str(first.date()) >= "2019-01-01" and str(last.date()) <= "2023-12-31"
    assert set(dep["environment"]) == {"test", "staging", "production"}
    assert ds.test_runs.loc[ds.test_runs["suite"] != "unit", "coverage"].isna().all()


def test_links_exercise_every_rule(tiny_dir):
    ds = analytics.load(tiny_dir / "parquet")
    links = link_changes(ds.changes, ds.deployments)
    cover = link_coverage(
        ds.changes, ds.incidents, links, link_incidents(ds.incidents, ds.deployments)
    )
    changes = cover.set_index("table").loc["changes"]
    assert changes["explicit"] > 0.7 * changes["rows"]
    assert changes["service_time"] > 0
    assert changes["unlinked"] > 0  # merged after the last production deployment
    assert cover.set_index("table").loc["incidents", "previous_deployment"] > 0
    # explicit links point at successful production deployments of the same service
    shipped = links.dropna(subset=["deployment_id"]).merge(
        ds.deployments, on="deployment_id", suffixes=("", "_d")
    )
    assert set(shipped["environment"]) == {"production"} and set(shipped["status"]) == {"success"}


def test_sample_command_writes_the_scale_data(tmp_path, capsys):
    assert (
        main(["sample", "--scale", "0.001", "--out", str(tmp_path / "d"), "--format", "parquet"])
        == 0
    )
    printed = capsys.readouterr().out.split()
    assert sorted(p.rsplit("/", 1)[-1] for p in printed) == sorted(
        [f"{t}.parquet" for t in TABLE_NAMES] + ["program.yml"]
    )
    assert len(analytics.load(tmp_path / "d").changes) == sample_large.rows_for(0.001)["changes"]
    assert main(["sample", "--scale", "huge", "--out", str(tmp_path / "e")]) == 2


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError):
        sample_large.write_large(tmp_path, "tiny", formats=("xlsx",))


def test_shas_are_forty_hex_digits():
    frames = sample_large.generate_large(0.001)
    shas = frames["changes"]["commit_sha"]
    assert shas.str.fullmatch(r"[0-9a-f]{40}").all() and shas.is_unique
    assert np.all(frames["deployments"]["deployment_id"].str.len() == 11)


def test_module_command_refuses_a_bad_scale_in_one_line(capsys):
    from analytics.synthetic.large.cli import main

    for bad in ("nope", "-1"):
        with pytest.raises(SystemExit) as stop:
            main(["--scale", bad, "--out", "unused"])
        assert stop.value.code == 2
        assert (
            f"--scale must be one of tiny, small, medium, large or a positive number, got '{bad}'"
            in capsys.readouterr().err
        )
