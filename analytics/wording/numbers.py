"""Numbers and units in words, for titles, labels and tiles: '19.8 a month', '37 min', '99.96%'."""

from __future__ import annotations

import math
from typing import Any

from analytics.wording.safe import DISPLAY_LIMIT, clean_text

#: unit (catalog) -> axis label
AXIS_LABELS = {
    "deployments/day": "Deployments per day",
    "releases/month": "Releases per month",
    "days/week": "Days per week",
    "hours": "Hours",
    "share": "Per cent",
}
#: unit (catalog) -> words that follow a value in a sentence ("19.8 a month")
RATE_SUFFIX = {"deployments/day": " a day", "releases/month": " a month"}


def rate_suffix(unit: str) -> str:
    """' a month' for 'releases/month' (any '<things>/<day|week|month>' but days/week)."""
    if unit in RATE_SUFFIX:
        return RATE_SUFFIX[unit]
    per = unit.rpartition("/")[2]
    return (
        f" a {per}"
        if "/" in unit and per in ("day", "week", "month") and unit != "days/week"
        else ""
    )


def axis_label(unit: str) -> str:
    """'Releases per month' for 'releases/month'; unknown units as given."""
    if unit in AXIS_LABELS:
        return AXIS_LABELS[unit]
    if "/" in unit:
        what, _, per = unit.partition("/")
        return f"{what[:1].upper()}{what[1:]} per {per}"
    return unit


def phase_title(name: str) -> str:
    """A phase name from program.yml as a title: one line, at most ``DISPLAY_LIMIT`` characters.

    >>> phase_title("after_rollout")
    'After rollout'
    """
    name = clean_text(name, DISPLAY_LIMIT)
    return name[:1].upper() + name[1:].replace("_", " ")


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def format_number(value: float) -> str:
    """Three significant figures at most, no trailing zeros: 19.8, 4, 0.35, 1,240."""
    if not _finite(value):
        return "n/a"
    v = float(value)
    a = abs(v)
    text = f"{v:,.0f}" if a >= 100 else f"{v:.1f}" if a >= 1 else f"{v:.2f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_percent(share: float) -> str:
    """A share 0..1 as per cent; shows 100% only when it is exactly 100%."""
    if not _finite(share):
        return "n/a"
    p = float(share) * 100
    if abs(p - round(p)) < 1e-6:
        return f"{p:.0f}%"
    for digits in (1, 2, 3):  # never round 99.96% up to 100% (or 0.04% down to 0%)
        text = f"{p:.{digits}f}"
        if float(text) not in (0.0, 100.0):
            break
    return f"{text}%"


def format_hours(hours: float) -> str:
    """A duration in hours as people say it: 45 s, 37 min, 5.2 h, 3.5 d."""
    if not _finite(hours):
        return "n/a"
    h = float(hours)
    if h < 1 / 60:
        return f"{h * 3600:.0f} s"
    if h < 1 and round(h * 60) < 60:
        return f"{h * 60:.0f} min"
    if h < 48:
        return f"{format_number(h)} h"
    return f"{format_number(h / 24)} d"


def format_value(value: float, unit: str) -> str:
    """A value in the words of its catalogue unit (no rate suffix)."""
    if unit == "share":
        return format_percent(value)
    if unit == "hours":
        return format_hours(value)
    return format_number(value)


def change_sentence(label: str, before: float, after: float, unit: str) -> str:
    """'Production releases rose from 3.7 to 19.8 a month' (or fell / held at)."""
    b, a = format_value(before, unit), format_value(after, unit)
    suffix = rate_suffix(unit)
    if b == a:
        return f"{label} held at {a}{suffix}"
    verb = "rose" if after > before else "fell"
    return f"{label} {verb} from {b} to {a}{suffix}"


def unit_from_column(column: str) -> str:
    """'lead_time_hours' -> 'hours'; other names give '' (plain numbers)."""
    return "hours" if str(column).endswith("_hours") else ""
