"""Deterministic, vectorised generator of large synthetic exports (for benchmarks and scale tests).

At ``scale="large"`` it writes about 1,000,000 deployments, 5,000,000 changes, 100,000 incidents
and 1,000,000 test runs of 200 services over five years (local dates 2019-01-01 .. 2023-12-31,
Asia/Shanghai). Smaller scales (``tiny``, ``small``, ``medium``, or any row factor) keep the
same shape with fewer rows. Unlike ``analytics.synthetic.sample`` (a small, story-driven sample
generated row by row), everything here is numpy/pyarrow array code: the large set takes about a
minute.

The data obey the contract (data/README.md) and exercise the loader and the linking rules:
timestamps with a ``+08:00`` offset, except one service written in UTC (``Z``); incident
severities as ``P1``..``P4`` (mapped through ``severity_map``); about 80 % of shipped changes
name their deployment (``deployment_id``), 1 % name a staging deployment (carried forward), 0.5 %
an unknown id, the rest none (linked by service and time); a third of the incidents open after
a production deployment of their service, half of those naming it; incidents still open at the
export moment have no ``resolved_at``; coverage on unit runs only. Invariants: ids are unique,
``started_at <= finished_at``, ``committed_at <= merged_at <=`` the shipping deployment's
``started_at``, ``impact_started_at <= opened_at <= resolved_at``. Metrics improve over a
program phase (2020-07 .. 2021-12), so the impact analysis has something to find.

Randomness comes from ``numpy.random.PCG64(seed)`` only: a seed gives the same tables, the same
CSV bytes and the same Parquet contents on every run.

    python -m analytics.synthetic.large --scale large --out benchmarks/data/large
    devops-analytics sample --scale large --out DIR            # the same, through the CLI
"""

# the public names of the former module analytics/synthetic/large.py; ``X as X`` marks names
# that are importable from here as before but were not in its ``__all__`` (which is kept as it was)
from analytics.synthetic.large.cli import main as main
from analytics.synthetic.large.files import write_large
from analytics.synthetic.large.story import DEFAULT_SEED, FULL_ROWS, SCALES, program_yaml, rows_for
from analytics.synthetic.large.story import END as END
from analytics.synthetic.large.story import FORMATS as FORMATS
from analytics.synthetic.large.story import PROGRAM_END as PROGRAM_END
from analytics.synthetic.large.story import PROGRAM_START as PROGRAM_START
from analytics.synthetic.large.story import START as START
from analytics.synthetic.large.story import TIMEZONE as TIMEZONE
from analytics.synthetic.large.tables import generate_large

__all__ = [
    "DEFAULT_SEED",
    "FULL_ROWS",
    "SCALES",
    "generate_large",
    "program_yaml",
    "rows_for",
    "write_large",
]
