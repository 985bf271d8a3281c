"""Charts on a temporary warehouse: both formats, byte-stable, source line, size, atomic writes."""

from __future__ import annotations

import copy

import duckdb
import matplotlib.image
import pytest
import yaml
from click.testing import CliRunner

from ictstats.publish import charts
from pipelines.cli import main
from tests.conftest import ROOT, isolated_env

CHART_NAMES = [
    "world_internet_use",
    "internet_by_income",
    "urban_rural",
    "women_men",
    "coverage_by_technology",
    "published_vs_recomputed",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def con(tmp_path_factory, mirror):
    """A read-only connection to a warehouse built from the mirror in a temporary folder."""
    folder = tmp_path_factory.mktemp("charts-warehouse")
    env = isolated_env(folder, mirror)
    result = CliRunner().invoke(main, ["run"], env=env)
    assert result.exit_code == 0, result.output
    connection = duckdb.connect(str(folder / "curated" / "ictstats.duckdb"), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def claims() -> list[dict]:
    with open(ROOT / "data" / "claims.yaml", encoding="utf-8") as stream:
        return yaml.safe_load(stream)["claims"]


@pytest.fixture(scope="module")
def rendered(con, claims, tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("charts-a")
    return out_dir, charts.render_all(con, claims, out_dir)


def _svg(path) -> str:
    return path.read_text(encoding="utf-8")


def test_every_chart_has_a_png_and_an_svg(rendered):
    out_dir, paths = rendered
    expected = [out_dir / f"{name}.{ext}" for name in CHART_NAMES for ext in ("png", "svg")]
    assert paths == expected
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths)
    # Only the charts: no temporary file is left behind by the atomic writes.
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(p.name for p in expected)


def test_two_renders_are_byte_identical(rendered, con, claims, tmp_path):
    _, first = rendered
    second = charts.render_all(con, claims, tmp_path)
    assert [p.name for p in second] == [p.name for p in first]
    differ = [
        a.name for a, b in zip(first, second, strict=True) if a.read_bytes() != b.read_bytes()
    ]
    assert differ == []


@pytest.mark.parametrize(
    ("name", "editions", "document"),
    [
        (
            "world_internet_use",
            ["itu-agg-2019-10", "itu-agg-2022-01", "itu-agg-2024-11", "itu-agg-2025-11"],
            "A/RES/80/173",
        ),
        ("internet_by_income", ["itu-agg-2025-11"], "A/RES/80/173"),
        ("urban_rural", ["itu-agg-2025-11"], "A/RES/80/173"),
        ("women_men", ["itu-agg-2025-11"], "A/RES/80/173"),
        ("coverage_by_technology", ["itu-agg-2025-11"], "A/RES/80/173"),
        (
            "published_vs_recomputed",
            ["itu-agg-2025-11", "itu-datahub-coverage-2025-12", "wb-wdi-2026-07"],
            None,
        ),
    ],
)
def test_svg_carries_the_source_line(rendered, name, editions, document):
    out_dir, _ = rendered
    svg = _svg(out_dir / f"{name}.svg")
    assert 'id="source-line"' in svg
    assert "Source: " in svg and "Chart: ictstats" in svg
    for edition in editions:
        assert edition in svg, f"{name}.svg does not name {edition} in its source line"
    if document:
        assert f"cited figures from {document}" in svg


def test_pngs_are_images_of_the_figure_size(rendered):
    _, paths = rendered
    width, height = (round(inches * charts.DPI) for inches in charts.FIGSIZE)
    for path in paths:
        if path.suffix != ".png":
            continue
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        image = matplotlib.image.imread(path)
        assert image.shape[:2] == (height, width), path.name
        assert image.shape[2] in (3, 4)


def test_svgs_carry_no_date_or_creator(rendered):
    _, paths = rendered
    for path in paths:
        if path.suffix == ".svg":
            svg = _svg(path)
            assert svg.lstrip().startswith("<?xml") and svg.rstrip().endswith("</svg>")
            assert "<dc:date>" not in svg and "Matplotlib v" not in svg


def test_cited_figures_are_read_from_the_register(rendered, con, claims, tmp_path):
    """Changing a cited number in the register changes the chart; no number is typed in code."""
    out_dir, _ = rendered
    assert "cited 2025: 74 %" in _svg(out_dir / "world_internet_use.svg")
    assert "less than 15 %" in _svg(out_dir / "world_internet_use.svg")
    assert "more than 93 %" in _svg(out_dir / "coverage_by_technology.svg")

    altered = copy.deepcopy(claims)
    next(c for c in altered if c["id"] == "C4")["cited"] = 61
    charts.chart_world_internet_use(con, altered, tmp_path / "altered")
    svg = _svg(tmp_path / "altered" / "world_internet_use.svg")
    assert "cited 2025: 61 %" in svg and "cited 2025: 74 %" not in svg

    charts.chart_world_internet_use(con, [], tmp_path / "uncited")
    svg = _svg(tmp_path / "uncited" / "world_internet_use.svg")
    assert "cited" not in svg and "A/RES/80/173" not in svg


def test_cited_figures_selects_plain_percentages_of_the_breakdown(claims):
    found = charts.cited_figures(claims, "internet_use", ["WLD"], [2005, 2025])
    assert sorted(c["id"] for c in found) == ["C3", "C4"]  # C21 (offline share) is derived
    urban = charts.cited_figures(claims, "internet_use", charts.GROUPS, [2025], "_T", "U")
    assert [c["id"] for c in urban] == ["C9"]
    women = charts.cited_figures(claims, "mobile_phone_ownership", ["WLD"], [2025], "F", "_T")
    assert [c["id"] for c in women] == ["C11"]


def test_cited_label_states_the_comparator():
    assert charts.cited_label({"comparator": "less_than", "cited": 15}) == "less than 15 %"
    assert charts.cited_label({"comparator": "more_than", "cited": 93}) == "more than 93 %"
    assert charts.cited_label({"comparator": "about", "cited": 85}) == "about 85 %"
    assert charts.cited_label({"comparator": "rounded", "cited": 74}) == "74 %"
    assert charts.cited_label({"comparator": "rounded", "cited": 33.3}) == "33.3 %"


def test_a_failed_write_keeps_the_previous_chart(tmp_path):
    """A crash while writing leaves the last good file and no temporary file."""
    with charts.chart_style():
        fig, (ax,) = charts.new_figure()
        ax.plot([0, 1], [0, 1])
        charts.save_chart(fig, tmp_path, "line", "Source: test")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    class Broken(RuntimeError):
        pass

    def crash(stream, **kwargs):
        stream.write(b"half a chart")
        raise Broken("disk full")

    with charts.chart_style():
        fig, (ax,) = charts.new_figure()
        fig.savefig = crash
        with pytest.raises(Broken):
            charts.save_chart(fig, tmp_path, "line", "Source: test")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
