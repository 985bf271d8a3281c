"""Internet use by area (urban / rural) and by sex (women / men), the World and income groups.

Where it sits: warehouse `observations` (newest ITU aggregates edition holding both breakdowns)
+ cited figures -> **these charts** -> `urban_rural.png` / `.svg`, `women_men.png` / `.svg`.
Both draw the two halves of a breakdown as paired bars per group (`paired_bars`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd
from matplotlib.patches import Patch

from ictstats.publish.charts.axes import group_positions, label_bars, percent_axis, tick_label
from ictstats.publish.charts.cited import cited_figures, cited_handles, mark_cited_beside_bar
from ictstats.publish.charts.data import (
    GROUPS,
    entity_names,
    newest_complete,
    source_line,
    value_of,
)
from ictstats.publish.charts.style import OKABE_ITO, chart_style, new_figure, save_chart

URBAN, RURAL = ("_T", "U"), ("_T", "R")  # (sex, area)
WOMEN, MEN = ("F", "_T"), ("M", "_T")


def chart_urban_rural(
    con: duckdb.DuckDBPyConnection, claims: list[dict], out_dir: Path
) -> list[Path]:
    """Internet use in urban and rural areas, the World and income groups, newest edition."""
    edition, year, values = newest_complete(con, ["internet_use"], [URBAN, RURAL])
    cited = {b: cited_figures(claims, "internet_use", GROUPS, [year], *b) for b in (URBAN, RURAL)}
    all_cited = [c for found in cited.values() for c in found]
    names = entity_names(con)

    with chart_style():
        fig, (ax,) = new_figure()
        pairs = [("Urban", URBAN, OKABE_ITO["blue"]), ("Rural", RURAL, OKABE_ITO["orange"])]
        ticks = [tick_label(names[e]) for e in GROUPS]
        paired_bars(ax, values, "internet_use", pairs, cited, ticks)
        percent_axis(ax, top=106)
        ax.set_ylabel("Share of the population using the Internet (%)")
        ax.set_title(f"Internet use in urban and rural areas, {year}")
        handles, _ = ax.get_legend_handles_labels()
        # Above the low-income bars, the emptiest corner of the chart.
        ax.legend(handles=handles + cited_handles(all_cited), loc="upper left")
        source = source_line(con, [edition], all_cited)
        return save_chart(fig, out_dir, "urban_rural", source)


def chart_women_men(
    con: duckdb.DuckDBPyConnection, claims: list[dict], out_dir: Path
) -> list[Path]:
    """Women and men: Internet use and mobile-phone ownership, World and income groups.

    Horizontal bars: two panels of paired vertical bars leave each bar too narrow for its value.
    """
    panels = [
        ("internet_use", "Use the Internet"),
        ("mobile_phone_ownership", "Own a mobile phone (aged 10 and over)"),
    ]
    edition, year, values = newest_complete(con, [s for s, _ in panels], [WOMEN, MEN])
    names = entity_names(con)
    pairs = [("Women", WOMEN, OKABE_ITO["orange"]), ("Men", MEN, OKABE_ITO["blue"])]
    all_cited: list[dict] = []

    with chart_style():
        fig, axes = new_figure(ncols=2, sharey=True)
        for ax, (series, title) in zip(axes, panels, strict=True):
            cited = {b: cited_figures(claims, series, GROUPS, [year], *b) for b in (WOMEN, MEN)}
            all_cited += [c for found in cited.values() for c in found]
            ticks = [names[e] for e in GROUPS]
            paired_bars(ax, values, series, pairs, cited, ticks, horizontal=True, width=0.4)
            percent_axis(ax, axis="x", top=112)
            ax.set_title(title, fontsize=10)
            ax.set_xlabel("Share of the population (%)")
        fig.suptitle(f"Women and men, {year}", x=0.01, ha="left", fontsize=11)
        handles = [Patch(color=colour, label=label) for label, _, colour in pairs]
        handles += cited_handles(all_cited)
        # In the suptitle's row: a legend below the plots would sit on the source line.
        fig.legend(handles=handles, loc="outside upper right", ncols=len(handles))
        source = source_line(con, [edition], all_cited)
        return save_chart(fig, out_dir, "women_men", source)


def paired_bars(
    ax,
    values: pd.DataFrame,
    series: str,
    pairs: Sequence[tuple[str, tuple[str, str], str]],
    cited_by_breakdown: dict[tuple[str, str], list[dict]],
    tick_labels: Sequence[str],
    horizontal: bool = False,
    width: float = 0.36,
) -> None:
    """Side-by-side bars per group (one per breakdown); cited figures beside the outer bars.

    Horizontal bars run from the bottom up, so the first of `pairs` is put on top.
    """
    positions = group_positions(step=1.15, gap=0.5)
    offsets = [(i - (len(pairs) - 1) / 2) * width for i in range(len(pairs))]
    if horizontal:
        offsets.reverse()
    for offset, (label, breakdown, colour) in zip(offsets, pairs, strict=True):
        heights = [value_of(values, series, e, *breakdown) for e in GROUPS]
        at = [p + offset for p in positions]
        draw = ax.barh if horizontal else ax.bar
        bars = draw(at, heights, width, color=colour, label=label)
        label_bars(ax, bars, fontsize=7)
        side = -1 if offset < 0 else +1
        for claim in cited_by_breakdown.get(breakdown, []):
            i = GROUPS.index(claim["entity"])
            mark_cited_beside_bar(ax, claim, at[i], width, side, horizontal)
    _group_axis(ax, positions, tick_labels, horizontal)


def _group_axis(ax, positions: list[float], tick_labels: Sequence[str], horizontal: bool) -> None:
    """The groups' axis: one tick per group, no tick marks, the value grid across the bars."""
    limits = (positions[0] - 0.75, positions[-1] + 0.95)
    if horizontal:
        ax.set_yticks(positions, tick_labels)
        ax.set_ylim(*limits)
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
    else:
        ax.set_xticks(positions, tick_labels)
        ax.set_xlim(*limits)
        ax.tick_params(axis="x", length=0)
