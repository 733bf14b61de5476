"""Per-item values grouped by phase, shared by the distribution and survival charts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.config import ProgramConfig
from analytics.plots.decorations import comparison_phases
from analytics.plots.style import as_float_array, phase_color


def by_phase(
    items: pd.DataFrame, value_col: str, phase_col: str, config: ProgramConfig, censored_col: str
) -> dict[str, pd.DataFrame]:
    """Rows with a value and a phase, split by phase in program order (unknown phases last).

    Each group has the columns value (float), phase and censored (bool, False when absent).
    """
    phases = items[phase_col]
    frame = pd.DataFrame(
        {
            "value": as_float_array(items[value_col]),
            "phase": phases.astype("object").where(phases.notna(), None).to_numpy(),
            "censored": (
                items[censored_col].fillna(False).astype(bool).to_numpy()
                if censored_col in items.columns
                else np.zeros(len(items), dtype=bool)
            ),
        }
    )
    frame = frame[frame["value"].notna() & frame["phase"].notna()]
    frame["phase"] = frame["phase"].astype(str)
    known = [p.name for p in config.phases]
    order = [p for p in known if (frame["phase"] == p).any()]
    order += sorted(set(frame["phase"]) - set(known))
    return {name: frame[frame["phase"] == name] for name in order}


def compared_pair(groups: dict, config: ProgramConfig) -> tuple[str, str] | None:
    """The names of the baseline and after phases when both have a group, else None."""
    before, after = comparison_phases(config)
    if before is None or after is None or before.name not in groups or after.name not in groups:
        return None
    return before.name, after.name


def phase_colour(config: ProgramConfig, name: str) -> str:
    """The colour of phase ``name``: its place in the program, unknown phases after the known."""
    index = next((i for i, p in enumerate(config.phases) if p.name == name), len(config.phases))
    return phase_color(name, index)
