"""KPI tiles for the executive summary: value, target, baseline, trend arrow, met or not, DORA band.

Two renderings of the same facts: :func:`kpi_tiles_html` (preferred in reports: crisp text,
inline CSS, no external resources, every value escaped) and ``kpi_tiles`` (a Figure, in
``analytics.plots.tiles_figure``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.catalog import METRICS
from analytics.plots.effects import tri_state
from analytics.plots.style import (
    BAD_TEXT,
    GOOD_TEXT,
    MUTED,
    as_float,
    is_empty,
    metric_info,
    require_columns,
)
from analytics.program.scorecard import targets_met_text
from analytics.wording.numbers import format_value, rate_suffix
from analytics.wording.safe import html_text
from analytics.wording.targets import bound_text

SCORECARD_COLUMNS = ("metric", "value")
_ARROWS = {"up": "↑", "down": "↓", "flat": "→"}


class HtmlFragment(str):
    """A string of HTML that Jupyter renders as HTML (``_repr_html_``)."""

    def _repr_html_(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Tile:
    """The words of one KPI tile (plain text, not yet escaped)."""

    label: str
    value: str
    suffix: str
    target: str
    baseline: str
    arrow: str
    trend: str
    trend_good: bool | None
    met: bool | None
    band: str
    lower_bound: bool = False
    detail: str = ""  # whose value is shown, for a target that applies to every service
    overall: str = ""  # the all-services value, when the tile shows one service's
    judged: bool = True  # False before the after phase: the tile shows on track / off track
    on_track: bool | None = None

    @property
    def status(self) -> bool | None:
        """What the tile's colour says: met (judged months) or on track (earlier months)."""
        return self.met if self.judged else self.on_track

    @property
    def met_text(self) -> str:
        if not self.judged:
            return {
                True: "→ On track at the current trend",
                False: "Off track at the current trend",
                None: "No trend yet" if self.target else "No target",
            }[self.on_track]
        if self.met is None and self.lower_bound:
            return "? Undecided: incidents still open"
        return {
            True: "✓ Target met",
            False: "✗ Target not met",
            None: "No target" if not self.target else "No data",
        }[self.met]


def _get(row: pd.Series, col: str) -> object:
    value = row.get(col)
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def tile_facts(row: pd.Series, judged: bool = True) -> Tile:
    """The words shown on the tile of one scorecard row (``judged`` False: a month before the
    after phase, whose tile says whether the target is on track rather than met)."""
    metric = str(row["metric"])
    info = metric_info(metric, strict=False)
    label = str(_get(row, "label") or info.label)
    severity, service = _get(row, "severity"), _get(row, "service")
    if severity not in (None, "", "all"):
        label += f" ({severity})"
    if service not in (None, "", "all"):
        label += f" · {service}"
    unit = str(_get(row, "unit") or info.unit)
    value, target, baseline = (
        as_float(row["value"]),
        as_float(_get(row, "target")),
        as_float(_get(row, "baseline")),
    )
    op = str(_get(row, "op") or (">=" if info.higher_is_better else "<="))
    met = (
        tri_state(row["met"])
        if "met" in row.index
        else (
            None
            if math.isnan(value) or math.isnan(target)
            else (value >= target if ">" in op else value <= target)
        )
    )
    # no value this month (a gap): no trend arrow beside "n/a", which would read as this month's
    trend = str(_get(row, "trend") or "").lower() if math.isfinite(value) else ""
    good = (
        None
        if trend not in ("up", "down") or metric not in METRICS
        else (trend == "up") == info.higher_is_better
    )
    words = (
        {True: "improving", False: "worsening"}[good]
        if good is not None
        else {"up": "rising", "down": "falling", "flat": "flat"}.get(trend, "")
    )
    lower_bound = bool(_get(row, "lower_bound"))  # open incidents counted to the end of the data
    every = _get(row, "applies_to") == "every_service"
    detail, overall = "", ""
    if every and _get(row, "worst_service"):
        counted, missed = (
            int(np.nan_to_num(as_float(_get(row, c))))
            for c in ("services_judged", "services_missed")
        )
        side = ("lowest", "below") if ">" in op else ("highest", "above")
        detail = f"{side[0]}: {_get(row, 'worst_service')}\n" + (
            f"{missed} of {counted} {side[1]} target"
            if missed
            else f"all {counted} meet the target"
        )
        average = as_float(_get(row, "overall_value"))
        overall = f"Average {format_value(average, unit)}" if math.isfinite(average) else ""
    n = as_float(_get(row, "n"))
    if metric in _FEW and math.isfinite(value) and 0 < n < _FEW_BELOW and not detail:
        detail = (
            f"from only {int(n)} {_FEW[metric][int(n) != 1]}"  # a band from 2 incidents says little
        )
    return Tile(
        label=label,
        value=("≥ " if lower_bound else "") + format_value(value, unit),
        suffix=rate_suffix(unit).strip(),
        target=_target_words(op, target, unit, every),
        baseline=f"Baseline {format_value(baseline, unit)}{rate_suffix(unit)}"
        if math.isfinite(baseline)
        else "",
        arrow=_ARROWS.get(trend, ""),
        trend=words,
        trend_good=good,
        met=met,
        # a DORA band describes all incidents: none on a tile of one severity (the mean of a
        # few critical incidents is not the DORA key; the executive page lists the keys)
        band=str(_get(row, "band") or "") if severity in (None, "", "all") else "",
        lower_bound=lower_bound,
        detail=detail,
        overall=overall,
        judged=judged,
        on_track=tri_state(row["on_track"]) if "on_track" in row.index else None,
    )


def _target_words(op: str, target: float, unit: str, every: bool) -> str:
    """'Target ≥ 6 a day', 'Target 100%' (a share can be no higher), '... per service'."""
    if not math.isfinite(target):
        return ""
    return f"Target {bound_text(op, target, unit)}" + (" per service" if every else "")


#: durations whose tile says so when the month has fewer than _FEW_BELOW of them
_FEW = {
    "time_to_restore_hours": ("incident", "incidents"),
    "lead_time_hours": ("change", "changes"),
}
_FEW_BELOW = 5


def _summary(tiles: list[Tile]) -> str:
    """The heading over the tiles: targets met, and those that could not be judged (as the
    verdict does)."""
    with_target = [t for t in tiles if t.target or t.met is not None]
    if not with_target:
        return "Key indicators"
    if not with_target[0].judged:
        on = sum(t.on_track is True for t in with_target)
        return f"Not judged yet: {on} of {len(with_target)} targets on track at the current trend"
    if len(with_target) > 1 and all(t.met is True for t in with_target):
        return f"All {len(with_target)} targets met"
    text = targets_met_text([t.met for t in with_target], [t.lower_bound for t in with_target])
    return text[:1].upper() + text[1:]


def _tiles(scorecard: pd.DataFrame, judged: bool = True) -> list[Tile]:
    require_columns(scorecard, SCORECARD_COLUMNS, "scorecard")
    return [tile_facts(row, judged) for _, row in scorecard.iterrows()]


_COLOUR = {True: GOOD_TEXT, False: BAD_TEXT, None: MUTED}


#: inline styles of the tiles (no classes to clash with the page's, no URLs)
_CSS = {
    "section": "font-family:'DejaVu Sans','Segoe UI',Arial,sans-serif;color:#222;"
    "margin:8px 0 16px;",
    "heading": "margin:0 0 8px;font-size:15px;font-weight:bold;",
    "list": "display:flex;flex-wrap:wrap;gap:12px;",
    "tile": "flex:1 1 150px;max-width:250px;box-sizing:border-box;border:1px solid #D0D0D0;"
    "border-radius:6px;padding:10px 12px;background:#fff;break-inside:avoid;"
    "page-break-inside:avoid;",
    "label": "font-size:13px;font-weight:bold;color:#444;min-height:2.4em;",
    "value": "font-size:28px;font-weight:bold;line-height:1.25;",
    "suffix": "font-size:13px;font-weight:normal;color:#595959;",
    "detail": "font-size:12px;color:#444;",
    "trend": "font-size:13px;font-weight:bold;",
    "facts": "font-size:12px;color:#444;margin-top:4px;",
    "status": "margin-top:6px;display:flex;gap:8px;align-items:center;flex-wrap:wrap;",
    "met": "font-size:12px;font-weight:bold;",
    "band": "border:1px solid #9A9A9A;border-radius:10px;padding:1px 8px;font-size:12px;",
}


def _tile_html(t: Tile) -> str:
    """One tile as HTML; every text escaped (``html_text``: bidi controls dropped, names cut)."""
    e, colour = html_text, _COLOUR[t.status]
    facts = " · ".join(e(x) for x in (t.target, t.overall, t.baseline) if x)
    suffix = f' <span style="{_CSS["suffix"]}">{e(t.suffix)}</span>' if t.suffix else ""
    detail = "<br>".join(map(e, t.detail.splitlines()))
    trend = (
        f'<div style="{_CSS["trend"]}color:{_COLOUR[t.trend_good]};">'
        f'<span aria-hidden="true">{e(t.arrow)}</span> {e(t.trend)}</div>'
    )
    band = f'<span style="{_CSS["band"]}">DORA {e(t.band)}</span>' if t.band else ""
    return (
        f'<div role="listitem" style="{_CSS["tile"]}border-top:5px solid {colour};">'
        f'<div style="{_CSS["label"]}">{e(t.label)}</div>'
        f'<div style="{_CSS["value"]}">{e(t.value)}{suffix}</div>'
        + (f'<div style="{_CSS["detail"]}">{detail}</div>' if t.detail else "")
        + (trend if t.trend else "")
        + (f'<div style="{_CSS["facts"]}">{facts}</div>' if facts else "")
        + f'<div style="{_CSS["status"]}">'
        f'<span style="{_CSS["met"]}color:{colour};">{e(t.met_text)}</span>{band}</div>'
        "</div>"
    )


def kpi_tiles_html(scorecard: pd.DataFrame, *, judged: bool = True) -> HtmlFragment:
    """KPI tiles as an HTML fragment with inline CSS (no classes to clash, no URLs).

    Parameters
    ----------
    scorecard
        One row per KPI. Needs metric and value; uses target, op (">=" / "<="), met (bool;
        missing = no data), baseline, trend ("up" / "down" / "flat"), band (DORA band or ""),
        and optionally label, unit, severity, service, lower_bound, and for targets with
        applies_to "every_service" worst_service, services_judged, services_missed and
        overall_value (the tile then names the worst service and gives the average). The
        heading counts targets that could not be judged apart, in the verdict's words
        (:func:`analytics.program.scorecard.targets_met_text`). Every text taken from the data is
        HTML-escaped.
    judged
        False for a month before the after phase: each tile says whether its target is on track
        at the current trend (the scorecard's ``on_track``) instead of met or not.

    Returns
    -------
    HtmlFragment
        A ``str`` that Jupyter displays as HTML when it is a cell's result.
    """
    if is_empty(scorecard):
        return HtmlFragment(
            '<p style="color:#595959;font-style:italic;">No data for this period</p>'
        )
    tiles = _tiles(scorecard, judged)
    parts = [
        f'<section aria-label="Key performance indicators" style="{_CSS["section"]}">',
        f'<p style="{_CSS["heading"]}">{html_text(_summary(tiles), None)}</p>',
        f'<div role="list" style="{_CSS["list"]}">',
        *(_tile_html(t) for t in tiles),
    ]
    parts.append("</div></section>")
    # character references for every non-ASCII glyph: right whatever encoding the page declares
    return HtmlFragment("".join(parts).encode("ascii", "xmlcharrefreplace").decode("ascii"))
