"""Population covered by 2G to 5G mobile networks, the World and income groups.

Where it sits: warehouse `observations` (newest ITU aggregates edition holding all four
technologies) + cited figures for the World -> **this chart** -> `coverage_by_technology.png` /
`.svg`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from ictstats.publish.charts.axes import group_positions, label_bars, percent_axis, tick_label
from ictstats.publish.charts.cited import cited_figures, cited_label
from ictstats.publish.charts.data import (
    GROUPS,
    TOTAL,
    entity_names,
    newest_complete,
    source_line,
    value_of,
)
from ictstats.publish.charts.style import (
    CITED_COLOUR,
    OKABE_ITO,
    chart_style,
    new_figure,
    save_chart,
)

TECHNOLOGIES = ["coverage_2g", "coverage_3g", "coverage_4g", "coverage_5g"]
TECHNOLOGY_COLOURS = [OKABE_ITO[c] for c in ("sky_blue", "blue", "bluish_green", "orange")]


def chart_coverage_by_technology(
    con: duckdb.DuckDBPyConnection, claims: list[dict], out_dir: Path
) -> list[Path]:
    """Population covered by 2G to 5G networks, World and income groups, newest edition."""
    edition, year, values = newest_complete(con, TECHNOLOGIES, [TOTAL])
    names = entity_names(con)
    # The World's group is last, with room to its right for the words of a cited figure.
    cited = [c for s in TECHNOLOGIES for c in cited_figures(claims, s, ["WLD"], [year])]

    with chart_style():
        fig, (ax,) = new_figure()
        positions = group_positions(step=1.25)
        width = 0.25
        offsets = [(i - 1.5) * width for i in range(len(TECHNOLOGIES))]
        for series, offset, colour in zip(TECHNOLOGIES, offsets, TECHNOLOGY_COLOURS, strict=True):
            heights = [value_of(values, series, e, *TOTAL) for e in GROUPS]
            label = series.removeprefix("coverage_").upper()
            bars = ax.bar(
                [p + offset for p in positions], heights, width=width, color=colour, label=label
            )
            label_bars(ax, bars, fontsize=6.5)
        for claim in cited:
            _mark_cited_line(ax, claim, positions, offsets, width)
        ax.set_xticks(positions, [tick_label(names[e]) for e in GROUPS])
        ax.tick_params(axis="x", length=0)
        # Room right of the World's bars for the cited line's words.
        ax.set_xlim(positions[0] - 0.6, positions[-1] + (1.6 if cited else 0.6))
        percent_axis(ax, top=106)
        ax.set_ylabel("Population covered by at least\nthis mobile network (%)")
        ax.set_title(f"Mobile network coverage by technology, {year}")
        # In the title's row, right-aligned: the plot keeps the full width for 20 labelled bars.
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=len(TECHNOLOGIES))
        source = source_line(con, [edition], cited)
        return save_chart(fig, out_dir, "coverage_by_technology", source)


def _mark_cited_line(
    ax, claim: dict, positions: Sequence[float], offsets: Sequence[float], width: float
) -> None:
    """The cited figure as a dashed reference line across the group's bars, labelled at its end."""
    x = positions[GROUPS.index(claim["entity"])]
    technology = claim["series"].removeprefix("coverage_").upper()
    left, right = x + offsets[0] - width, x + offsets[-1] + width
    ax.hlines(
        claim["cited"], left, right, color=CITED_COLOUR, linewidth=1.2, linestyles="--", zorder=4
    )
    ax.annotate(
        f"cited in\n{claim['document']}:\n{cited_label(claim)}\ncovered by {technology}",
        (right, claim["cited"]),
        xytext=(4, 0),
        textcoords="offset points",
        ha="left",
        va="center",
        fontsize=7,
        linespacing=1.1,
        color=CITED_COLOUR,
    )
