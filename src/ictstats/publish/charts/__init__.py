"""Static charts of the warehouse and the figures the UN texts cite, as byte-stable PNG and SVG.

Where it sits: warehouse (read-only DuckDB) + claims register (`data/claims.yaml`) -> **charts**
-> `<name>.png` / `<name>.svg` beside the claims report.

One module per figure family, each a `chart_*(con, claims, out_dir)` function:
- `internet_by_edition`: World Internet use as each ITU edition published it;
- `income_groups`: Internet use by income group;
- `breakdowns`: urban / rural and women / men;
- `coverage`: population covered by 2G to 5G networks;
- `published_vs_recomputed`: ITU's aggregates against ictstats' recomputation.
They share `style` (fonts, palette, the atomic byte-stable `save_chart`), `data` (what is read
from the warehouse, the source line), `cited` (the register's figures as markers) and `axes`.
Each chart reads only the warehouse and the register: cited numbers come from the register
passed in, never from this package.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ictstats.publish.charts.breakdowns import chart_urban_rural, chart_women_men
from ictstats.publish.charts.cited import cited_figures, cited_label
from ictstats.publish.charts.coverage import chart_coverage_by_technology
from ictstats.publish.charts.data import GROUPS, source_line
from ictstats.publish.charts.income_groups import chart_internet_by_income
from ictstats.publish.charts.internet_by_edition import chart_world_internet_use
from ictstats.publish.charts.published_vs_recomputed import chart_published_vs_recomputed
from ictstats.publish.charts.style import (
    DPI,
    FIGSIZE,
    OKABE_ITO,
    PALETTE,
    chart_style,
    new_figure,
    save_chart,
)

__all__ = [
    "CHARTS",
    "DPI",
    "FIGSIZE",
    "GROUPS",
    "OKABE_ITO",
    "PALETTE",
    "chart_coverage_by_technology",
    "chart_internet_by_income",
    "chart_published_vs_recomputed",
    "chart_style",
    "chart_urban_rural",
    "chart_women_men",
    "chart_world_internet_use",
    "cited_figures",
    "cited_label",
    "new_figure",
    "render_all",
    "save_chart",
    "source_line",
]

CHARTS = (
    chart_world_internet_use,
    chart_internet_by_income,
    chart_urban_rural,
    chart_women_men,
    chart_coverage_by_technology,
    chart_published_vs_recomputed,
)


def render_all(con: duckdb.DuckDBPyConnection, claims: list[dict], out_dir: Path) -> list[Path]:
    """Every chart, PNG then SVG each, in the order of CHARTS."""
    if out_dir.is_dir():  # temporary files of a render that was killed
        for leftover in out_dir.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)
    return [path for chart in CHARTS for path in chart(con, claims, out_dir)]
