"""Benchmark: the month render against the naive loop a user would write, and every month.

    python benchmarks/bench_render.py [--data data/sample] [--month YYYY-MM] [--jobs N] [--runs 3]
                                      [--no-all-months]

Times, end to end from the shell and side by side:

- engine: ``devops-analytics render --data DIR --month M --jobs N`` into an empty folder (one
  process, N warm kernels each running several notebooks, nbconvert in-process);
- naive:  for each notebook, ``papermill NB OUT -p data_dir DIR -p month M`` then
  ``jupyter nbconvert --to html --no-input OUT`` (two processes and one kernel per notebook,
  one notebook after the other);
- all months: ``render --all-months`` into an empty folder; then the same command again with
  nothing changed (every month unchanged: planning only), and once more after the latest month's
  folder was removed (what a newly arrived month costs: that month and the index);

and prints the median of ``--runs`` runs of each and the ratio. When notebooks/reports has no
numbered notebooks yet, it times the render-engine test fixtures instead (and says so).
Not a test: run it with ``make bench-render``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "notebooks"
BIN = Path(sys.executable).parent


def numbered(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("[0-9][0-9]-*.ipynb"))


def run(cmd: list[str], cwd: Path) -> None:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr[-2000:]}")


def render(notebooks: Path, data: str, which: list[str], jobs: int, out: Path) -> float:
    """One ``devops-analytics render`` from the shell (this checkout's package); seconds."""
    start = time.perf_counter()
    run(
        [
            sys.executable,
            "-m",
            "analytics",
            "render",
            "--data",
            data,
            *which,
            "--out",
            str(out),
            "--jobs",
            str(jobs),
            "--notebooks",
            str(notebooks),
        ],
        cwd=REPO,
    )
    return time.perf_counter() - start


def _cpu() -> float:
    """CPU seconds (user + system) of this process's finished children: the render and its
    kernels, or the naive loop's processes. Hardly depends on what else the machine runs."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


CPU: dict[str, list[float]] = {"engine": [], "naive": [], "all": []}


def time_engine(notebooks: Path, data: str, month: str, jobs: int, work: Path) -> float:
    out = work / "engine"
    shutil.rmtree(out, ignore_errors=True)
    before = _cpu()
    wall = render(notebooks, data, ["--month", month], jobs, out)
    CPU["engine"].append(_cpu() - before)
    return wall


def time_all_months(notebooks: Path, data: str, jobs: int, work: Path) -> tuple[float, ...]:
    """(all months from empty, again unchanged, again after the latest month was removed)."""
    out = work / "all"
    shutil.rmtree(out, ignore_errors=True)
    before = _cpu()
    every = render(notebooks, data, ["--all-months"], jobs, out)
    CPU["all"].append(_cpu() - before)
    unchanged = render(notebooks, data, ["--all-months"], jobs, out)
    latest = max(p for p in out.iterdir() if p.name[:1].isdigit())
    latest.unlink() if latest.is_symlink() else shutil.rmtree(latest)
    one_new = render(notebooks, data, ["--all-months"], jobs, out)
    return every, unchanged, one_new


def time_naive(notebooks: Path, data: str, month: str, work: Path) -> float:
    out = work / "naive"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    start, before = time.perf_counter(), _cpu()
    for nb in numbered(notebooks):
        executed = out / nb.name
        run(
            [
                str(BIN / "papermill"),
                str(nb),
                str(executed),
                "-p",
                "data_dir",
                data,
                "-p",
                "month",
                month,
                "-k",
                "python3",
                "--no-progress-bar",
            ],
            cwd=REPO,
        )
        run(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
            cwd=REPO,
        )
    CPU["naive"].append(_cpu() - before)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/sample")
    parser.add_argument("--month", default=None, help="default: the latest complete month")
    parser.add_argument("--notebooks", default="notebooks/reports")
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--all-months-runs", type=int, default=1)
    parser.add_argument("--no-all-months", action="store_true")
    args = parser.parse_args(argv)

    notebooks, data, month = REPO / args.notebooks, args.data, args.month
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        work = Path(tmp)
        if not numbered(notebooks):
            print(f"note: {args.notebooks} has no numbered notebooks yet; timing the test fixtures")
            notebooks = work / "notebooks"
            notebooks.mkdir()
            for name in ("01-chart.ipynb", "02-table.ipynb"):
                shutil.copy(FIXTURES / name, notebooks / name)
            data, month = str(FIXTURES / "data"), month or "2021-11"
        if month is None:
            from analytics.data.load import load
            from analytics.report.plan import latest_complete_month

            ds = load(REPO / data)
            first, last = (d.date() for d in ds.date_range())
            month = latest_complete_month(
                first, last, max((p.end for p in ds.config.phases), default=None)
            )
        count = len(numbered(notebooks))
        print(
            f"{count} notebooks, data {data}, month {month}, {args.jobs} jobs, "
            f"{os.cpu_count()} CPUs, median of {args.runs} runs"
        )
        engine, naive, every = [], [], []
        for i in range(args.runs):
            engine.append(time_engine(notebooks, data, month, args.jobs, work))
            naive.append(time_naive(notebooks, data, month, work))
            print(f"  run {i + 1}: engine {engine[-1]:.1f} s, naive {naive[-1]:.1f} s", flush=True)
        for i in range(0 if args.no_all_months else args.all_months_runs):
            every.append(time_all_months(notebooks, data, args.jobs, work))
            print(
                f"  all months run {i + 1}: {every[-1][0]:.1f} s, unchanged {every[-1][1]:.1f} s, "
                f"one new month {every[-1][2]:.1f} s",
                flush=True,
            )
    e, n = statistics.median(engine), statistics.median(naive)
    print(f"\n{'':38}{'median':>9}")
    print(f"{'engine  (devops-analytics render)':38}{e:8.1f} s")
    print(f"{'naive   (papermill + nbconvert CLI)':38}{n:8.1f} s")
    print(f"{'ratio   (naive / engine)':38}{n / e:8.1f}x")
    ce, cn = statistics.median(CPU["engine"]), statistics.median(CPU["naive"])
    print(f"{'cpu-engine (CPU time, all processes)':38}{ce:8.1f} s")
    print(f"{'cpu-naive  (CPU time, all processes)':38}{cn:8.1f} s")
    if CPU["all"]:
        print(f"{'cpu-all    (CPU time, --all-months)':38}{statistics.median(CPU['all']):8.1f} s")
    print(f"{'load average at the end':38}{' '.join(f'{v:.2f}' for v in os.getloadavg()):>9}")
    if every:
        for label, k in (("all     (render --all-months)", 0), ("again   (nothing changed)", 1),
                         ("new     (one new month + index)", 2)):  # fmt: skip
            print(f"{label:38}{statistics.median(t[k] for t in every):8.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
