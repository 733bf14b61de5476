"""Report views: what the notebooks show, on the tiny hand-made fixture and on the sample."""

import shutil

import pandas as pd
import pytest

from analytics import views
from analytics.exceptions import AnalyticsError
from tests.conftest import FIXTURES, SAMPLE_DIR

TINY = FIXTURES / "tiny"


@pytest.fixture(scope="module")
def tiny():
    return views.open_month(str(TINY), "2021-03")


def test_month_format_range_and_services_are_checked():
    with pytest.raises(AnalyticsError, match="YYYY-MM"):
        views.open_month(str(TINY), "2021-3")
    with pytest.raises(
        AnalyticsError, match=r"no data for 2030-01 \(the data covers 2021-01 to 2021-03\)"
    ):
        views.open_month(str(TINY), "2030-01")
    with pytest.raises(AnalyticsError, match="unknown service 'nosuch' \\(known: api, web\\)"):
        views.open_month(str(TINY), "2021-03", services=["nosuch"])


def test_incidents_of_month_keeps_titles_as_data_and_html_escapes_them(tiny):
    table = views.incidents_of_month(tiny)
    assert list(table.index) == ["i4", "i3"]  # March only, newest first
    assert table.loc["i4", "Restored in"] == "still open"
    assert table.loc["i3", "Restored in"] == "40 min"
    assert table.loc["i3", "Caused by"] == "d11"
    january = views.incidents_of_month(views.open_month(str(TINY), "2021-01"))
    assert january["Title"].iloc[0] == "<script>alert(1)</script>"
    html = january._repr_html_()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html


def test_verdict_separates_claims_from_other_comparisons_and_says_no_data(tiny):
    text = views.verdict_markdown(tiny)
    claims, others = text.split("Also compared")
    assert claims.count("\n- ") == 5 and others.count("\n- ") == 3
    assert "- No data: Unit-test pass rate." in claims  # tiny has no test runs
    # 2 vs 5 releases: too few to tell; the figures are the tiles' (monthly average, by hand:
    # January d01 d03 = 2 releases (baseline), March d07 d08 d09 d10 d12 = 5)
    assert (
        "- Not demonstrated: Production releases, monthly average: baseline 2 a month, "
        "after phase 5 a month." in claims
    )
    assert "Holm" not in text and "Not shown" not in text  # plain words on the summary


def test_kpi_table_and_verdict_by_hand(tiny):
    kpis = views.kpi_table(tiny)
    # March: d07 d08 d09 d10 d12 succeeded in production (d11 rolled back) = 5 >= 4
    assert kpis.loc["Production releases", "This month"] == "5 releases/month"
    assert kpis.loc["Production releases", "Met"] == "yes"
    # the only critical incident opened in March took 40 minutes
    assert kpis.loc["Time to restore (critical)", "This month"] == "40 min"
    text = views.verdict_markdown(tiny)
    assert "In March 2021, 2 of 2 targets were met." in text


def test_no_phases_means_no_impact_but_a_clear_sentence(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "deployments.csv").write_text((TINY / "deployments.csv").read_text())
    report = views.open_month(str(folder), "2021-03")
    assert report.impact.empty
    assert "cannot be estimated" in views.verdict_markdown(report)
    assert "nothing to compare" in views.impact_display(report).index[0]


def test_services_filter_keeps_only_those_services():
    report = views.open_month(str(TINY), "2021-03", services=["web"])
    assert set(report.dataset.deployments["service"]) == {"web"}
    assert set(views.incidents_of_month(report)["Service"]) <= {"web"}
    assert list(views.kpi_table(report).index) == [
        "Production releases",
        "Time to restore (critical)",
    ]


def test_its_counterfactual_is_the_baseline_level_when_the_baseline_has_no_clear_trend():
    report = views.open_month(str(SAMPLE_DIR), "2021-12")
    frame = views.its_frame(report, "production_releases")
    after = frame[frame["phase"] == "after"]
    baseline_mean = frame.loc[frame["phase"] == "baseline", "observed"].mean()
    assert after["counterfactual"].round(9).eq(round(baseline_mean, 9)).all()
    assert baseline_mean < 2  # about 3.3 releases a month


def test_sample_views():
    report = views.open_month(str(SAMPLE_DIR), "2021-12")
    cov = views.coverage_table(report)
    assert len(cov) == 12 and set(cov["Meets target"]) == {"yes"}
    assert len(views.impact_display(report)) == len(report.impact)
    defs = views.definitions_table(report)["Value"]
    assert defs["Time zone (days begin at local midnight)"] == "Asia/Shanghai"
    severities = list(views.restore_by_severity(report).index)
    assert severities[0] == "critical" and severities[-1] == "all"


def test_an_earlier_month_knows_nothing_later_and_does_not_judge_the_program_yet():
    report = views.open_month(str(SAMPLE_DIR), "2020-10")
    end = pd.Timestamp("2020-11-01", tz="Asia/Shanghai")
    for table, col in (
        ("deployments", "finished_at"),
        ("changes", "committed_at"),
        ("incidents", "opened_at"),
    ):
        assert (report.dataset.table(table)[col] < end).all()
    text = views.verdict_markdown(report)
    assert (
        "The program's effect is not judged yet:** the after phase starts in September 2021" in text
    )
    assert "claimed improvements are demonstrated" not in text
    shown = views.impact_display(report)
    assert set(shown["After"]) == {"no data"} and set(shown["Demonstrated"]) == {"no data"}
    # the same month rendered from a shorter export says the same
    later = views.open_month(str(SAMPLE_DIR), "2021-12")
    assert later.dataset.as_of is None and report.dataset.as_of <= end


def test_a_month_missing_from_the_export_is_flagged_not_read_as_a_collapse(tmp_path):
    folder = tmp_path / "gap"
    shutil.copytree(SAMPLE_DIR, folder)
    expected = {}
    for table, col in (
        ("deployments", "finished_at"),
        ("changes", "committed_at"),
        ("test_runs", "finished_at"),
    ):
        raw = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
        month = (
            pd.to_datetime(raw[col], utc=True, format="ISO8601")
            .dt.tz_convert("Asia/Shanghai")
            .dt.strftime("%Y-%m")
        )
        drop = month == "2021-03"
        if table == "test_runs":
            drop &= raw["service"] != "reporting"  # one service still reports
        usual = month[(month >= "2020-09") & (month < "2021-03")].value_counts().median()
        expected[table] = (int((month == "2021-03").sum() - drop.sum()), usual)
        raw[~drop].to_csv(folder / f"{table}.csv", index=False)
    warnings = views.month_warnings(views.open_month(str(folder), "2021-03"))
    n_dep, usual_dep = expected["deployments"]
    assert n_dep == 0
    assert warnings[0].startswith(
        f"No deployments in March 2021, against about {usual_dep:,.0f} a month before"
    )
    n_runs, usual_runs = expected["test_runs"]
    assert any(
        w.startswith(f"Only {n_runs:,} test runs in March 2021, against about {usual_runs:,.0f}")
        for w in warnings
    )
    assert (
        warnings[-1]
        == "Test coverage in March 2021 comes from 1 of the 12 services that reported it before."
    )
    assert views.month_warnings(views.open_month(str(SAMPLE_DIR), "2021-03")) == []


def test_release_mix_says_what_the_release_count_holds(tiny):
    assert (
        views.release_mix(tiny) == ""
    )  # March: d07 d08 d09 d10 d12, all regular (d11 rolled back)
    february = views.open_month(str(TINY), "2021-02")
    assert (
        views.release_mix(february)
        == "2 production releases in February 2021: 1 regular and 1 hotfix."
    )
    assert "- Counted as releases: 2 production releases" in views.verdict_markdown(february)


def test_a_gap_in_an_earlier_after_phase_month_is_flagged_in_later_reports(tmp_path):
    folder = tmp_path / "gap"
    shutil.copytree(SAMPLE_DIR, folder)
    raw = pd.read_csv(folder / "deployments.csv", dtype=str, keep_default_na=False)
    month = (
        pd.to_datetime(raw["finished_at"], utc=True, format="ISO8601")
        .dt.tz_convert("Asia/Shanghai")
        .dt.strftime("%Y-%m")
    )
    unique = ~raw.duplicated()  # the loader drops the sample's one duplicated row
    usual = month[unique & (month >= "2021-04") & (month < "2021-10")].value_counts().median()
    raw[month != "2021-10"].to_csv(folder / "deployments.csv", index=False)
    warnings = views.month_warnings(views.open_month(str(folder), "2021-12"))
    assert warnings == [
        f"Earlier months look like gaps in the export: deployments in October 2021 (0; usually "
        f"about {usual:,.0f}); the trends and the before/after comparison count them as quiet "
        "months."
    ]


def test_a_not_shown_change_whose_interval_excludes_no_change_says_why():
    from analytics.views.summary import _verdict_line

    rows = pd.DataFrame(
        {
            "n_before": [13, 13],
            "n_after": [44, 44],
            "improved": [False, False],
            "effect_kind": ["difference", "difference"],
            "ci_low": [-0.542, -0.046],  # the first excludes 0, the second does not
            "ci_high": [-0.012, 0.338],
            "p_value": [0.064, 0.2],
            "p_adjusted": [0.128, 0.6],
            "sentence": ["Change failure rate fell.", "Rework rate rose."],
        }
    )
    cfr, rework = (_verdict_line(r) for r in rows.itertuples())
    assert cfr == (
        "- Not demonstrated: Change failure rate fell. Its interval alone excludes no change, "
        "but not once all the comparisons made are allowed for."
    )
    assert rework == "- Not demonstrated: Rework rate rose."  # includes no change


def test_a_coverage_table_of_a_baseline_month_says_so_far():
    assert (
        list(views.coverage_table(views.open_month(str(SAMPLE_DIR), "2020-11")).columns)[1]
        == "Baseline so far"
    )
    assert (
        list(views.coverage_table(views.open_month(str(SAMPLE_DIR), "2021-12")).columns)[1]
        == "End of baseline"
    )


def test_the_quality_log_of_a_cut_month_says_its_repairs_count_the_whole_export():
    cut = views.quality_log(views.open_month(str(SAMPLE_DIR), "2021-03"))
    assert cut.index[-1] == "All tables" and "whole export" in cut["Rule"].iloc[-1]
    assert "All tables" not in views.quality_log(views.open_month(str(SAMPLE_DIR), "2021-12")).index
