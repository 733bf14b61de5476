"""program.yml ``teams`` (analytics/config/teams.py) and the metrics/impact by team
(analytics/program/groups.py), on a hand-made dataset of two teams where one gets worse."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analytics.config import parse_config
from analytics.config.teams import NO_TEAM, Team, team_groups
from analytics.exceptions import AnalyticsError, ConfigError
from analytics.plots.groups import group_forest
from analytics.program.groups import (
    IMPROVED,
    NO_DATA,
    WORSENED,
    groups,
    impact_by,
    metric_table_by,
    scorecard_by,
)
from analytics.views import MonthReport, team_impact_table, team_verdict_markdown
from tests.helpers import make_dataset

PHASES = {
    "baseline": {"start": "2021-01-01", "end": "2021-01-31"},
    "program": {"start": "2021-02-01", "end": "2021-02-28"},
    "after": {"start": "2021-03-01", "end": "2021-03-31"},
}
TEAMS = {"Alpha": ["a1"], "Beta": {"services": ["b1"], "department": "Ops"}}


def _deployments(service: str, month: str, per_day: int, start: int) -> list[str]:
    days = pd.date_range(f"{month}-01", periods=31, freq="D")
    rows, i = [], start
    for day in days:
        for k in range(per_day):
            rows.append(
                f"{service}-{i},{service},production,{day:%Y-%m-%d}T{8 + k:02d}:00Z,success"
            )
            i += 1
    return rows


@pytest.fixture(scope="module")
def two_teams():
    """Alpha deploys 1 a day in January and 5 a day in March (x5); Beta the reverse (x0.2)."""
    rows = ["deployment_id,service,environment,finished_at,status"]
    rows += _deployments("a1", "2021-01", 1, 0) + _deployments("a1", "2021-03", 5, 100)
    rows += _deployments("b1", "2021-01", 5, 0) + _deployments("b1", "2021-03", 1, 500)
    ds = make_dataset(deployments="\n".join(rows))
    config = parse_config({"phases": PHASES, "teams": TEAMS})
    return dataclasses.replace(ds, config=config)


def test_parse_teams_short_and_long_form():
    config = parse_config({"teams": TEAMS})
    assert config.teams == (Team("Alpha", ("a1",)), Team("Beta", ("b1",), "Ops"))


@pytest.mark.parametrize(
    ("teams", "message"),
    [
        ({"A": ["x"], "B": ["x"]}, "key 'teams.B': service 'x' is already in team 'A'"),
        ({"A": []}, "key 'teams.A': needs a non-empty list of services"),
        ({"A": {"services": ["x"], "lead": "me"}}, "key 'teams.A.lead': unknown key"),
        ([], "key 'teams': must map team names"),
        ({NO_TEAM: ["x"]}, "a team needs a name other than"),
    ],
)
def test_bad_teams_name_the_key(teams, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        parse_config({"teams": teams}, source="p.yml")


def test_services_without_a_team_form_their_own_group():
    assert team_groups([Team("A", ("x", "gone"))], ["x", "y", "z"]) == {
        "A": ("x",),
        NO_TEAM: ("y", "z"),
    }


def test_groups_by_team_department_and_service(two_teams):
    assert groups(two_teams, "team") == {"Alpha": ("a1",), "Beta": ("b1",)}
    assert groups(two_teams, "department") == {"Alpha": ("a1",), "Ops": ("b1",)}
    assert groups(two_teams, "service") == {"a1": ("a1",), "b1": ("b1",)}
    no_teams = dataclasses.replace(two_teams, config=parse_config({"phases": PHASES}))
    with pytest.raises(ConfigError, match="key 'teams': needed for a view by team"):
        groups(no_teams, "team")


def test_metric_table_by_team_counts_each_teams_deployments(two_teams):
    table = metric_table_by(two_teams, "team")
    releases = table[table["metric"] == "production_releases"].set_index(["team", "period_start"])
    # hand count: Alpha 31 in January, 155 in March; Beta the reverse; none in February
    assert releases.loc[("Alpha", pd.Timestamp("2021-01-01")), "value"] == 31
    assert releases.loc[("Alpha", pd.Timestamp("2021-03-01")), "value"] == 155
    assert releases.loc[("Beta", pd.Timestamp("2021-01-01")), "value"] == 155
    assert releases.loc[("Beta", pd.Timestamp("2021-02-01")), "value"] == 0


def test_impact_by_team_names_the_team_that_got_worse(two_teams):
    table = impact_by(two_teams, "team", n_boot=200)
    rates = table[table["metric"] == "delivery_throughput_per_day"].set_index("team")
    # rate ratio after / baseline, both phases 31 days: 155/31 = 5 and 31/155 = 0.2
    assert rates.loc["Alpha", "effect"] == pytest.approx(5.0)
    assert rates.loc["Beta", "effect"] == pytest.approx(0.2)
    assert rates.loc["Alpha", "status"] == IMPROVED
    assert rates.loc["Beta", "status"] == WORSENED
    assert not rates.loc["Beta", "improved"]
    # no incidents or test runs: those rows have no data, never "no change"
    assert (table.loc[table["metric"] == "time_to_restore_hours", "status"] == NO_DATA).all()
    # Holm across all rows: the adjusted p is at least the team's own
    assert (table["p_adjusted"].fillna(1) >= table["p_value"].fillna(1) - 1e-15).all()


def test_team_page_says_which_team_got_worse(two_teams):
    report = MonthReport(two_teams, "2021-03", "default")
    text = team_verdict_markdown(report)
    line = next(x for x in text.splitlines() if "Successful deployments" in x)
    assert "improved: Alpha" in line and "got worse: Beta" in line
    wide = team_impact_table(report)
    assert wide.loc["Beta", "Successful deployments"] == "5.00 a day → 1.00 a day (got worse)"
    assert wide.loc["Alpha", "Successful deployments"] == "1.00 a day → 5.00 a day (improved)"


def test_forest_draws_the_worse_team_as_a_worsening(two_teams):
    fig = group_forest(impact_by(two_teams, "team", n_boot=200), "team")
    first = fig.axes[0]
    assert "improved: Alpha; worse: Beta" in first.get_title(loc="left")
    # throughput and releases: Alpha x5, Beta x0.2; failure and rework rates 0% on both sides;
    # lead time, restore time, tests and coverage: no rows
    assert fig.get_suptitle() == (
        "By team: 2 improvements, 2 worsenings, 4 without a clear change, 8 without data"
    )


def test_scorecard_by_team_leaves_out_count_targets(two_teams):
    config = parse_config(
        {
            "phases": PHASES,
            "teams": TEAMS,
            "targets": {"production_releases": 18, "rework_rate": 0.1},
        }
    )
    card = scorecard_by(dataclasses.replace(two_teams, config=config), "team", "2021-03-01")
    assert list(card["metric"]) == ["rework_rate", "rework_rate"]
    assert list(card["team"]) == ["Alpha", "Beta"]
    assert card["met"].tolist() == [True, True]  # no hotfix or rollback: 0% <= 10%


def test_unknown_team_lists_the_known_ones(two_teams):
    with pytest.raises(
        AnalyticsError,
        match=r"unknown team 'alpha' \(known: Alpha, Beta, \(no team\)\); did you mean 'Alpha'",
    ):
        two_teams.filter_teams(["alpha"])
    assert two_teams.filter_teams(["Beta"]).service_names() == ["b1"]


def test_forest_of_one_metric_counts_only_that_metric(two_teams):
    fig = group_forest(impact_by(two_teams, "team", n_boot=200), "team", metrics=["rework_rate"])
    assert len([a for a in fig.axes if a.axison]) == 1
    assert fig.get_suptitle() == "By team: 0 improvements, 0 worsenings, 2 without a clear change"


def test_outlier_rows_are_the_rows_of_the_farthest_period(two_teams):
    from analytics.views import outlier_rows

    report = MonthReport(two_teams.filter_teams(["Alpha"]), "2021-03", "default")
    # Alpha's releases per month: 31, 0, 155; median 31: March is farthest (124 away)
    rows = outlier_rows(report, "production_releases", "month")
    assert len(rows) == 155 and set(rows["period_start"]) == {pd.Timestamp("2021-03-01")}
    assert set(rows["service"]) == {"a1"}


def test_open_month_for_a_team_and_the_latest_month(tmp_path):
    import shutil

    from analytics.views import open_month
    from tests.conftest import FIXTURES

    folder = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", folder)
    with (folder / "program.yml").open("a", encoding="utf-8") as fh:
        fh.write("teams: {Front: [web], Back: [api, db]}\n")
    report = open_month(str(folder), None, teams=["Front"])
    assert report.month == "2021-03" and report.dataset.service_names() == ["web"]
    with pytest.raises(AnalyticsError, match="unknown team 'front'"):
        open_month(str(folder), None, teams=["front"])
