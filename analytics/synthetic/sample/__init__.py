"""Deterministic generator of the bundled sample data (``data/sample/``).

The story
---------
A consumer-loan platform of twelve micro-services (loan-application, credit-scoring, risk-engine,
repayment, disbursement, customer-profile, notification, payment-gateway, collections,
api-gateway, reporting, identity) runs a continuous-delivery improvement program. Local time is
Asia/Shanghai (+08:00); the data covers the local dates 2020-10-01 .. 2021-12-31:

* baseline 2020-10-01 .. 2020-12-31: under one successful deployment a day (all environments),
  3-4 successful production releases a month (mostly evening release windows), change lead times
  of weeks, critical (P1) incidents restored in hours, unit tests passing ~90%, coverage 40-60%;
* program 2021-01-01 .. 2021-08-31: a staggered rollout, not a step: each service adopts the
  program on its own date (``ADOPTION``, two services at a time from 2021-01-18 to the last on
  2021-07-05, written into program.yml's ``adoption:`` block), then improves over eight weeks;
  the monthly totals are the services' progress weighted by activity, so the whole platform
  ramps up, and a service's deployments, lead times, restore times and tests follow its own
  date (the event study, analytics/stats/event_study.py, has something to find);
* after 2021-09-01 .. 2021-12-31: every month 6.3-7 successful deployments per calendar day,
  19-22 successful production releases, lead times of hours, P1 incidents (2-4 a month) restored
  in under an hour (each capped at 55 min), zero unit-test failures, coverage 0.96-1.00.

Texture: production freezes (no production deployment at all) 2021-02-11..17 (Spring Festival)
and 2021-10-01..07 (National Day), when non-production deployments are also rare; quiet weekends
and public holidays, with the official make-up working days (e.g. Sat 2021-09-18) treated as
working days; lognormal durations; failed, rolled-back and cancelled deployments; ``rollback``
deployments (re-deploying the previous good version and commit) right after a failed or
rolled-back production deployment; hotfixes; changes linked to the production deployment that
shipped them through ``deployment_id`` (the deployment's ``commit_sha`` is the head change's);
changes never shipped (blank ``deployment_id``); incidents mostly P3/P4, some linked to a
deployment through ``caused_by_deployment_id`` and some caused by one but not linked (they open
shortly after a production deployment of the same service); blank ``impact_started_at`` for some;
3-4 incidents still open at the end of December 2021 (blank ``resolved_at``); four incidents
opened in the first hours of a local month (2021-01-01, -04-01, -07-01, -10-01, Shanghai) that
are still in the previous month in UTC, so bucketing by zone is exercised; nightly unit runs on
working days plus a unit run before every ``test`` deployment, an integration run before every
``staging`` deployment and an e2e run before every ``production`` deployment; coverage only on
unit runs.

Deliberate data problems (the loader must repair them and log what it did)
--------------------------------------------------------------------------
1. ``deployments.csv`` holds exactly one fully duplicated row: a successful production deployment
   of June 2021 appears twice (same ``deployment_id``, every column equal), on adjacent lines.
2. Every timestamp of the service ``reporting`` (in all four tables) is written in UTC with a
   ``Z`` suffix (``2021-03-02T02:15:00Z``) instead of ``+08:00``; the instants are correct.
3. Five deployments have their status written in upper case (``SUCCESS``).

Nothing else is wrong on purpose. Invariants: every id is unique (but for the duplicated row);
``started_at <= finished_at``; ``authored_at <= committed_at <= pr_opened_at <= merged_at <``
the ``started_at`` of the production deployment that shipped the change; ``impact_started_at <=
opened_at <= resolved_at``; test counts are non-negative integers.

Output is byte-identical for a given seed: randomness comes from ``numpy.random.PCG64`` only,
times are whole seconds, floats are written with four decimals, rows are sorted.
"""

from analytics.synthetic.sample.files import write_sample
from analytics.synthetic.sample.story import (
    ADOPTION,
    AFTER_START,
    DEFAULT_SEED,
    END,
    FREEZES,
    MILESTONES,
    PROGRAM_END,
    PROGRAM_START,
    SERVICES,
    START,
    UTC_SERVICE,
    program_yaml,
)
from analytics.synthetic.sample.tables import COLUMNS, generate

__all__ = [
    "ADOPTION",
    "AFTER_START",
    "COLUMNS",
    "DEFAULT_SEED",
    "END",
    "FREEZES",
    "MILESTONES",
    "PROGRAM_END",
    "PROGRAM_START",
    "SERVICES",
    "START",
    "UTC_SERVICE",
    "generate",
    "program_yaml",
    "write_sample",
]
