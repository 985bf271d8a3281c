"""The four ITU aggregates editions parsed from the real files: values to check in Excel."""

from __future__ import annotations

import pytest

KEY = ["series", "entity", "sex", "area", "age", "year", "unit"]


def value(parsed, edition, series, entity, year, unit="percent", sex="_T", area="_T", age="_T"):
    obs = parsed[edition].observations.set_index(KEY)
    return obs.loc[(series, entity, sex, area, age, year, unit)]


@pytest.mark.parametrize(
    ("edition", "series", "entity", "year", "unit", "sex", "area", "expected", "cell"),
    [
        (
            "itu-agg-2024-11",
            "internet_use",
            "WLD",
            2024,
            "percent",
            "_T",
            "_T",
            67.6,
            "By dvpmnt status and spec. reg.!AP127",
        ),
        (
            "itu-agg-2024-11",
            "internet_use",
            "WLD",
            2024,
            "millions",
            "_T",
            "_T",
            5508.8,
            "By dvpmnt status and spec. reg.!U127",
        ),
        (
            "itu-agg-2024-11",
            "internet_use",
            "WLD",
            2005,
            "percent",
            "_T",
            "_T",
            15.6,
            "By dvpmnt status and spec. reg.!W127",
        ),
        (
            "itu-agg-2024-11",
            "internet_use",
            "HIC",
            2024,
            "percent",
            "_T",
            "_T",
            93.4,
            "By dvpmnt status and spec. reg.!AP131",
        ),
        (
            "itu-agg-2024-11",
            "internet_use",
            "WLD",
            2024,
            "percent",
            "_T",
            "U",
            82.9,
            "By urban-rural area!J87",
        ),
        (
            "itu-agg-2024-11",
            "internet_use",
            "WLD",
            2024,
            "percent",
            "_T",
            "R",
            47.5,
            "By urban-rural area!O87",
        ),
        (
            "itu-agg-2024-11",
            "internet_use",
            "WLD",
            2024,
            "percent",
            "F",
            "_T",
            65.3,
            "By gender!N8",
        ),
        (
            "itu-agg-2024-11",
            "internet_use",
            "WLD",
            2024,
            "percent",
            "M",
            "_T",
            69.5,
            "By gender!U8",
        ),
        (
            "itu-agg-2024-11",
            "coverage_4g",
            "WLD",
            2024,
            "percent",
            "_T",
            "_T",
            91.8,
            "By dvpmnt status and spec. reg.!AP72",
        ),
        (
            "itu-agg-2022-01",
            "internet_use",
            "DEVELOPED",
            2021,
            "percent",
            "_T",
            "_T",
            90.3,
            "By dvpmnt status and spec. reg.!AJ87",
        ),
        (
            "itu-agg-2022-01",
            "internet_use",
            "DEVELOPING",
            2021,
            "percent",
            "_T",
            "_T",
            57.1,
            "By dvpmnt status and spec. reg.!AJ88",
        ),
        (
            "itu-agg-2025-11",
            "internet_use",
            "WLD",
            2025,
            "percent",
            "_T",
            "_T",
            73.6,
            "By dvpmnt status and spec. reg.!AR127",
        ),
        (
            "itu-agg-2025-11",
            "internet_use",
            "WLD",
            2025,
            "millions",
            "_T",
            "_T",
            6047.4,
            "By dvpmnt status and spec. reg.!V127",
        ),
        (
            "itu-agg-2025-11",
            "internet_use",
            "WLD",
            2025,
            "percent",
            "F",
            "_T",
            70.5,
            "By gender!P8",
        ),
        (
            "itu-agg-2025-11",
            "internet_use",
            "WLD",
            2025,
            "percent",
            "M",
            "_T",
            76.6,
            "By gender!X8",
        ),
        (
            "itu-agg-2025-11",
            "mobile_phone_ownership",
            "WLD",
            2025,
            "percent",
            "_T",
            "_T",
            82.3,
            "By dvpmnt status and spec. reg.!AR138",
        ),
        (
            "itu-agg-2025-11",
            "mobile_phone_ownership",
            "WLD",
            2025,
            "percent",
            "F",
            "_T",
            77.8,
            "By gender!J28",
        ),
        (
            "itu-agg-2025-11",
            "mobile_phone_ownership",
            "WLD",
            2025,
            "percent",
            "M",
            "_T",
            86.9,
            "By gender!O28",
        ),
        (
            "itu-agg-2025-11",
            "coverage_4g",
            "WLD",
            2025,
            "percent",
            "_T",
            "_T",
            92.7,
            "By dvpmnt status and spec. reg.!AR83",
        ),
        (
            "itu-agg-2025-11",
            "coverage_5g",
            "WLD",
            2025,
            "percent",
            "_T",
            "_T",
            55.1,
            "By dvpmnt status and spec. reg.!AR94",
        ),
    ],
)
def test_published_values_and_their_cells(
    parsed, edition, series, entity, year, unit, sex, area, expected, cell
):
    row = value(parsed, edition, series, entity, year, unit, sex=sex, area=area)
    assert row["value"] == pytest.approx(expected, abs=1e-9)
    assert row["source_location"] == cell
    assert row["obs_status"] == "A"


def test_2019_estimate_is_flagged_and_kept_unrounded(parsed):
    row = value(parsed, "itu-agg-2019-10", "internet_use", "WLD", 2019)
    assert round(row["value"], 1) == 53.6
    assert row["value"] != 53.6  # the .xls stores unrounded floats; we keep them as published
    assert row["obs_status"] == "E"  # header cell '2019*'
    assert row["source_location"] == "Sheet1!AE75"
    earlier = parsed["itu-agg-2019-10"].observations.query("year < 2019")
    assert set(earlier["obs_status"]) == {"A"}


def test_world_2005_differs_between_editions(parsed):
    found = {ed: round(value(parsed, ed, "internet_use", "WLD", 2005)["value"], 1) for ed in parsed}
    assert found == {
        "itu-agg-2019-10": 16.8,
        "itu-agg-2022-01": 15.8,
        "itu-agg-2024-11": 15.6,
        "itu-agg-2025-11": 15.6,
    }


def test_youth_and_single_year_tables(parsed):
    youth = value(parsed, "itu-agg-2024-11", "internet_use", "WLD", 2024, age="Y15T24")
    assert youth["source_location"] == "Internet use by age!J6"
    # Jan 2022: a single-year table (year in the title) and a transposed sex table
    rural = value(parsed, "itu-agg-2022-01", "internet_use", "WLD", 2020, area="R")
    assert (rural["value"], rural["source_location"]) == (38.8, "By urban-rural area!D59")
    women = value(parsed, "itu-agg-2022-01", "internet_use", "WLD", 2020, sex="F")
    assert (women["value"], women["source_location"]) == (56.5, "Internet use by sex & age!K6")


def test_not_available_is_never_stored(parsed, itu_editions):
    from python_calamine import CalamineWorkbook

    obs = parsed["itu-agg-2025-11"].observations
    assert obs["value"].notna().all()
    # B6 of the first sheet reads 'N/A' (Low-income fixed telephone 2005): no observation for it
    grid = CalamineWorkbook.from_path(str(itu_editions["itu-agg-2025-11"].path))
    sheet = grid.get_sheet_by_name("By dvpmnt status and spec. reg.").to_python()
    assert sheet[6][1] == "N/A"
    assert "By dvpmnt status and spec. reg.!B7" not in set(obs["source_location"])


ROWS_PER_EDITION = {
    "itu-agg-2019-10": 2124,
    # Jan 2022: the urban/rural sheet's coverage totals repeat the first sheets' percentages,
    # 3 series x 12 entities x 7 years (2015-2021) = 252 repeats, not observations
    "itu-agg-2022-01": 3284,
    "itu-agg-2024-11": 5680,
    "itu-agg-2025-11": 6064,
}


def test_row_counts_per_edition(parsed):
    assert {ed: len(p.observations) for ed, p in parsed.items()} == ROWS_PER_EDITION


def test_row_counts_per_block_nov2025(parsed):
    blocks = parsed["itu-agg-2025-11"].block_rows.set_index(["sheet", "series"])["cells"]
    # by gender: Internet use 14 entities x 7 years x 3 (total/female/male) = 294 cells, of
    # which the 98 totals repeat the first sheets
    assert blocks[("By gender", "internet_use")] == 294
    assert blocks[("By gender", "mobile_phone_ownership")] == 14 * 4 * 3
    assert blocks[("Internet use by age", "internet_use")] == 14 * 4 * 3
    assert blocks[("By urban-rural area", "internet_use")] == 14 * 4 * 3
    assert blocks[("By dvpmnt status and spec. reg.", "internet_use")] == 336  # 8 x 21 x 2
    assert blocks[("By BDT region", "internet_use")] == 252  # 6 x 21 x 2
    assert len(blocks) == 13 + 13 + 5 + 2 + 1


def test_sids_ownership_total_comes_from_the_first_sheet(parsed):
    """Nov 2025 `By gender` repeats the Africa row as the SIDS total; sheet 1 is right."""
    row = value(parsed, "itu-agg-2025-11", "mobile_phone_ownership", "SIDS", 2025)
    assert (row["value"], row["source_location"]) == (74.3, "By dvpmnt status and spec. reg.!AR145")
    repeats = parsed["itu-agg-2025-11"].duplicate_cells
    gender = repeats[repeats["source_location"] == "By gender!E35"].iloc[0]
    assert (gender["value"], gender["value_published"]) == (65.7, 74.3)


def test_units_follow_the_labels(parsed):
    obs = parsed["itu-agg-2024-11"].observations
    units = obs.groupby("series")["unit"].agg(lambda u: sorted(set(u)))
    assert units["coverage_4g"] == ["millions", "percent"]
    assert units["fixed_broadband_traffic"] == ["exabytes", "gb_per_subscription"]
    assert units["international_bandwidth"] == ["kbit_s_per_user", "tbit_s"]
    assert units["mobile_cellular_subscriptions"] == ["millions", "per_100"]


@pytest.mark.parametrize(
    ("edition", "series", "entity", "year", "expected", "cell"),
    [
        ("itu-agg-2019-10", "coverage_4g", "WLD", 2018, 80.4, "Sheet1!AD44"),
        ("itu-agg-2019-10", "coverage_2g", "ITU_AFR", 2018, 88.9, "Sheet1!AD119"),
        (
            "itu-agg-2022-01",
            "coverage_3g",
            "WLD",
            2020,
            93.6,
            "By dvpmnt status and spec. reg.!AI50",
        ),
        ("itu-agg-2022-01", "coverage_4g", "ITU_AFR", 2018, 37.7, "By BDT region!AG59"),
    ],
)
def test_coverage_is_a_percentage_where_the_workbook_prints_no_unit(
    parsed, edition, series, entity, year, expected, cell
):
    """Oct 2019 and Jan 2022 print no unit over coverage; it is not the `Per 100 inhabitants`
    of the subscription blocks above."""
    row = value(parsed, edition, series, entity, year, unit="percent")
    assert (round(row["value"], 1), row["source_location"]) == (expected, cell)
    per_100 = parsed[edition].observations.query("series == @series and unit == 'per_100'")
    assert per_100.empty


def test_jan2022_4g_2018_repeats_that_disagree_keep_the_first_sheet_cell(parsed):
    """The urban/rural sheet's totals are now compared with the first sheets' (same unit)."""
    repeats = parsed["itu-agg-2022-01"].duplicate_cells.set_index("source_location")
    for repeat_cell, published_cell, repeat, published in [
        ("By urban-rural area!E50", "By BDT region!AG59", 27.8, 37.7),  # Africa
        ("By urban-rural area!E55", "By BDT region!AG64", 93.6, 97.8),  # Europe
    ]:
        found = repeats.loc[repeat_cell]
        assert (found["value"], found["source_location_published"]) == (repeat, published_cell)
        assert found["value_published"] == published
