"""Event study under staggered adoption (analytics/stats/event_study.py) and its ground truth
(analytics/synthetic/staggered.py)."""

import numpy as np
import pandas as pd
import pytest

from analytics.stats.event_study import event_study, group_time_att
from analytics.synthetic.staggered import staggered_panel


def _tiny_panel() -> tuple[pd.DataFrame, dict]:
    # a adopts in period 2, b in period 3, c never. Hand computation (universal base g-1):
    # ATT(2, 2) = (5 - 2) - mean over controls {b, c} of (Y_t - Y_1) = 3 - ((2-1) + (1-1))/2 = 2.5
    # ATT(2, 3): controls not yet treated at 3 are {c} only: (7 - 2) - (1 - 1) = 5
    # ATT(3, 3): controls {c}: (6 - 2) - (1 - 1) = 4; ATT(3, 0) (pre): (0 - 2) - (1 - 1) = -2
    panel = pd.DataFrame(
        [[0.0, 2.0, 5.0, 7.0], [0.0, 1.0, 2.0, 6.0], [1.0, 1.0, 1.0, 1.0]],
        index=["a", "b", "c"],
        columns=[0, 1, 2, 3],
    )
    return panel, {"a": 2, "b": 3}


def test_group_time_att_matches_the_hand_computation():
    panel, adoption = _tiny_panel()
    cohorts, att, sizes = group_time_att(panel.to_numpy(), np.array([2, 3, 4]), np.ones((1, 3)))
    assert cohorts.tolist() == [2, 3]
    assert att[0, 0, 2] == pytest.approx(2.5)
    assert att[0, 0, 3] == pytest.approx(5.0)
    assert att[0, 1, 3] == pytest.approx(4.0)
    assert att[0, 1, 0] == pytest.approx(-2.0)
    assert att[0, 0, 1] == 0.0 and att[0, 1, 2] == 0.0  # the base period
    assert sizes[0].tolist() == [1.0, 1.0]


def test_event_time_aggregation_weights_cohorts_by_size():
    panel, adoption = _tiny_panel()
    es = event_study(panel, adoption, window=(-3, 1), n_boot=20)
    coef = es.coefficients.set_index("event_time")["estimate"]
    # e = 0: cohorts 2 and 3 (one service each): (2.5 + 4) / 2; e = 1: only cohort 2 -> 5
    assert coef[0] == pytest.approx(3.25)
    assert coef[1] == pytest.approx(5.0)
    # e = -3: only cohort 3 at period 0 -> -2; e = -2: cohort 2 at 0 (controls b, c:
    # (0 - 2) - ((0 - 1) + (1 - 1)) / 2 = -1.5) and cohort 3 at 1 ((1 - 2) - 0 = -1) -> -1.25
    assert coef[-3] == pytest.approx(-2.0)
    assert coef[-2] == pytest.approx(-1.25)
    assert coef[-1] == 0.0
    assert es.att == pytest.approx((3.25 + 5.0) / 2)
    assert (es.n_services, es.n_treated, es.n_dropped) == (3, 2, 0)


def test_units_treated_from_the_first_period_are_left_out_and_inputs_unchanged():
    panel, adoption = _tiny_panel()
    before = panel.copy()
    es = event_study(panel, {**adoption, "c": 0}, window=(-1, 0), n_boot=20)
    assert es.n_dropped == 1
    # without c, cohort 3 has no control at e = 0; cohort 2 has b: (5 - 2) - (2 - 1) = 2
    assert es.att == pytest.approx(2.0)
    assert es.coefficients.set_index("event_time").loc[0, "cohorts"] == 1
    pd.testing.assert_frame_equal(panel, before)


def test_every_unit_treated_from_the_start_gives_nan_not_a_crash():
    panel, _ = _tiny_panel()
    es = event_study(panel, {"a": 0, "b": 0, "c": 0}, window=(-1, 1), n_boot=20)
    assert (es.n_services, es.n_dropped) == (0, 3)
    assert np.isnan(es.att) and es.coefficients["estimate"].isna().all()


def test_no_adopter_gives_nan_not_a_crash():
    panel, _ = _tiny_panel()
    es = event_study(panel, {}, window=(-2, 2), n_boot=20)
    assert np.isnan(es.att) and es.coefficients["estimate"].isna().all()
    assert es.n_treated == 0


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # the package's own pandas calls
def test_same_as_the_differences_package_on_one_panel():
    """ATT(g, t) and the event-time aggregation equal Callaway-Sant'Anna as implemented by the
    ``differences`` package (universal base period, not-yet-treated controls)."""
    from differences import ATTgt

    data = staggered_panel(7, n_services=10, n_periods=12, adoption_span=(3, 9))
    adoption = {**data.adoption, "service-09": None}  # one never-treated service too
    long = data.panel.stack().rename("y").rename_axis(["id", "t"]).reset_index()
    long["t"] += 1  # the package wants cohorts and times as labels > 0
    long["cohort"] = long["id"].map(lambda u: None if adoption[u] is None else adoption[u] + 1)
    reference = ATTgt(
        data=long.set_index(["id", "t"]), cohort_column="cohort", base_period="universal"
    )
    reference.fit(formula="y", control_group="not_yet_treated", progress_bar=False)
    gt = reference.results()[("ATTgtElements", "", "ATT")]
    ours = event_study(data.panel, adoption, window=(-8, 8), n_boot=10)
    cohort = np.array(
        [len(data.panel.columns) if adoption[u] is None else adoption[u] for u in data.panel.index]
    )
    cohorts, att, _ = group_time_att(data.panel.to_numpy(), cohort, np.ones((1, cohort.size)))
    for (g, _base, t), value in gt.items():
        j = int(np.flatnonzero(cohorts == g - 1)[0])
        assert att[0, j, t - 1] == pytest.approx(value, abs=1e-9), (g, t)
    event = reference.aggregate("event")[("EventAggregation", "", "ATT")]
    mine = ours.coefficients.set_index("event_time")["estimate"]
    for e, value in event.items():
        assert mine[e] == pytest.approx(value, abs=1e-9), e


def test_recovers_the_injected_effect_in_at_least_90_of_100_seeds_where_naive_does_not():
    covered, naive_bias, errors = 0, [], []
    for seed in range(100):
        data = staggered_panel(seed)
        es = event_study(data.panel, data.adoption, n_boot=199, seed=seed)
        covered += es.att_ci_low <= data.true_att <= es.att_ci_high
        errors.append(es.att - data.true_att)
        naive_bias.append(data.naive - data.true_att)
    assert covered >= 90
    assert abs(np.mean(errors)) < 0.05  # unbiased: the mean error is small against effect 1.0
    # trend 0.08 a period over a gap of ~14 periods: the naive before/after adds about 1.1
    assert np.mean(naive_bias) > 0.8
    assert np.mean(np.array(naive_bias) > 0.3) >= 0.95


def test_pre_trend_check_flags_improvement_that_starts_before_adoption():
    false_alarms = flagged = 0
    for seed in range(40):
        clean = staggered_panel(seed)
        early = staggered_panel(seed, anticipation=3)  # services improve 3 months early
        false_alarms += (
            event_study(clean.panel, clean.adoption, n_boot=199, seed=seed).pretrend_p < 0.05
        )
        flagged += event_study(early.panel, early.adoption, n_boot=199, seed=seed).pretrend_p < 0.05
    assert false_alarms <= 5  # about 5% of 40 expected; 5 allows for chance
    assert flagged >= 36


def test_true_effect_of_the_generator_by_hand():
    data = staggered_panel(
        3, n_services=4, n_periods=8, adoption_span=(2, 5), effect_spread=0.5, ramp=2, post=1
    )
    # cohorts 2, 3, 4, 5 (one service each), effects 1.5, 1.1667, 0.8333, 0.5; e = 0 is half
    # the effect (ramp 2) over cohorts with a not-yet-treated control at g: 2, 3, 4 -> mean
    # of 0.75, 0.5833, 0.4167 = 0.5833; e = 1 over cohorts 2, 3 (g + 1 < 5): (1.5 + 1.1667)/2
    assert data.true_effects[0] == pytest.approx((0.75 + 0.583333 + 0.416667) / 3, abs=1e-5)
    assert data.true_effects[1] == pytest.approx((1.5 + 1.166667) / 2, abs=1e-5)
