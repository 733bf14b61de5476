"""The published DORA performance bands as data, by report year and DORA key.

Each band is ``(band, lower, upper, published wording, interpretation)``, elite first, in
hours for durations, deployments per calendar day for frequency and a fraction for change
failure rate. How ambiguous wording became numbers is in docs/benchmarks.md; the functions that
use these tables are in :mod:`analytics.program.dora`.
"""

from __future__ import annotations

import math

from analytics.catalog import DAYS_PER_WEEK, HOURS_PER_DAY

# Durations in hours (a month is 30 days, six months 180 days, as in Apache DevLake).
HOUR, DAY, WEEK = 1.0, float(HOURS_PER_DAY), float(HOURS_PER_DAY * DAYS_PER_WEEK)
MONTH, SIX_MONTHS = 30 * DAY, 180 * DAY
# Deployment rates in deployments per calendar day; calendar-robust so that a month with 1
# deployment is "once per month" and one with 4 is "once per week" whatever its length.
PER_DAY, PER_WEEK, PER_MONTH, PER_SIX_MONTHS = 1.0, 4 / 31, 1 / 31, 1 / 184
INF = math.inf

_LABELS = {
    "deployment_frequency": "Deployment frequency",
    "lead_time_for_changes": "Lead time for changes",
    "time_to_restore_service": "Time to restore service",
    "change_failure_rate": "Change failure rate",
}
_SHARES = {  # share of respondents per cluster (elite, high, medium, low)
    2019: (0.20, 0.23, 0.44, 0.12),
    2021: (0.26, 0.40, 0.28, 0.07),
    2023: (0.18, 0.31, 0.33, 0.17),
    2024: (0.19, 0.22, 0.35, 0.25),
}
_SOURCES = {
    2019: "Accelerate State of DevOps 2019 (DORA / Google Cloud), report PDF",
    2021: "Accelerate State of DevOps 2021 (DORA / Google Cloud), report PDF "
    "(tests/fixtures/benchmarks/dora_2021_clusters.csv)",
    2023: "Accelerate State of DevOps 2023 (DORA / Google Cloud), via secondary summaries "
    "(Apache DevLake metric docs, Octopus Deploy blog)",
    2024: "Accelerate State of DevOps 2024 (DORA / Google Cloud), via secondary summaries",
}

_ON_DEMAND = "On-demand (multiple deploys per day)"
_DAY_WEEK = "Between once per day and once per week"
_WEEK_MONTH = "Between once per week and once per month"
_MONTH_6M = "Between once per month and once every six months"
_LT1D, _LT1H = "Less than one day", "Less than one hour"
_D_W, _W_M = "Between one day and one week", "Between one week and one month"
_M_6M = "Between one month and six months"
_BELOW_LOW = "also beyond the published low range (no worse band)"
_NO_RANGE = "no range of its own"

# (band, lower, upper, published wording, interpretation) per year and DORA key, elite first.
# Deployment frequency: [lower, upper); durations: [lower, upper); failure rate: (lower, upper].
_DF_4 = [
    ("elite", PER_DAY, INF, _ON_DEMAND, "'multiple deploys per day' read as at least 1 a day"),
    ("high", PER_WEEK, PER_DAY, _DAY_WEEK, ""),
    ("medium", PER_MONTH, PER_WEEK, _WEEK_MONTH, ""),
    ("low", 0.0, PER_MONTH, _MONTH_6M, _BELOW_LOW),
]
_LT_4 = [
    ("elite", 0.0, DAY, _LT1D, ""),
    ("high", DAY, WEEK, _D_W, ""),
    ("medium", WEEK, MONTH, _W_M, ""),
    ("low", MONTH, INF, _M_6M, _BELOW_LOW),
]
_RESTORE_DUP = [
    ("elite", 0.0, HOUR, _LT1H, ""),
    ("high", HOUR, DAY, _LT1D, "shares 'less than one day' with medium: the better band keeps it"),
    ("medium", DAY, WEEK, _LT1D, "published range taken by high; takes the gap 1 day - 1 week"),
    ("low", WEEK, INF, "Between one week and one month", _BELOW_LOW),
]
_RESTORE_GAP = [
    ("elite", 0.0, HOUR, _LT1H, ""),
    ("high", HOUR, DAY, _LT1D, ""),
    ("medium", DAY, WEEK, "Between one day and one week", ""),
]
_SPEC: dict[int, dict[str, list[tuple]]] = {
    2019: {
        "deployment_frequency": _DF_4,
        "lead_time_for_changes": _LT_4,
        "time_to_restore_service": _RESTORE_DUP,
        "change_failure_rate": [
            ("elite", 0.0, 0.15, "0-15%", ""),
            (
                "high",
                0.15,
                0.30,
                "0-15%",
                "elite/high/medium all published 0-15%; 15-46% gap split"
                " in 15-point steps (the common 0-15/16-30/31-45/46-60 rendering)",
            ),
            ("medium", 0.30, 0.45, "0-15%", "see high"),
            ("low", 0.45, INF, "46-60%", "gap 45-46% and above 60% assigned to low"),
        ],
    },
    2021: {
        "deployment_frequency": [
            ("elite", PER_DAY, INF, _ON_DEMAND, _DF_4[0][4]),
            (
                "high",
                PER_MONTH,
                PER_DAY,
                "Between once per week and once per month",
                "gap between once per day and once per week assigned to high (worse neighbour)",
            ),
            (
                "medium",
                PER_SIX_MONTHS,
                PER_MONTH,
                "Between once per month and once every 6 months",
                "",
            ),
            ("low", 0.0, PER_SIX_MONTHS, "Fewer than once per six months", ""),
        ],
        "lead_time_for_changes": [
            ("elite", 0.0, HOUR, _LT1H, ""),
            ("high", HOUR, WEEK, _D_W, "gap 1 hour - 1 day assigned to high (worse neighbour)"),
            (
                "medium",
                WEEK,
                SIX_MONTHS,
                _M_6M,
                "gap 1 week - 1 month assigned to medium (worse neighbour)",
            ),
            ("low", SIX_MONTHS, INF, "More than six months", ""),
        ],
        "time_to_restore_service": [
            *_RESTORE_GAP[:3],
            (
                "low",
                WEEK,
                INF,
                "More than six months",
                "gap 1 week - 6 months assigned to low (worse neighbour)",
            ),
        ],
        "change_failure_rate": [
            ("elite", 0.0, 0.15, "0%-15%", "15-16% gap assigned to high"),
            (
                "high",
                0.15,
                0.20,
                "16%-30%",
                "high/medium/low all published 16%-30%; split at 20%"
                " and 30% as Apache DevLake does",
            ),
            ("medium", 0.20, 0.30, "16%-30%", "see high"),
            ("low", 0.30, INF, "16%-30%", "see high"),
        ],
    },
    2023: {
        "deployment_frequency": [
            *_DF_4[:3],
            (
                "low",
                0.0,
                PER_MONTH,
                _WEEK_MONTH,
                "same published range as medium: medium keeps it, low is below once per month",
            ),
        ],
        "lead_time_for_changes": [
            *_LT_4[:3],
            ("low", MONTH, INF, _W_M, "same published range as medium: low is one month or more"),
        ],
        "time_to_restore_service": [
            *_RESTORE_GAP[:3],
            ("low", WEEK, INF, _M_6M, "gap 1 week - 1 month assigned to low (worse neighbour)"),
        ],
        "change_failure_rate": [
            ("elite", 0.0, 0.05, "5%", "single cluster value read as an upper limit (DevLake)"),
            ("high", 0.05, 0.10, "10%", "upper limit"),
            ("medium", 0.10, 0.15, "15%", "upper limit"),
            ("low", 0.15, INF, "64%", "everything above 15%"),
        ],
    },
    2024: {
        "deployment_frequency": _DF_4,
        "lead_time_for_changes": _LT_4,
        "time_to_restore_service": _RESTORE_DUP,
        "change_failure_rate": [
            ("elite", 0.0, 0.05, "5%", "single cluster value read as an upper limit"),
            ("high", 0.05, 0.20, "20%", "upper limit"),
            (
                "medium",
                math.nan,
                math.nan,
                "10%",
                f"{_NO_RANGE}: medium's 10% lies below high's 20%; no rate bands medium",
            ),
            ("low", 0.20, INF, "40%", "everything above 20%"),
        ],
    },
}
_WORDING_2023 = {"time_to_restore_service": "Failed deployment recovery time"}
