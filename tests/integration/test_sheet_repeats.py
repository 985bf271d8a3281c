"""The `sheet_repeats_agree` warning: every disagreeing repeat, with both cells."""

from __future__ import annotations

import json

import pandas as pd

from ictstats.transform import canonical, sheet_repeats


def repeat(entity: str, year: int, value: float, published: float, row: int) -> dict:
    return {
        "edition": "ed-1",
        "series": "coverage_4g",
        "entity": entity,
        "sex": "_T",
        "area": "_T",
        "age": "_T",
        "year": year,
        "unit": "percent",
        "value": value,
        "source_location": f"Rural!E{row}",
        "value_published": published,
        "source_location_published": f"Regions!AG{row}",
    }


def test_every_disagreement_is_listed_with_both_cells():
    repeats = pd.DataFrame(
        [
            repeat("ITU_EUR", 2018, 93.6, 97.8, 55),
            repeat("WLD", 2018, 80.0, 80.0, 50),  # agrees: not listed
            repeat("ITU_AFR", 2018, 27.8, 37.7, 59),
        ]
    )
    table = sheet_repeats.disagreements(repeats)
    # sorted by key (ITU_AFR before ITU_EUR); difference = repeat - published:
    # 27.8 - 37.7 = -9.9 and 93.6 - 97.8 = -4.2, without float noise
    assert table[["entity", "source_location_published", "value_published"]].values.tolist() == [
        ["ITU_AFR", "Regions!AG59", 37.7],
        ["ITU_EUR", "Regions!AG55", 97.8],
    ]
    assert table[["source_location", "value", "difference"]].values.tolist() == [
        ["Rural!E59", 27.8, -9.9],
        ["Rural!E55", 93.6, -4.2],
    ]
    text = sheet_repeats.describe(table)
    assert text.startswith("2 sheet repeat(s) differ from the published cell")
    assert "(ed-1 2)" in text
    for cell in ("Regions!AG59", "Rural!E59", "Regions!AG55", "Rural!E55"):
        assert cell in text
    rows = sheet_repeats.records(table)
    assert json.loads(json.dumps(rows)) == rows  # plain JSON for Dagster metadata
    assert rows[0]["year"] == 2018 and rows[0]["difference"] == -9.9


def test_no_disagreement_says_so():
    table = sheet_repeats.disagreements(pd.DataFrame([repeat("WLD", 2018, 80.0, 80.0, 50)]))
    assert table.empty and list(table.columns) == sheet_repeats.COLUMNS
    assert sheet_repeats.describe(table).startswith("Every sheet repeat equals")


def test_real_editions_report_the_jan2022_coverage_disagreements(parsed):
    repeats = canonical.combine_editions(parsed.values()).sheet_repeats
    table = sheet_repeats.disagreements(repeats)
    assert table.groupby("edition").size().to_dict() == {
        "itu-agg-2022-01": 3,  # Africa and Europe 4G 2018; Developing Internet use 2020
        "itu-agg-2024-11": 4,  # four 0.1 rounding differences on `By gender`
        "itu-agg-2025-11": 6,  # SIDS ownership 2022-2025 (the Africa row), two 0.1 differences
    }
    coverage = table[table["series"] == "coverage_4g"]
    assert coverage[
        ["entity", "year", "source_location_published", "value_published", "source_location"]
    ].values.tolist() == [
        ["ITU_AFR", 2018, "By BDT region!AG59", 37.7, "By urban-rural area!E50"],
        ["ITU_EUR", 2018, "By BDT region!AG64", 97.8, "By urban-rural area!E55"],
    ]
    text = sheet_repeats.describe(table)
    assert text.startswith("13 sheet repeat(s)")
    for published, repeated in zip(
        table["source_location_published"], table["source_location"], strict=True
    ):
        assert published in text and repeated in text
