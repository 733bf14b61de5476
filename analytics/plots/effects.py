"""The program's effects with their confidence intervals (a forest plot of program_impact)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from analytics.plots.style import (
    BAD,
    GOOD,
    MUTED,
    NEUTRAL,
    as_float,
    is_empty,
    metric_info,
    new_figure,
    no_data_figure,
    require_columns,
    styled,
)
from analytics.wording.numbers import format_number

IMPACT_COLUMNS = ("metric", "effect", "effect_kind", "ci_low", "ci_high", "improved")
_KINDS = {"ratio": "After ÷ baseline (log scale; 1x = no change)", "difference": "After − baseline"}


def tri_state(value: object) -> bool | None:
    """True / False, or None for a missing value (None, NaN, pd.NA)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return bool(value)


def _count(value: object) -> str:
    """A number of observations with thousands separators: '430,779'; 'n/a' when missing."""
    n = as_float(value)
    return f"{n:,.0f}" if math.isfinite(n) else "n/a"


def _format_p(p: float) -> str:
    if not math.isfinite(p):
        return ""
    return (
        "adj. p < 0.001" if p < 0.001 else f"adj. p = {p:.3f}" if p < 0.01 else f"adj. p = {p:.2f}"
    )


def _effect_text(kind: str, eff: float, lo: float, hi: float, pp: bool) -> str:
    if not math.isfinite(eff):
        return "n/a"
    if kind == "ratio":
        text = f"{format_number(eff)}x"
        ci = f"{format_number(lo)}–{format_number(hi)}x"
    else:
        scale, unit = (100, " pp") if pp else (1, "")
        text = f"{eff * scale:+.1f}{unit}" if pp else f"{eff:+.3g}"
        ci = f"{lo * scale:+.1f} to {hi * scale:+.1f}{unit}" if pp else f"{lo:+.3g} to {hi:+.3g}"
    return text + (f"  (95% CI {ci})" if math.isfinite(lo) and math.isfinite(hi) else "")


def _states(table: pd.DataFrame) -> pd.Series:
    """True improved, False worsened, None no clear change.

    ``improved`` False with an adjusted p-value of 0.05 or more is not a worsening: the data
    cannot tell a change from noise, so it is "no clear change" (None).
    """
    state = table["improved"].map(tri_state)
    if "p_adjusted" in table.columns:
        p = pd.to_numeric(table["p_adjusted"], errors="coerce")
        unclear = (state == False) & ~(p < 0.05)  # noqa: E712 (object column of True/False/None)
        state = state.astype(object).where(~unclear, None)
    return state


def _no_data(table: pd.DataFrame) -> pd.Series:
    """True where a side has no observations (nothing to compare), when n is given."""
    if {"n_before", "n_after"} <= set(table.columns):
        n_b = pd.to_numeric(table["n_before"], errors="coerce").fillna(0)
        n_a = pd.to_numeric(table["n_after"], errors="coerce").fillna(0)
        return (n_b == 0) | (n_a == 0)
    return pd.Series(False, index=table.index)


def _title(table: pd.DataFrame) -> str:
    missing = _no_data(table)
    state = _states(table)[~missing]
    n = len(state)
    if n == 0:
        return "No metric can be compared yet: no data on one side"
    up = int((state == True).sum())  # noqa: E712
    down = int((state == False).sum())  # noqa: E712
    head = f"All {n} metrics improved" if up == n and n > 1 else f"{up} of {n} metrics improved"
    parts = [head]
    if down:
        parts.append(f"{down} worsened")
    if n - up - down:
        parts.append(f"{n - up - down} without a clear change")
    if missing.any():
        parts.append(f"{int(missing.sum())} without data on one side")
    return ", ".join(parts) + (" (Holm-adjusted p < 0.05)" if "p_adjusted" in table.columns else "")


@styled
def effect_forest(impact_table: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Each headline metric's effect with its 95% confidence interval.

    Ratios (after ÷ baseline) share a log axis with a line at 1x; differences (after −
    baseline, per cent points for proportions) a linear one with a line at 0. Improvements
    are green circles, deteriorations vermillion diamonds, undecided grey squares.

    Parameters
    ----------
    impact_table
        From ``analytics.stats.compare.program_impact``: needs metric, effect, effect_kind
        ("ratio" or "difference"), ci_low, ci_high, improved (bool; missing = undecided); uses
        p_adjusted, n_before and n_after when present. Missing CI limits draw no interval.

    Returns
    -------
    Figure
        Titled with how many metrics improved (and how many with adjusted p < 0.05).
    """
    if is_empty(impact_table):
        return no_data_figure(title or "Program impact")
    require_columns(impact_table, IMPACT_COLUMNS, "impact_table")
    table = impact_table.reset_index(drop=True)
    kinds = [k for k in _KINDS if (table["effect_kind"] == k).any()]
    unknown = set(table["effect_kind"]) - set(_KINDS)
    if unknown:
        got = sorted(map(str, unknown))
        raise ValueError(f"impact_table: effect_kind must be ratio or difference, got {got}")
    counts = [int((table["effect_kind"] == k).sum()) for k in kinds]
    fig, axes = new_figure(
        len(kinds),
        1,
        height=1.6 + 0.55 * len(table) + 0.7 * len(kinds),
        squeeze=False,
        gridspec_kw={"height_ratios": counts},
    )
    for ax, kind in zip(axes[:, 0], kinds, strict=True):
        rows = table[table["effect_kind"] == kind]
        pp = kind == "difference" and all(
            metric_info(m, strict=False).unit == "share" for m in rows["metric"]
        )
        finite = [
            v
            for c in ("effect", "ci_low", "ci_high")
            for v in map(as_float, rows[c])
            if math.isfinite(v) and (kind != "ratio" or v > 0)
        ]
        ref = 1.0 if kind == "ratio" else 0.0
        lo_lim, hi_lim = min(finite + [ref]), max(finite + [ref])
        if kind == "ratio":
            lo_lim, hi_lim = lo_lim / 1.6, hi_lim * 1.6
        else:
            pad = (hi_lim - lo_lim) * 0.1 or 0.05
            lo_lim, hi_lim = lo_lim - pad, hi_lim + pad
        labels = []
        states = _states(rows)
        for j, (_, row) in enumerate(rows.iterrows()):
            state = states.iloc[j]
            colour, marker = {True: (GOOD, "o"), False: (BAD, "D"), None: (NEUTRAL, "s")}[state]
            eff, lo, hi = as_float(row["effect"]), as_float(row["ci_low"]), as_float(row["ci_high"])
            if not (math.isnan(lo) or math.isnan(hi)):  # open-ended limits run to the axis edge
                a = lo if math.isfinite(lo) and (kind != "ratio" or lo > 0) else lo_lim
                b = hi if math.isfinite(hi) else hi_lim
                ax.plot(
                    [a, b], [j, j], color=colour, lw=2.4, solid_capstyle="butt", zorder=2, gid="ci"
                )
            if math.isfinite(eff) and (kind != "ratio" or eff > 0):
                ax.plot(
                    [eff],
                    [j],
                    marker=marker,
                    markersize=8,
                    color=colour,
                    ls="none",
                    zorder=3,
                    gid="effect",
                )
            text = _effect_text(kind, eff, lo, hi, pp)
            p = _format_p(as_float(row["p_adjusted"])) if "p_adjusted" in rows.columns else ""
            ax.annotate(
                text + (f"; {p}" if p else ""),
                xy=(1.0, j),
                xycoords=("axes fraction", "data"),
                xytext=(8, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
                color=colour if state is not None else MUTED,
                gid="effect-label",
            )
            label = metric_info(str(row["metric"]), strict=False).label
            if "n_before" in rows.columns and "n_after" in rows.columns:
                label += f"\nn = {_count(row['n_before'])} → {_count(row['n_after'])}"
            labels.append(label)
        ax.axvline(ref, color=MUTED, lw=1.0, zorder=1, gid="no-effect")
        ax.set_yticks(np.arange(len(rows)), labels)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        if kind == "ratio":
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}x"))
            ax.xaxis.set_minor_formatter(NullFormatter())
        elif pp:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v * 100:+g} pp"))
        ax.set_xlim(lo_lim, hi_lim)
        ax.set_xlabel(_KINDS[kind])
    handles = [
        Line2D([], [], color=GOOD, marker="o", lw=2.4, label="Improved"),
        Line2D([], [], color=BAD, marker="D", lw=2.4, label="Worsened"),
    ]
    if _states(table).isna().any():
        handles.append(Line2D([], [], color=NEUTRAL, marker="s", lw=2.4, label="No clear change"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=9)
    axes[0, 0].set_title(title if title is not None else _title(table))
    return fig
