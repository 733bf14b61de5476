"""Text columns built as Arrow arrays: sequential ids, random commit SHAs, ISO 8601 timestamps."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analytics.synthetic.large.story import _OFFSET_S


def _ids(prefix: str, n: int, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1)), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _shas(rng, n: int) -> pa.Array:
    raw = rng.integers(0, 256, size=(n, 20), dtype=np.uint8)
    hexdigits = np.frombuffer(b"0123456789abcdef", dtype="S1")
    pairs = np.empty((n, 40), dtype="S1")
    pairs[:, 0::2] = hexdigits[raw >> 4]
    pairs[:, 1::2] = hexdigits[raw & 15]
    return pa.array(pairs.view("S40").ravel().astype(object), type=pa.binary()).cast(pa.string())


def _stamps(seconds: np.ndarray, zulu: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """ISO 8601 text: local time with ``+08:00``, or UTC with ``Z`` where ``zulu``."""
    missing = np.zeros(len(seconds), bool) if missing is None else missing
    local = pa.array(seconds + _OFFSET_S, type=pa.timestamp("s"), mask=missing)
    utc = pa.array(seconds, type=pa.timestamp("s"), mask=missing)
    fmt = "%Y-%m-%dT%H:%M:%S"
    with_offset = pc.binary_join_element_wise(pc.strftime(local, format=fmt), "+08:00", "")
    with_z = pc.binary_join_element_wise(pc.strftime(utc, format=fmt), "Z", "")
    return pc.if_else(pa.array(zulu), with_z, with_offset)
