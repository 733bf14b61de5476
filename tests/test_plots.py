"""Tests for analytics.plots: the right artists, titles that state hand-computed findings,
empty states, escaping, and inputs left untouched."""

from __future__ import annotations

import base64
import copy
import re
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from analytics.catalog import METRICS  # noqa: E402
from analytics.config import parse_config  # noqa: E402
from analytics.plots import (  # noqa: E402
    NO_DATA,
    ChartFigure,
    HtmlFragment,
    control_chart,
    distribution_before_after,
    effect_forest,
    its_chart,
    kpi_tiles,
    kpi_tiles_html,
    plot_style,
    run_chart,
    small_multiples,
    survival_curve,
    trend_finding,
)
from analytics.plots.style import BAD, GOOD, NEUTRAL  # noqa: E402
from analytics.program.scorecard import phase_value  # noqa: E402
from analytics.wording.numbers import format_hours, format_number, format_percent, format_value  # noqa: E402

MONTHS = pd.date_range("2020-10-01", "2021-12-01", freq="MS")  # 3 baseline, 8 program, 4 after
# hand-picked monthly values: baseline (Oct-Dec 2020), program (8 months), after (Sep-Dec 2021)
VALUES = {
    "production_releases": (
        [3, 4, 4],
        [5, 7, 9, 11, 13, 15, 17, 18],
        [19, 20, 20, 20.2],
    ),  # 3.667 -> 19.8
    "delivery_throughput_per_day": (
        [1, 1.2, 1.4],
        [2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5],
        [6, 6, 6.2, 6.2],
    ),  # 1.2 -> 6.1
    "unit_test_pass_rate": ([0.9, 0.92, 0.94], [0.95] * 8, [1.0] * 4),  # 92% -> 100%
    "test_coverage": ([0.5, 0.55, 0.6], [0.7] * 8, [0.99, 1.0, 1.0, 1.0]),  # 55% -> 99.75%, "99.8%"
}
RESTORE = {
    "critical": ([6, 5, 4], [3] * 8, [0.5, 0.5, 0.6, 0.6]),  # 5 h -> 33 min
    "all": ([8, 7, 6], [4] * 8, [1.5, 1.5, 2, 2]),
}


def _config(**overrides):
    raw = {
        "phases": {
            "baseline": {"start": "2020-10-01", "end": "2020-12-31"},
            "program": {"start": "2021-01-01", "end": "2021-08-31"},
            "after": {"start": "2021-09-01", "end": "2021-12-31"},
        },
        "milestones": [
            {"date": "2021-01-18", "label": "Unified CI pipeline"},
            {"date": "2021-02-01", "label": "Trunk-based development"},
        ],
        "targets": {
            "production_releases": 18,
            "delivery_throughput_per_day": 6,
            "time_to_restore_hours": {"severity": "critical", "max": 1},
            "unit_test_pass_rate": 1.0,
            "test_coverage": 1.0,
        },
    }
    raw.update(overrides)
    return parse_config(raw)


def _metric_table() -> pd.DataFrame:
    """The metric table's long form, with hand-picked values (see VALUES and RESTORE)."""
    rows = []

    def add(metric, severity, parts):
        for month, value in zip(MONTHS, [v for part in parts for v in part], strict=True):
            rows.append(
                {
                    "period_start": month,
                    "service": "all",
                    "severity": severity,
                    "metric": metric,
                    "value": float(value),
                    "unit": METRICS[metric].unit,
                    "n": 10,
                    "median": np.nan,
                    "p90": np.nan,
                    "mean": np.nan,
                    "n_censored": 0,
                }
            )

    for metric, parts in VALUES.items():
        add(metric, "all", parts)
    for severity, parts in RESTORE.items():
        add("time_to_restore_hours", severity, parts)
    return pd.DataFrame(rows)


def _durations() -> pd.DataFrame:
    """Per-change lead times: baseline median 20 h, after median 2 h; one row without a phase."""
    return pd.DataFrame(
        {
            "lead_time_hours": [10.0, 20.0, 30.0, 4.0, 5.0, 6.0, 0.0, 2.0, 2.0, 3.0, 99.0],
            "phase": ["baseline"] * 3 + ["program"] * 3 + ["after"] * 4 + [None],
        }
    )


def _restore_items() -> pd.DataFrame:
    """Baseline: 1 of 4 resolved within 1 h; after: 3 of 4 (the fourth still open at 2 h)."""
    return pd.DataFrame(
        {
            "restore_hours": [0.5, 2.0, 3.0, 4.0, 0.25, 0.5, 0.75, 2.0],
            "phase": ["baseline"] * 4 + ["after"] * 4,
            "severity": ["critical"] * 8,
            "censored": [False] * 7 + [True],
        }
    )


def _xmr() -> pd.DataFrame:
    weeks = pd.date_range("2021-01-04", periods=12, freq="7D")
    return pd.DataFrame(
        {
            "period_start": weeks,
            "value": [4, 5, 4, 5, 4, 5, 9, 8, 9, 8, 15, 9.0],
            "centre": [4.5] * 6 + [8.5] * 6,
            "lower": [2.0] * 6 + [6.0] * 6,
            "upper": [7.0] * 6 + [11.0] * 6,
            "signal": [""] * 6 + ["shift", "", "", "", "beyond limits", ""],
            "segment": [0] * 6 + [1] * 6,
        }
    )


def _its() -> tuple[pd.Series, pd.Series, pd.Series]:
    weeks = pd.date_range("2020-10-05", "2021-12-27", freq="7D")
    observed = pd.Series(np.linspace(1, 5, len(weeks)), index=weeks)
    fitted = observed.copy()
    counterfactual = pd.Series(
        np.where(weeks >= pd.Timestamp("2021-01-01"), 1.5, np.nan), index=weeks
    )
    fitted.iloc[-1] = 4.6
    return observed, fitted, counterfactual


def _impact() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": ["production_releases", "time_to_restore_hours", "unit_test_pass_rate"],
            "baseline": [3.7, 5.0, 0.92],
            "after": [19.8, 0.55, 0.90],
            "effect": [5.35, 0.11, -0.02],
            "effect_kind": ["ratio", "ratio", "difference"],
            "ci_low": [4.1, 0.05, -0.05],
            "ci_high": [6.9, 0.25, 0.01],
            "p_value": [1e-6, 1e-3, 0.2],
            "p_adjusted": [3e-6, 2e-3, 0.2],
            "test": ["poisson", "mwu", "fisher"],
            "n_before": [11, 14, 300],
            "n_after": [79, 12, 400],
            "improved": [True, True, False],
            "sentence": ["", "", ""],
        }
    )


def _scorecard(label: str = "Production releases", service: str = "all") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": ["production_releases", "time_to_restore_hours", "unit_test_pass_rate"],
            "label": [label, None, None],
            "service": [service, "all", "all"],
            "value": [19.8, 0.55, 0.999],
            "target": [18.0, 1.0, 1.0],
            "op": [">=", "<=", ">="],
            "met": [True, True, False],
            "baseline": [3.7, 5.0, 0.92],
            "trend": ["up", "down", "flat"],
            "band": ["Elite", "", None],
        }
    )


def _gids(ax, gid: str) -> list:
    """Artists of ``ax`` with this gid (or, for a gid ending in ':', with gids starting so)."""
    return [
        a
        for a in ax.get_children()
        if (str(a.get_gid() or "").startswith(gid) if gid.endswith(":") else a.get_gid() == gid)
    ]


def _title(ax) -> str:
    return ax.get_title(loc="left")


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


def _is_no_data(fig) -> bool:
    return any(
        t.get_gid() == "no-data" and t.get_text() == NO_DATA
        for t in fig.findobj(matplotlib.text.Text)
    )


def _render(fig) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. a glyph missing from DejaVu Sans
        return fig.to_png(dpi=50)


# ------------------------------------------------------------------------------------ words
@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (3.6667, "releases/month", "3.7"),
        (18.0, "releases/month", "18"),
        (1240.4, "", "1,240"),
        (0.355, "", "0.35"),
        (0.92, "share", "92%"),
        (1.0, "share", "100%"),
        (0.9996, "share", "99.96%"),
        (0.0004, "share", "0.04%"),
        (0.7504, "share", "75.0%"),
        (0.55, "hours", "33 min"),
        (5.0, "hours", "5 h"),
        (0.999, "hours", "1 h"),
        (72.0, "hours", "3 d"),
        (float("nan"), "hours", "n/a"),
    ],
)
def test_format_value(value, unit, expected):
    assert format_value(value, unit) == expected


def test_format_helpers_edge_cases():
    assert format_number(None) == "n/a" and format_percent(float("inf")) == "n/a"
    assert format_hours(10 / 3600) == "10 s"


# ---------------------------------------------------------------------------------- run chart
def test_run_chart_draws_series_phases_milestones_target_and_states_the_finding():
    fig = run_chart(_metric_table(), "production_releases", _config())
    ax = fig.axes[0]
    assert isinstance(fig, ChartFigure)
    assert ax.get_title(loc="left") == "Production releases rose from 3.7 to 19.8 a month"
    (series,) = _gids(ax, "series")
    assert len(series.get_xdata()) == len(MONTHS)
    assert [p.get_gid() for p in _gids(ax, "phase:")] == [
        "phase:baseline",
        "phase:program",
        "phase:after",
    ]
    assert len(_gids(ax, "milestone")) == 2
    assert [t.get_text() for t in _gids(ax, "milestone-label")] == [
        "Unified CI pipeline",
        "Trunk-based development",
    ]
    (target,) = _gids(ax, "target")
    assert list(target.get_ydata()) == [18.0, 18.0]
    assert ax.get_ylabel() == "Releases per month"
    assert ax.get_ylim()[0] == 0
    assert "Target ≥ 18" in _texts(fig)
    _render(fig)


def test_run_chart_severity_target_and_custom_title():
    table, config = _metric_table(), _config()
    critical = run_chart(table, "time_to_restore_hours", config, severity="critical")
    assert (
        critical.axes[0].get_title(loc="left")
        == "Time to restore for critical incidents fell from 5 h to 33 min"
    )
    assert list(_gids(critical.axes[0], "target")[0].get_ydata()) == [1.0, 1.0]
    every = run_chart(table, "time_to_restore_hours", config)  # the critical target does not apply
    assert _gids(every.axes[0], "target") == []
    titled = run_chart(table, "unit_test_pass_rate", config, title="Pass rate")
    assert titled.axes[0].get_title(loc="left") == "Pass rate"
    assert (
        trend_finding(table, "unit_test_pass_rate", config)
        == "Unit-test pass rate rose from 92% to 100%"
    )


def test_run_chart_falls_back_to_the_label_without_phases():
    only_baseline = _config(phases={"baseline": {"start": "2020-10-01", "end": "2020-12-31"}})
    fig = run_chart(_metric_table(), "production_releases", only_baseline)
    assert fig.axes[0].get_title(loc="left") == "Production releases"
    no_phases = run_chart(_metric_table(), "production_releases", parse_config({}))
    assert no_phases.axes[0].get_title(loc="left") == "Production releases"
    assert _gids(no_phases.axes[0], "phase:") == [] and _gids(no_phases.axes[0], "target") == []


def test_run_chart_into_given_axes_returns_its_figure():
    with plot_style():
        fig = ChartFigure()
        ax = fig.subplots()
    assert run_chart(_metric_table(), "test_coverage", _config(), ax=ax) is fig
    assert ax.get_title(loc="left") == "Mean test coverage of services rose from 55% to 99.8%"


def _target_labels(ax) -> list[str]:
    return [t.get_text() for t in _gids(ax, "target-label")]


def test_run_chart_of_a_per_service_target_names_the_mean_and_labels_the_line_per_service():
    table = _metric_table()
    per_service = _config(targets={"test_coverage": 0.95})  # coverage: every service by default
    assert per_service.target("test_coverage").applies_to == "every_service"
    ax = run_chart(table, "test_coverage", per_service).axes[0]
    assert _title(ax) == "Mean test coverage of services rose from 55% to 99.8%"
    assert _target_labels(ax) == ["Target ≥ 95% per service"]
    assert trend_finding(table, "test_coverage", per_service) == _title(ax)
    panels = small_multiples(table, per_service, ["production_releases", "test_coverage"]).axes
    assert (
        " ".join(_title(panels[1]).split())
        == "Mean test coverage of services rose from 55% to 99.8%"
    )
    assert _target_labels(panels[1]) == ["Target ≥ 95% per service"]
    no_phases = parse_config({"targets": {"test_coverage": 0.95}})
    assert (
        _title(run_chart(table, "test_coverage", no_phases).axes[0])
        == "Mean test coverage of services"
    )


def test_a_share_target_of_100_percent_reads_100_percent_on_every_line():
    """A share cannot exceed 100%, so a target "≥ 100%" is written "100%" (one rule,
    ``wording.targets.bound_text``): on the target line, and on a per-service target line."""
    table = _metric_table()
    ax = run_chart(table, "unit_test_pass_rate", _config(targets={"unit_test_pass_rate": 1.0}))
    assert _target_labels(ax.axes[0]) == ["Target 100%"]
    ax = run_chart(table, "test_coverage", _config(targets={"test_coverage": 1.0}))
    assert _target_labels(ax.axes[0]) == ["Target 100% per service"]  # every service: default
    ax = run_chart(table, "test_coverage", _config(targets={"test_coverage": 0.95}))
    assert _target_labels(ax.axes[0]) == ["Target ≥ 95% per service"]


def test_run_chart_of_an_overall_target_or_one_service_keeps_the_plain_wording():
    table = _metric_table()
    overall = _config(targets={"test_coverage": {"min": 0.95, "applies_to": "overall"}})
    ax = run_chart(table, "test_coverage", overall).axes[0]
    assert _title(ax) == "Test coverage rose from 55% to 99.8%"
    assert _target_labels(ax) == ["Target ≥ 95%"]
    payments = table.assign(service="payments")  # one service's own value meets the target itself
    ax = run_chart(
        payments, "test_coverage", _config(targets={"test_coverage": 0.95}), service="payments"
    ).axes[0]
    assert _title(ax) == "Test coverage (payments) rose from 55% to 99.8%"
    assert _target_labels(ax) == ["Target ≥ 95%"]


@pytest.mark.parametrize(
    "table",
    [
        None,
        pd.DataFrame(),
        _metric_table().iloc[:0],
        _metric_table().assign(value=np.nan),
        _metric_table().query("metric != 'production_releases'"),
    ],
)
def test_run_chart_without_data_says_so(table):
    fig = run_chart(table, "production_releases", _config())
    assert _is_no_data(fig)
    assert fig.axes[0].get_title(loc="left").startswith("Production releases")
    _render(fig)


def test_run_chart_rejects_unknown_metric_and_missing_columns():
    with pytest.raises(ValueError, match="unknown metric"):
        run_chart(_metric_table(), "velocity", _config())
    with pytest.raises(ValueError, match="severity"):
        run_chart(_metric_table().drop(columns="severity"), "production_releases", _config())


def _weighted_table() -> pd.DataFrame:
    """The fixture with uneven n: December 2020 holds 80 of the baseline's 100 test runs and
    incidents, so pass rate and restore time pool to other baselines than the mean of months."""
    table = _metric_table()
    dec = table["period_start"].eq("2020-12-01")
    table.loc[dec, "n"] = 80
    return table


@pytest.mark.parametrize(
    ("metric", "severity", "plain_baseline"),
    [
        ("unit_test_pass_rate", "all", "92%"),  # (0.9*10 + 0.92*10 + 0.94*80) / 100 = 93.4%
        ("time_to_restore_hours", "critical", "5 h"),  # (6*10 + 5*10 + 4*80) / 100 = 4.3 h
    ],
)
def test_run_chart_titles_state_the_scorecard_phase_values(metric, severity, plain_baseline):
    table, config = _weighted_table(), _config()
    info = METRICS[metric]
    before, after = (
        format_value(phase_value(table, config, metric, p, severity), info.unit)
        for p in ("baseline", "after")
    )
    assert before != plain_baseline  # the plain mean of the months would show another baseline
    expected = f"{info.label} for critical incidents" if severity != "all" else info.label
    expected += f" {'rose' if info.higher_is_better else 'fell'} from {before} to {after}"
    assert _title(run_chart(table, metric, config, severity=severity).axes[0]) == expected
    assert trend_finding(table, metric, config, severity) == expected
    panels = [
        " ".join(ax.get_title(loc="left").split()) for ax in small_multiples(table, config).axes
    ]
    assert expected in panels


def test_run_chart_title_of_one_service_pools_that_service_like_phase_value():
    table, config = _weighted_table(), _config()
    payments = table.assign(service="payments", n=np.where(table["n"] == 80, 10, 80))
    both = pd.concat([table, payments], ignore_index=True)
    expected = phase_value(
        payments.assign(service="all"), config, "unit_test_pass_rate", "baseline"
    )
    assert expected == pytest.approx((0.9 * 80 + 0.92 * 80 + 0.94 * 10) / 170)
    assert (
        trend_finding(both, "unit_test_pass_rate", config, service="payments")
        == f"Unit-test pass rate (payments) rose from {format_percent(expected)} to 100%"
    )


def _inside(ax, artist) -> bool:
    """Whether ``artist`` lies vertically within the axes once the figure is drawn."""
    canvas = FigureCanvasAgg(ax.figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    box, frame = artist.get_window_extent(renderer), ax.get_window_extent(renderer)
    return frame.y0 - 0.5 <= box.y0 and box.y1 <= frame.y1 + 0.5


@pytest.mark.parametrize(
    ("metric", "values", "target"),
    [
        (
            "change_failure_rate",
            [0.3, 0.32, 0.31] + [0.25] * 8 + [0.15, 0.16, 0.15, 0.14],
            {"max": 0.15},
        ),
        ("unit_test_pass_rate", [0.9, 0.92, 0.94] + [0.95] * 8 + [1.0] * 4, 1.0),
        ("deployment_days_per_week", [2.5, 2.7, 2.6] + [3.0] * 8 + [4.0, 4.2, 4.1, 4.0], 4),
        ("production_releases", [3, 4, 4] + [10] * 8 + [19, 20, 20, 20.2], 18),
    ],
)
def test_run_charts_of_shares_counts_and_rates_start_at_zero_with_the_target_label_inside(
    metric, values, target
):
    table = pd.DataFrame(
        {
            "period_start": MONTHS,
            "service": "all",
            "severity": "all",
            "metric": metric,
            "value": values,
            "n": 10,
        }
    )
    config = _config(targets={metric: target})
    for fig in (
        run_chart(table, metric, config),
        small_multiples(table, config, [metric, "test_coverage"]),
    ):
        ax = fig.axes[0]
        assert ax.get_ylim()[0] == 0
        assert max(values) <= ax.get_ylim()[1]
        if METRICS[metric].unit == "share":  # room for milestone labels, but no tick over 100%
            fig.canvas.draw()
            shown = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
            assert shown and all(float(t.rstrip("%")) <= 100 for t in shown), shown
        (label,) = [t for t in ax.texts if t.get_gid() == "target-label"]
        assert _inside(ax, label)


# ------------------------------------------------------------------------------ small multiples
def test_small_multiples_one_panel_per_headline_metric(tmp_path):
    fig = small_multiples(_metric_table(), _config())
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == 5
    assert (
        fig.get_suptitle()
        == "All 5 headline metrics moved in the right direction from baseline to after"
    )
    titles = [" ".join(ax.get_title(loc="left").split()) for ax in panels]
    assert "Production releases rose from 3.7 to 19.8 a month" in titles
    assert "Time to restore for critical incidents fell from 5 h to 33 min" in titles
    for ax in panels:
        assert len(_gids(ax, "phase:")) == 3
        assert len(_gids(ax, "milestone")) == 2 and _gids(ax, "milestone-label") == []
        assert len(_gids(ax, "target")) == 1  # every headline metric has a target here
    assert fig.axes[5].get_legend() is not None  # the spare panel explains phases and lines
    (tmp_path / "small_multiples.png").write_bytes(_render(fig))


def test_small_multiples_counts_a_metric_that_got_worse_and_marks_empty_panels():
    table = _metric_table()
    worse = table["metric"].eq("test_coverage") & table["period_start"].ge("2021-09-01")
    table.loc[worse, "value"] = 0.4
    table = table[table["metric"] != "unit_test_pass_rate"]
    fig = small_multiples(table, _config())
    assert (
        fig.get_suptitle()
        == "3 of 4 headline metrics moved in the right direction from baseline to after"
    )
    assert _is_no_data(fig)  # the pass-rate panel


def test_small_multiples_without_data():
    assert _is_no_data(small_multiples(_metric_table().iloc[:0], _config()))
    assert _is_no_data(small_multiples(_metric_table().assign(value=np.nan), _config()))


# -------------------------------------------------------------------------------- distributions
def test_distribution_before_after_log_axis_medians_and_threshold():
    items = _durations()
    fig = distribution_before_after(items, "lead_time_hours", "phase", _config(), threshold=1.0)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert ax.get_title(loc="left") == "Median lead time for changes fell from 20 h to 2 h"
    assert [p.get_gid() for p in _gids(ax, "box:")] == ["box:baseline", "box:program", "box:after"]
    assert sorted(t.get_text() for t in _gids(ax, "median-label")) == [
        "median 2 h",
        "median 20 h",
        "median 5 h",
    ]
    assert len(_gids(ax, "threshold")) == 1
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Baseline\nn=3",
        "Program\nn=3",
        "After\nn=4",
    ]
    assert "1 value(s) below 1 min drawn at 1 min" in ax.get_xlabel()  # the zero, on a log axis
    _render(fig)


def test_distribution_box_is_seaborns_quartiles_and_10_90_whiskers():
    # after: 1, 2, ..., 11 h. Quartiles (linear interpolation) 3.5 and 8.5 h, median 6 h; the
    # 10th/90th percentiles are 2 and 10 h, and the whiskers reach the furthest items within
    # them: 2 and 10 h (an item at 11 h lies beyond)
    items = pd.DataFrame({"lead_time_hours": np.arange(1.0, 12.0), "phase": "after"})
    fig = distribution_before_after(items, "lead_time_hours", "phase", _config(), log=False)
    ax = fig.axes[0]
    (box,) = _gids(ax, "box:after")
    extents = box.get_path().get_extents()
    assert (extents.x0, extents.x1) == pytest.approx((3.5, 8.5))
    (median,) = _gids(ax, "median")
    assert list(median.get_xdata()) == pytest.approx([6.0, 6.0])
    whiskers = [line for line in ax.lines if line.get_gid() is None and line.get_xydata().size]
    reach = np.concatenate([line.get_xdata() for line in whiskers])
    assert (reach.min(), reach.max()) == pytest.approx((2.0, 10.0))
    assert ax.get_ylabel() == ""
    assert "within the 10th to 90th percentile" in ax.get_xlabel()


def test_distribution_linear_and_empty():
    fig = distribution_before_after(_durations(), "lead_time_hours", "phase", _config(), log=False)
    assert fig.axes[0].get_xscale() == "linear"
    assert _is_no_data(
        distribution_before_after(_durations().iloc[:0], "lead_time_hours", "phase", _config())
    )
    nan_only = _durations().assign(lead_time_hours=np.nan)
    assert _is_no_data(distribution_before_after(nan_only, "lead_time_hours", "phase", _config()))
    with pytest.raises(ValueError, match="missing column.*stage"):
        distribution_before_after(_durations(), "lead_time_hours", "stage", _config())


def test_survival_curve_per_phase_with_censored_marks_and_60_minute_line():
    fig = survival_curve(_restore_items(), _config(), severity="critical")
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == (
        "75% of critical incidents were resolved within 60 min in the after phase, "
        "against 25% in the baseline phase"
    )
    assert [line.get_gid() for line in _gids(ax, "km:")] == ["km:baseline", "km:after"]
    (threshold,) = _gids(ax, "threshold")
    assert list(threshold.get_xdata()) == [1.0, 1.0]
    (censored,) = _gids(ax, "censored")
    assert list(censored.get_xdata()) == [2.0]
    assert ax.get_xscale() == "log"
    _render(fig)


def test_survival_curve_axis_names_the_clock_of_restore_times():
    """Restore time runs from the impact start when one was recorded (docs/METRICS.md)."""
    opened = pd.Series(pd.date_range("2021-01-04 09:00", periods=8, freq="7D", tz="UTC"))
    impact = opened.where(opened.index % 2 == 0) - pd.Timedelta(minutes=20)
    from_impact = _restore_items().assign(opened_at=opened, started_at=impact.fillna(opened))
    fig = survival_curve(from_impact, _config())
    assert fig.axes[0].get_xlabel() == (
        "Time since impact started, or since the incident opened when no "
        "impact start was recorded (log scale)"
    )
    fig = survival_curve(
        from_impact.assign(started_at=opened), _config(), log=False
    )  # e.g. fourkeys
    assert fig.axes[0].get_xlabel() == "Time since the incident opened (hours)"
    generic = survival_curve(
        _restore_items(), _config()
    )  # no clock columns: the metric's definition
    assert generic.axes[0].get_xlabel().startswith("Time since impact started")


def test_survival_curve_without_data():
    assert _is_no_data(survival_curve(_restore_items().iloc[:0], _config()))
    assert _is_no_data(survival_curve(_restore_items(), _config(), severity="low"))


# ----------------------------------------------------------------------------- process charts
def test_control_chart_limits_per_segment_and_signals():
    fig = control_chart(
        _xmr(), metric="production_releases", unit="releases/week", config=_config()
    )
    ax = fig.axes[0]
    assert len(_gids(ax, "centre")) == 2 and len(_gids(ax, "limit")) == 4
    (signals,) = _gids(ax, "signal")
    assert len(signals.get_offsets()) == 2
    assert (
        ax.get_title(loc="left")
        == "Production releases: 2 points signal a real change, the first in Feb 2021"
    )
    assert ax.get_ylabel() == "Releases per week"
    _render(fig)


def test_control_chart_title_of_one_signal_is_singular():
    one = _xmr().assign(signal=[""] * 10 + ["beyond limits", ""])
    assert (
        control_chart(one, metric="production_releases", unit="releases/week")
        .axes[0]
        .get_title(loc="left")
        == "Production releases: 1 point signals a real change, the first in Mar 2021"
    )


def _lowest_limit(fig) -> float:
    return min(min(line.get_ydata()) for line in _gids(fig.axes[0], "limit"))


@pytest.mark.parametrize(
    ("metric", "unit"),
    [("lead_time_hours", None), ("production_releases", "releases/week"), (None, "hours")],
)
def test_control_chart_draws_a_negative_lower_limit_of_non_negative_values_at_zero(metric, unit):
    xmr = _xmr().assign(
        lower=[-1.5] * 6 + [6.0] * 6
    )  # 4.5 - 2.66 * 2.26: below any duration or count
    before = xmr.copy()
    assert _lowest_limit(control_chart(xmr, metric=metric, unit=unit)) == 0.0
    pd.testing.assert_frame_equal(xmr, before)  # the frame's limits are not changed


def test_control_chart_draws_a_share_limit_above_100_percent_at_100():
    shares = _xmr().assign(
        value=lambda f: f["value"] / 16, centre=0.9, lower=0.8, upper=[1.04] * 6 + [0.98] * 6
    )
    highest = max(
        max(line.get_ydata())
        for line in _gids(control_chart(shares, unit="share").axes[0], "limit")
    )
    assert highest == 1.0
    assert (
        max(max(line.get_ydata()) for line in _gids(control_chart(shares).axes[0], "limit")) == 1.04
    )


def test_control_chart_keeps_a_negative_lower_limit_of_values_that_can_be_negative():
    xmr = _xmr().assign(lower=[-1.5] * 6 + [6.0] * 6)
    assert _lowest_limit(control_chart(xmr)) == -1.5  # no metric, no unit: nothing says >= 0


def test_control_chart_without_signals_or_data():
    quiet = _xmr().assign(signal="")
    assert (
        control_chart(quiet).axes[0].get_title(loc="left")
        == "Process behaviour: routine variation only, no signals"
    )
    assert _is_no_data(control_chart(_xmr().iloc[:0]))
    assert _is_no_data(control_chart(_xmr().assign(value=np.nan)))


def test_its_chart_breaks_the_fit_at_phases_and_carries_the_baseline_forward():
    observed, fitted, counterfactual = _its()
    fig = its_chart(
        observed,
        fitted,
        counterfactual,
        _config(),
        metric="production_releases",
        unit="releases/week",
    )
    ax = fig.axes[0]
    assert len(_gids(ax, "fitted")) == 3  # baseline, program, after
    assert len(_gids(ax, "counterfactual")) == 1 and len(_gids(ax, "observed")) == 1
    assert len(_gids(ax, "phase:")) == 3
    # what was measured, no counterfactual claim: the 13 baseline weeks average 1 + 6 * 4/64 = 1.375
    assert (
        ax.get_title(loc="left")
        == "Production releases: 4.6 a week by Dec 2021; the baseline averaged 1.4 a week"
    )
    words = " ".join([*_texts(fig), *(t.get_text() for t in fig.legends[0].get_texts())]).lower()
    assert "projected" not in words and "without the program" not in words
    frame = pd.DataFrame({"observed": observed, "fitted": fitted, "counterfactual": counterfactual})
    assert its_chart(
        frame, config=_config(), metric="production_releases", unit="releases/week"
    ).axes[0].get_title(loc="left") == ax.get_title(loc="left")
    assert _is_no_data(
        its_chart(observed.iloc[:0], fitted.iloc[:0], counterfactual.iloc[:0], _config())
    )
    no_phases = its_chart(
        observed,
        fitted,
        counterfactual,
        parse_config({}),
        metric="production_releases",
        unit="releases/week",
    )
    assert no_phases.axes[0].get_title(loc="left") == "Production releases: 4.6 a week by Dec 2021"


# -------------------------------------------------------------------------------------- forest
def test_effect_forest_log_ratio_axis_and_colours():
    fig = effect_forest(_impact())
    ratio_ax, diff_ax = fig.axes
    assert ratio_ax.get_xscale() == "log" and diff_ax.get_xscale() == "linear"
    assert (
        ratio_ax.get_title(loc="left")
        == "2 of 3 metrics improved, 1 without a clear change (Holm-adjusted p < 0.05)"
    )
    assert [to_hex(m.get_color()).upper() for m in _gids(ratio_ax, "effect")] == [GOOD, GOOD]
    # -2 pp with adjusted p = 0.20 is no clear change, not a worsening
    assert [to_hex(m.get_color()).upper() for m in _gids(diff_ax, "effect")] == [
        to_hex(NEUTRAL).upper()
    ]
    assert len(_gids(ratio_ax, "ci")) == 2
    assert list(_gids(ratio_ax, "no-effect")[0].get_xdata()) == [1.0, 1.0]
    assert "5.3x  (95% CI 4.1–6.9x); adj. p < 0.001" in _texts(fig)
    assert "-2.0 pp  (95% CI -5.0 to +1.0 pp); adj. p = 0.20" in _texts(fig)
    _render(fig)


def test_effect_forest_marks_a_clear_worsening():
    worse = _impact().assign(p_adjusted=[3e-6, 2e-3, 0.001], ci_high=[6.9, 0.25, -0.01])
    fig = effect_forest(worse)
    assert [to_hex(m.get_color()).upper() for m in _gids(fig.axes[1], "effect")] == [BAD]
    assert (
        fig.axes[0].get_title(loc="left")
        == "2 of 3 metrics improved, 1 worsened (Holm-adjusted p < 0.05)"
    )


def test_effect_forest_title_leaves_out_metrics_without_data_on_a_side():
    partial = _impact().assign(n_before=[10, 10, 40], n_after=[0, 81, 60])
    assert (
        effect_forest(partial).axes[0].get_title(loc="left")
        == "1 of 2 metrics improved, 1 without a clear change, 1 without data on one side "
        "(Holm-adjusted p < 0.05)"
    )
    nothing = _impact().assign(n_before=[10, 10, 40], n_after=[0, 0, 0])
    assert (
        effect_forest(nothing).axes[0].get_title(loc="left")
        == "No metric can be compared yet: no data on one side"
    )


def test_effect_forest_row_labels_write_n_with_thousands_separators():
    big = _impact().assign(n_before=[430779, 14, 300.0], n_after=[2910122, 12, np.nan])
    fig = effect_forest(big)
    labels = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert labels == [
        "Production releases\nn = 430,779 → 2,910,122",
        "Time to restore\nn = 14 → 12",
        "Unit-test pass rate\nn = 300 → n/a",
    ]


def test_effect_forest_edge_cases():
    assert _is_no_data(effect_forest(_impact().iloc[:0]))
    missing = _impact().assign(
        ci_low=np.nan, effect=[5.35, np.nan, -0.02], improved=[True, None, False]
    )
    fig = effect_forest(missing)
    assert _gids(fig.axes[0], "ci") == [] and len(_gids(fig.axes[0], "effect")) == 1
    with pytest.raises(ValueError, match="effect_kind"):
        effect_forest(_impact().assign(effect_kind="odds"))


# -------------------------------------------------------------------------------------- tiles
def test_kpi_tiles_figure():
    fig = kpi_tiles(_scorecard())
    tiles = [p for ax in fig.axes for p in _gids(ax, "tile")]
    assert len(tiles) == 3
    assert fig.get_suptitle() == "2 of 3 targets met"
    texts = _texts(fig)
    for expected in (
        "19.8",
        "a month",
        "33 min",
        "99.9%",
        "↑ improving",
        "↓ improving",
        "→ flat",  # the word the tables use for the same trend
        "✓ Target met",
        "✗ Target not met",
        "DORA Elite",
        "Target ≥ 18 a month\nBaseline 3.7 a month",  # units on both, as on the value
    ):
        assert expected in texts
    _render(fig)
    assert _is_no_data(kpi_tiles(_scorecard().iloc[:0]))


def test_kpi_tiles_html_escapes_and_has_no_urls():
    evil = "<script>alert(1)</script>"
    html = kpi_tiles_html(
        _scorecard(label=evil, service=evil).assign(
            metric=[evil, "time_to_restore_hours", "unit_test_pass_rate"]
        )
    )
    assert isinstance(html, HtmlFragment) and html._repr_html_() == str(html)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "http://" not in html and "https://" not in html and "url(" not in html
    assert html.count('role="listitem"') == 3
    assert html.isascii()  # arrows and ticks as character references
    assert "&#8593;" in html and "&#10003; Target met" in html and "DORA Elite" in html
    assert "2 of 3 targets met" in html


def test_kpi_tiles_html_missing_values_and_empty():
    card = pd.DataFrame({"metric": ["production_releases"], "value": [np.nan]})
    html = kpi_tiles_html(card)
    assert "n/a" in html and "No target" in html
    computed = kpi_tiles_html(
        pd.DataFrame({"metric": ["production_releases"], "value": [20.0], "target": [18.0]})
    )
    assert "Target met" in computed
    assert "No data for this period" in kpi_tiles_html(card.iloc[:0])
    with pytest.raises(ValueError, match="value"):
        kpi_tiles_html(card.drop(columns="value"))


# ------------------------------------------------------------------------- shared behaviour
def _every_chart(table, items, restore, xmr, its, impact, card):
    config = _config()
    return [
        run_chart(table, "production_releases", config),
        small_multiples(table, config),
        distribution_before_after(items, "lead_time_hours", "phase", config, threshold=1.0),
        survival_curve(restore, config),
        control_chart(xmr, config=config),
        its_chart(*its, config),
        effect_forest(impact),
        kpi_tiles(card),
    ]


def test_inputs_are_not_mutated_and_pyplot_holds_no_figures():
    inputs = (
        _metric_table(),
        _durations(),
        _restore_items(),
        _xmr(),
        _its(),
        _impact(),
        _scorecard(),
    )
    before = copy.deepcopy(inputs)
    plt.close("all")
    figures = _every_chart(*inputs)
    kpi_tiles_html(inputs[-1])
    for got, expected in zip(inputs, before, strict=True):
        if isinstance(got, tuple):
            for g, e in zip(got, expected, strict=True):
                pd.testing.assert_series_equal(g, e)
        else:
            pd.testing.assert_frame_equal(got, expected)
    assert all(
        isinstance(f, ChartFigure) and f.axes[0].get_title(loc="left") + (f.get_suptitle() or "")
        for f in figures
    )
    assert (
        plt.get_fignums() == []
    )  # nothing registered with pyplot, so nothing for callers to close


def test_figures_show_once_in_jupyter_with_alt_text():
    fig = run_chart(_metric_table(), "production_releases", _config())
    data, meta = fig._repr_mimebundle_()
    assert set(data) == {"image/png", "text/plain"}
    assert meta["image/png"]["alt"] == "Production releases rose from 3.7 to 19.8 a month"
    assert meta["image/png"]["width"] <= 1280


def test_plot_style_restores_settings():
    before = matplotlib.rcParams["axes.spines.top"]
    with plot_style():
        assert matplotlib.rcParams["axes.spines.top"] is False
        assert matplotlib.rcParams["font.sans-serif"][0] == "DejaVu Sans"
    assert matplotlib.rcParams["axes.spines.top"] == before


def test_volume_chart_names_the_first_empty_month():
    from analytics.plots import volume_chart

    config = parse_config({})
    months = pd.to_datetime(["2021-01-01", "2021-02-01", "2021-03-01"])
    counts = pd.DataFrame(
        {
            "period_start": list(months) * 2,
            "table": ["deployments"] * 3 + ["incidents"] * 3,
            "rows": [5, 6, 7, 2, 0, 1],
        }
    )
    fig = volume_chart(counts, config)
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "incidents has no rows in Feb 2021: check the export"
    assert len(_gids(ax, "table:")) == 2
    both = volume_chart(counts.assign(rows=[5, 0, 7, 2, 0, 1]), config)
    assert (
        both.axes[0].get_title(loc="left")
        == "deployments and incidents have no rows in Feb 2021: check the export"
    )
    full = volume_chart(counts.assign(rows=[5, 6, 7, 2, 3, 1]), config)
    assert full.axes[0].get_title(loc="left") == "Every table has rows in every month of the data"
    assert _is_no_data(volume_chart(counts.iloc[:0], config))


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [0, 6, 7, 0, 3, 0],
            "3 gaps in the export across 2 months: no rows for deployments in Jan 2021, "
            "incidents in Jan 2021 and incidents in Mar 2021",
        ),
        (
            [0, 0, 0, 0, 0, 1],
            "5 gaps in the export across 3 months: no rows for deployments in Jan 2021, "
            "incidents in Jan 2021 and 3 more",
        ),
    ],
)
def test_volume_chart_counts_gaps_and_months_apart(rows, expected):
    from analytics.plots import volume_chart

    months = pd.to_datetime(["2021-01-01", "2021-02-01", "2021-03-01"])
    counts = pd.DataFrame(
        {
            "period_start": list(months) * 2,
            "table": ["deployments"] * 3 + ["incidents"] * 3,
            "rows": rows,
        }
    )
    title = volume_chart(counts, parse_config({})).axes[0].get_title(loc="left")
    assert title == expected
    assert "more empty months" not in title


def test_kpi_tile_of_a_lower_bound_says_undecided():
    card = _scorecard().assign(met=[True, None, True], lower_bound=[False, True, False])
    html = str(kpi_tiles_html(card))
    assert "? Undecided: incidents still open" in html
    assert "&#8805; " in html  # "≥" before the restore-time value, as a character reference
    assert html.count("Target met") == 2


def test_level_chart_marks_each_judged_window_and_hatches_what_data_cannot_show():
    from analytics.plots import level_chart

    evidence = pd.DataFrame(
        {
            "window": ["2021-12", "after", "2021-12", "after"],
            "item": ["Deployment quality"] * 2 + ["Integration frequency"] * 2,
            "level": pd.array([2, 3, None, 3], dtype="Int64"),
            "max_level": [3, 3, 4, 4],
        }
    )
    fig = level_chart(evidence)
    ax = fig.axes[0]
    month = next(c for c in ax.collections if c.get_gid() == "window:2021-12")
    after = next(c for c in ax.collections if c.get_gid() == "window:after")
    assert month.get_offsets()[:, 0].tolist() == [2.0]  # integration not judged: no marker
    assert sorted(after.get_offsets()[:, 0].tolist()) == [3.0, 3.0]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert sorted(round(p.get_x(), 1) for p in hatched) == [3.5, 4.5]  # above L3, above L4
    assert fig.alt_text == (
        "In 2021-12 the data supports level 3 or more on 0 of 2 measurable items (1 not judged)"
    )


# --------------------------------------------------------------------- issue #12: charts read
def test_duration_run_charts_use_a_log_axis_with_human_ticks():
    """Lead time fell from about 1,600 h to 10 h: on a linear axis the after phase is flat
    against the baseline; on a log axis both read."""
    values = [1600.0, 1400.0, 1500.0] + [200.0] * 8 + [10.0, 9.0, 11.0, 10.0]
    table = pd.DataFrame(
        {
            "period_start": MONTHS,
            "service": "all",
            "severity": "all",
            "metric": "lead_time_hours",
            "value": values,
            "n": 10,
        }
    )
    ax = run_chart(table, "lead_time_hours", _config()).axes[0]
    assert ax.get_yscale() == "log"
    lo, hi = ax.get_ylim()
    assert lo < 9.0 and hi > 1600.0
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert "1 d" in labels and "8 h" in labels  # hours and days as people say them


def test_milestone_labels_never_cover_a_data_point():
    # the peak (Feb-Mar 2021) sits right of the milestones of 18 Jan and 1 Feb, where their
    # labels run along the top of the axes
    values = [3, 4, 4, 5, 20.2, 20, 19] + [10] * 4 + [12] * 4
    table = pd.DataFrame(
        {
            "period_start": MONTHS,
            "service": "all",
            "severity": "all",
            "metric": "production_releases",
            "value": values,
            "n": 10,
        }
    )
    fig = run_chart(table, "production_releases", _config())
    ax = fig.axes[0]
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    points = ax.transData.transform(np.column_stack([mdates.date2num(MONTHS), values]))
    labels = _gids(ax, "milestone-label")
    assert labels
    for label in labels:
        box = label.get_window_extent(renderer).expanded(1.0, 1.0)
        inside = [(x, y) for x, y in points if box.contains(x, y)]
        assert inside == [], (label.get_text(), inside)


def test_the_kaplan_meier_legend_sits_outside_the_curves():
    fig = survival_curve(_restore_items(), _config())
    ax = fig.axes[0]
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    legend, frame = ax.get_legend().get_window_extent(renderer), ax.get_window_extent(renderer)
    assert legend.x0 >= frame.x1  # right of the plot area: it covers no curve


def test_pngs_are_drawn_at_twice_their_displayed_size():
    fig = run_chart(_metric_table(), "production_releases", _config())
    data, meta = fig._repr_mimebundle_()
    png = base64.b64decode(data["image/png"])
    width_px = int.from_bytes(png[16:20], "big")
    assert width_px == 2 * meta["image/png"]["width"]


def test_the_responsive_chart_embeds_both_layouts_with_one_alt_text():
    from analytics.plots import NARROW_WIDTH_IN, responsive_chart

    wide = small_multiples(_metric_table(), _config())
    narrow = small_multiples(_metric_table(), _config(), ncols=1, width=NARROW_WIDTH_IN)
    assert narrow.get_figwidth() == NARROW_WIDTH_IN
    assert len([ax for ax in narrow.axes if ax.axison]) == 5
    page = str(responsive_chart(wide, narrow))
    assert page.count("<img ") == 2 and page.count("data:image/png;base64,") == 2
    assert 'class="chart-wide"' in page and 'class="chart-narrow"' in page
    alts = re.findall(r'alt="([^"]*)"', page)
    assert len(set(alts)) == 1 and "headline metrics" in alts[0]
    assert "http" not in page and "<script" not in page
