"""Axis helpers the bar charts share: the 0-100 % scale, value labels, where each group stands.

Where it sits: called by the chart modules of `ictstats.publish.charts` while they draw, inside
`style.chart_style()`; it reads nothing and writes nothing.
"""

from __future__ import annotations

from ictstats.publish.charts.data import GROUPS


def percent_axis(ax, axis: str = "y", top: float = 100) -> None:
    """0-100 with ticks every 20 %; `top` above 100 leaves room for value labels."""
    ticks = list(range(0, 101, 20))
    if axis == "y":
        ax.set_ylim(0, top)
        ax.set_yticks(ticks, [f"{t}" for t in ticks])
    else:
        ax.set_xlim(0, top)
        ax.set_xticks(ticks, [f"{t}" for t in ticks])


def label_bars(ax, bars, fontsize: float = 7.5) -> None:
    """Each bar's value, one decimal, just above (or right of) the bar."""
    ax.bar_label(bars, fmt="%.1f", padding=2, fontsize=fontsize, color="#222222")


def tick_label(name: str) -> str:
    """'Upper-middle-income' over two lines, so five groups fit side by side."""
    return name.replace("-income", "-\nincome")


def group_positions(step: float = 1.0, gap: float = 0.4) -> list[float]:
    """Position of each group in GROUPS, with a gap before the World so it stands apart."""
    return [i * step + (gap if e == "WLD" else 0) for i, e in enumerate(GROUPS)]
