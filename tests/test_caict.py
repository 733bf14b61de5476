"""CAICT continuous-delivery evidence, hand-computed on February 2021 in Shanghai.

February 2021 in China has 17 working days: Mon 1 .. Fri 5, Sun 7 (make-up), Mon 8 .. Wed 10,
Thu 18, Fri 19, Sat 20 (make-up), Mon 22 .. Fri 26; Spring Festival is Thu 11 .. Wed 17.
Weeks (Monday start): 1-7 (6 working days), 8-14 (3), 15-21 (3), 22-28 (5).
"""

import dataclasses
import io

import pandas as pd
import pytest

from analytics.config import Phase, ProgramConfig
from analytics.config.calendar import CalendarConfig
from analytics.data.coerce import coerce_table
from analytics.data.dataset import Dataset, QualityLog
from analytics.program.caict import caict_evidence, caict_not_judged, caict_windows
from analytics.program.caict_model import level_text, model_items

FEB = "2021-02"
WORKING = [1, 2, 3, 4, 5, 7, 8, 9, 10, 18, 19, 20, 22, 23, 24, 25, 26]
CN = CalendarConfig(country="CN")


def _t(day: int, hhmm: str) -> str:
    return f"2021-02-{day:02d}T{hhmm}:00+08:00"


def _deployments_and_runs() -> tuple[str, str]:
    # service a: 10 successful production deployments, each after a passing run 30 min before
    a_days = [(1, "11:00"), (1, "15:00"), (2, "11:00"), (3, "11:00"), (10, "11:00")]
    a_days += [(20, "11:00"), (22, "11:00"), (23, "11:00"), (24, "11:00"), (25, "11:00")]
    dep = ["deployment_id,service,environment,finished_at,status,started_at,kind"]
    runs = ["run_id,service,finished_at,tests_passed,tests_failed,suite"]
    for i, (day, hhmm) in enumerate(a_days):
        hour = int(hhmm[:2])
        dep.append(f"a{i},a,production,{_t(day, hhmm)},success,{_t(day, hhmm)},regular")
        runs.append(f"ra{i},a,{_t(day, f'{hour - 1:02d}:30')},50,0,unit")
    # service b: a failed deployment rolled back an hour later (no test run before either)
    dep.append(f"b0,b,production,{_t(23, '12:00')},failed,{_t(23, '12:00')},regular")
    dep.append(f"b1,b,production,{_t(23, '13:00')},success,{_t(23, '13:00')},rollback")
    # red streaks: a from Wed 10th 17:00 to Thu 18th 09:30, b from Fri 19th 17:50 to Sat 20th 09:05
    runs += [
        f"rx1,a,{_t(10, '17:00')},49,1,unit",
        f"rx2,a,{_t(10, '17:30')},49,1,unit",
        f"rx3,a,{_t(18, '09:30')},50,0,unit",
        f"ry1,b,{_t(19, '17:50')},49,1,unit",
        f"ry2,b,{_t(20, '09:05')},50,0,unit",
    ]
    return "\n".join(dep), "\n".join(runs)


def _changes() -> str:
    rows = ["change_id,service,committed_at,authored_at,pr_opened_at,merged_at,author"]
    merged_at = pd.Timestamp

    def pr(cid: str, day: int, hhmm: str, hours_before: int, author: str) -> str:
        merged = merged_at(_t(day, hhmm))
        first = (merged - pd.Timedelta(hours=hours_before)).isoformat()
        return f"{cid},a,{first},{first},{first},{merged.isoformat()},{author}"

    for i, day in enumerate(WORKING):  # alice: one merge a working day, 48 h branches
        rows.append(pr(f"al{i}", day, "16:00", 48, "alice"))
    for i, day in enumerate(WORKING):  # carol: two a working day, 24 h branches
        rows.append(pr(f"ca{i}a", day, "10:00", 24, "carol"))
        rows.append(pr(f"ca{i}b", day, "15:00", 24, "carol"))
    for i, day in enumerate(WORKING[:7]):  # bob: seven merges with 5-day branches ...
        rows.append(pr(f"bo{i}", day, "12:00", 120, "bob"))
    rows.append(f"bo-direct,a,{_t(5, '10:00')},,,,bob")  # ... and one commit straight to trunk
    rows.append(pr("anon", 9, "12:00", 24, ""))  # no author
    rows.append(f"review,a,{_t(8, '10:00')},,{_t(8, '11:00')},,alice")  # still in review
    return "\n".join(rows)


def _frame(table: str, text: str, cfg: ProgramConfig) -> pd.DataFrame:
    raw = pd.read_csv(io.StringIO(text + "\n"), dtype=str, keep_default_na=False, na_values=[""])
    raw.index = pd.RangeIndex(1, len(raw) + 1)
    return coerce_table(raw, table, cfg, QualityLog(), table)


def _dataset(calendar: CalendarConfig = CN) -> Dataset:
    cfg = ProgramConfig(
        timezone="Asia/Shanghai",
        calendar=calendar,
        phases=(Phase("program", pd.Timestamp("2021-01-01").date(), FEB_END),),
    )
    dep, runs = _deployments_and_runs()
    tables = {
        "deployments": _frame("deployments", dep, cfg),
        "test_runs": _frame("test_runs", runs, cfg),
        "changes": _frame("changes", _changes(), cfg),
    }
    return Dataset.from_tables(tables, config=cfg)


FEB_END = pd.Timestamp("2021-02-28").date()


@pytest.fixture(scope="module")
def evidence() -> pd.DataFrame:
    ds = _dataset()
    return caict_evidence(ds, caict_windows(ds.config, FEB)).set_index(["item", "window"])


def test_deployment_frequency(evidence):
    row = evidence.loc[("Deployment strategy / frequency", FEB)]
    # deployment days per week [3, 1, 1 (make-up Saturday), 4]: median 2; every week had one
    assert row["level"] == 2 and row["n"] == 4
    assert "median 2 production deployment days a week" in row["figure"]
    assert "11 successful production deployments in 17 working days (0.65" in row["figure"]
    assert row["rule_zh"].startswith("1) 采用定期部署策略，部署频率以周为单位")


def test_deployment_quality(evidence):
    row = evidence.loc[("Deployment quality", FEB)]
    # 1 failed of 12 attempts (8%, low); a rollback seen; gated 10 of 11 (91% < 95%): level 2
    assert row["level"] == 2 and row["n"] == 12
    assert "change failure rate 8% (1 of 12); 1 rollbacks" in row["figure"]
    assert "10 of 11 successful production deployments (91%)" in row["figure"]


def test_integration_frequency_counts_working_days(evidence):
    row = evidence.loc[("Integration frequency", FEB)]
    # alice 17/17 = 1.0, bob 8/17 = 0.47, carol 34/17 = 2.0 a working day: median 1.0 -> L3
    assert row["level"] == 3 and row["n"] == 3
    assert "median 1.00 integrations" in row["figure"]
    assert "(3 developers, 60 changes, 17 working days)" in row["figure"]
    assert "1 changes without an author not counted" in row["figure"]
    assert row["rule_en"] == "at least once per day per developer"


def test_integration_frequency_on_a_plain_calendar():
    ds = _dataset(CalendarConfig())  # Monday-Friday, no holidays: 20 working days
    ev = caict_evidence(ds, caict_windows(ds.config, FEB)).set_index(["item", "window"])
    row = ev.loc[("Integration frequency", FEB)]
    assert "median 0.85 integrations" in row["figure"] and row["level"] == 2  # 17 / 20


def test_ci_recovery_calendar_and_working_hours(evidence):
    row = evidence.loc[("Integration feedback and fix time", FEB)]
    # calendar: 184.5 h and 15.25 h, median 99.9 h (under a week, over 12 h): level 2
    assert row["level"] == 2 and row["n"] == 2
    assert "median 4.2 days" in row["figure"] and "calendar time" in row["figure"]
    ds = _dataset(dataclasses.replace(CN, durations="working_hours"))
    ev = caict_evidence(ds, caict_windows(ds.config, FEB)).set_index(["item", "window"])
    row = ev.loc[("Integration feedback and fix time", FEB)]
    # working hours: Wed 17-18 + Thu 9-9:30 = 1.5 h; Fri 17:50-18 + make-up Sat 9-9:05 = 0.25 h
    assert row["level"] == 3
    assert "median 52 min" in row["figure"] and "working hours" in row["figure"]


def test_test_execution_and_branches(evidence):
    row = evidence.loc[("Automated test execution", FEB)]
    # 15 runs / (2 services x 17 working days) = 0.44 >= 0.2; unit suite only: level 2
    assert row["level"] == 2 and row["n"] == 15
    assert "0.44 per service per working day; 10 of 11" in row["figure"]
    row = evidence.loc[("Branch management", FEB)]
    # 35 branches of 24 h, 17 of 48 h, 7 of 120 h: median 24 h <= 3 days
    assert row["level"] == 3 and row["n"] == 59
    assert "median branch life 24.0 h" in row["figure"]


def test_phase_window_is_cut_at_the_month_end(evidence):
    windows = caict_windows(_dataset().config, FEB)
    assert [(w.name, str(w.start.date()), str(w.end.date())) for w in windows] == [
        (FEB, "2021-02-01", "2021-02-28"),
        ("program", "2021-01-01", "2021-02-28"),
    ]
    assert set(evidence.index.get_level_values("window")) == {FEB, "program"}


def test_no_data_is_not_judged_never_a_level():
    ds = Dataset.from_tables({}, config=ProgramConfig(calendar=CN))
    ev = caict_evidence(ds, caict_windows(ds.config, FEB))
    assert ev["level"].isna().all() and (ev["n"] == 0).all()
    assert ev["not_judged"].str.startswith("not judged: ").all()
    assert (ev["rule_zh"] == "").all()


def test_changes_without_authors_are_not_judged():
    ds = _dataset()
    ds = dataclasses.replace(ds, changes=ds.changes.drop(columns=["author"]))
    row = caict_evidence(ds, caict_windows(ds.config, FEB)).iloc[
        lambda f: (f["item"] == "Integration frequency").to_numpy()
    ]
    assert row["level"].isna().all()
    assert row["not_judged"].str.contains("carry no author").all()


def test_model_tables_and_unjudged_items():
    assert len(model_items()) == 49  # every item of the sheet, usage notes left out
    zh, en = level_text("反馈周期", 4)
    assert zh == "集成问题反馈和解决控制在30分钟以内完成" and en == "<= 30 minutes"
    rest = caict_not_judged()
    assert len(rest) == 49 - 6 and "环境构建" in set(rest["item_zh"])
    assert not {"部署策略", "集成频率"} & set(rest["item_zh"])


def test_inputs_are_not_changed():
    ds = _dataset()
    before = {t: ds.table(t).copy() for t in ("deployments", "changes", "test_runs")}
    caict_evidence(ds, caict_windows(ds.config, FEB))
    for t, frame in before.items():
        pd.testing.assert_frame_equal(ds.table(t), frame)


def test_a_branch_merged_before_its_first_commit_is_counted_and_left_out():
    ds = _dataset()
    chg = ds.changes.copy()
    chg.loc[chg["change_id"] == "al0", "authored_at"] = pd.Timestamp("2021-02-02T00:00:00Z")
    ds = dataclasses.replace(ds, changes=chg)
    ev = caict_evidence(ds, caict_windows(ds.config, FEB)).set_index(["item", "window"])
    row = ev.loc[("Branch management", FEB)]
    assert row["n"] == 58 and "1 merged before their first commit left out" in row["figure"]
