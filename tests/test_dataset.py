"""Dataset.until: the data as they stood at a moment, counted in the quality log."""

import shutil

import pandas as pd

from analytics.data.load import load
from tests.conftest import FIXTURES

TINY = FIXTURES / "tiny"
CUT = pd.Timestamp("2021-02-01T00:00:00", tz="Europe/London").tz_convert(
    "UTC"
)  # = 00:00 UTC in winter


def _tiny_with_changes(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    (folder / "changes.csv").write_text(
        "change_id,service,committed_at,merged_at,deployment_id\n"
        "c1,api,2021-01-03T09:00:00+00:00,2021-01-04T09:00:00+00:00,d01\n"
        # c2: merged and shipped later
        "c2,api,2021-01-25T09:00:00+00:00,2021-02-03T09:00:00+00:00,d05\n"
        "c3,api,2021-02-05T09:00:00+00:00,2021-02-06T09:00:00+00:00,d05\n"  # committed later
        "c4,web,2021-01-20T09:00:00+00:00,2021-01-21T09:00:00+00:00,d06\n"  # merged in January,
    )  # shipped by d06 in February: cut at January's end, the time rule would ship it with d03
    return load(folder)


def test_until_keeps_what_was_known_and_counts_the_rest(tmp_path):
    full = _tiny_with_changes(tmp_path)
    cut = full.until(CUT)
    assert list(cut.deployments["deployment_id"]) == ["d01", "d02", "d03"]
    assert list(cut.incidents["incident_id"]) == ["i1"]  # i2..i4 opened in February or later
    assert list(cut.changes["change_id"]) == ["c1"]  # c2 merged in February, c4 shipped then
    assert cut.changes.set_index("change_id").loc["c1", "deployment_id"] == "d01"
    assert cut.as_of == CUT
    noted = cut.quality[cut.quality["action"] == "noted"].set_index(["table", "rule"])["rows"]
    after = "rows after 2021-01-31 (the report's as-of date) not used"
    assert noted[("deployments", after)] == 9 and noted[("incidents", after)] == 3
    assert noted[("changes", after)] == 1
    assert (
        noted[("changes", "merged or shipped after 2021-01-31: not yet shipped then, not used")]
        == 2
    )
    assert len(full.deployments) == 12 and full.as_of is None  # the original is untouched


def test_an_incident_resolved_after_the_cut_is_open_and_censored_there(tmp_path):
    from analytics.metrics import restore_times

    full = _tiny_with_changes(tmp_path)
    cut = full.until(pd.Timestamp("2021-01-19T14:00:00", tz="UTC"))  # i1: 12:00 to 16:00
    i1 = cut.incidents.set_index("incident_id").loc["i1"]
    assert pd.isna(i1["resolved_at"]) and i1["caused_by_deployment_id"] == "d02"
    rt = restore_times(cut).set_index("incident_id")
    assert (
        bool(rt.loc["i1", "censored"]) and rt.loc["i1", "restore_hours"] == 2.0
    )  # open 2 h so far


def test_until_after_the_last_event_changes_nothing(tmp_path):
    full = _tiny_with_changes(tmp_path)
    assert full.until(pd.Timestamp("2022-01-01", tz="UTC")) is full


def test_a_cut_month_ships_no_change_earlier_than_the_whole_export_does(tmp_path):
    from analytics.metrics import lead_times

    full = _tiny_with_changes(tmp_path)
    whole = lead_times(full).set_index("change_id")["deployment_id"]
    january = lead_times(full.until(CUT)).set_index("change_id")["deployment_id"]
    assert whole["c4"] == "d06" and "c4" not in january.index  # not shipped by d03 in January
    assert (january == whole.reindex(january.index)).all()


def test_filter_services_with_a_typo_names_the_known_services():
    import pytest

    from analytics.exceptions import AnalyticsError

    ds = load(TINY)
    assert ds.service_names() == ["api", "web"]
    with pytest.raises(AnalyticsError) as err:
        ds.filter_services(["apu"])
    assert str(err.value) == "unknown service 'apu' (known: api, web); did you mean 'api'?"
    assert (
        len(ds.filter_services(["web"]).deployments) == (ds.deployments["service"] == "web").sum()
    )


def test_repr_is_one_short_line_not_the_frames():
    ds = load(TINY)
    text = repr(ds)
    assert "\n" not in text and len(text) < 200
    rows = ", ".join(
        f"{t}={len(ds.table(t))}" for t in ("deployments", "changes", "incidents", "test_runs")
    )
    assert text.startswith(f"<Dataset {ds.source}: {rows}; ")
    assert text.endswith("; 2 services>")
