"""The event study on the services' adoption dates: panel, study, view and chart."""

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics import load, plots, views
from analytics.config.adoption import Adoption
from analytics.program.rollout import ROLLOUT_METRICS, rollout_study, service_panel
from tests.conftest import SAMPLE_DIR


@pytest.fixture(scope="module")
def sample():
    return load(SAMPLE_DIR)


@pytest.fixture(scope="module")
def study(sample):
    return rollout_study(sample, n_boot=199)


def test_service_panel_pivots_services_by_month_and_takes_logs():
    rows = pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2021-02-01", "2021-01-01", "2021-01-01"]),
            "service": ["a", "a", "b"],
            "severity": "all",
            "metric": "lead_time_hours",
            "value": [np.e, 1.0, 0.0],
        }
    )
    panel = service_panel(rows, "lead_time_hours", log=True)
    assert list(panel.columns) == list(pd.to_datetime(["2021-01-01", "2021-02-01"]))
    assert panel.loc["a"].tolist() == [0.0, 1.0]
    assert panel.loc["b"].isna().all()  # log of 0 and a missing month: no value


def test_service_panel_leaves_out_months_with_too_few_items():
    rows = pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2021-01-01", "2021-02-01", "2021-01-01"]),
            "service": ["a", "a", "b"],
            "severity": "all",
            "metric": "time_to_restore_hours",
            "value": [3.0, 40.0, 5.0],
            "n": [2, 1, 3],  # a's February is one incident: not a monthly level
        }
    )
    panel = service_panel(rows, "time_to_restore_hours", min_n=2)
    assert panel.loc["a"].tolist()[0] == 3.0 and np.isnan(panel.loc["a"].tolist()[1])
    assert panel.loc["b"].tolist()[0] == 5.0
    assert service_panel(rows, "time_to_restore_hours").loc["a"].tolist() == [3.0, 40.0]


def test_time_to_restore_says_how_many_services_had_enough_incidents(study, sample):
    row = study.summary.set_index("metric").loc["time_to_restore_hours"]
    # the sample's incidents per service and month (metric_table by service): the adopters
    # with >= 2 incidents in the month before adoption are credit-scoring (Dec 2020: 2),
    # loan-application (2), api-gateway (Jan 2021: 2), identity (Jan: 3), repayment
    # (Feb: 2), risk-engine (Feb: 1, no), disbursement (Mar: 4), payment-gateway (Mar: 1, no),
    # customer-profile (Apr: 4), notification (Apr: 4), collections (May: 1, no), reporting
    # (Jun: 1, no): 8 of 12
    assert row["sentence"].endswith(
        "Only service-months with at least 2 incidents count; 8 of 12 adopted services had one "
        "in the month before adopting."
    )
    assert row["effect_kind"] == "ratio"


def test_the_sample_improves_when_each_service_adopts_not_before(study):
    rows = study.summary.set_index("metric")
    assert list(rows.index) == list(ROLLOUT_METRICS)
    for metric in ("production_releases", "unit_test_pass_rate", "test_coverage"):
        assert rows.loc[metric, "timing"] == "follows adoption", rows.loc[metric, "sentence"]
        assert rows.loc[metric, "ci_low"] > 0 and rows.loc[metric, "pretrend_p"] > 0.05
    assert rows.loc["test_coverage", "adopted"] == 12
    # the sample's coverage rises from about 0.50 to 0.96-1.00 within eight weeks of adoption
    assert 0.3 < rows.loc["test_coverage", "effect"] < 0.5
    base = study.coefficients.query("event_time == -1").set_index("metric")["estimate"]
    durations = ["lead_time_hours", "time_to_restore_hours"]
    assert (base[durations] == 1.0).all()  # durations are ratios: no change is 1
    assert (base.drop(durations) == 0).all()


def test_dates_that_come_too_late_show_a_change_already_under_way(sample):
    late = tuple(
        Adoption(a.service, min(a.date + dt.timedelta(days=120), dt.date(2021, 11, 1)))
        for a in sample.config.adoption
    )
    config = dataclasses.replace(sample.config, adoption=late)
    rows = rollout_study(sample, config, n_boot=199).summary.set_index("metric")
    assert rows.loc["test_coverage", "timing"] == "under way before adoption"
    assert "already under way before adoption" in rows.loc["test_coverage", "sentence"]


def test_without_adoption_dates_the_view_says_how_to_add_them(sample):
    config = dataclasses.replace(sample.config, adoption=())
    assert rollout_study(sample, config).summary.empty
    report = views.MonthReport(dataclasses.replace(sample, config=config), "2021-12", "default")
    assert "no *adoption* dates" in views.rollout_markdown(report)
    fig = plots.event_study_chart(report.rollout.coefficients, report.rollout.summary)
    assert "No adoption dates" in " ".join(t.get_text() for t in fig.axes[0].texts)


def test_view_and_chart_on_the_sample(study, sample):
    report = views.MonthReport(sample, "2021-12", "default")
    object.__setattr__(report, "rollout", study)  # the cached property, computed once above
    text = views.rollout_markdown(report)
    assert text.startswith("**4 of 7 metrics change when each service adopts the program")
    assert text.count("\n- ") == 7
    fig = plots.event_study_chart(study.coefficients, study.summary)
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert "Test coverage: follows adoption" in titles
    assert not any(t.startswith("Lead time") for t in titles)  # nothing estimable: no panel
    assert fig.alt_text.startswith("4 of 5 metrics with data change when each service adopts")
    assert "Time to restore: no clear change" in fig.alt_text  # a panel of its own
    lead = study.summary.set_index("metric").loc["lead_time_hours", "sentence"]
    assert lead == (
        "Lead time for changes: not enough data: too few services have a value in the month "
        "before they adopted."
    )


def test_cli_impact_by_adoption(capsys):
    from analytics.cli import main

    assert main(["impact", str(SAMPLE_DIR), "--by-adoption"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(ROLLOUT_METRICS)
    assert lines[-1].startswith("Test coverage: the change follows each service's own adoption")


def test_a_month_before_any_adoption_says_so():
    report = views.open_month(str(SAMPLE_DIR), "2020-11")
    assert views.rollout_markdown(report).startswith("No service had adopted the program")
    fig = plots.event_study_chart(report.rollout.coefficients, report.rollout.summary)
    assert "Too little data" in " ".join(t.get_text() for t in fig.axes[0].texts)


def test_aligning_on_one_milestone_uses_its_dates(sample):
    gate = tuple(
        Adoption(
            a.service,
            dt.date(2020, 10, 1),  # an earlier, unrelated first milestone for every service
            (("Unified CI pipeline", dt.date(2020, 10, 1)), ("Automated test gate", a.date)),
        )
        for a in sample.config.adoption
    )
    config = dataclasses.replace(sample.config, adoption=gate)
    on_gate = rollout_study(
        sample, config, metrics=("test_coverage",), milestone="Automated test gate", n_boot=99
    )
    plain = rollout_study(sample, metrics=("test_coverage",), n_boot=99)
    pd.testing.assert_frame_equal(on_gate.summary, plain.summary)
    # aligned on the first milestone, every service "adopted" in the first month: no before
    first = rollout_study(sample, config, metrics=("test_coverage",), n_boot=99)
    assert first.summary.loc[0, "adopted"] == 0
