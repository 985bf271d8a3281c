"""Static charts of the warehouse and the figures the UN texts cite, as byte-stable PNG and SVG.

Where it sits: warehouse (read-only DuckDB) + claims register (`data/claims.yaml`) -> **charts**
-> `<name>.png` / `<name>.svg` beside the claims report.

One style helper fixes fonts, sizes and the colour-blind-safe Okabe-Ito palette; `save_chart`
adds the source line, writes both formats atomically and keeps their bytes identical from run to
run (owid/etl's `static_viz.py` habit). Each chart reads only the warehouse and the register:
cited numbers come from the register passed in, never from this module.
"""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import matplotlib
import pandas as pd
from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ictstats.analysis.recompute import HEADLINE
from ictstats.crashpoints import crash_point

# Okabe & Ito (2008), the palette that stays distinct under the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
# Yellow last: it is hard to see on white and only used when everything else is taken.
PALETTE = tuple(
    OKABE_ITO[c]
    for c in ("blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue")
) + (OKABE_ITO["yellow"],)
CITED_COLOUR = OKABE_ITO["black"]
MUTED = "#555555"

FIGSIZE = (8.0, 4.5)  # inches; 1200 x 675 pixels at DPI
DPI = 150
SOURCE_FONTSIZE = 7.0
SOURCE_WRAP = 150  # characters per source line at SOURCE_FONTSIZE across FIGSIZE's width

STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],  # ships with matplotlib, so pinned with it
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "axes.labelcolor": "#222222",
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.prop_cycle": cycler(color=PALETTE),
    "figure.figsize": FIGSIZE,
    "figure.dpi": DPI,
    "figure.facecolor": "white",
    "figure.constrained_layout.use": True,
    # No clipping: the canvas keeps its fixed size ("standard", never "tight" cropping, so every
    # PNG is FIGSIZE x DPI) and constrained layout keeps titles, labels and legends inside it.
    "savefig.bbox": "standard",
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
    "svg.fonttype": "path",  # glyphs as paths: the SVG looks the same without the font installed
    "svg.hashsalt": "ictstats",  # fixed ids in the SVG, so its bytes do not change between runs
}

ITU_AGGREGATES = "itu-agg-20__-__"  # the ITU aggregates editions, as `like` pattern
INCOME_GROUPS = ("LIC", "LMC", "UMC", "HIC")
GROUPS = (*INCOME_GROUPS, "WLD")  # poorest to richest, the World last
TOTAL = ("_T", "_T")  # (sex, area)
FIRST_YEAR = 2005  # the first year of every ITU aggregates edition on hand
COMPARATOR_WORDS = {
    "less_than": "less than {} %",
    "more_than": "more than {} %",
    "about": "about {} %",
    "rounded": "{} %",
}
IMPUTATIONS = {  # label, colour, filled: imputed values are hollow
    "none": ("reporting economies only", OKABE_ITO["blue"], True),
    HEADLINE.label: ("with imputed values (headline method)", OKABE_ITO["vermillion"], False),
}
SPREAD_COLOUR = "#cccccc"  # the range across every imputation method


@contextmanager
def chart_style() -> Iterator[None]:
    """The one ictstats chart style, as an rcParams context."""
    with matplotlib.rc_context(STYLE):
        yield


def new_figure(ncols: int = 1, **subplots) -> tuple[Figure, list]:
    """An Agg figure outside pyplot (no global state, nothing to leak), FIGSIZE, constrained."""
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False, **subplots)[0]
    return fig, list(axes)


def save_chart(fig: Figure, out_dir: Path, name: str, source_line: str) -> list[Path]:
    """Add `source_line` at the bottom, write `<name>.png` and `<name>.svg`, close the figure.

    Each file is written to a temporary file in `out_dir` and moved into place with
    `os.replace`, so a crash leaves the previous chart or none, never half of one.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with chart_style():
        _add_source_line(fig, source_line)
        paths = [
            _write_atomically(fig, out_dir / f"{name}.png", metadata={"Software": None}),
            _write_atomically(
                fig, out_dir / f"{name}.svg", metadata={"Date": None, "Creator": None}
            ),
        ]
    _close(fig)
    return paths


def _add_source_line(fig: Figure, source_line: str) -> None:
    """Wrap the source line under the axes and keep the layout out of its way."""
    lines = textwrap.wrap(source_line, SOURCE_WRAP, break_on_hyphens=False)
    height_in = (len(lines) * 1.3 * SOURCE_FONTSIZE + 6) / 72
    fraction = height_in / fig.get_figheight()
    fig.text(
        0.008,
        0.012,
        "\n".join(lines),
        ha="left",
        va="bottom",
        fontsize=SOURCE_FONTSIZE,
        color=MUTED,
        linespacing=1.3,
        gid="source-line",
    )
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        engine.set(rect=(0, fraction, 1, 1 - fraction))
    else:  # a figure made without constrained layout: make room the plain way
        fig.subplots_adjust(bottom=max(fig.subplotpars.bottom, fraction + 0.08))


def _write_atomically(fig: Figure, path: Path, metadata: dict) -> Path:
    # A hidden name of our own rather than tempfile.mkstemp, whose 0600 mode would stay on the
    # chart after os.replace; the process id keeps two concurrent renders apart.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as stream:
            fig.savefig(stream, format=path.suffix.lstrip("."), dpi=DPI, metadata=metadata)
        crash_point("chart-written")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _close(fig: Figure) -> None:
    """Release a pyplot-managed figure; ours (from `new_figure`) are not registered anywhere."""
    import matplotlib.pyplot as plt  # imported here only to release figures a caller made

    plt.close(fig)


# --- reading the warehouse -----------------------------------------------------------------


def _editions(con: duckdb.DuckDBPyConnection, ids: Iterable[str]) -> pd.DataFrame:
    ids = sorted(set(ids))
    return con.execute(
        "select id, publisher, dataset, title, date from editions where list_contains(?, id) "
        "order by date, id",
        [ids],
    ).df()


def source_line(
    con: duckdb.DuckDBPyConnection,
    edition_ids: Iterable[str],
    cited: Sequence[dict] = (),
    note: str = "",
) -> str:
    """'Source: <publisher>, <title> (<id>); ...', then ictstats and the documents cited.

    Several editions of one dataset on a chart are named once, by their ids, which keeps the
    line short enough to read.
    """
    editions = _editions(con, edition_ids)
    parts = []
    for (publisher, _), group in editions.groupby(["publisher", "dataset"], sort=False):
        if len(group) == 1:
            row = group.iloc[0]
            parts.append(f"{publisher}, {row['title']} ({row['id']})")
        else:
            parts.append(f"{publisher}, editions {', '.join(group['id'])}")
    documents = sorted({c["document"] for c in cited})
    tail = "ictstats" + (f" ({note})" if note else "")
    if documents:
        tail += f"; cited figures from {', '.join(documents)}"
    return f"Source: {'; '.join(parts)}. Chart: {tail}."


def _entity_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("select code, name from entities").fetchall())


def _tick_label(name: str) -> str:
    """'Upper-middle-income' over two lines, so five groups fit side by side."""
    return name.replace("-income", "-\nincome")


def _edition_label(row: pd.Series) -> str:
    date = dt.date.fromisoformat(str(row["date"])[:10])
    return f"{row['publisher']}, {date:%b %Y} edition"


def _newest_complete(
    con: duckdb.DuckDBPyConnection,
    series: Sequence[str],
    breakdowns: Sequence[tuple[str, str]],
    entities: Sequence[str] = GROUPS,
) -> tuple[str, int, pd.DataFrame]:
    """The newest ITU aggregates edition, and its latest year, that has every value wanted.

    Every (series, entity, sex, area) must be there in percent, so the bars of one chart always
    come from one edition and one year.
    """
    keys = [f"{sex}/{area}" for sex, area in breakdowns]
    params = [ITU_AGGREGATES, list(series), list(entities), keys]
    wanted = """
        select o.* from observations o
        where o.edition like ? and o.unit = 'percent' and o.age = '_T'
          and list_contains(?, o.series) and list_contains(?, o.entity)
          and list_contains(?, o.sex || '/' || o.area)
    """
    found = con.execute(
        f"""select w.edition, w.year from ({wanted}) w join editions e on e.id = w.edition
            group by w.edition, w.year, e.date having count(*) = ?
            order by e.date desc, w.year desc limit 1""",
        [*params, len(series) * len(entities) * len(keys)],
    ).fetchone()
    if found is None:
        raise LookupError(
            f"no ITU aggregates edition in the warehouse has {', '.join(series)} in percent for "
            f"{', '.join(entities)} by {', '.join(keys)} (sex/area) in one year; "
            "run `ictstats run` on a complete set of sources"
        )
    edition, year = found
    values = con.execute(
        f"select * from ({wanted}) where edition = ? and year = ?", [*params, edition, year]
    ).df()
    return edition, int(year), values


def _value(values: pd.DataFrame, series: str, entity: str, sex: str, area: str) -> float:
    match = values[
        (values["series"] == series)
        & (values["entity"] == entity)
        & (values["sex"] == sex)
        & (values["area"] == area)
    ]
    return float(match["value"].iloc[0])


# --- the claims register -------------------------------------------------------------------


def cited_figures(
    claims: Sequence[dict],
    series: str,
    entities: Iterable[str],
    years: Iterable[int],
    sex: str = "_T",
    area: str = "_T",
) -> list[dict]:
    """Claims that cite a plain percentage of `series` for these entities, breakdown and years.

    Derived claims (ratios, offline counts, counts of economies) are not a point on these charts.
    """
    entities, years = set(entities), set(years)
    return [
        c
        for c in claims
        if c.get("series") == series
        and c.get("entity") in entities
        and c.get("year") in years
        and c.get("sex", "_T") == sex
        and c.get("area", "_T") == area
        and c.get("age", "_T") == "_T"
        and c.get("unit", "percent") == "percent"
        and not c.get("derive")
    ]


def cited_label(claim: dict) -> str:
    """The cited figure as the text states it: 'less than 15 %', 'about 85 %', '74 %'."""
    words = COMPARATOR_WORDS.get(claim["comparator"], "{} %")
    return words.format(f"{claim['cited']:g}")


def _cited_marker(claim: dict) -> str:
    """A triangle pointing the way of 'less than' / 'more than'; a diamond for a plain figure."""
    return {"less_than": "v", "more_than": "^"}.get(claim["comparator"], "D")


def _cited_handles(cited: Sequence[dict], filled: bool = True) -> list[Line2D]:
    """Legend entries for the cited markers used: a diamond, or a triangle for less/more than."""
    documents = ", ".join(sorted({c["document"] for c in cited}))
    words = {
        "D": f"figure cited in {documents}",
        "v": f"cited in {documents} as 'less than'",
        "^": f"cited in {documents} as 'more than'",
    }
    used = {_cited_marker(c) for c in cited}
    return [
        Line2D(
            [],
            [],
            marker=m,
            linestyle="none",
            color=CITED_COLOUR,
            markerfacecolor=CITED_COLOUR if filled else "none",
            markersize=5 if filled else 7,
            label=label,
        )
        for m, label in words.items()
        if m in used
    ]


def _mark_cited_beside_bar(
    ax, claim: dict, bar_at: float, bar_width: float, side: int, horizontal: bool = False
) -> None:
    """Marker at the cited value just outside the bar, with the words.

    `side` -1 puts it left of a vertical bar (below a horizontal one), +1 right (above).
    """
    at = bar_at + side * (bar_width / 2 + 0.08)
    point = (claim["cited"], at) if horizontal else (at, claim["cited"])
    ax.plot(
        *point,
        marker=_cited_marker(claim),
        color=CITED_COLOUR,
        markersize=5,
        linestyle="none",
        clip_on=False,
        zorder=4,
    )
    if horizontal:
        text, offset, ha = f"cited {cited_label(claim)}", (6, 0), "left"
    else:
        text, offset, ha = (
            f"cited\n{cited_label(claim)}",
            (side * 6, 0),
            "left" if side > 0 else "right",
        )
    ax.annotate(
        text,
        point,
        xytext=offset,
        textcoords="offset points",
        ha=ha,
        va="center",
        fontsize=7,
        linespacing=1.0,
        color=CITED_COLOUR,
        annotation_clip=False,
    )


def _percent_axis(ax, axis: str = "y", top: float = 100) -> None:
    """0-100 with ticks every 20 %; `top` above 100 leaves room for value labels."""
    ticks = list(range(0, 101, 20))
    if axis == "y":
        ax.set_ylim(0, top)
        ax.set_yticks(ticks, [f"{t}" for t in ticks])
    else:
        ax.set_xlim(0, top)
        ax.set_xticks(ticks, [f"{t}" for t in ticks])


def _label_bars(ax, bars, fontsize: float = 7.5) -> None:
    ax.bar_label(bars, fmt="%.1f", padding=2, fontsize=fontsize, color="#222222")


# --- the charts ----------------------------------------------------------------------------


def chart_world_internet_use(
    con: duckdb.DuckDBPyConnection, claims: list[dict], out_dir: Path
) -> list[Path]:
    """World Internet use, one line per ITU edition, so each revision of the series shows."""
    values = con.execute(
        """select o.edition, o.year, o.value, o.obs_status from observations o
           where o.edition like ? and o.series = 'internet_use' and o.entity = 'WLD'
             and o.sex = '_T' and o.area = '_T' and o.age = '_T' and o.unit = 'percent'
             and o.year >= ?
           order by o.edition, o.year""",
        [ITU_AGGREGATES, FIRST_YEAR],
    ).df()
    editions = _editions(con, values["edition"])
    cited = cited_figures(claims, "internet_use", ["WLD"], values["year"].unique().tolist())

    with chart_style():
        fig, (ax,) = new_figure()
        handles = []
        for i, (_, edition) in enumerate(editions.iterrows()):
            colour = PALETTE[i % len(PALETTE)]  # more editions than colours: the labels tell
            handles.append(_edition_line(ax, values, edition, colour))
        if (values["obs_status"] == "E").any():
            handles.append(
                Line2D(
                    [],
                    [],
                    color=MUTED,
                    linestyle="--",
                    marker="o",
                    markerfacecolor="white",
                    markersize=4,
                    label="estimate flagged by ITU (dashed, hollow)",
                )
            )
        for claim in cited:
            _mark_cited_point(ax, claim, values["year"].min(), values["year"].max())
        if cited:
            handles += _cited_handles(cited, filled=False)
        first, last = int(values["year"].min()), int(values["year"].max())
        ax.set_xlim(first - 0.6, last + 0.6)
        ax.set_xticks(range(first, last + 1, 2))
        _percent_axis(ax)
        ax.set_ylabel("Share of the population using the Internet (%)")
        ax.set_title(f"Internet use in the world, {first}\u2013{last}, by ITU edition")
        ax.legend(handles=handles, loc="upper left")
        source = source_line(con, editions["id"], cited)
        return save_chart(fig, out_dir, "world_internet_use", source)


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
    return Line2D([], [], marker="o", markersize=3.5, label=_edition_label(edition), **style)


def _mark_cited_point(ax, claim: dict, first_year: int, last_year: int) -> None:
    """The cited figure at its year; the words placed towards the empty middle of the chart.

    The marker is open so the published point under it stays visible.
    """
    year, cited = claim["year"], claim["cited"]
    ax.plot(
        year,
        cited,
        marker=_cited_marker(claim),
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


def chart_internet_by_income(
    con: duckdb.DuckDBPyConnection, claims: list[dict], out_dir: Path
) -> list[Path]:
    """Internet use by World Bank income group and the World, latest year of the newest edition."""
    edition, year, values = _newest_complete(con, ["internet_use"], [TOTAL])
    names = _entity_names(con)
    cited = cited_figures(claims, "internet_use", GROUPS, [year])

    with chart_style():
        fig, (ax,) = new_figure()
        positions = _group_positions()
        heights = [_value(values, "internet_use", e, *TOTAL) for e in GROUPS]
        colours = [OKABE_ITO["blue"]] * len(INCOME_GROUPS) + [OKABE_ITO["sky_blue"]]
        width = 0.55
        bars = ax.bar(positions, heights, width=width, color=colours)
        _label_bars(ax, bars)
        for claim in cited:
            x = positions[GROUPS.index(claim["entity"])]
            _mark_cited_beside_bar(ax, claim, x, width, side=+1)
        ax.set_xticks(positions, [_tick_label(names[e]) for e in GROUPS])
        ax.set_xlim(positions[0] - 0.6, positions[-1] + 0.9)
        _percent_axis(ax, top=106)
        ax.set_ylabel("Share of the population using the Internet (%)")
        ax.set_title(f"Internet use by income group, {year}")
        if cited:
            ax.legend(handles=_cited_handles(cited), loc="upper left")
        source = source_line(con, [edition], cited)
        return save_chart(fig, out_dir, "internet_by_income", source)


def _group_positions(step: float = 1.0, gap: float = 0.4) -> list[float]:
    """Position of each group in GROUPS, with a gap before the World so it stands apart."""
    return [i * step + (gap if e == "WLD" else 0) for i, e in enumerate(GROUPS)]


def _paired_bars(
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
    positions = _group_positions(step=1.15, gap=0.5)
    offsets = [(i - (len(pairs) - 1) / 2) * width for i in range(len(pairs))]
    if horizontal:
        offsets.reverse()
    for offset, (label, breakdown, colour) in zip(offsets, pairs, strict=True):
        heights = [_value(values, series, e, *breakdown) for e in GROUPS]
        at = [p + offset for p in positions]
        draw = ax.barh if horizontal else ax.bar
        bars = draw(at, heights, width, color=colour, label=label)
        _label_bars(ax, bars, fontsize=7)
        side = -1 if offset < 0 else +1
        for claim in cited_by_breakdown.get(breakdown, []):
            i = GROUPS.index(claim["entity"])
            _mark_cited_beside_bar(ax, claim, at[i], width, side, horizontal)
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


def chart_urban_rural(
    con: duckdb.DuckDBPyConnection, claims: list[dict], out_dir: Path
) -> list[Path]:
    """Internet use in urban and rural areas, the World and income groups, newest edition."""
    urban, rural = ("_T", "U"), ("_T", "R")
    edition, year, values = _newest_complete(con, ["internet_use"], [urban, rural])
    cited = {b: cited_figures(claims, "internet_use", GROUPS, [year], *b) for b in (urban, rural)}
    all_cited = [c for found in cited.values() for c in found]
    names = _entity_names(con)

    with chart_style():
        fig, (ax,) = new_figure()
        pairs = [("Urban", urban, OKABE_ITO["blue"]), ("Rural", rural, OKABE_ITO["orange"])]
        ticks = [_tick_label(names[e]) for e in GROUPS]
        _paired_bars(ax, values, "internet_use", pairs, cited, ticks)
        _percent_axis(ax, top=106)
        ax.set_ylabel("Share of the population using the Internet (%)")
        ax.set_title(f"Internet use in urban and rural areas, {year}")
        handles, _ = ax.get_legend_handles_labels()
        # Above the low-income bars, the emptiest corner of the chart.
        ax.legend(handles=handles + _cited_handles(all_cited), loc="upper left")
        source = source_line(con, [edition], all_cited)
        return save_chart(fig, out_dir, "urban_rural", source)


def chart_women_men(
    con: duckdb.DuckDBPyConnection, claims: list[dict], out_dir: Path
) -> list[Path]:
    """Women and men: Internet use and mobile-phone ownership, World and income groups.

    Horizontal bars: two panels of paired vertical bars leave each bar too narrow for its value.
    """
    women, men = ("F", "_T"), ("M", "_T")
    panels = [
        ("internet_use", "Use the Internet"),
        ("mobile_phone_ownership", "Own a mobile phone (aged 10 and over)"),
    ]
    edition, year, values = _newest_complete(con, [s for s, _ in panels], [women, men])
    names = _entity_names(con)
    pairs = [("Women", women, OKABE_ITO["orange"]), ("Men", men, OKABE_ITO["blue"])]
    all_cited: list[dict] = []

    with chart_style():
        fig, axes = new_figure(ncols=2, sharey=True)
        for ax, (series, title) in zip(axes, panels, strict=True):
            cited = {b: cited_figures(claims, series, GROUPS, [year], *b) for b in (women, men)}
            all_cited += [c for found in cited.values() for c in found]
            ticks = [names[e] for e in GROUPS]
            _paired_bars(ax, values, series, pairs, cited, ticks, horizontal=True, width=0.4)
            _percent_axis(ax, axis="x", top=112)
            ax.set_title(title, fontsize=10)
            ax.set_xlabel("Share of the population (%)")
        fig.suptitle(f"Women and men, {year}", x=0.01, ha="left", fontsize=11)
        handles = [Patch(color=colour, label=label) for label, _, colour in pairs]
        handles += _cited_handles(all_cited)
        # In the suptitle's row: a legend below the plots would sit on the source line.
        fig.legend(handles=handles, loc="outside upper right", ncols=len(handles))
        source = source_line(con, [edition], all_cited)
        return save_chart(fig, out_dir, "women_men", source)


def chart_coverage_by_technology(
    con: duckdb.DuckDBPyConnection, claims: list[dict], out_dir: Path
) -> list[Path]:
    """Population covered by 2G to 5G networks, World and income groups, newest edition."""
    technologies = ["coverage_2g", "coverage_3g", "coverage_4g", "coverage_5g"]
    edition, year, values = _newest_complete(con, technologies, [TOTAL])
    names = _entity_names(con)
    # The World's group is last, with room to its right for the words of a cited figure.
    cited = [c for s in technologies for c in cited_figures(claims, s, ["WLD"], [year])]
    colours = [OKABE_ITO[c] for c in ("sky_blue", "blue", "bluish_green", "orange")]

    with chart_style():
        fig, (ax,) = new_figure()
        positions = _group_positions(step=1.25)
        width = 0.25
        offsets = [(i - 1.5) * width for i in range(len(technologies))]
        for series, offset, colour in zip(technologies, offsets, colours, strict=True):
            heights = [_value(values, series, e, *TOTAL) for e in GROUPS]
            label = series.removeprefix("coverage_").upper()
            bars = ax.bar(
                [p + offset for p in positions], heights, width=width, color=colour, label=label
            )
            _label_bars(ax, bars, fontsize=6.5)
        for claim in cited:
            _mark_cited_line(ax, claim, positions, offsets, width)
        ax.set_xticks(positions, [_tick_label(names[e]) for e in GROUPS])
        ax.tick_params(axis="x", length=0)
        # Room right of the World's bars for the cited line's words.
        ax.set_xlim(positions[0] - 0.6, positions[-1] + (1.6 if cited else 0.6))
        _percent_axis(ax, top=106)
        ax.set_ylabel("Population covered by at least\nthis mobile network (%)")
        ax.set_title(f"Mobile network coverage by technology, {year}")
        # In the title's row, right-aligned: the plot keeps the full width for 20 labelled bars.
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=len(technologies))
        source = source_line(con, [edition], cited)
        return save_chart(fig, out_dir, "coverage_by_technology", source)


def _mark_cited_line(ax, claim: dict, positions, offsets, width: float) -> None:
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
    names = _entity_names(con)
    spread = max(abs(rows["difference"]).max(), 1.0) * 1.15

    with chart_style():
        fig, axes = new_figure(ncols=2)
        for ax, (series, title) in zip(axes, panels, strict=True):
            _reconciliation_panel(ax, rows[rows["series"] == series], names, spread)
            ax.set_title(title, fontsize=10)
        fig.suptitle(f"Recomputed vs published aggregates, {year}", x=0.01, ha="left", fontsize=11)
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
        handles.append(
            Line2D([], [], color=SPREAD_COLOUR, linewidth=5, label="range across methods")
        )
        handles.append(
            Line2D([], [], marker="x", linestyle="none", color=MUTED,
                   label="low coverage (< 50 % of population reporting)")
        )  # fmt: skip
        fig.legend(handles=handles, loc="outside upper right", ncols=2, fontsize=7)
        note = (
            "recomputed from country data; imputed: own values interpolated, the last one "
            "carried up to 5 years with the peers' trend, else the mean of peers (income group "
            "x region); ITU's figure is the 0 line"
        )
        inputs = [edition, *rows["input_edition"].unique().tolist()]
        source = source_line(con, inputs, note=note)
        return save_chart(fig, out_dir, "published_vs_recomputed", source)


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
        first = group.iloc[0]
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
