"""Definition presets: data, not branches; the program's ``definitions`` picks the default."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import pytest

from analytics.catalog import METRIC_NAMES
from analytics.catalog import PRESETS as PRESET_NAMES
from analytics.config import ProgramConfig
from analytics.data.dataset import Dataset
from analytics.data.schema import empty_table
from analytics.metrics import PRESETS, Preset, get_preset, lead_times, metric_table

METRICS_MD = Path(__file__).resolve().parents[1] / "docs" / "METRICS.md"


def deployments(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """Successful production deployments of service ``api`` from (id, finished_at, env) rows."""
    base = empty_table("deployments")
    frame = pd.DataFrame(
        {
            "deployment_id": [r[0] for r in rows],
            "service": "api",
            "environment": [r[2] for r in rows],
            "finished_at": pd.to_datetime([r[1] for r in rows], utc=True),
            "status": "success",
            "kind": "regular",
        }
    )
    return frame.reindex(columns=base.columns).astype(base.dtypes.to_dict())


def changes(*rows: tuple[str, str]) -> pd.DataFrame:
    base = empty_table("changes")
    frame = pd.DataFrame(
        {
            "change_id": [r[0] for r in rows],
            "service": "api",
            "committed_at": pd.to_datetime([r[1] for r in rows], utc=True),
        }
    )
    return frame.reindex(columns=base.columns).astype(base.dtypes.to_dict())


# Saturday 2021-03-06 23:30 UTC is Sunday 07:30 in Shanghai.
SATURDAY_NIGHT = deployments(
    ("d1", "2021-03-06T23:30:00Z", "production"), ("d2", "2021-03-08T10:00:00Z", "production")
)


def test_preset_names_match_the_catalog():
    assert tuple(PRESETS) == PRESET_NAMES
    assert all(isinstance(p, Preset) and p.name == name for name, p in PRESETS.items())


def test_presets_are_immutable_data():
    with pytest.raises(dataclasses.FrozenInstanceError):
        PRESETS["default"].quantile = "lower"  # type: ignore[misc]


def test_get_preset_defaults_to_the_programs_definitions():
    assert get_preset(None, ProgramConfig(definitions="devlake")) is PRESETS["devlake"]
    assert get_preset(None) is PRESETS["default"]
    assert get_preset("FourKeys") is PRESETS["fourkeys"]
    with pytest.raises(ValueError, match="known: default, fourkeys, devlake"):
        get_preset("dora")


def test_metric_table_uses_program_definitions_when_no_preset_is_given():
    cfg = ProgramConfig(timezone="Asia/Shanghai", definitions="fourkeys")
    ds = Dataset.from_tables({"deployments": SATURDAY_NIGHT}, config=cfg)
    pd.testing.assert_frame_equal(
        metric_table(ds, freq="week"), metric_table(ds, freq="week", preset="fourkeys")
    )


@pytest.mark.parametrize(
    ("preset", "week_start", "weeks"),
    [
        ("default", "sunday", {"2021-03-07": 2}),  # program calendar: Shanghai, Sunday weeks
        ("default", "monday", {"2021-03-01": 1, "2021-03-08": 1}),
        ("fourkeys", "monday", {"2021-02-28": 1, "2021-03-07": 1}),  # UTC days, Sunday weeks
        ("devlake", "sunday", {"2021-03-01": 1, "2021-03-08": 1}),  # UTC days, Monday weeks
    ],
)
def test_each_preset_brings_its_calendar(preset, week_start, weeks):
    ds = Dataset.from_tables(
        {"deployments": SATURDAY_NIGHT},
        config=ProgramConfig(timezone="Asia/Shanghai", week_start=week_start),
    )
    table = metric_table(ds, freq="week", preset=preset)
    releases = table[table["metric"] == "production_releases"].set_index("period_start")["value"]
    assert releases.to_dict() == {pd.Timestamp(k): v for k, v in weeks.items()}


def test_a_custom_preset_is_just_another_value():
    ds = Dataset.from_tables(
        {
            "deployments": deployments(("d1", "2021-03-10T12:00:00Z", "production")),
            "changes": changes(("a", "2021-03-10T11:00:00Z"), ("b", "2021-03-10T09:00:00Z")),
        }
    )
    lower = dataclasses.replace(PRESETS["default"], name="lower-median", quantile="lower")
    row = metric_table(ds, preset=lower).query("metric == 'lead_time_hours'").iloc[0]
    assert row["median"] == 1.0  # default would interpolate to 2.0
    assert lead_times(ds, preset=lower)["lead_time_hours"].tolist() == [1.0, 3.0]


def test_metrics_md_defines_every_metric_and_compares_the_presets():
    text = METRICS_MD.read_text(encoding="utf-8")
    for name in METRIC_NAMES:
        assert re.search(rf"^#+ .*`{name}`", text, re.M), f"no heading for {name}"
    header = next(line for line in text.splitlines() if line.startswith("|") and "fourkeys" in line)
    assert all(p in header for p in PRESET_NAMES)
