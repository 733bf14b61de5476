"""The CAICT DevOps capability maturity model, continuous-delivery part, as data.

Two tables ship with the package (``analytics/program/data/``, provenance in its SOURCE.txt):
every item with its five levels in the original Chinese, and the items that carry a quantity
with an English restatement. ``level_text`` quotes one level of one item in both languages.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parent / "data"
LEVELS = (1, 2, 3, 4, 5)
_DOMAIN = "持续交付"


@cache
def model_items() -> pd.DataFrame:
    """Every item of the model: subdomain, item, subitem (the item's Chinese name) and L1..L5.

    Notes in the sheet (``说明：...``) are kept in the text; the sheet's usage-notes row is left
    out. Names are whitespace-trimmed.

    >>> items = model_items()
    >>> int((items["subitem"] == "集成频率").sum())
    1
    """
    raw = pd.read_csv(DATA / "caict_cd_levels_zh.csv", dtype=str, keep_default_na=False)
    raw = raw[raw["domain"].str.strip() == _DOMAIN].copy()
    for col in raw.columns:
        raw[col] = raw[col].str.strip()
    raw["subitem"] = raw["subitem"].str.split(r"\s+说明", n=1, regex=True).str[0]
    return raw.reset_index(drop=True)


@cache
def quantitative_bands() -> pd.DataFrame:
    """The quantitative items with the English restatement of each level (L1..L5 columns)."""
    raw = pd.read_csv(DATA / "caict_cd_quantitative_bands.csv", dtype=str, keep_default_na=False)
    raw = raw.rename(
        columns={
            "L1_initial": "L1",
            "L2_foundation": "L2",
            "L3_comprehensive": "L3",
            "L4_excellent": "L4",
            "L5_fabulous": "L5",
            "source_cell_zh": "subitem",
        }
    )
    return raw.reset_index(drop=True)


def level_text(subitem: str, level: int) -> tuple[str, str]:
    """(Chinese text, English restatement) of ``level`` of the item named ``subitem``.

    >>> zh, en = level_text("集成频率", 3)
    >>> zh, en
    ('研发人员至少每天向代码主干集成一次', 'at least once per day per developer')
    """
    if level not in LEVELS:
        raise ValueError(f"level must be 1..5, got {level!r}")
    items = model_items()
    zh = items.loc[items["subitem"] == subitem, f"L{level}"]
    bands = quantitative_bands()
    en = bands.loc[bands["subitem"] == subitem, f"L{level}"]
    if zh.empty:
        raise KeyError(f"no item {subitem!r} in the CAICT model")
    return _squash(zh.iloc[0]), (en.iloc[0] if len(en) else "")


def _squash(text: str) -> str:
    """The sheet's line breaks and double spaces as single spaces."""
    return " ".join(text.split())


__all__ = ["level_text", "model_items", "quantitative_bands"]
