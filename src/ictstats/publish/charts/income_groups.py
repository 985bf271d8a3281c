"""Internet use by World Bank income group and the World, in the newest ITU edition.

Where it sits: warehouse `observations` (newest complete ITU aggregates edition) + cited figures
-> **this chart** -> `internet_by_income.png` / `.svg`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ictstats.publish.charts.axes import group_positions, label_bars, percent_axis, tick_label
from ictstats.publish.charts.cited import cited_figures, cited_handles, mark_cited_beside_bar
from ictstats.publish.charts.data import (
    GROUPS,
    INCOME_GROUPS,
    TOTAL,
    entity_names,
    newest_complete,
    source_line,
    value_of,
)
from ictstats.publish.charts.style import OKABE_ITO, chart_style, new_figure, save_chart


def chart_internet_by_income(
    con: duckdb.DuckDBPyConnection, claims: list[dict], out_dir: Path
) -> list[Path]:
    """Internet use by World Bank income group and the World, latest year of the newest edition."""
    edition, year, values = newest_complete(con, ["internet_use"], [TOTAL])
    names = entity_names(con)
    cited = cited_figures(claims, "internet_use", GROUPS, [year])

    with chart_style():
        fig, (ax,) = new_figure()
        positions = group_positions()
        heights = [value_of(values, "internet_use", e, *TOTAL) for e in GROUPS]
        # the World in a lighter blue: it spans every group rather than being a fifth one
        colours = [OKABE_ITO["blue"]] * len(INCOME_GROUPS) + [OKABE_ITO["sky_blue"]]
        width = 0.55
        bars = ax.bar(positions, heights, width=width, color=colours)
        label_bars(ax, bars)
        for claim in cited:
            x = positions[GROUPS.index(claim["entity"])]
            mark_cited_beside_bar(ax, claim, x, width, side=+1)
        ax.set_xticks(positions, [tick_label(names[e]) for e in GROUPS])
        ax.set_xlim(positions[0] - 0.6, positions[-1] + 0.9)
        percent_axis(ax, top=106)
        ax.set_ylabel("Share of the population using the Internet (%)")
        ax.set_title(f"Internet use by income group, {year}")
        if cited:
            ax.legend(handles=cited_handles(cited), loc="upper left")
        source = source_line(con, [edition], cited)
        return save_chart(fig, out_dir, "internet_by_income", source)
