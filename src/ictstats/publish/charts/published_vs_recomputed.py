"""ITU's published aggregates against ictstats' recomputation from country data.

Where it sits: warehouse `aggregate_reconciliation` (recomputed minus published, per imputation
method) -> **this chart** -> `published_vs_recomputed.png` / `.svg`. No claims: the chart shows
how far the recomputation lands from ITU's figure, which is the 0 line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd
from matplotlib.lines import Line2D

from ictstats.analysis.recompute import HEADLINE
from ictstats.publish.charts.data import GROUPS, entity_names, source_line
from ictstats.publish.charts.style import (
    CITED_COLOUR,
    MUTED,
    OKABE_ITO,
    chart_style,
    new_figure,
    save_chart,
)

IMPUTATIONS = {  # label, colour, filled: imputed values are hollow
    "none": ("reporting economies only", OKABE_ITO["blue"], True),
    HEADLINE.label: ("with imputed values (headline method)", OKABE_ITO["vermillion"], False),
}
SPREAD_COLOUR = "#cccccc"  # the range across every imputation method
METHOD_NOTE = (
    "recomputed from country data; imputed: own values interpolated, the last one "
    "carried up to 5 years with the peers' trend, else the mean of peers (income group "
    "x region); ITU's figure is the 0 line"
)


def chart_published_vs_recomputed(
    con: duckdb.DuckDBPyConnection, claims: list[dict], out_dir: Path
) -> list[Path]:
    """ITU's published aggregates against ictstats' recomputation from country data.

    Plotted as recomputed minus published (percentage points): on a 0-100 scale most gaps are
    thinner than a marker. The published value is in the row label, the share of the group's
    population with real data at the right, and imputed recomputations are hollow.
    """
    panels = [("coverage_4g", "4G population coverage"), ("internet_use", "Internet use")]
    edition, year, rows = _reconciliation(con, [s for s, _ in panels])
    names = entity_names(con)
    spread = max(abs(rows["difference"]).max(), 1.0) * 1.15

    with chart_style():
        fig, axes = new_figure(ncols=2)
        for ax, (series, title) in zip(axes, panels, strict=True):
            _reconciliation_panel(ax, rows[rows["series"] == series], names, spread)
            ax.set_title(title, fontsize=10)
        fig.suptitle(f"Recomputed vs published aggregates, {year}", x=0.01, ha="left", fontsize=11)
        fig.legend(handles=_legend_handles(), loc="outside upper right", ncols=2, fontsize=7)
        inputs = [edition, *rows["input_edition"].unique().tolist()]
        source = source_line(con, inputs, note=METHOD_NOTE)
        return save_chart(fig, out_dir, "published_vs_recomputed", source)


def _legend_handles() -> list[Line2D]:
    """One dot per imputation method, the range across methods, the low-coverage cross."""
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            color=colour,
            markerfacecolor=colour if filled else "white",
            markeredgewidth=1.4,
            label=label,
        )
        for label, colour, filled in IMPUTATIONS.values()
    ]
    handles.append(Line2D([], [], color=SPREAD_COLOUR, linewidth=5, label="range across methods"))
    handles.append(
        Line2D(
            [],
            [],
            marker="x",
            linestyle="none",
            color=MUTED,
            label="low coverage (< 50 % of population reporting)",
        )
    )
    return handles


def _reconciliation(
    con: duckdb.DuckDBPyConnection, series: Sequence[str]
) -> tuple[str, int, pd.DataFrame]:
    """Rows of the newest published edition in its latest year that every series has."""
    rows = con.execute(
        """select r.* from aggregate_reconciliation r
           where list_contains(?, r.series) and list_contains(?, r.entity)
             and r.sex = '_T' and r.area = '_T' and r.age = '_T'
             and r.published_edition = (
               select e.id from editions e
               where e.id in (select published_edition from aggregate_reconciliation
                              where list_contains(?, series))
               order by e.date desc limit 1)""",
        [list(series), list(GROUPS), list(series)],
    ).df()
    if rows.empty:
        raise LookupError(
            f"aggregate_reconciliation has no rows for {', '.join(series)}; "
            "run `ictstats run` with the country sources"
        )
    common = set.intersection(*(set(rows.loc[rows["series"] == s, "year"]) for s in series))
    year = max(common)
    return rows["published_edition"].iloc[0], int(year), rows[rows["year"] == year]


def _reconciliation_panel(ax, rows: pd.DataFrame, names: dict[str, str], spread: float) -> None:
    """One row per group: a dot per imputation at its gap from the published value (the 0 line)."""
    order = list(reversed(GROUPS))  # the World on top
    labels = []
    for y, entity in enumerate(order):
        group = rows[rows["entity"] == entity]
        published = group["published_value"].iloc[0]
        labels.append(f"{names[entity]}\npublished {published:.1f} %")
        _spread_across_methods(ax, group, y)
        _method_dots(ax, group, y)
        _coverage_note(ax, group.iloc[0], y)
    ax.annotate(
        "population\nreporting",
        (1.0, len(order) - 0.5),
        xycoords=("axes fraction", "data"),
        xytext=(4, 0),
        textcoords="offset points",
        va="bottom",
        fontsize=6.5,
        fontweight="bold",
        color=MUTED,
    )
    ax.axvline(0, color=CITED_COLOUR, linewidth=0.9)
    ax.set_yticks(range(len(order)), labels, fontsize=7.5)
    ax.set_ylim(-0.6, len(order) - 0.4)
    ax.set_xlim(-spread, spread)
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("Recomputed minus published (percentage points)")


def _spread_across_methods(ax, group: pd.DataFrame, y: int) -> None:
    """A grey band from the lowest to the highest gap of any imputation method."""
    differences = group["difference"].dropna()
    if not differences.empty:
        ax.plot(
            [differences.min(), differences.max()],
            [y, y],
            color=SPREAD_COLOUR,
            linewidth=5,
            solid_capstyle="butt",
            zorder=1,
        )


def _method_dots(ax, group: pd.DataFrame, y: int) -> None:
    """The charted methods' gaps, a little above and below the row; a cross if coverage is low."""
    for shift, (imputation, (_, colour, filled)) in zip(
        (0.14, -0.14), IMPUTATIONS.items(), strict=True
    ):
        found = group[group["imputation"] == imputation]
        if found.empty or pd.isna(found["difference"].iloc[0]):
            continue
        low = bool(found["low_coverage"].iloc[0])
        ax.plot(
            found["difference"].iloc[0],
            y + shift,
            marker="x" if low else "o",
            markersize=6,
            color=colour,
            markerfacecolor=colour if filled else "white",
            markeredgewidth=1.4,
            linestyle="none",
            zorder=3,
        )


def _coverage_note(ax, first: pd.Series, y: int) -> None:
    """Right of the panel: the share of the group's population reporting, and how many economies."""
    ax.annotate(
        f"{100 * first['population_coverage']:.0f} %\n"
        f"({first['economies_with_data']} of {first['economies_in_group']})",
        (1.0, y),
        xycoords=("axes fraction", "data"),
        xytext=(4, 0),
        textcoords="offset points",
        va="center",
        fontsize=6.5,
        color=MUTED,
    )
