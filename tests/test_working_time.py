"""Durations in working hours and rates per working day, hand-computed across Spring Festival
2021 in Shanghai (off Thu 11 .. Wed 17 February; Sat 20 February is a make-up working day)."""

import dataclasses

import pandas as pd
import pytest

from analytics.config import ProgramConfig
from analytics.config.calendar import CalendarConfig
from analytics.data.dataset import Dataset
from analytics.metrics import lead_times, metric_table, restore_times
from analytics.metrics.working_time import clock_note, working_day_rates
from tests.helpers import cell, make_dataset


def _dataset(durations: str) -> Dataset:
    ds = make_dataset(
        tz="Asia/Shanghai",
        deployments="""
            deployment_id,service,environment,finished_at,status
            d1,a,production,2021-02-18T10:00:00+08:00,success
            d2,a,staging,2021-02-08T10:00:00+08:00,success
        """,
        changes="""
            change_id,service,committed_at,deployment_id
            c1,a,2021-02-10T17:00:00+08:00,d1
        """,
        incidents="""
            incident_id,severity,opened_at,resolved_at,service
            i1,critical,2021-02-19T17:30:00+08:00,2021-02-22T09:30:00+08:00,a
        """,
    )
    cfg = dataclasses.replace(ds.config, calendar=CalendarConfig(country="CN", durations=durations))
    return dataclasses.replace(ds, config=cfg)


def test_lead_time_in_working_hours():
    # Wed 10th 17:00-18:00 (1 h) + holidays 11-17 + Thu 18th 09:00-10:00 (1 h)
    assert lead_times(_dataset("working_hours"))["lead_time_hours"].tolist() == [2.0]
    assert lead_times(_dataset("calendar"))["lead_time_hours"].tolist() == [185.0]
    table = metric_table(_dataset("working_hours"))
    assert cell(table, "lead_time_hours", "2021-02-01")["median"] == 2.0


def test_time_to_restore_in_working_hours():
    # Fri 19th 17:30-18:00 (0.5) + make-up Sat 20th (9) + Sun 0 + Mon 22nd 09:00-09:30 (0.5)
    assert restore_times(_dataset("working_hours"))["restore_hours"].tolist() == [10.0]
    assert restore_times(_dataset("calendar"))["restore_hours"].tolist() == [64.0]
    table = metric_table(_dataset("working_hours"))
    assert cell(table, "time_to_restore_hours", "2021-02-01")["value"] == 10.0


def test_peer_presets_keep_calendar_time():
    ds = _dataset("working_hours")
    assert lead_times(ds, preset="fourkeys")["lead_time_hours"].tolist() == [185.0]
    assert "calendar time" in clock_note(ds.config, "fourkeys")
    assert "working hours (09:00-18:00" in clock_note(ds.config)


def test_rates_per_working_day():
    ds = _dataset("calendar")
    rates = working_day_rates(ds, metric_table(ds)).set_index("metric")
    prod = rates.loc["deployment_frequency_per_working_day"]
    assert (prod["count"], prod["n"]) == (1, 17)  # 17 working days in February 2021 (China)
    assert prod["value"] == pytest.approx(1 / 17) and prod["per_day"] == pytest.approx(1 / 28)
    everything = rates.loc["delivery_throughput_per_working_day"]
    assert everything["value"] == pytest.approx(2 / 17)


def test_rates_without_data_are_missing_not_zero():
    ds = Dataset.from_tables({}, config=ProgramConfig())
    assert working_day_rates(ds, metric_table(ds)).empty
    gap = make_dataset(  # plain calendar: Monday to Friday, no holidays
        deployments="""
            deployment_id,service,environment,finished_at,status
            d1,a,production,2021-01-29T10:00:00Z,success
            d2,a,production,2021-03-01T10:00:00Z,success
        """
    )
    rates = working_day_rates(gap, metric_table(gap))
    feb = rates[rates["metric"].eq("deployment_frequency_per_working_day")].set_index(
        "period_start"
    )
    # inside the deployments' span a month without one is a real 0 over its 20 working days
    assert feb.loc[pd.Timestamp("2021-02-01"), ["value", "n"]].tolist() == [0.0, 20]
    assert feb.loc[pd.Timestamp("2021-01-01"), ["value", "n"]].tolist() == [1 / 21, 21]


def test_metrics_command_adds_the_working_day_rates(capsys):
    import io

    from analytics.cli import main
    from tests.conftest import SAMPLE_DIR

    assert main(["metrics", str(SAMPLE_DIR), "--working-days", "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    oct_2020 = table[table["period_start"].str.startswith("2020-10-01")].set_index("metric")
    # October 2020 in China: 22 weekdays - 6 (1, 2, 5-8 October) + make-up Saturday 10 = 17
    row = oct_2020.loc["delivery_throughput_per_working_day"]
    assert row["n"] == 17 and row["unit"] == "deployments/working day"
    per_day = oct_2020.loc["delivery_throughput_per_day", "value"]
    assert row["value"] == pytest.approx(round(per_day * 31) / 17)
