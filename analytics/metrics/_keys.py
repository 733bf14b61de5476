"""Integer keys for the metric code: codes for text columns, id lookups, as-of matches by group.

Joining millions of rows on text (``merge`` on ids, ``merge_asof(by="service")``) is where
pandas spends its time; here the text is hashed once by Arrow into integer codes or row
positions, and everything after works on numpy arrays. Nothing here is a metric.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.data.arrowtext import arrow_text, strictly_increasing

NAT = np.iinfo(np.int64).min  # pandas' NaT as int64
_PARALLEL_ROWS = 1_000_000  # look up bigger columns in two halves on two threads


def text_codes(s: pd.Series) -> tuple[np.ndarray, list]:
    """``pd.factorize(s)``: int64 codes (-1 for missing) and the distinct values in order of
    first appearance."""
    arr = arrow_text(s)
    if arr is None:
        codes, uniques = pd.factorize(s)
        return codes.astype(np.int64), list(uniques)
    encoded = pc.dictionary_encode(arr.combine_chunks())
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    if encoded.null_count:
        codes = np.where(encoded.is_valid().to_numpy(zero_copy_only=False), codes, -1)
    return codes.astype(np.int64), encoded.dictionary.to_pylist()


def shared_codes(*columns: pd.Series, vocabulary: dict | None = None) -> list[np.ndarray]:
    """Codes of several text columns on one shared vocabulary (-1 for missing).

    ``vocabulary`` (value -> code), when given, is filled in place: ``list(vocabulary)`` names
    the codes afterwards.
    """
    vocabulary = {} if vocabulary is None else vocabulary
    out = []
    for s in columns:
        codes, uniques = text_codes(s)
        table = np.array(
            [vocabulary.setdefault(u, len(vocabulary)) for u in uniques] + [-1], dtype=np.int64
        )
        out.append(table[codes])  # code -1 picks the trailing -1
    return out


def positions(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Position in ``keys`` (unique, non-missing) of each of ``values``; -1 when absent or
    missing."""
    varr, karr = arrow_text(values), arrow_text(keys)
    if varr is not None and karr is not None and len(varr) < len(karr):
        # few values, many keys: hash the distinct values and look the keys up in them
        distinct = pc.drop_null(pc.unique(varr))
        of_value = pc.fill_null(pc.index_in(varr, value_set=distinct), -1).to_numpy(
            zero_copy_only=False
        )
        of_key = pc.fill_null(pc.index_in(karr, value_set=distinct), -1).to_numpy(
            zero_copy_only=False
        )
        table = np.full(len(distinct) + 1, -1, dtype=np.int64)  # the last slot answers "absent"
        hit = np.flatnonzero(of_key >= 0)
        table[of_key[hit]] = hit
        return table[of_value.astype(np.int64)]
    if varr is not None and karr is not None:
        keyset = karr.combine_chunks()

        def find(part: pa.ChunkedArray) -> np.ndarray:
            found = pc.index_in(part, value_set=keyset)
            return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)

        if len(varr) < _PARALLEL_ROWS:
            return find(varr)
        half = len(varr) // 2  # two threads, each hashing the keys and probing half the values
        with ThreadPoolExecutor(2) as pool:
            return np.concatenate(list(pool.map(find, [varr.slice(0, half), varr.slice(half)])))
    return pd.Index(keys).get_indexer(values)


def first_positions(ids: pd.Series) -> np.ndarray:
    """For each row, the position of the first row with the same id (-1 where the id is missing)."""
    n = len(ids)
    if strictly_increasing(ids):
        return np.arange(n, dtype=np.int64)
    codes, _ = text_codes(ids)
    first = np.full(codes.max() + 2 if n else 1, -1, dtype=np.int64)
    order = np.arange(n - 1, -1, -1)
    first[codes[order]] = order  # written last-to-first: the first occurrence wins
    out = first[codes]
    out[codes < 0] = -1
    return out


def instants(s: pd.Series) -> np.ndarray:
    """A UTC timestamp column as int64 nanoseconds (``NAT`` where missing)."""
    return s.array.asi8 if hasattr(s.array, "asi8") else pd.to_datetime(s, utc=True).array.asi8


def asof(
    left_code: np.ndarray,
    left_t: np.ndarray,
    right_code: np.ndarray,
    right_t: np.ndarray,
    *,
    direction: str,
    exact: bool,
    tolerance_ns: int | None = None,
) -> np.ndarray:
    """``merge_asof(by=code)`` on int keys: for each left row, the index of its right match, or -1.

    The right rows must be in the order merge_asof would see them (sorted by time, ties in a
    fixed order); rows with code < 0 or time ``NAT`` on either side never match. ``forward``
    takes the first right row at (``exact``) or after the left time; ``backward`` the last at
    or before it, at most ``tolerance_ns`` earlier. Ties resolve as in merge_asof.
    """
    out = np.full(len(left_code), -1, dtype=np.int64)
    r_ok = np.flatnonzero((right_code >= 0) & (right_t != NAT))
    l_ok = np.flatnonzero((left_code >= 0) & (left_t != NAT))
    if len(r_ok) == 0 or len(l_ok) == 0:
        return out
    r_order = r_ok[_stable_order(right_code[r_ok])]  # by code, then time (already)
    l_order = l_ok[_stable_order(left_code[l_ok])]
    r_codes, l_codes = right_code[r_order], left_code[l_order]
    codes = np.intersect1d(r_codes, l_codes)
    r_lo, r_hi = np.searchsorted(r_codes, codes, "left"), np.searchsorted(r_codes, codes, "right")
    l_lo, l_hi = np.searchsorted(l_codes, codes, "left"), np.searchsorted(l_codes, codes, "right")
    sides: dict[tuple[str, bool], Literal["left", "right"]] = {
        ("forward", True): "left",
        ("forward", False): "right",
        ("backward", True): "right",
        ("backward", False): "left",
    }
    side = sides[(direction, exact)]
    for a, b, c, d in zip(r_lo, r_hi, l_lo, l_hi, strict=True):
        block = r_order[a:b]
        bt = right_t[block]
        rows = l_order[c:d]
        lt = left_t[rows]
        i = np.searchsorted(bt, lt, side=side)
        if direction == "backward":
            i = i - 1
            hit = i >= 0
        else:
            hit = i < len(block)
        i = np.clip(i, 0, len(block) - 1)
        if tolerance_ns is not None:
            hit &= np.abs(lt - bt[i]) <= tolerance_ns
        out[rows[hit]] = block[i[hit]]
    return out


def _stable_order(codes: np.ndarray) -> np.ndarray:
    """``argsort(codes, kind="stable")``; small codes as int16, which numpy radix-sorts."""
    if len(codes) and codes.max() < np.iinfo(np.int16).max:
        return np.argsort(codes.astype(np.int16), kind="stable")
    return np.argsort(codes, kind="stable")


def take_text(s: pd.Series, rows: np.ndarray) -> pd.Series:
    """``s.iloc[rows]`` as a fresh ``str`` Series (positional index); row -1 gives missing."""
    arr = arrow_text(s)
    if arr is not None:
        return (
            arr.take(pa.array(rows, mask=rows < 0)).to_pandas().astype("str").reset_index(drop=True)
        )
    values = s.astype("str").to_numpy(dtype=object, na_value=None)
    out = np.full(len(rows), None, dtype=object)
    hit = rows >= 0
    out[hit] = values[rows[hit]]
    return pd.Series(out, dtype="str")


def labels(codes: np.ndarray, names: tuple[str, ...]) -> pd.Series:
    """A ``str`` Series of ``names[code]`` (missing where code < 0)."""
    dictionary = pa.array(list(names), type=pa.string())
    idx = pa.array(codes.astype(np.int32), mask=codes < 0)
    return pc.take(dictionary, idx).to_pandas().astype("str").reset_index(drop=True)
