"""The adoption: block of program.yml (analytics/config/adoption.py via analytics.config)."""

import datetime as dt

import pytest

from analytics.config import parse_config
from analytics.exceptions import ConfigError

MILESTONES = [
    {"date": "2021-01-18", "label": "Unified CI pipeline"},
    {"date": "2021-03-15", "label": "Automated test gate"},
]


def test_one_date_per_service_sorted_by_date():
    cfg = parse_config({"adoption": {"b": "2021-03-01", "a": dt.date(2021, 2, 1)}})
    assert [(a.service, a.date) for a in cfg.adoption] == [
        ("a", dt.date(2021, 2, 1)),
        ("b", dt.date(2021, 3, 1)),
    ]


def test_per_milestone_dates_take_the_earliest_as_the_adoption_date():
    cfg = parse_config(
        {
            "milestones": MILESTONES,
            "adoption": {
                "api": {"Automated test gate": "2021-04-01", "Unified CI pipeline": "2021-02-01"}
            },
        }
    )
    (item,) = cfg.adoption
    assert item.date == dt.date(2021, 2, 1)
    assert item.on("Automated test gate") == dt.date(2021, 4, 1)
    assert item.on("Canary releases") is None


def test_no_adoption_block_gives_an_empty_tuple():
    assert parse_config({}).adoption == ()


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"adoption": ["api"]}, "adoption"),
        ({"adoption": {}}, "adoption"),
        ({"adoption": {"api": "soon"}}, "adoption.api"),
        ({"adoption": {"api": {}}}, "adoption.api"),
        (
            {"milestones": MILESTONES, "adoption": {"api": {"Typo gate": "2021-03-01"}}},
            "adoption.api.Typo gate",
        ),
        ({"adoption": {"api": {"Any label": "2021-13-01"}}}, "adoption.api.Any label"),
    ],
)
def test_bad_adoption_names_the_key(raw, key):
    with pytest.raises(ConfigError, match=f"program.yml: key '{key}'"):
        parse_config(raw)
