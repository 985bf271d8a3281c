"""Meaning changes the parser refuses in small synthetic sheets (issue 11 item 5).

Each sheet is two years of one block; a change keeps every label valid and would have moved or
dropped values without a word. The real-workbook versions are in
tests/integration/test_layout_drift.py.
"""

from __future__ import annotations

import pytest

from ictstats.errors import LayoutError
from ictstats.extract.itu_aggregates import parse_sheet

INTERNET = "Individuals using the Internet"
BLOCKS = {"internet_use": ["percent"]}
REQUIRED = {"internet_use": [{"entities": ["WLD", "ITU_AFR"], "years": [2020, 2021]}]}


def sheet(*rows: list) -> list[list]:
    return [[INTERNET, "Percentage", "", ""], *rows]


def error_of(grid, blocks=BLOCKS, required=REQUIRED) -> LayoutError:
    with pytest.raises(LayoutError) as caught:
        parse_sheet(grid, blocks, sheet="S", workbook="book.xlsx", required=required)
    assert (caught.value.workbook, caught.value.sheet) == ("book.xlsx", "S")
    return caught.value


def test_the_unchanged_sheet_parses():
    grid = sheet(["", 2020, 2021, ""], ["World", "N/A", 60.0, ""], ["Africa", "N/A", 30.0, ""])
    cells = parse_sheet(grid, BLOCKS, sheet="S", required=REQUIRED)
    assert cells[["entity", "year", "value"]].values.tolist() == [
        ["WLD", 2021, 60.0],
        ["ITU_AFR", 2021, 30.0],
    ]


def test_year_row_shifted_right_over_an_all_na_column():
    # years in C:D instead of B:C: 60.0 (2021) would be published as 2020
    grid = sheet(["", "", 2020, 2021], ["World", "N/A", 60.0, ""], ["Africa", "N/A", 30.0, ""])
    error = error_of(grid)
    assert error.cell == "B3"
    assert "value or 'N/A' in column B, which has no year" in error.problem


def test_a_year_over_an_empty_column_is_a_blank_cell():
    # years B:D over values B:C: D (2022) has a header and nothing under it
    grid = sheet(["", 2020, 2021, 2022], ["World", "N/A", 60.0, ""], ["Africa", "N/A", 30.0, ""])
    error = error_of(grid)
    assert error.cell == "D3"
    assert "blank cell under a year or breakdown header" in error.problem


def test_a_deleted_row_is_missing_from_the_block():
    grid = sheet(["", 2020, 2021, ""], ["World", "N/A", 60.0, ""])
    error = error_of(grid)
    assert error.cell == "A1"  # the block's title
    assert "lacks the row(s) of ['ITU_AFR']" in error.problem


def test_a_deleted_year_column_is_missing_from_the_block():
    grid = sheet(["", 2021, "", ""], ["World", 60.0, "", ""], ["Africa", 30.0, "", ""])
    error = error_of(grid)
    assert error.cell == "A1"
    assert "lacks the year(s) [2020]" in error.problem


def test_a_second_occurrence_the_layout_lists_must_be_there():
    grid = sheet(["", 2020, 2021, ""], ["World", "N/A", 60.0, ""], ["Africa", "N/A", 30.0, ""])
    required = {"internet_use": REQUIRED["internet_use"] * 2}
    error = error_of(grid, required=required)
    assert "occurs 1 time(s) in the sheet" in error.problem and "lists 2" in error.problem


def test_a_layout_unit_outside_the_series_units_is_refused():
    # the layout itself declares per_100 for Internet use: codes.SERIES does not allow it
    grid = [[INTERNET, "", ""], ["", 2020, 2021], ["World", 55.0, 60.0]]
    error = error_of(grid, blocks={"internet_use": ["per_100"]}, required=None)
    assert error.cell == "B3"
    assert "declares 'per_100'" in error.problem
    assert "not an allowed unit of series 'internet_use'" in error.problem
