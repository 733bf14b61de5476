"""Pure metric functions of a Dataset; each definition is documented once in docs/METRICS.md.

``metric_table`` gives every metric for every period in long form; the per-item functions
(``deployment_facts``, ``lead_times``, ``restore_times``, ``unit_test_runs``,
``coverage_by_service``) give the rows behind them, for before/after statistics.
"""

from analytics.metrics.delivery import lead_times
from analytics.metrics.frequency_band import deployment_frequency_band
from analytics.metrics.presets import PRESETS, FrequencyBand, Preset, get_preset
from analytics.metrics.quality import coverage_by_service, unit_test_runs, unit_test_totals
from analytics.metrics.stability import deployment_facts, restore_times
from analytics.metrics.stages import lead_time_stages, stage_summary
from analytics.metrics.table import metric_table

__all__ = [
    "PRESETS",
    "FrequencyBand",
    "Preset",
    "coverage_by_service",
    "deployment_facts",
    "deployment_frequency_band",
    "get_preset",
    "lead_time_stages",
    "lead_times",
    "metric_table",
    "restore_times",
    "stage_summary",
    "unit_test_runs",
    "unit_test_totals",
]
