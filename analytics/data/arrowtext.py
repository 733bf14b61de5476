"""Fast paths for text columns held in Arrow (pandas' ``str`` dtype): timestamps, numbers, ids.

The loader reads CSV cells as text and coerces them (``analytics.data.coerce``). On millions of rows
the general pandas path is slow, so the common, well-formed cases are done here with Arrow
kernels and numpy on the Arrow buffers. Each function gives *exactly* the result of the general
path, or ``None`` when its input is outside the narrow form it handles; the caller then takes
the general path, which also raises the precise error for bad input. Nothing here reports errors.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.data.schema import UTC_NS

_ZULU_LEN, _OFFSET_LEN = 20, 25  # "2021-03-01T09:30:00Z", "2021-03-01T09:30:00+08:00"
_MAX_OFFSET_HOURS = 14  # the widest offset in use (Pacific/Kiritimati)
_PARALLEL_ROWS = 1_000_000  # cast bigger columns in two halves on two threads


def arrow_text(s: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow array behind a pandas ``str`` Series (no copy), or None for other storage."""
    dtype = s.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    arr = s.array.__arrow_array__()
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def _layout(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray, pa.Buffer | None]:
    """Start offset and byte length of every *valid* value of one chunk, and its data buffer."""
    wide = pa.types.is_large_string(chunk.type)
    _, off_buf, data_buf = chunk.buffers()
    offsets = np.frombuffer(
        off_buf,
        dtype=np.int64 if wide else np.int32,
        count=len(chunk) + 1,
        offset=chunk.offset * (8 if wide else 4),
    )
    start, length = offsets[:-1].astype(np.int64), np.diff(offsets).astype(np.int64)
    if chunk.null_count:
        valid = chunk.is_valid().to_numpy(zero_copy_only=False)
        start, length = start[valid], length[valid]
    return start, length, data_buf


def _suffix_minutes(chunk: pa.Array) -> np.ndarray | None:
    """Minutes east of UTC written from byte 19 of each valid value (``Z`` or ``+hh:mm``).

    None unless every value is 20 bytes ending in ``Z`` or 25 bytes ending in ``[+-]hh:mm``
    with hh <= 14 and mm <= 59. Reads the raw bytes: a little-endian uint64 window starting at
    byte 17 of a 25-byte value holds ``hh:mm`` in its top five bytes.
    """
    start, length, data = _layout(chunk)
    if len(start) == 0:
        return np.zeros(0)
    zulu = length == _ZULU_LEN
    full = length == _OFFSET_LEN
    if not (zulu | full).all() or data is None:
        return None
    raw = np.frombuffer(data, dtype=np.uint8)
    sign = raw[start + 19]
    plus, minus = sign == ord("+"), sign == ord("-")
    if not np.where(zulu, sign == ord("Z"), plus | minus).all():
        return None
    minutes = np.zeros(len(start), dtype=np.float64)
    if not full.any():
        return minutes
    window = np.ndarray((data.size - 7,), dtype="<u8", buffer=data, offset=0, strides=(1,))
    word = window[start[full] + 17] >> np.uint64(24)  # bytes 20..24, "hh:mm", byte 20 lowest
    first = word[0]
    if (word == first).all():  # the usual case: one offset in the whole column
        word = np.array([first], dtype=np.uint64)
    digits_mask, colon = np.uint64(0xFF_FF_00_FF_FF), np.uint64(ord(":") << 16)
    high = np.uint64(0xF0_F0_00_F0_F0)
    ok = (word & ~digits_mask & np.uint64(0xFF_FF_FF_FF_FF)) == colon
    ok &= (word & high) == np.uint64(0x30_30_00_30_30)  # each digit byte is 0x3_
    ok &= ((word & np.uint64(0x0F_0F_00_0F_0F)) + np.uint64(0x06_06_00_06_06)) & high == 0  # <= 9
    if not ok.all():
        return None
    nib = [((word >> np.uint64(8 * i)) & np.uint64(0x0F)).astype(np.int64) for i in (0, 1, 3, 4)]
    hh, mm = nib[0] * 10 + nib[1], nib[2] * 10 + nib[3]
    if (hh > _MAX_OFFSET_HOURS).any() or (mm > 59).any():
        return None
    minutes[full] = np.where(minus[full], -1, 1) * (hh * 60 + mm)
    return minutes


def _cast(arr: pa.ChunkedArray, to: pa.DataType) -> pa.ChunkedArray:
    """``pc.cast`` of a big column as two halves on two threads (Arrow releases the GIL)."""
    n = len(arr)
    if n < _PARALLEL_ROWS or arr.num_chunks < 2:
        return pc.cast(arr, to)
    half = arr.num_chunks // 2
    parts = [
        pa.chunked_array(arr.chunks[:half], arr.type),
        pa.chunked_array(arr.chunks[half:], arr.type),
    ]
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda part: pc.cast(part, to), parts))
    return pa.chunked_array(done[0].chunks + done[1].chunks, to)


def iso_timestamps(s: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """Parse text of exactly ``YYYY-MM-DDThh:mm:ss+hh:mm`` or ``YYYY-MM-DDThh:mm:ssZ``.

    Returns ``(parsed, given)``: the UTC instants (``datetime64[ns, UTC]``, NaT where ``s`` is
    missing) and each value's written UTC offset in minutes (float, NaN where missing), both
    indexed like ``s``; or None when ``s`` is not Arrow text, holds another form (fractional
    seconds, no offset, ``+0800``, ...) or a value Arrow cannot read (then the general path
    decides). ``T`` may be a space, as in ISO 8601's extended profile.
    """
    arr = arrow_text(s)
    if arr is None or arr.null_count == len(arr):
        return None
    parts = []
    for chunk in arr.chunks:
        minutes = _suffix_minutes(chunk)
        if minutes is None:
            return None
        parts.append(minutes)
    try:
        parsed = _cast(arr, pa.timestamp("ns", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    given = np.full(len(arr), np.nan)
    given[arr.is_valid().to_numpy() if arr.null_count else slice(None)] = np.concatenate(parts)
    out = parsed.to_pandas().astype(UTC_NS).set_axis(s.index)
    return out, pd.Series(given, index=s.index)


def arrow_numbers(s: pd.Series, integer: bool) -> pd.Series | None:
    """``pd.to_numeric(s)`` for Arrow text of plain integers (``integer``) or finite decimals.

    Returns int64 (float64 with NaN when some values are missing), as ``pd.to_numeric`` does;
    None when ``s`` is not Arrow text or holds anything else.
    """
    arr = arrow_text(s)
    if arr is None:
        return None
    try:
        num = pc.cast(arr, pa.int64() if integer else pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    values = num.to_numpy()
    if arr.null_count:
        values = values.astype(np.float64)  # nulls -> NaN
    if not integer and not np.isfinite(values[~np.isnan(values)]).all():
        return None
    return pd.Series(values, index=s.index)


def strictly_increasing(s: pd.Series) -> bool:
    """True when ``s`` is Arrow text without missing values, each sorting after the previous.

    Such values are unique; exports numbered in order (``DEP-0000001`` ...) pass this check in
    one comparison per row instead of hashing every value.
    """
    arr = arrow_text(s)
    if arr is None or arr.null_count:
        return False
    if len(arr) < 2:
        return True
    later = pc.greater(arr.slice(1), arr.slice(0, len(arr) - 1))
    return bool(pc.all(later).as_py())


def is_trimmed_text(s: pd.Series) -> bool:
    """True when ``s`` is Arrow text in which no value is empty or starts or ends with a byte
    that could be whitespace (ASCII <= 0x20 or any non-ASCII byte): ``str.strip`` and blanking
    empty strings would leave it unchanged."""
    arr = arrow_text(s)
    if arr is None:
        return False
    for chunk in arr.chunks:
        start, length, data = _layout(chunk)
        if len(start) == 0:
            continue
        if (length == 0).any() or data is None:
            return False
        raw = np.frombuffer(data, dtype=np.uint8)
        for edge in (raw[start], raw[start + length - 1]):
            if ((edge <= 0x20) | (edge >= 0x80)).any():
                return False
    return True
