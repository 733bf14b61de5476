"""Report views: what the notebooks show, on the tiny hand-made fixture and on the sample."""

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
    with pytest.raises(AnalyticsError, match=r"no data for 2030-01 \(the data covers 2021-01 to 2021-03\)"):
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
    claims, others = text.split("Also compared:")
    assert claims.count("\n- ") == 5 and others.count("\n- ") == 3
    assert "- No data: Unit-test pass rate: no data before or after" in claims  # tiny has no test runs
    assert "- Not shown: Production releases rose from" in claims  # 2 vs 5 releases: too few to tell


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
    assert list(views.kpi_table(report).index) == ["Production releases", "Time to restore (critical)"]


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
