"""devops-analytics: evidence for DevOps improvement programs from exported data.

Typical use::

    import analytics
    ds = analytics.load("data/sample")
    ds.summary()
"""

from analytics.catalog import HEADLINE_METRICS, METRIC_NAMES, METRICS
from analytics.config import ProgramConfig, load_config
from analytics.data.dataset import Dataset
from analytics.data.load import load
from analytics.exceptions import AnalyticsError, ConfigError, DataValidationError, RenderError
from analytics.paths import find_data_dir

__version__ = "0.1.0"

__all__ = [
    "AnalyticsError",
    "ConfigError",
    "DataValidationError",
    "Dataset",
    "HEADLINE_METRICS",
    "METRICS",
    "METRIC_NAMES",
    "ProgramConfig",
    "RenderError",
    "__version__",
    "find_data_dir",
    "load",
    "load_config",
]
