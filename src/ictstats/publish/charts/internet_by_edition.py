"""World Internet use as each ITU edition published it: one line per edition, revisions visible.

Where it sits: warehouse `observations` (every ITU aggregates edition, World, total) + cited
figures -> **this chart** -> `world_internet_use.png` / `.svg`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
from matplotlib.lines import Line2D

from ictstats.publish.charts.axes import percent_axis
from ictstats.publish.charts.cited import cited_figures, cited_handles, cited_label, cited_marker
from ictstats.publish.charts.data import (
    FIRST_YEAR,
    ITU_AGGREGATES,
    edition_label,
    editions,
    source_line,
)
from ictstats.publish.charts.style import (
    CITED_COLOUR,
    MUTED,
    PALETTE,
    chart_style,
    new_figure,
    save_chart,
)


def chart_world_internet_use(
    con: duckdb.DuckDBPyConnection, claims: list[dict], out_dir: Path
) -> list[Path]:
    """World Internet use, one line per ITU edition, so each revision of the series shows."""
    values = _world_internet_use(con)
    found = editions(con, values["edition"])
    cited = cited_figures(claims, "internet_use", ["WLD"], values["year"].unique().tolist())

    with chart_style():
        fig, (ax,) = new_figure()
        handles = []
        for i, (_, edition) in enumerate(found.iterrows()):
            colour = PALETTE[i % len(PALETTE)]  # more editions than colours: the labels tell
            handles.append(_edition_line(ax, values, edition, colour))
        if (values["obs_status"] == "E").any():
            handles.append(_estimate_handle())
        for claim in cited:
            _mark_cited_point(ax, claim, values["year"].min(), values["year"].max())
        if cited:
            handles += cited_handles(cited, filled=False)
        first, last = int(values["year"].min()), int(values["year"].max())
        ax.set_xlim(first - 0.6, last + 0.6)
        ax.set_xticks(range(first, last + 1, 2))
        percent_axis(ax)
        ax.set_ylabel("Share of the population using the Internet (%)")
        ax.set_title(f"Internet use in the world, {first}\u2013{last}, by ITU edition")
        ax.legend(handles=handles, loc="upper left")
        source = source_line(con, found["id"], cited)
        return save_chart(fig, out_dir, "world_internet_use", source)


def _world_internet_use(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The World's total Internet use in percent, every ITU aggregates edition, every year."""
    return con.execute(
        """select o.edition, o.year, o.value, o.obs_status from observations o
           where o.edition like ? and o.series = 'internet_use' and o.entity = 'WLD'
             and o.sex = '_T' and o.area = '_T' and o.age = '_T' and o.unit = 'percent'
             and o.year >= ?
           order by o.edition, o.year""",
        [ITU_AGGREGATES, FIRST_YEAR],
    ).df()


def _estimate_handle() -> Line2D:
    """The legend entry for values the publisher flags as estimates."""
    return Line2D(
        [],
        [],
        color=MUTED,
        linestyle="--",
        marker="o",
        markerfacecolor="white",
        markersize=4,
        label="estimate flagged by ITU (dashed, hollow)",
    )


def _edition_line(ax, values: pd.DataFrame, edition: pd.Series, colour: str) -> Line2D:
    """Published values solid and filled; the publisher's flagged estimates dashed and hollow."""
    rows = values[values["edition"] == edition["id"]].sort_values("year")
    estimate = (rows["obs_status"] == "E").to_numpy()
    years, points = rows["year"].to_numpy(), rows["value"].to_numpy()
    style = {"color": colour, "linewidth": 1.6}
    for i in range(1, len(rows)):  # segment by segment: one touching an estimate is dashed
        dashed = estimate[i] or estimate[i - 1]
        ax.plot(
            years[i - 1 : i + 1], points[i - 1 : i + 1], linestyle="--" if dashed else "-", **style
        )
    ax.plot(
        years[~estimate],
        points[~estimate],
        linestyle="none",
        marker="o",
        markersize=3.5,
        color=colour,
    )
    ax.plot(
        years[estimate],
        points[estimate],
        linestyle="none",
        marker="o",
        markerfacecolor="white",
        markersize=5.5,
        markeredgewidth=1.4,
        color=colour,
        zorder=3,
    )
    return Line2D([], [], marker="o", markersize=3.5, label=edition_label(edition), **style)


def _mark_cited_point(ax, claim: dict, first_year: int, last_year: int) -> None:
    """The cited figure at its year; the words placed towards the empty middle of the chart.

    The marker is open so the published point under it stays visible.
    """
    year, cited = claim["year"], claim["cited"]
    ax.plot(
        year,
        cited,
        marker=cited_marker(claim),
        color=CITED_COLOUR,
        markerfacecolor="none",
        markeredgewidth=1.4,
        markersize=10,
        linestyle="none",
        zorder=5,
        clip_on=False,
    )
    early = year - first_year < (last_year - first_year) / 2
    ax.annotate(
        f"cited {year}: {cited_label(claim)}",
        (year, cited),
        xytext=(14, -16) if early else (-14, 16),
        textcoords="offset points",
        ha="left" if early else "right",
        va="top" if early else "bottom",
        fontsize=8,
        arrowprops={"arrowstyle": "-", "color": CITED_COLOUR, "linewidth": 0.7},
    )
