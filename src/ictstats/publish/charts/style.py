"""The one ictstats chart style and the byte-stable writer every chart goes through.

Where it sits: every chart module of `ictstats.publish.charts` -> **style and save** ->
`<name>.png` / `<name>.svg` in the build's `charts/` folder.

One style helper fixes fonts, sizes and the colour-blind-safe Okabe-Ito palette; `save_chart`
adds the source line, writes both formats atomically and keeps their bytes identical from run to
run (owid/etl's `static_viz.py` habit).
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

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
