"""Tests for analytics.plots.tiles: the tiles' heading and every-service targets.

The tiles' drawing, escaping and arrows are tested in test_plots.py; here the words, worked out
by hand from scorecard rows.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analytics.plots.tiles import kpi_tiles_html, tile_facts
from analytics.plots.tiles_figure import kpi_tiles
from analytics.program.scorecard import targets_met_text
from analytics.wording.targets import target_text, target_words

METRICS = [
    "delivery_throughput_per_day",
    "production_releases",
    "time_to_restore_hours",
    "unit_test_pass_rate",
    "test_coverage",
]


def month_card(met: list, value: list, lower_bound: list | None = None) -> pd.DataFrame:
    """A scorecard of the sample's five targets (overall) with these met / value columns."""
    return pd.DataFrame(
        {
            "metric": METRICS,
            "value": value,
            "target": [6.0, 18.0, 1.0, 1.0, 0.95],
            "op": [">=", ">=", "<=", ">=", ">="],
            "met": pd.Series(met, dtype="object"),
            "lower_bound": lower_bound or [False] * 5,
            "applies_to": "overall",
        }
    )


def coverage_row(**changes) -> pd.Series:
    """December 2021 of the sample with reporting's last run at 80% (see test_scorecard.py)."""
    row = {
        "metric": "test_coverage",
        "label": "Test coverage",
        "severity": "all",
        "unit": "share",
        "value": 0.80,
        "target": 0.95,
        "op": ">=",
        "met": False,
        "baseline": 0.4502,
        "trend": "down",
        "band": "",
        "lower_bound": False,
        "applies_to": "every_service",
        "overall_value": 11.5684 / 12,
        "worst_service": "reporting",
        "services_judged": 12,
        "services_missed": 1,
    }
    return pd.Series({**row, **changes})


def test_heading_counts_a_target_without_data_apart_as_the_verdict_does():
    """A month where four targets were missed and one had no data: not "0 of 4" on one page
    and "0 of 5" on the other."""
    card = month_card([False, False, None, False, False], [3.4, 11.0, np.nan, 0.957, 0.737])
    expected = "0 of 4 targets met; 1 could not be judged (no data)"
    assert f">{expected}</p>" in kpi_tiles_html(card)
    assert kpi_tiles(card).get_suptitle() == expected
    assert targets_met_text(card["met"], card["lower_bound"]) == expected  # the verdict's words


def test_heading_of_a_month_without_any_data_and_of_open_incidents():
    empty = month_card([None] * 5, [np.nan] * 5)
    assert kpi_tiles(empty).get_suptitle() == "No target could be judged (no data)"
    undecided = month_card(
        [True, True, None, True, True],
        [6.4, 21, 0.45, 1.0, 0.96],
        lower_bound=[False, False, True, False, False],
    )
    assert (
        kpi_tiles(undecided).get_suptitle()
        == "4 of 4 targets met; 1 could not be judged (incidents still open)"
    )
    assert (
        kpi_tiles(month_card([True] * 5, [6.4, 21, 0.45, 1.0, 0.96])).get_suptitle()
        == "All 5 targets met"
    )


def test_an_every_service_tile_names_the_worst_service_and_the_average():
    tile = tile_facts(coverage_row())
    assert tile.value == "80%" and tile.met is False
    assert tile.detail == "lowest: reporting\n1 of 12 below target"
    assert tile.target == "Target ≥ 95% per service"
    assert tile.overall == "Average 96.4%"  # 11.5684 / 12 = 0.96403
    html = str(kpi_tiles_html(coverage_row().to_frame().T))
    assert "lowest: reporting<br>1 of 12 below target" in html
    assert "Target &#8805; 95% per service &#183; Average 96.4% &#183; Baseline 45.0%" in html


def test_an_every_service_tile_that_is_met_and_an_overall_tile_have_no_detail():
    met = tile_facts(
        coverage_row(value=0.96, met=True, worst_service="disbursement", services_missed=0)
    )
    assert met.detail == "lowest: disbursement\nall 12 meet the target"
    overall = tile_facts(
        coverage_row(applies_to="overall", value=0.964, worst_service="", services_judged=0)
    )
    assert (overall.detail, overall.overall, overall.target) == ("", "", "Target ≥ 95%")


def test_a_share_target_of_100_percent_reads_100_percent_on_the_tile_and_in_the_tables():
    """One rule (``wording.targets.bound_text``) for every wording of a target: a share of at
    least 100% is written "100%", other targets with their sign."""
    assert tile_facts(coverage_row(target=1.0)).target == "Target 100% per service"
    overall = coverage_row(target=1.0, applies_to="overall", worst_service="")
    assert tile_facts(overall).target == "Target 100%"
    assert tile_facts(coverage_row()).target == "Target ≥ 95% per service"
    assert target_words(">=", 1.0, "share") == "100%"  # the headline figures' words
    assert target_words(">=", 1.0, "share", "every_service") == "100% for every service"
    assert target_words("<=", 1.0, "share") == "≤ 100%"  # a ceiling of 100% is a real bound
    assert target_text("unit_test_pass_rate", ">=", 1.0) == "100%"  # the KPI table's
    assert target_text("production_releases", ">=", 18) == "≥ 18 releases/month"
    assert target_words(">=", 18, "releases/month") == "≥ 18 a month"


def test_a_restore_time_from_few_incidents_says_so():
    row = pd.Series(
        {
            "metric": "time_to_restore_hours",
            "label": "Time to restore",
            "severity": "critical",
            "unit": "hours",
            "value": 0.45,
            "target": 1.0,
            "op": "<=",
            "met": True,
            "n": 2,
            "band": "elite",
            "lower_bound": False,
            "applies_to": "overall",
        }
    )
    assert tile_facts(row).detail == "from only 2 incidents"
    assert (
        tile_facts(row.copy().set_axis(row.index).replace({2: 1})).detail == "from only 1 incident"
    )
    assert (
        tile_facts(pd.concat([row.drop("n"), pd.Series({"n": 5})])).detail == ""
    )  # five is enough


def test_a_tile_without_a_value_this_month_shows_no_trend():
    row = pd.Series(
        {
            "metric": "production_releases",
            "label": "Production releases",
            "severity": "all",
            "unit": "releases/month",
            "value": np.nan,
            "target": 18.0,
            "op": ">=",
            "met": None,
            "trend": "up",
            "band": "",
            "lower_bound": False,
            "applies_to": "overall",
        }
    )
    facts = tile_facts(row)
    assert (facts.trend, facts.arrow) == ("", "")
    assert tile_facts(row.copy().fillna({"value": 20.0})).trend == "improving"


def test_a_month_before_the_after_phase_says_on_track_or_off_track_not_missed():
    """April 2021 of the sample, in words: targets are judged on the after phase, so a tile
    shows the scorecard's on_track (the projection of the current trend), never "not met"."""
    card = month_card([False, False, True, False, False], [3.6, 11.0, 0.73, 0.983, 0.459])
    card["on_track"] = pd.Series([False, False, True, True, None], dtype="object")
    html = str(kpi_tiles_html(card, judged=False))
    assert "Target not met" not in html and "Target met" not in html
    assert html.count("Off track at the current trend</span>") == 2
    assert html.count("On track at the current trend</span>") == 2
    assert html.count(">No trend yet</span>") == 1
    assert ">Not judged yet: 2 of 5 targets on track at the current trend</p>" in html
    # the colour follows on_track: the two off-track tiles carry the darker orange
    assert html.count("border-top:5px solid #B34700") == 2
    facts = tile_facts(card.iloc[3], judged=False)
    assert facts.status is True and facts.met is False


def test_a_tile_of_one_severity_shows_no_dora_band():
    """DORA bands all incidents: a band on the critical-incident tile (a mean of a few) would
    be the only badge and read as the DORA verdict."""
    row = month_card([True] * 5, [6.5, 21, 0.4, 1.0, 0.97]).iloc[2].copy()
    row["band"], row["severity"] = "elite", "critical"
    assert tile_facts(row).band == ""
    row["severity"] = "all"
    assert tile_facts(row).band == "elite"


def _contrast_on_white(hex_colour: str) -> float:
    """WCAG 2 contrast ratio of an sRGB colour on white (the formula of WCAG 2.1, 1.4.3)."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return 1.05 / (lum + 0.05)


def test_every_text_colour_of_the_tiles_reads_at_4_5_to_1_on_white():
    assert round(_contrast_on_white("#777777"), 2) == 4.48  # WCAG's borderline grey: fails
    card = month_card([True, False, None, True, False], [6.5, 11.0, np.nan, 1.0, 0.5])
    card["trend"] = ["up", "down", "flat", "up", "down"]
    for judged in (True, False):
        card["on_track"] = pd.Series([True, False, None, True, False], dtype="object")
        html = str(kpi_tiles_html(card, judged=judged))
        colours = set(re.findall(r"(?<![-\w])color:(#[0-9A-Fa-f]{6})", html))
        assert colours, html
        low = {c: round(_contrast_on_white(c), 2) for c in colours if _contrast_on_white(c) < 4.5}
        assert low == {}
