"""Writing the large data: each table as CSV (byte-identical for a seed) and/or Parquet, with
``program.yml``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.data.schema import TABLE_NAMES, TABLES
from analytics.synthetic.large.story import DEFAULT_SEED, FORMATS, program_yaml
from analytics.synthetic.large.tables import generate_large
from analytics.synthetic.large.text import _stamps


def _arrow_table(frame: pd.DataFrame, table: str, as_text: bool) -> pa.Table:
    """The frame as an Arrow table: typed (Parquet) or every cell as ISO/plain text (CSV)."""
    zulu = frame.attrs.get("zulu", np.zeros(len(frame), bool))
    arrays = {}
    for col in TABLES[table].columns:
        if col.name not in frame.columns:
            continue
        s = frame[col.name]
        if col.kind == "timestamp":
            secs = s.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[s]")
            missing = np.isnat(secs)
            if as_text:
                arrays[col.name] = _stamps(secs.astype(np.int64), zulu, missing)
            else:
                arrays[col.name] = pa.array(
                    secs.astype(np.int64), type=pa.timestamp("s"), mask=missing
                ).cast(pa.timestamp("us", tz="UTC"))
        elif col.kind == "share":
            values = pa.array(s.to_numpy("float64"), from_pandas=True)  # NaN -> null
            arrays[col.name] = pc.cast(values, pa.string()) if as_text else values
        elif col.kind == "count":
            arrays[col.name] = pa.array(s.to_numpy("int64"))
        else:
            text = pa.array(s.astype(object).where(s.notna(), None), type=pa.string())
            if as_text:  # quote only the values that need it (the writer quotes none)
                needs = pc.fill_null(pc.match_substring_regex(text, '[,"\\n\\r]'), False)
                quoted = pc.binary_join_element_wise(
                    '"', pc.replace_substring(text, '"', '""'), '"', ""
                )
                text = pc.if_else(needs, quoted, text)
            arrays[col.name] = text
    return pa.table(arrays)


def _write_csv(data: pa.Table, path: Path, chunk_rows: int = 500_000) -> None:
    """RFC 4180 CSV of an all-text table whose cells are already quoted where needed.

    (pyarrow's writer quotes every string or refuses any comma, so lines are joined here.)
    """
    with open(path, "wb") as fh:
        fh.write((",".join(data.column_names) + "\n").encode())
        for start in range(0, data.num_rows, chunk_rows):
            part = data.slice(start, chunk_rows)
            cols = [pc.cast(part[c], pa.string()) for c in data.column_names]
            line = pc.binary_join_element_wise(
                *cols, ",", null_handling="replace", null_replacement=""
            )
            line = pc.binary_join_element_wise(line, "\n", "").combine_chunks()
            offsets = np.frombuffer(
                line.buffers()[1], dtype=np.int32, count=len(line) + 1, offset=line.offset * 4
            )
            fh.write(memoryview(line.buffers()[2])[offsets[0] : offsets[-1]])


def write_large(
    out_dir: str | Path,
    scale: str | float = "large",
    seed: int = DEFAULT_SEED,
    formats: tuple[str, ...] = FORMATS,
) -> list[Path]:
    """Generate at ``scale`` and write each table as CSV and/or Parquet, with ``program.yml``.

    With one format the files go straight into ``out_dir``; with both, into ``out_dir/csv`` and
    ``out_dir/parquet`` (a data folder holds one file per table). Returns the paths written.
    """
    import pyarrow.parquet as pq

    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ValueError(f"formats must be among {', '.join(FORMATS)}, got {formats!r}")
    tables = generate_large(scale, seed)
    out = Path(out_dir)
    folders = {f: (out / f if len(formats) > 1 else out) for f in formats}
    paths = []
    for fmt, folder in folders.items():
        folder.mkdir(parents=True, exist_ok=True)
        for table in TABLE_NAMES:
            data = _arrow_table(tables[table], table, as_text=fmt == "csv")
            path = folder / f"{table}.{fmt}"
            if fmt == "csv":
                _write_csv(data, path)
            else:
                pq.write_table(data, path, compression="snappy")
            paths.append(path)
        path = folder / "program.yml"
        path.write_text(program_yaml(), encoding="utf-8")
        paths.append(path)
    return paths
