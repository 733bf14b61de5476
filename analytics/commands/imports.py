"""``devops-analytics import TOOL INPUT... --out DATA_DIR``: tool exports -> canonical CSVs.

The adapter's tables are merged into the folder's existing ones (rows deduplicated by id; the
imported row wins), written in one canonical form (sorted by time then id, timestamps in the
program's time zone with their offset), so re-importing the same export changes no byte. A
default ``program.yml`` is written when the folder has none, and an empty ``deployments.csv``
when the folder would otherwise lack one, so ``devops-analytics metrics DATA_DIR`` works next.
Everything is validated and written to a temporary folder first: on any error nothing is written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from analytics.commands._output import emit
from analytics.config import ProgramConfig, load_config
from analytics.data.coerce import coerce_table
from analytics.data.dataset import QualityLog
from analytics.data.schema import SUITES, TABLES, empty_table
from analytics.exceptions import DataValidationError
from analytics.sources import ADAPTERS, SourceOptions, read

NAME = "import"
HELP = (
    "Import tool exports (git, GitHub, GitLab, Jenkins, PagerDuty, Jira, Statuspage, JUnit, "
    "coverage, CSV)."
)
CONFIG_FILE = "program.yml"
_PROD_NAMES = ("production", "prod", "prd", "live")


def add_arguments(parser) -> None:
    from argparse import RawDescriptionHelpFormatter

    from analytics.sources.csv_mapping import MAPPING_HELP

    parser.formatter_class = RawDescriptionHelpFormatter
    parser.epilog = MAPPING_HELP
    tools = "; ".join(f"{k}: {v[1]}" for k, v in ADAPTERS.items())
    parser.add_argument(
        "tool", metavar="TOOL", choices=list(ADAPTERS), help=f"export format ({tools})"
    )
    parser.add_argument(
        "inputs", metavar="INPUT", nargs="+", help="export files (or a git repository folder)"
    )
    parser.add_argument(
        "--out", metavar="DATA_DIR", required=True, help="data folder to write or merge into"
    )
    parser.add_argument(
        "--mapping",
        metavar="FILE",
        default=None,
        help="YAML column mapping (required for csv; optional for jira and pagerduty)",
    )
    parser.add_argument(
        "--service", metavar="NAME", default=None, help="service name for every imported row"
    )
    parser.add_argument(
        "--tags", metavar="GLOB", default=None, help="git: tags that are releases (default: all)"
    )
    parser.add_argument(
        "--environment",
        metavar="NAME",
        default=None,
        help="environment when the export names none (default: production)",
    )
    parser.add_argument(
        "--suite",
        metavar="SUITE",
        choices=SUITES,
        default=None,
        help="junit/coverage: suite of the runs (default: unit)",
    )


def run(args) -> int:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise DataValidationError("exists and is not a folder", file=str(out))
    config = load_config(out / CONFIG_FILE)
    options = SourceOptions(
        service=args.service,
        mapping=Path(args.mapping) if args.mapping else None,
        tags=args.tags,
        environment=args.environment,
        suite=args.suite,
        config=config,
    )
    tables, log = read(args.tool, args.inputs, options)
    summary = write_tables(out, tables, config, default_name=_program_name(args, tables))
    print(f"Imported {args.tool} export into {out}")
    emit(summary)
    frame = log.frame()
    if len(frame):
        print("\nData-quality log of the import (repairs, drops and notes):")
        emit(frame)
    return 0


def write_tables(
    out: Path,
    tables: dict[str, pd.DataFrame],
    config: ProgramConfig,
    default_name: str = "DevOps program",
) -> pd.DataFrame:
    """Merge ``tables`` into the CSVs of ``out`` and write them; return rows per table.

    All files are prepared in a temporary folder beside ``out`` and moved into place only when
    every one of them is ready, so an error leaves ``out`` as it was.
    """
    merged, rows = {}, []
    for table, new in tables.items():
        old = _existing(out, table, config)
        id_col = TABLES[table].id_column
        known = set(old[id_col]) if len(old) else set()
        both = pd.concat([old, new], ignore_index=True) if len(old) else new
        both = both.drop_duplicates(id_col, keep="last")
        merged[table] = both
        rows.append(
            {
                "table": table,
                "imported": len(new),
                "new": int((~new[id_col].isin(known)).sum()),
                "already_there": int(new[id_col].isin(known).sum()),
                "total": len(both),
            }
        )
    texts = {f"{t}.csv": to_csv_text(f, t, config) for t, f in merged.items()}
    if "deployments" not in merged and _find(out, "deployments") is None:
        texts["deployments.csv"] = to_csv_text(empty_table("deployments"), "deployments", config)
    if not (out / CONFIG_FILE).exists():
        texts[CONFIG_FILE] = default_program(default_name, merged.get("deployments"))
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-import-", dir=parent))
    try:
        for name, text in texts.items():
            (staging / name).write_text(text, encoding="utf-8", newline="")
        out.mkdir(parents=True, exist_ok=True)
        for name in texts:
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return pd.DataFrame(rows, columns=["table", "imported", "new", "already_there", "total"])


def _find(out: Path, table: str) -> Path | None:
    if (out / f"{table}.parquet").is_file():
        raise DataValidationError(
            f"the folder holds {table}.parquet; import writes CSV: convert it or use "
            "another folder",
            file=str(out / f"{table}.parquet"),
        )
    path = out / f"{table}.csv"
    return path if path.is_file() else None


def _existing(out: Path, table: str, config: ProgramConfig) -> pd.DataFrame:
    path = _find(out, table)
    if path is None:
        return empty_table(table)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    raw.index = pd.RangeIndex(1, len(raw) + 1)
    return coerce_table(raw, table, config, QualityLog(), str(path))


def to_csv_text(frame: pd.DataFrame, table: str, config: ProgramConfig) -> str:
    """The canonical CSV text of a typed table: stable order and formatting (idempotent)."""
    spec = TABLES[table]
    df = frame[spec.names].sort_values([spec.time_column, spec.id_column], kind="stable").copy()
    for col in spec.columns:
        if col.kind == "timestamp":
            df[col.name] = _iso(df[col.name], config.timezone)
        elif col.kind == "count":
            df[col.name] = df[col.name].astype("Int64").astype("str").replace("<NA>", "")
        elif col.kind == "share":
            df[col.name] = df[col.name].map(lambda v: "" if pd.isna(v) else repr(float(v)))
    return df.to_csv(index=False, lineterminator="\n")


def _iso(ts: pd.Series, timezone: str) -> pd.Series:
    local = ts.dt.tz_convert(timezone)
    whole = local.dt.strftime("%Y-%m-%dT%H:%M:%S")
    frac = local.dt.strftime(".%f").where(local.dt.microsecond != 0, "")
    offset = local.dt.strftime("%z")
    offset = offset.str[:3] + ":" + offset.str[3:]
    return (whole + frac.fillna("") + offset).where(ts.notna(), "")


def default_program(name: str, deployments: pd.DataFrame | None) -> str:
    """A minimal program.yml: UTC, Monday weeks, production environments seen in the import."""
    envs = ["production"]
    if deployments is not None and len(deployments):
        seen = sorted(set(deployments["environment"].dropna()))
        envs += [e for e in seen if e in _PROD_NAMES and e not in envs]
    return (
        "# Written by `devops-analytics import` because this folder had none: edit it freely\n"
        "# (phases, milestones, targets, severity_map: see data/README.md).\n"
        f"name: {_yaml_text(name)}\n"
        "timezone: UTC\n"
        "week_start: monday\n"
        f"production_environments: [{', '.join(envs)}]\n"
        "definitions: default\n"
    )


def _yaml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _program_name(args, tables: dict[str, pd.DataFrame]) -> str:
    services = sorted({s for f in tables.values() if "service" in f for s in f["service"].dropna()})
    label = args.service or ", ".join(services[:3]) or args.tool
    return f"{label} delivery program"
