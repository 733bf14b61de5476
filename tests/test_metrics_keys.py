"""analytics.metrics._keys: integer keys give what the pandas joins they replace give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.metrics._keys import (
    asof,
    first_positions,
    positions,
    shared_codes,
    take_text,
    text_codes,
)


@pytest.mark.parametrize(
    "direction,exact",
    [("forward", True), ("forward", False), ("backward", True), ("backward", False)],
)
@pytest.mark.parametrize("tolerance", [None, 5])
def test_asof_equals_merge_asof_with_ties(direction, exact, tolerance):
    rng = np.random.default_rng(3)
    right = pd.DataFrame(
        {"code": rng.integers(-1, 4, 300), "t": rng.integers(0, 60, 300), "rid": np.arange(300)}
    ).sort_values("t", kind="stable")
    left = pd.DataFrame(
        {"code": rng.integers(-1, 5, 400), "t": rng.integers(-5, 70, 400), "lid": np.arange(400)}
    )
    got = asof(
        left["code"].to_numpy(),
        left["t"].to_numpy(),
        right["code"].to_numpy(),
        right["t"].to_numpy(),
        direction=direction,
        exact=exact,
        tolerance_ns=tolerance,
    )
    ok_left = left[left["code"] >= 0].sort_values("t", kind="stable")
    merged = pd.merge_asof(
        ok_left,
        right[right["code"] >= 0],
        on="t",
        by="code",
        direction=direction,
        allow_exact_matches=exact,
        tolerance=tolerance,
    )
    want = np.full(len(left), -1)
    hit = merged["rid"].notna()
    want[merged.loc[hit, "lid"].to_numpy()] = merged.loc[hit, "rid"].astype(int).to_numpy()
    # asof returns positions in the order given: map them back to row ids
    got_ids = np.where(got >= 0, right["rid"].to_numpy()[np.clip(got, 0, None)], -1)
    np.testing.assert_array_equal(got_ids, want)


def test_codes_positions_and_takes():
    s = pd.Series(["b", None, "a", "b"], dtype="str")
    codes, names = text_codes(s)
    assert names == ["b", "a"] and codes.tolist() == [0, -1, 1, 0]
    a, b = shared_codes(s, pd.Series(["a", "c", None], dtype="str"))
    assert a.tolist() == [0, -1, 1, 0] and b.tolist() == [1, 2, -1]
    keys = pd.Series(["k1", "k2", "k3"], dtype="str")
    assert positions(pd.Series(["k3", "x", None, "k1"], dtype="str"), keys).tolist() == [
        2,
        -1,
        -1,
        0,
    ]
    assert first_positions(pd.Series(["x", "y", "x", None], dtype="str")).tolist() == [0, 1, 0, -1]
    assert first_positions(keys).tolist() == [0, 1, 2]
    taken = take_text(keys, np.array([2, -1, 0]))
    assert taken.tolist()[0] == "k3" and pd.isna(taken.iloc[1]) and str(taken.dtype) == "str"
    objects = pd.Series(["p", "q"], dtype=object)
    assert take_text(objects, np.array([1, -1])).tolist()[0] == "q"
