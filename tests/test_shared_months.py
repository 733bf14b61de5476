"""The render builds a month once and hands it to its kernels (views.shared_months)."""

import threading
import time

import pandas as pd
import pytest

from analytics import load
from analytics.views import month as month_module
from analytics.views import month_cache, open_month, shared_months
from analytics.views.month import month_of
from analytics.views.month_cache import kept_months, month_key
from tests.conftest import SAMPLE_DIR

MONTH = "2021-12"


@pytest.fixture(scope="module")
def built():
    report = month_of(load(SAMPLE_DIR), str(SAMPLE_DIR), MONTH)
    return report, month_key(SAMPLE_DIR, MONTH)


def test_a_handed_over_month_is_read_not_computed_and_equals_the_opened_one(
    built, tmp_path, monkeypatch
):
    report, key = built
    shared_months.hand_over(tmp_path, key, report)
    assert {"monthly", "impact", "impact_by_team", "scorecard"} <= set(report.__dict__)

    def no_compute(*args, **kwargs):
        raise AssertionError("the month was computed again")

    with monkeypatch.context() as m:
        m.setattr(month_module, "_open", no_compute)
        with kept_months(tmp_path):
            shared = open_month(str(SAMPLE_DIR), MONTH)
    opened = open_month(str(SAMPLE_DIR), MONTH)  # outside: computed from the files
    assert shared is not opened and shared.data_dir == opened.data_dir
    for name in ("monthly", "impact", "scorecard", "monthly_by_team", "impact_by_team"):
        pd.testing.assert_frame_equal(getattr(shared, name), getattr(opened, name))
    assert month_cache.kept() is None and shared_months._FOLDER is None  # restored after


def test_other_arguments_are_not_served_the_handed_over_month(built, tmp_path):
    report, key = built
    shared_months.hand_over(tmp_path, key, report)
    with kept_months(tmp_path):
        other = open_month(str(SAMPLE_DIR), "2021-11")
        assert other.month == "2021-11"
        assert month_key(SAMPLE_DIR, MONTH, preset="fourkeys") != key


def test_a_kernel_waits_for_a_month_being_built_and_computes_one_withdrawn(built, tmp_path):
    report, key = built
    shared_months.announce(tmp_path, key)
    got = []
    with shared_months.using(tmp_path):
        reader = threading.Thread(target=lambda: got.append(shared_months.fetch(key)))
        reader.start()
        time.sleep(0.2)
        assert reader.is_alive() and not got  # waiting for the builder
        shared_months.hand_over(tmp_path, key, report)
        reader.join(5)
        assert got and got[0].month == MONTH
        shared_months.discard(tmp_path, key)
        shared_months.announce(tmp_path, key)
        shared_months.withdraw(tmp_path, key)  # the builder failed: compute it yourself
        assert shared_months.fetch(key) is None
    assert list(tmp_path.iterdir()) == []


def test_month_files_are_written_once_ahead_or_when_asked_and_never_after():
    from analytics.report.handover import FilesAhead

    calls, gate = [], threading.Event()

    def write(month):
        calls.append(month)
        if month == "slow":
            gate.wait(5)
        if month == "bad":
            raise OSError("disk full")
        return [f"{month}.csv"]

    ahead = FilesAhead(write)
    ahead.submit("2021-11")
    assert ahead.result("2021-11") == ["2021-11.csv"]
    assert ahead.result("2021-12") == ["2021-12.csv"]  # not built ahead: written now
    ahead.submit("2021-12")  # the builder comes late: not written again
    ahead.submit("bad")
    with pytest.raises(OSError, match="disk full"):
        ahead.result("bad")
    ahead.submit("slow")
    time.sleep(0.1)
    threading.Timer(0.3, gate.set).start()
    started = time.monotonic()
    ahead.drop("slow")  # waits for the writer before the month's folder goes
    assert time.monotonic() - started >= 0.1
    ahead.submit("slow")
    ahead.close()
    assert calls == ["2021-11", "2021-12", "bad", "slow"]
