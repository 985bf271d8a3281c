"""The figures the UN texts cite, drawn beside the data: which claims, their words and markers.

Where it sits: claims register (`data/claims.yaml`, passed in as dicts) -> **cited figures** ->
the chart modules of `ictstats.publish.charts`. Cited numbers come from the register passed in,
never from this package; a marker's shape says how the text put it ('less than' points down,
'more than' up, a plain or 'about' figure is a diamond).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from matplotlib.lines import Line2D

from ictstats.publish.charts.style import CITED_COLOUR

COMPARATOR_WORDS = {
    "less_than": "less than {} %",
    "more_than": "more than {} %",
    "about": "about {} %",
    "rounded": "{} %",
}


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


def cited_marker(claim: dict) -> str:
    """A triangle pointing the way of 'less than' / 'more than'; a diamond for a plain figure."""
    return {"less_than": "v", "more_than": "^"}.get(claim["comparator"], "D")


def cited_handles(cited: Sequence[dict], filled: bool = True) -> list[Line2D]:
    """Legend entries for the cited markers used: a diamond, or a triangle for less/more than."""
    documents = ", ".join(sorted({c["document"] for c in cited}))
    words = {
        "D": f"figure cited in {documents}",
        "v": f"cited in {documents} as 'less than'",
        "^": f"cited in {documents} as 'more than'",
    }
    used = {cited_marker(c) for c in cited}
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


def mark_cited_beside_bar(
    ax, claim: dict, bar_at: float, bar_width: float, side: int, horizontal: bool = False
) -> None:
    """Marker at the cited value just outside the bar, with the words.

    `side` -1 puts it left of a vertical bar (below a horizontal one), +1 right (above).
    """
    at = bar_at + side * (bar_width / 2 + 0.08)
    point = (claim["cited"], at) if horizontal else (at, claim["cited"])
    ax.plot(
        *point,
        marker=cited_marker(claim),
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
