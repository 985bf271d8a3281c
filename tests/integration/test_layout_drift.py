"""Layout drift: workbooks changed inside the test must fail loudly, naming workbook, sheet, cell.

Each case starts from the real Nov 2024 workbook, changes one thing with openpyxl, and parses
the result with the Nov 2024 layout.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from ictstats.errors import LayoutError
from ictstats.extract.itu_aggregates import parse_itu_aggregates

LAYOUT = "itu_aggregates_2024"
FIRST = "By dvpmnt status and spec. reg."


@pytest.fixture()
def drifted(itu_editions, tmp_path):
    """Return a function that applies `change(workbook)` to a copy and saves it as drifted.xlsx."""

    def make(change) -> Path:
        workbook = openpyxl.load_workbook(itu_editions["itu-agg-2024-11"].path)
        change(workbook)
        path = tmp_path / "drifted.xlsx"
        workbook.save(path)
        return path

    return make


def parse_error(path: Path) -> LayoutError:
    with pytest.raises(LayoutError) as caught:
        parse_itu_aggregates(path, LAYOUT)
    error = caught.value
    assert error.workbook == "drifted.xlsx"
    assert "drifted.xlsx" in str(error)
    return error


def test_unchanged_copy_parses_like_the_original(drifted, parsed):
    path = drifted(lambda wb: None)
    again = parse_itu_aggregates(path, LAYOUT).observations
    assert len(again) == len(parsed["itu-agg-2024-11"].observations)


def test_renamed_sheet(drifted):
    error = parse_error(drifted(lambda wb: setattr(wb["By gender"], "title", "By sex")))
    assert error.sheet == "By gender"
    assert "sheet not found" in error.problem and "'By sex'" in error.problem


def test_block_shifted_down_a_row_still_parses_with_new_cells(drifted, parsed):
    """Blocks are found by label, so an inserted row moves cells but loses no value."""
    path = drifted(lambda wb: wb["By gender"].insert_rows(25))  # above the ownership block
    moved = parse_itu_aggregates(path, LAYOUT).observations
    original = parsed["itu-agg-2024-11"].observations
    key = ["series", "entity", "sex", "area", "age", "year", "unit"]
    merged = original.merge(moved, on=key, suffixes=("", "_moved"))
    assert len(merged) == len(original)
    assert (merged["value"] == merged["value_moved"]).all()
    women = merged.query("series == 'mobile_phone_ownership' and entity == 'WLD' and sex == 'F'")
    assert set(women["source_location"].str.extract(r"(\d+)$")[0]) == {"28"}
    assert set(women["source_location_moved"].str.extract(r"(\d+)$")[0]) == {"29"}


def test_block_shifted_by_a_column(drifted):
    def shift_world_row(wb):
        sheet = wb["By gender"]
        sheet.move_range("B8:U8", cols=1)  # G8 lands in H8, the gap between Total and Female

    error = parse_error(drifted(shift_world_row))
    assert (error.sheet, error.cell) == ("By gender", "H8")
    assert "no year in the header row" in error.problem


def test_unknown_entity_label(drifted):
    def rename(wb):
        wb[FIRST]["A131"] = "High income economies"

    error = parse_error(drifted(rename))
    assert (error.sheet, error.cell) == (FIRST, "A131")
    assert "unknown label 'High income economies'" in error.problem


def test_renamed_block_title(drifted):
    def rename(wb):
        wb[FIRST]["A125"] = "Internet users"

    error = parse_error(drifted(rename))
    assert (error.sheet, error.cell) == (FIRST, "A125")
    assert "unknown label 'Internet users'" in error.problem


def test_text_in_a_numeric_cell(drifted):
    def put_text(wb):
        wb["By urban-rural area"]["J87"] = "82,9"

    error = parse_error(drifted(put_text))
    assert (error.sheet, error.cell) == ("By urban-rural area", "J87")
    assert "text '82,9' in a numeric cell" in error.problem


def test_unknown_unit_label(drifted):
    def relabel(wb):
        wb[FIRST]["W125"] = "Per 1000 people"

    error = parse_error(drifted(relabel))
    assert (error.sheet, error.cell) == (FIRST, "W125")
    assert "unknown header label 'Per 1000 people'" in error.problem


def test_removed_block_title_is_caught(drifted):
    """Without its title, the 5G block's rows would land in the LTE block: a duplicate."""

    def drop_title(wb):
        wb[FIRST]["A81"] = None

    error = parse_error(drifted(drop_title))
    assert error.sheet == FIRST
    assert "appears twice in one block" in error.problem or "not found" in error.problem


def test_not_a_spreadsheet(tmp_path):
    path = tmp_path / "drifted.xlsx"
    path.write_text("<html>Sorry, the page moved</html>")
    error = parse_error(path)
    assert "not a readable spreadsheet" in error.problem


# --- meaning changes with every label still valid (issue 11 item 5) ---------------------------


def test_year_row_shifted_over_an_all_na_column(drifted):
    """The 5G coverage block's first column (2005) is all N/A. Its year row moved one column
    right used to publish every value a year early; the N/A cells now need a year too."""
    error = parse_error(drifted(lambda wb: wb[FIRST].move_range("B82:U82", cols=1)))
    assert (error.sheet, error.cell) == (FIRST, "B83")
    assert "value or 'N/A' in column B, which has no year in the header row" in error.problem


def test_unit_label_changed_to_another_known_unit(drifted):
    """'Per 100 inhabitants' is a known label, but not a unit of Internet use."""

    def relabel(wb):
        wb[FIRST]["W125"] = "Per 100 inhabitants"

    error = parse_error(drifted(relabel))
    assert (error.sheet, error.cell) == (FIRST, "W125")
    assert "'per_100' is not an allowed unit of series 'internet_use'" in error.problem
    assert "['percent', 'millions']" in error.problem


def test_entity_row_deleted_from_a_block(drifted):
    """High-income's row of the Internet-use block (A125) emptied: the block lacks a row the
    layout requires, named at the block's title."""

    def delete_row(wb):
        for cell in wb[FIRST][131]:
            cell.value = None

    error = parse_error(drifted(delete_row))
    assert (error.sheet, error.cell) == (FIRST, "A125")
    assert "lacks the row(s) of ['HIC']" in error.problem


def test_value_blanked(drifted):
    """A blank where ITU prints a value or 'N/A' is a dropped value, not a missing one."""

    def blank(wb):
        wb["By gender"]["I8"] = None  # World, Female, 2019

    error = parse_error(drifted(blank))
    assert (error.sheet, error.cell) == ("By gender", "I8")
    assert "blank cell under a year or breakdown header" in error.problem


def test_formula_without_cached_value(drifted):
    """openpyxl writes a formula without its value; calamine would read a blank."""

    def formula(wb):
        wb["By gender"]["I8"] = "=J8-5"

    error = parse_error(drifted(formula))
    assert (error.sheet, error.cell) == ("By gender", "I8")
    assert "formula without a cached value" in error.problem


def test_every_block_of_every_layout_declares_what_it_must_carry(parsed):
    """`required` covers each block of each sheet, and the real workbooks satisfy it (they
    parsed, in the `parsed` fixture, with the check on)."""
    from ictstats.extract.itu_vocabulary import load_vocabulary

    vocab = load_vocabulary()
    assert len(parsed) == 4
    for name, layout in vocab.layouts.items():
        required = vocab.required[name]
        assert set(required) == set(layout["sheets"]), name
        for sheet, spec in layout["sheets"].items():
            assert set(required[sheet]) == set(spec["blocks"]), (name, sheet)
            for occurrences in required[sheet].values():
                for item in occurrences:
                    first, last = item["years"]
                    assert 1990 <= first <= last <= 2100 and item["entities"]
