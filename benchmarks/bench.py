"""Benchmarks (``make bench``): load, metrics, impact, a DuckDB cross-check and the month render.

    python benchmarks/bench.py                 # large data: 1M deployments, 5M changes ...
    python benchmarks/bench.py --quick         # small data (1 %), fewer runs: a smoke run
    python benchmarks/bench.py --scale medium --runs 3 --no-render
    python benchmarks/bench.py --curve         # load, metrics, impact at 10k/100k/1M deployments

Generates the scale data (``analytics.synthetic.large``) into ``benchmarks/data/<scale>/`` (csv/ and
parquet/, gitignored) when it is absent, then times each stage in a fresh subprocess, so one
stage's memory and caches do not leak into the next, and prints one table:

- load: ``analytics.load`` of the CSV folder and of the Parquet folder (rows/s, peak RSS), and
  bare ``pyarrow.csv.read_csv`` / ``pyarrow.parquet.read_table`` of the same files as floors;
- ``metric_table(freq="month", by="service")`` (every metric) and the same monthly metrics in
  DuckDB SQL (benchmarks/duckdb_metrics.py), timed alternately in one process; the two tables
  must agree (within 1e-9) or the run fails;
- ``program_impact`` (goal: within 3x ``metric_table``); the peak memory of load + metric_table;
- the same on data/sample, and the month render of data/sample against the naive papermill +
  nbconvert CLI loop (benchmarks/bench_render.py).

Each figure is the median of ``--runs`` runs; ratios are taken within one run of this script.
Not a test: speed is checked here and reported in docs/performance.md, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "benchmarks" / "data"
SAMPLE = REPO / "data" / "sample"
sys.path.insert(0, str(REPO / "benchmarks"))

GOALS = {  # name: (limit, "max" or "min")
    "metrics_vs_duckdb": (1.5, "max"),
    "peak_load_metrics_gb": (3.0, "max"),
    "parquet_vs_arrow": (1.5, "max"),  # replaces "CSV / Parquet >= 3" (retired, #17)
    "impact_vs_metrics": (3.0, "max"),
    "csv_vs_arrow": (2.0, "max"),
    "render_s": (8.0, "max"),
    "naive_vs_render": (5.0, "min"),
    "all_months_s": (60.0, "max"),
}


# ------------------------------------------------------------------------------ stages (child)
def _peak_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    /proc's VmHWM belongs to this program image only; ``ru_maxrss`` would also count the
    parent's memory at fork time (Linux carries it across exec).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # macOS: bytes, close enough


def _timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def _rows(folder: Path) -> int:
    import analytics

    ds = analytics.load(folder)
    return int(sum(ds.rows_read.values()))


def stage(name: str, folder: Path, runs: int) -> dict:
    """Run one stage in this (fresh) process; return its figures."""
    import analytics
    from analytics.metrics import metric_table
    from analytics.program.impact import program_impact

    base_mb = _peak_mb()
    out: dict = {"stage": name, "runs": runs}
    if name == "arrow_csv":
        from pyarrow import csv as pacsv

        files = sorted(folder.glob("*.csv"))
        out["times"] = _timed(lambda: [pacsv.read_csv(f) for f in files], runs)
        out["rows"] = sum(pacsv.read_csv(f).num_rows for f in files)
    elif name == "arrow_parquet":
        import pyarrow.parquet as pq

        files = sorted(folder.glob("*.parquet"))
        out["times"] = _timed(lambda: [pq.read_table(f) for f in files], runs)
        out["rows"] = sum(pq.read_metadata(f).num_rows for f in files)
    elif name in ("load_csv", "load_parquet"):
        result = {}
        out["times"] = _timed(lambda: result.update(ds=analytics.load(folder)), runs)
        out["rows"] = int(sum(result["ds"].rows_read.values()))
    elif name == "metrics":
        import duckdb
        from duckdb_metrics import compare, duckdb_metric_table

        ds = analytics.load(folder)
        con = duckdb.connect()
        ours, theirs, t_ours, t_duck = None, None, [], []
        for _ in range(runs):  # alternate, so both see the same machine state
            start = time.perf_counter()
            ours = metric_table(ds, freq="month", by="service")
            t_ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            theirs = duckdb_metric_table(ds, freq="month", by="service", con=con)
            t_duck.append(time.perf_counter() - start)
        bad = compare(ours, theirs)
        out.update(
            times=t_ours,
            duckdb_times=t_duck,
            rows=int(sum(ds.rows_read.values())),
            table_rows=len(ours),
            mismatches=len(bad),
            metrics=int(ours["metric"].nunique()),
            duckdb_threads=int(con.execute("SELECT current_setting('threads')").fetchone()[0]),
        )
        if len(bad):
            out["mismatch_examples"] = bad.head(10).astype(str).to_dict("records")
    elif name == "impact":
        ds = analytics.load(folder)
        out["times"] = _timed(lambda: program_impact(ds), runs)
    elif name in ("peak_csv", "peak_parquet"):
        start = time.perf_counter()
        ds = analytics.load(folder)
        metric_table(ds, freq="month", by="service")
        out["times"] = [time.perf_counter() - start]
    else:
        raise SystemExit(f"unknown stage {name!r}")
    out["peak_mb"] = _peak_mb()
    out["base_mb"] = base_mb
    return out


# ------------------------------------------------------------------------------ driver (parent)
def run_stage(name: str, folder: Path, runs: int) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--stage",
        name,
        "--folder",
        str(folder),
        "--runs",
        str(runs),
    ]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"stage {name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"  {name:13s} {folder.relative_to(REPO) if folder.is_relative_to(REPO) else folder}: "
        f"median {statistics.median(result['times']):.2f} s",
        flush=True,
    )
    return result


def ensure_data(scale: str) -> Path:
    """The scale data folder (csv/ and parquet/), generated when absent or stale."""
    from analytics.synthetic.large import DEFAULT_SEED, rows_for

    root = DATA / scale
    stamp = root / "STAMP.json"
    want = {"scale": scale, "seed": DEFAULT_SEED, "rows": rows_for(scale)}
    if stamp.exists() and json.loads(stamp.read_text()) == want:
        return root
    print(f"generating the {scale} data into {root.relative_to(REPO)} ...", flush=True)
    start = time.perf_counter()
    # in a subprocess: this process stays small, so it does not inflate the stages' memory
    subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics.synthetic.large",
            "--scale",
            scale,
            "--seed",
            str(DEFAULT_SEED),
            "--out",
            str(root),
        ],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    stamp.write_text(json.dumps(want))
    print(f"  done in {time.perf_counter() - start:.0f} s", flush=True)
    return root


def run_render(runs: int) -> dict | None:
    cmd = [
        sys.executable,
        str(REPO / "benchmarks" / "bench_render.py"),
        "--data",
        "data/sample",
        "--runs",
        str(runs),
    ]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"render benchmark failed:\n{done.stderr[-2000:]}")
        return None
    text = done.stdout
    engine = re.search(r"^engine .*?([\d.]+) s$", text, re.M)
    naive = re.search(r"^naive .*?([\d.]+) s$", text, re.M)
    header = text.splitlines()[0] if text else ""
    if not (engine and naive):
        print(text)
        return None
    e, n = float(engine.group(1)), float(naive.group(1))
    found = {"engine": e, "naive": n, "ratio": n / e, "runs": runs, "header": header}
    for key, label in (
        ("all", "all"),
        ("again", "again"),
        ("new", "new"),
        ("cpu_engine", "cpu-engine"),
        ("cpu_naive", "cpu-naive"),
        ("cpu_all", "cpu-all"),
    ):
        match = re.search(rf"^{label} .*?([\d.]+) s$", text, re.M)
        if match:
            found[key] = float(match.group(1))
    return found


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(x.split()[1])
            for x in Path("/proc/meminfo").read_text().splitlines()
            if x.startswith("MemTotal")
        )
        mem = f"{mem_kb / 1024**2:.0f} GB RAM"
    except (OSError, StopIteration):
        mem = "RAM unknown"
    import duckdb
    import numpy
    import pandas
    import pyarrow

    return (
        f"{os.cpu_count()} CPUs ({cpu}), {mem}, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, pandas {pandas.__version__}, pyarrow "
        f"{pyarrow.__version__}, numpy {numpy.__version__}, duckdb {duckdb.__version__}"
    )


def _fmt_rate(rows: int, seconds: float) -> str:
    rate = rows / seconds
    return f"{rate / 1e6:.2f} M/s" if rate >= 1e6 else f"{rate / 1e3:.0f} k/s"


def _goal(name: str, value: float, judged: bool = True) -> str:
    """'met (<= 1.5)', 'NOT met (>= 3)', or, off the data the goal is set for,
    'goal <= 1.5 (large data)'."""
    limit, kind = GOALS[name]
    bound = f"{'<=' if kind == 'max' else '>='} {limit:g}"
    if not judged:
        return f"goal {bound} (large data)"
    ok = value <= limit if kind == "max" else value >= limit
    return f"{'met' if ok else 'NOT met'} ({bound})"


def report(scale: str, res: dict, render: dict | None, elapsed: float) -> str:
    med = {k: statistics.median(v["times"]) for k, v in res.items() if isinstance(v, dict)}
    lines = [
        f"devops-analytics benchmark, {scale} data ({res['load_csv']['rows']:,} rows in 4 tables); "
        f"data/sample ({res['s_load_csv']['rows']:,} rows)",
        machine(),
        f"load average at the start {res['load_at_start']}",
        "",
    ]
    head = f"{'stage':48}{'median':>9}{'runs':>6}{'rows/s':>12}{'peak RSS':>11}"
    lines += [head, "-" * len(head)]

    def row(label: str, key: str, seconds: float | None = None, rows: int | None = None) -> None:
        r = res[key]
        s = med[key] if seconds is None else seconds
        rate = (
            _fmt_rate(rows if rows is not None else r.get("rows", 0), s)
            if (rows or r.get("rows"))
            else ""
        )
        lines.append(f"{label:48}{s:8.2f}s{r['runs']:>6}{rate:>12}{r['peak_mb'] / 1024:>10.2f}G")

    for prefix, title in (("", scale), ("s_", "data/sample")):
        lines.append(f"[{title}]")
        row("  pyarrow.csv.read_csv, 4 CSV files (floor)", prefix + "arrow_csv")
        row("  load CSV -> Dataset", prefix + "load_csv")
        row("  pyarrow.parquet.read_table, 4 files (floor)", prefix + "arrow_parquet")
        row("  load Parquet -> Dataset", prefix + "load_parquet")
        m = res[prefix + "metrics"]
        row("  metric_table(month, by=service), every metric", prefix + "metrics")
        duck = statistics.median(m["duckdb_times"])
        lines.append(
            f"{'  DuckDB SQL, the same monthly metrics':48}{duck:8.2f}s{m['runs']:>6}"
            f"{'':>12}{'':>11}"
        )
        row("  program_impact", prefix + "impact")
        if prefix == "":
            row("  load CSV + metric_table (one process)", "peak_csv")
            row("  load Parquet + metric_table (one process)", "peak_parquet")
    if render:
        lines.append("[month render of data/sample, from the shell]")
        lines.append(
            f"{'  devops-analytics render (engine)':48}{render['engine']:8.2f}s{render['runs']:>6}"
        )
        lines.append(
            f"{'  naive papermill + nbconvert CLI loop':48}{render['naive']:8.2f}s"
            f"{render['runs']:>6}"
        )
        for key, label in (
            ("all", "  render --all-months (15 months), empty folder"),
            ("again", "  the same again, nothing changed"),
            ("new", "  the same after one new month (month + index)"),
            ("cpu_engine", "  CPU time of the engine (render + kernels)"),
            ("cpu_naive", "  CPU time of the naive loop"),
            ("cpu_all", "  CPU time of render --all-months"),
        ):
            if key in render:
                lines.append(f"{label:48}{render[key]:8.2f}s{1:>6}")
    m = res["metrics"]
    ratio_metrics = statistics.median(m["times"]) / statistics.median(m["duckdb_times"])
    sample_ratio = statistics.median(res["s_metrics"]["times"]) / statistics.median(
        res["s_metrics"]["duckdb_times"]
    )
    csv_parquet = med["load_csv"] / med["load_parquet"]
    csv_arrow = med["load_csv"] / med["arrow_csv"]
    parquet_arrow = med["load_parquet"] / med["arrow_parquet"]
    impact_metrics = med["impact"] / med["metrics"]
    peak = max(res["peak_csv"]["peak_mb"], res["peak_parquet"]["peak_mb"]) / 1024
    large = scale == "large"  # the data goals are set for; other scales show the goal, unjudged
    lines += ["", f"ratios and goals ({scale} data unless noted)"]
    lines.append(
        f"  metric_table / DuckDB                         {ratio_metrics:6.2f}x   "
        f"{_goal('metrics_vs_duckdb', ratio_metrics, large)}   [data/sample: "
        f"{sample_ratio:.2f}x]"
    )
    lines.append(
        f"  peak RSS, load + metric_table                 {peak:6.2f} GB  "
        f"{_goal('peak_load_metrics_gb', peak, large)}"
    )
    lines.append(
        f"  program_impact / metric_table                 {impact_metrics:6.2f}x   "
        f"{_goal('impact_vs_metrics', impact_metrics, large)}"
    )
    lines.append(
        f"  load Parquet / bare pyarrow.parquet.read_table {parquet_arrow:5.2f}x   "
        f"{_goal('parquet_vs_arrow', parquet_arrow, large)}"
    )
    lines.append(
        f"  load CSV / load Parquet                       {csv_parquet:6.2f}x   "
        "(no goal: retired, #17)"
    )
    lines.append(
        f"  load CSV / bare pyarrow.csv.read_csv          {csv_arrow:6.2f}x   "
        f"{_goal('csv_vs_arrow', csv_arrow, large)}"
    )
    if render:
        lines.append(
            f"  month render (engine)                         {render['engine']:6.2f} s   "
            f"{_goal('render_s', render['engine'])}"
        )
        lines.append(
            f"  naive loop / engine                           {render['ratio']:6.2f}x   "
            f"{_goal('naive_vs_render', render['ratio'])}"
        )
        if "all" in render:
            lines.append(
                f"  render --all-months of data/sample           {render['all']:6.2f} s   "
                f"{_goal('all_months_s', render['all'])}"
            )
    cross = [
        f"{res[k]['table_rows']:,} rows x {res[k]['metrics']} metrics"
        for k in ("metrics", "s_metrics")
    ]
    lines.append(
        f"DuckDB cross-check ({m['duckdb_threads']} threads): equal within 1e-9 on {cross[0]} "
        f"and data/sample's {cross[1]}"
    )
    lines.append(f"benchmark wall time {elapsed / 60:.1f} min; load average at the end {_load()}")
    return "\n".join(lines)


CURVE_SCALES = ("small", "medium", "large")  # 10k, 100k, 1M deployments
CURVE_STAGES = (
    ("load_parquet", "load Parquet"),
    ("metrics", "metric_table"),
    ("impact", "program_impact"),
)


def curve(scales: tuple[str, ...], runs: int) -> str:
    """How the cost grows with the data: load, metric_table and program_impact per scale."""
    from analytics.synthetic.large import rows_for

    found = {}
    for scale in scales:
        folder = ensure_data(scale) / "parquet"
        found[scale] = {name: run_stage(name, folder, runs) for name, _ in CURVE_STAGES}
    head = f"{'deployments':>12}{'rows':>12}" + "".join(f"{label:>17}" for _, label in CURVE_STAGES)
    lines = [
        f"scale curve (Parquet data, median of {runs}; peak RSS of the program_impact process)",
        f"load average {_load()}",
        head + f"{'peak RSS':>11}",
        "-" * (len(head) + 11),
    ]
    deployments = {s: rows_for(s)["deployments"] for s in scales}
    for scale in scales:
        res = found[scale]
        cells = "".join(
            f"{statistics.median(res[name]['times']):16.2f}s" for name, _ in CURVE_STAGES
        )
        rows = sum(rows_for(scale).values())
        lines.append(
            f"{deployments[scale]:>12,}{rows:>12,}{cells}{res['impact']['peak_mb'] / 1024:>10.2f}G"
        )
    if len(scales) >= 2:
        a, b = scales[-2], scales[-1]
        factor = deployments[b] / deployments[a]
        slopes = {}
        for name, _label in CURVE_STAGES:
            ta = statistics.median(found[a][name]["times"])
            tb = statistics.median(found[b][name]["times"])
            slopes[name] = math.log(tb / ta) / math.log(factor)
        lines.append(
            "growth exponent between the last two sizes (1 = linear): "
            + ", ".join(f"{label} {slopes[name]:.2f}" for name, label in CURVE_STAGES)
        )
        ten = 10_000_000 / deployments[b]
        guess = ", ".join(
            f"{label} ~{_at(found[b][name], ten, slopes[name]):.0f} s"
            for name, label in CURVE_STAGES
        )
        peak = max(found[b][n]["peak_mb"] for n, _ in CURVE_STAGES) / 1024
        lines.append(
            f"extrapolated to 10,000,000 deployments (x{ten:g}, at least linear): {guess}; "
            f"memory ~{peak * ten:.0f} GB against this machine's "
            f"{_mem_gb():.0f} GB"
        )
    return "\n".join(lines)


def _at(result: dict, factor: float, slope: float) -> float:
    """A stage's median time extrapolated by ``factor`` more data, growing at least linearly."""
    return statistics.median(result["times"]) * factor ** max(1.0, slope)


def _load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def _mem_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, 2 runs, 1 render run")
    parser.add_argument(
        "--scale", default=None, help="tiny, small, medium or large (default: large)"
    )
    parser.add_argument(
        "--runs", type=int, default=None, help="runs per figure (default 5; quick: 2)"
    )
    parser.add_argument(
        "--impact-runs",
        type=int,
        default=None,
        help="runs of program_impact on the scale data (default 3: about 20 s each)",
    )
    parser.add_argument(
        "--render-runs", type=int, default=None, help="render runs (default 3; quick: 1)"
    )
    parser.add_argument("--no-render", action="store_true", help="skip the render benchmark")
    parser.add_argument(
        "--curve",
        action="store_true",
        help="only the scale curve: load, metric_table, program_impact at 10k/100k/1M deployments",
    )
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stage:  # child process: one stage, one JSON line
        print(json.dumps(stage(args.stage, Path(args.folder), args.runs)))
        return 0

    start = time.perf_counter()
    if args.curve:
        scales = CURVE_SCALES[:-1] if args.quick else CURVE_SCALES
        print(curve(scales, args.runs or (2 if args.quick else 3)))
        return 0
    scale = args.scale or ("small" if args.quick else "large")
    runs = args.runs or (2 if args.quick else 5)
    impact_runs = args.impact_runs or (runs if scale in ("tiny", "small") else 3)
    render_runs = args.render_runs or (1 if args.quick else 3)
    root = ensure_data(scale)
    csv, parquet = root / "csv", root / "parquet"
    res = {"load_at_start": _load()}
    print(f"timing ({runs} runs per figure), load average {_load()} ...", flush=True)
    plan = [
        ("arrow_csv", csv, runs),
        ("load_csv", csv, runs),
        ("arrow_parquet", parquet, runs),
        ("load_parquet", parquet, runs),
        ("metrics", parquet, runs),
        ("impact", parquet, impact_runs),
        ("peak_csv", csv, 1),
        ("peak_parquet", parquet, 1),
    ]
    for name, folder, n in plan:
        res[name] = run_stage(name, folder, n)
        if name == "metrics" and res[name]["mismatches"]:
            print(json.dumps(res[name].get("mismatch_examples"), indent=1))
            sys.exit(
                f"DuckDB cross-check FAILED: {res[name]['mismatches']} rows differ on {folder}"
            )
    s_parquet = DATA / "sample-parquet"
    _sample_parquet(s_parquet)
    for name, folder in (
        ("arrow_csv", SAMPLE),
        ("load_csv", SAMPLE),
        ("arrow_parquet", s_parquet),
        ("load_parquet", s_parquet),
        ("metrics", SAMPLE),
        ("impact", SAMPLE),
    ):
        res["s_" + name] = run_stage(name, folder, max(runs, 3))
        if name == "metrics" and res["s_" + name]["mismatches"]:
            sys.exit(
                f"DuckDB cross-check FAILED on data/sample: {res['s_metrics']['mismatches']} rows"
            )
    render = None
    if not args.no_render:
        print(
            f"month render, {render_runs} run(s) of the engine and the naive loop ...", flush=True
        )
        render = run_render(render_runs)
    print()
    print(report(scale, res, render, time.perf_counter() - start))
    return 0


def _sample_parquet(folder: Path) -> None:
    """data/sample as Parquet (typed, as the loader gives it), for the small load comparison."""
    code = (
        "import sys, analytics\n"
        "ds = analytics.load(sys.argv[1])\n"
        "for t in ('deployments', 'changes', 'incidents', 'test_runs'):\n"
        "    ds.table(t).to_parquet(f'{sys.argv[2]}/{t}.parquet', index=False)\n"
    )
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", code, str(SAMPLE), str(folder)], cwd=REPO, check=True)
    (folder / "program.yml").write_text((SAMPLE / "program.yml").read_text())


if __name__ == "__main__":
    sys.exit(main())
