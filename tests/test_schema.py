"""The contract in analytics/data/schema.py and the one documented in data/README.md agree."""

import re

import pytest

from analytics.data.schema import TABLES, empty_table
from analytics.data.validate import pandera_schema
from tests.conftest import REPO


@pytest.mark.parametrize("table", list(TABLES))
def test_every_column_is_documented(table):
    text = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    section = re.split(r"\n#{2,3} ", text.split(f"### {table}")[1])[0]
    documented = re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M)
    assert documented == TABLES[table].names


@pytest.mark.parametrize("table", list(TABLES))
def test_empty_table_satisfies_its_schema(table):
    pandera_schema(table).validate(empty_table(table))


def test_each_table_has_one_id_and_time_column():
    for spec in TABLES.values():
        assert spec.id_column in spec.required and spec.time_column in spec.required
