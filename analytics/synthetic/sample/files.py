"""Writing the sample: the four CSV files and ``program.yml``, byte-identical for a seed."""

from __future__ import annotations

from pathlib import Path

from analytics.synthetic.sample.story import DEFAULT_SEED, program_yaml
from analytics.synthetic.sample.tables import generate


def write_sample(out_dir: str | Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the four CSV files and ``program.yml`` into ``out_dir``; return their paths.

    UTF-8, ``\\n`` line endings, a header row, no index, floats with four decimals: the output is
    byte-identical on every run and platform for a given seed.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for table, df in generate(seed).items():
        path = out / f"{table}.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            df.to_csv(fh, index=False, lineterminator="\n", float_format="%.4f", na_rep="")
        paths.append(path)
    path = out / "program.yml"
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(program_yaml())
    paths.append(path)
    return paths
