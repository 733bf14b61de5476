"""Tests of analytics.synthetic.sample: determinism, the data contract and the story the sample
tells.

Every figure is recomputed here with plain pandas from the generated export strings (parsed with
``pd.to_datetime(..., utc=True)`` and bucketed on Asia/Shanghai local dates), independently of the
package's metric code.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import yaml

from analytics.data.schema import TABLES
from analytics.synthetic import sample

TZ = "Asia/Shanghai"
AFTER_MONTHS = ["2021-09", "2021-10", "2021-11", "2021-12"]
BASELINE_MONTHS = ["2020-10", "2020-11", "2020-12"]

COLUMNS = {name: table.names for name, table in TABLES.items()}  # the contract
TIME_COLUMNS = {
    name: [c.name for c in table.columns if c.kind == "timestamp"] for name, table in TABLES.items()
}


def ts(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, utc=True)


def naive_utc(s: pd.Series):
    """UTC instants as a numpy datetime64 array (for element-wise comparison across frames)."""
    return ts(s).dt.tz_convert(None).to_numpy()


def local(s: pd.Series) -> pd.Series:
    return ts(s).dt.tz_convert(TZ)


def month(s: pd.Series) -> pd.Series:
    return local(s).dt.strftime("%Y-%m")


def phase(s: pd.Series) -> pd.Series:
    d = local(s).dt.strftime("%Y-%m-%d")
    return pd.Series(
        [
            "baseline" if x <= "2020-12-31" else "after" if x >= "2021-09-01" else "program"
            for x in d
        ],
        index=s.index,
    )


def days_in(m: str) -> int:
    return pd.Period(m, freq="M").days_in_month


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return sample.generate()


@pytest.fixture(scope="module")
def deps(tables) -> pd.DataFrame:
    """Deployments as a loader would clean them: duplicate dropped, status lower-cased."""
    d = tables["deployments"].drop_duplicates().copy()
    d["status"] = d["status"].str.lower()
    d["month"] = month(d["finished_at"])
    d["day"] = local(d["finished_at"]).dt.date
    return d


@pytest.fixture(scope="module")
def unit_runs(tables) -> pd.DataFrame:
    r = tables["test_runs"]
    r = r[r["suite"] == "unit"].copy()
    r["month"] = month(r["finished_at"])
    r["phase"] = phase(r["finished_at"])
    r["t"] = ts(r["finished_at"])
    return r


# --- determinism and files -------------------------------------------------------------------


def test_same_seed_same_tables_other_seed_differs(tables):
    again = sample.generate()
    for name in COLUMNS:
        pd.testing.assert_frame_equal(tables[name], again[name])
    other = sample.generate(seed=7)
    assert not tables["deployments"].equals(other["deployments"])
    assert not tables["incidents"].equals(other["incidents"])


def test_write_sample_is_byte_identical(tmp_path, tables):
    a = sample.write_sample(tmp_path / "a")
    b = sample.write_sample(tmp_path / "b")
    names = [p.name for p in a]
    assert names == [
        "deployments.csv",
        "changes.csv",
        "incidents.csv",
        "test_runs.csv",
        "program.yml",
    ]
    total = 0
    for pa, pb in zip(a, b, strict=True):
        raw = pa.read_bytes()
        assert raw == pb.read_bytes()
        assert b"\r" not in raw
        raw.decode("utf-8")
        total += len(raw)
    assert total < 3_000_000
    for name in COLUMNS:
        back = pd.read_csv(tmp_path / "a" / f"{name}.csv", dtype=str, keep_default_na=False)
        assert list(back.columns) == COLUMNS[name]
        assert len(back) == len(tables[name])
    runs = (tmp_path / "a" / "test_runs.csv").read_text(encoding="utf-8").splitlines()
    covs = [line.split(",")[7] for line in runs[1:]]
    assert all(c == "" or (len(c) == 6 and c[1] == ".") for c in covs)  # 0.dddd or 1.0000
    assert (tmp_path / "a" / "program.yml").read_text(encoding="utf-8") == sample.program_yaml()


def test_program_yaml():
    text = sample.program_yaml()
    cfg = yaml.safe_load(text)
    assert cfg["name"] == "Loan platform continuous-delivery program"
    assert cfg["timezone"] == "Asia/Shanghai"
    assert cfg["week_start"] == "monday"
    assert cfg["production_environments"] == ["production"]
    assert cfg["phases"] == {
        "baseline": {"start": dt.date(2020, 10, 1), "end": dt.date(2020, 12, 31)},
        "program": {"start": dt.date(2021, 1, 1), "end": dt.date(2021, 8, 31)},
        "after": {"start": dt.date(2021, 9, 1), "end": dt.date(2021, 12, 31)},
    }
    assert [m["label"] for m in cfg["milestones"]] == [
        "Unified CI pipeline",
        "Automated test gate",
        "Micro-service split complete",
        "Canary releases",
    ]
    assert cfg["milestones"][0]["date"] == dt.date(2021, 1, 18)
    assert cfg["targets"] == {
        "delivery_throughput_per_day": 6,
        "production_releases": 18,
        "time_to_restore_hours": {"severity": "critical", "max": 1},
        "unit_test_pass_rate": 1.0,
        "test_coverage": {"min": 0.95, "claim": "100% automated test coverage"},
    }
    assert cfg["definitions"] == "default"
    assert cfg["benchmark_year"] == 2021
    assert cfg["severity_map"] == {
        "P1": "critical",
        "SEV1": "critical",
        "P2": "high",
        "SEV2": "high",
        "P3": "medium",
        "P4": "low",
    }
    assert "95%" in text and "#" in text


# --- contract and invariants -----------------------------------------------------------------


def test_columns_and_offsets(tables):
    for name, cols in COLUMNS.items():
        df = tables[name]
        assert list(df.columns) == cols
        for c in TIME_COLUMNS[name]:
            v = df[c].dropna()
            utc = df.loc[v.index, "service"] == sample.UTC_SERVICE
            assert v[utc].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
            assert v[~utc].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00").all()
        assert (df["service"] == sample.UTC_SERVICE).any()
        assert set(df["service"]) == set(sample.SERVICES)
    assert len(sample.SERVICES) == 12


def test_utc_service_same_instants(tables):
    """reporting's rows fall in local working hours like the others: only the offset differs."""
    d = tables["deployments"]
    rep = local(d.loc[d["service"] == sample.UTC_SERVICE, "started_at"]).dt.hour
    assert rep.between(7, 23).all()


def test_exactly_one_duplicated_deployment_row(tables):
    d = tables["deployments"]
    assert d.duplicated(keep="first").sum() == 1
    assert d["deployment_id"].duplicated().sum() == 1
    for name, id_col in [
        ("changes", "change_id"),
        ("incidents", "incident_id"),
        ("test_runs", "run_id"),
    ]:
        assert tables[name][id_col].is_unique
        assert tables[name][id_col].notna().all()


def test_status_kind_environment_values(tables, deps):
    raw = tables["deployments"]["status"]
    assert 1 <= (raw == "SUCCESS").sum() <= 10
    assert (raw != raw.str.lower()).sum() == (raw == "SUCCESS").sum()
    assert set(deps["status"]) == {"success", "failed", "rolled_back", "cancelled"}
    assert set(deps["kind"]) == {"regular", "hotfix", "rollback"}
    assert set(deps["environment"]) == {"production", "staging", "test"}
    assert tables["deployments"]["commit_sha"].str.fullmatch(r"[0-9a-f]{40}").all()
    prod = deps[deps["environment"] == "production"]
    assert (prod["kind"] == "rollback").sum() >= 3
    assert (prod["kind"] == "hotfix").sum() >= 10
    assert (
        deps["kind"].isin(["hotfix", "rollback"]) & (deps["environment"] != "production")
    ).sum() == 0


def test_rollbacks_follow_a_failure(deps):
    d = deps.assign(t=ts(deps["started_at"])).sort_values(["t", "deployment_id"])
    prod = d[d["environment"] == "production"]
    for _, row in prod[prod["kind"] == "rollback"].iterrows():
        before = prod[(prod["service"] == row["service"]) & (prod["t"] < row["t"])]
        assert before.iloc[-1]["status"] in ("failed", "rolled_back")


def test_time_ordering_invariants(tables):
    d = tables["deployments"]
    assert (ts(d["started_at"]) <= ts(d["finished_at"])).all()
    c = tables["changes"]
    assert (ts(c["authored_at"]) <= ts(c["committed_at"])).all()
    has_pr = c["pr_opened_at"].notna()
    assert (ts(c["committed_at"][has_pr]) <= ts(c["pr_opened_at"][has_pr])).all()
    merged = c["merged_at"].notna()
    assert (ts(c["pr_opened_at"][merged]) <= ts(c["merged_at"][merged])).all()
    i = tables["incidents"]
    res = i["resolved_at"].notna()
    assert (ts(i["resolved_at"][res]) >= ts(i["opened_at"][res])).all()
    imp = i["impact_started_at"].notna()
    assert 0 < imp.sum() < len(i)
    assert (ts(i["impact_started_at"][imp]) <= ts(i["opened_at"][imp])).all()
    end = pd.Timestamp("2022-01-01", tz=TZ)
    for name, cols in TIME_COLUMNS.items():
        for col in cols:
            assert (ts(tables[name][col].dropna()) < end).all(), (name, col)
    r = tables["test_runs"]
    for col in ("tests_passed", "tests_failed", "tests_skipped"):
        assert pd.api.types.is_integer_dtype(r[col])
        assert (r[col] >= 0).all()
    cov = r["coverage"]
    assert cov[r["suite"] == "unit"].between(0, 1).all()
    assert cov[r["suite"] != "unit"].isna().all()
    assert set(r["suite"]) == {"unit", "integration", "e2e"}


def test_changes_link_to_the_production_deployment_that_shipped_them(tables, deps):
    c = tables["changes"]
    linked = c[c["deployment_id"].notna()]
    assert 0.85 < len(linked) / len(c) < 1.0  # most, not all
    target = deps.set_index("deployment_id")
    assert linked["deployment_id"].isin(target.index).all()
    t = target.loc[linked["deployment_id"]]
    assert (t["environment"] == "production").all()
    assert (t["status"] == "success").all()
    start = naive_utc(t["started_at"])
    assert (naive_utc(linked["committed_at"]) < start).all()
    merged = linked["merged_at"].notna().to_numpy()
    assert (naive_utc(linked["merged_at"])[merged] < start[merged]).all()
    # the deployment's commit_sha is the head change it shipped
    shipped = deps[
        (deps["environment"] == "production")
        & (deps["kind"] != "rollback")
        & (deps["status"] == "success")
    ]
    assert shipped["commit_sha"].isin(set(linked["commit_sha"])).all()
    assert c["commit_sha"].is_unique


def test_sizes(tables):
    assert 5_000 <= len(tables["changes"]) <= 15_000
    assert len(tables["test_runs"]) < 15_000


# --- the story ---------------------------------------------------------------------------------


def test_delivery_throughput(deps):
    ok = deps[deps["status"] == "success"]
    per_month = ok.groupby("month").size()
    for m in AFTER_MONTHS:
        assert per_month[m] / days_in(m) >= 6.0, m
    for m in BASELINE_MONTHS:
        assert per_month[m] / days_in(m) < 1.0, m
    baseline = per_month[BASELINE_MONTHS].sum() / sum(days_in(m) for m in BASELINE_MONTHS)
    assert baseline < 1.0


def test_production_releases(deps):
    ok = deps[(deps["status"] == "success") & (deps["environment"] == "production")]
    per_month = ok.groupby("month").size()
    for m in AFTER_MONTHS:
        assert 18 <= per_month[m] <= 24, m
    for m in BASELINE_MONTHS:
        assert 2 <= per_month[m] <= 5, m
    assert 3 <= per_month[BASELINE_MONTHS].mean() <= 4.5
    # a ramp: the program months lie between the phases and rise overall
    program = per_month["2021-01":"2021-08"]
    assert program.iloc[:3].mean() < program.iloc[-3:].mean()


def test_freezes_have_no_production_deployments(deps):
    prod = deps[deps["environment"] == "production"]
    for col in ("started_at", "finished_at"):
        d = local(prod[col]).dt.strftime("%Y-%m-%d")
        assert not d.between("2021-02-11", "2021-02-17").any()
        assert not d.between("2021-10-01", "2021-10-07").any()
    # the days around the freezes do have production deployments
    d = local(prod["finished_at"]).dt.strftime("%Y-%m-%d")
    assert d.between("2021-10-08", "2021-10-15").any()
    nonprod = local(deps.loc[deps["environment"] != "production", "finished_at"])
    in_nd = nonprod.dt.strftime("%Y-%m-%d").between("2021-10-01", "2021-10-07").sum()
    assert in_nd <= 10


def test_quiet_weekends(deps):
    day = local(deps["finished_at"])
    weekend = day.dt.day_of_week >= 5
    n_days = pd.Series(pd.date_range("2020-10-01", "2021-12-31", freq="D").day_of_week)
    per_weekend_day = weekend.sum() / (n_days >= 5).sum()
    per_weekday = (~weekend).sum() / (n_days < 5).sum()
    assert per_weekend_day < 0.3 * per_weekday


def test_lead_time(tables, deps):
    c = tables["changes"].dropna(subset=["deployment_id"])
    dep = deps.set_index("deployment_id").loc[c["deployment_id"]]
    lead_h = (naive_utc(dep["finished_at"]) - naive_utc(c["committed_at"])) / pd.Timedelta(hours=1)
    ph = phase(dep["finished_at"]).to_numpy()
    lead = pd.Series(lead_h, index=range(len(lead_h)))
    assert lead[ph == "baseline"].median() > 7 * 24  # weeks
    assert lead[ph == "after"].median() < 24  # hours
    assert lead[ph == "after"].quantile(0.9) < 72  # to a day or two


def _restore_hours(inc: pd.DataFrame) -> pd.Series:
    start = ts(inc["impact_started_at"]).fillna(ts(inc["opened_at"]))
    return (ts(inc["resolved_at"]) - start) / pd.Timedelta(hours=1)


def test_critical_time_to_restore(tables):
    inc = tables["incidents"]
    p1 = inc[inc["severity"] == "P1"].copy()
    p1["month"] = month(p1["opened_at"])
    p1["phase"] = phase(p1["opened_at"])
    p1["h"] = _restore_hours(p1)
    p1["h_opened"] = (ts(p1["resolved_at"]) - ts(p1["opened_at"])) / pd.Timedelta(hours=1)
    assert p1["resolved_at"].notna().all()
    after = p1[p1["phase"] == "after"]
    assert after["h"].mean() < 1.0 and after["h_opened"].mean() < 1.0
    for m in AFTER_MONTHS:
        sel = after[after["month"] == m]
        assert len(sel) >= 2, m  # there still are critical incidents
        assert sel["h"].mean() < 1.0, m
    base = p1[p1["phase"] == "baseline"]
    assert len(base) >= 5
    assert 3.0 <= base["h"].mean() <= 8.0
    assert 3.0 <= base["h_opened"].mean() <= 8.0


def test_incident_mix_and_volume(tables, deps):
    inc = tables["incidents"]
    counts = inc["severity"].value_counts()
    assert set(counts.index) == {"P1", "P2", "P3", "P4"}
    assert counts["P1"] < counts["P2"] < min(counts["P3"], counts["P4"])
    per_month = inc.groupby(month(inc["opened_at"])).size()
    for m in BASELINE_MONTHS:
        assert 15 <= per_month[m] <= 40
    assert per_month[AFTER_MONTHS].mean() < 0.6 * per_month[BASELINE_MONTHS].mean()
    caused = inc["caused_by_deployment_id"].dropna()
    assert len(caused) >= 10
    assert caused.isin(set(deps.loc[deps["environment"] == "production", "deployment_id"])).all()


def test_open_incidents_at_the_end(tables):
    inc = tables["incidents"]
    still_open = inc[inc["resolved_at"].isna()]
    assert 3 <= len(still_open) <= 4
    assert (month(still_open["opened_at"]) == "2021-12").all()


def test_unit_test_pass_rate(unit_runs):
    r = unit_runs
    after = r[r["phase"] == "after"]
    assert len(after) > 100
    assert (after["tests_failed"] == 0).all()
    for m in AFTER_MONTHS:
        sel = after[after["month"] == m]
        rate = sel["tests_passed"].sum() / (sel["tests_passed"] + sel["tests_failed"]).sum()
        assert rate == 1.0, m
    base = r[r["phase"] == "baseline"]
    rate = base["tests_passed"].sum() / (base["tests_passed"] + base["tests_failed"]).sum()
    assert 0.86 <= rate <= 0.94


def test_coverage(unit_runs):
    r = unit_runs.sort_values(["t", "run_id"])
    for m in AFTER_MONTHS:
        last = r[r["month"] == m].groupby("service")["coverage"].last()
        assert len(last) == 12 and (last >= 0.95).all(), m
    last_after = r[r["phase"] == "after"].groupby("service")["coverage"].last()
    assert last_after.between(0.96, 1.0).all()
    base = r[r["phase"] == "baseline"]
    assert base["coverage"].between(0.40, 0.60).all()
    last_base = base.groupby("service")["coverage"].last()
    assert last_base.mean() < 0.6


# --- issue #16 item 5: events whose local month is not their UTC month -----------------------
def test_incidents_at_local_month_edges_bucket_by_zone():
    from analytics import load
    from analytics.metrics import metric_table
    from tests.conftest import SAMPLE_DIR

    raw = pd.read_csv(SAMPLE_DIR / "incidents.csv", dtype=str, keep_default_na=False)
    opened = pd.to_datetime(raw["opened_at"], utc=True, format="ISO8601")
    local = opened.dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-01")
    utc = opened.dt.strftime("%Y-%m-01")
    edge = raw[local != utc]
    # a handful, spread over the phases, none a P1 (the P1 story is unchanged), one of them
    # of the service written in UTC ("Z")
    assert len(edge) >= 4 and "P1" not in set(edge["severity"])
    assert edge["opened_at"].str.endswith("Z").any()
    assert {"2021-01-01", "2021-04-01", "2021-07-01", "2021-10-01"} <= set(local[edge.index])

    ds = load(SAMPLE_DIR)
    resolved = raw["resolved_at"] != ""

    def n_by_month(table: pd.DataFrame) -> dict:
        rows = table[(table["metric"] == "time_to_restore_hours") & (table["severity"] == "all")]
        rows = rows[rows["n"] > 0]
        return {
            p.strftime("%Y-%m-01"): int(n)
            for p, n in zip(rows["period_start"], rows["n"], strict=True)
        }

    # default: every incident in its Shanghai month (open ones censored, still counted)
    assert n_by_month(metric_table(ds)) == local.value_counts().to_dict()
    # devlake: UTC months of the resolved incidents
    assert n_by_month(metric_table(ds, preset="devlake")) == utc[resolved].value_counts().to_dict()
