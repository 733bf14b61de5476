"""program.yml: the program's phases, milestones, targets and optional blocks.

:func:`load_config` reads the file (safely: :mod:`.strict_yaml`), :func:`parse_config` checks
every key through the table :data:`KEY_PARSERS` (:mod:`.parse`); each optional block has its own
module: :mod:`.sections` (phases, milestones, targets), :mod:`.adoption`, :mod:`.teams` and
:mod:`.calendar` (working days and hours).
"""

from analytics.config.parse import (
    APPLIES_TO,
    BENCHMARK_YEARS,
    EVERY_SERVICE_BY_DEFAULT,
    KEY_PARSERS,
    KNOWN_KEYS,
    WEEK_STARTS,
    Fail,
    KeyParser,
    Milestone,
    Phase,
    ProgramConfig,
    Target,
    load_config,
    parse_config,
)

__all__ = [
    "APPLIES_TO",
    "BENCHMARK_YEARS",
    "EVERY_SERVICE_BY_DEFAULT",
    "KEY_PARSERS",
    "KNOWN_KEYS",
    "WEEK_STARTS",
    "Fail",
    "KeyParser",
    "Milestone",
    "Phase",
    "ProgramConfig",
    "Target",
    "load_config",
    "parse_config",
]
