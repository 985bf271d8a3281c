"""Reading spreadsheet grids with calamine and naming cells the way Excel does.

calamine (Rust) reads both .xlsx and legacy .xls, about 6x faster than openpyxl on the ITU
workbooks, and never expands XML entities.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from ictstats.errors import LayoutError

Grid = list[list[Any]]

# Input caps: the largest sheet we read (OGHIST) is 240 x 40 cells. A sheet beyond these is
# refused before it is loaded, so a malformed or hostile file cannot exhaust memory.
MAX_SHEET_ROWS = 100_000
MAX_SHEET_COLUMNS = 1_000


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """0-based (row, col) -> 'B7'."""
    return f"{column_letter(col)}{row + 1}"


def read_sheets(path: Path, sheet_names: list[str]) -> dict[str, Grid]:
    """Return each named sheet as a full grid anchored at A1 (row 0 = Excel row 1).

    `skip_empty_area=False` keeps leading empty rows and columns, so indices are the sheet's
    own and every source location we record can be found in Excel.
    """
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for unreadable files
        raise LayoutError(path.name, None, None, f"not a readable spreadsheet ({exc})") from exc
    try:
        present = workbook.sheet_names
        grids: dict[str, Grid] = {}
        for name in sheet_names:
            if name not in present:
                raise LayoutError(
                    path.name,
                    name,
                    None,
                    f"sheet not found; the workbook has {present}. Was the sheet renamed "
                    "or is this file a different layout than its manifest entry says?",
                )
            sheet = workbook.get_sheet_by_name(name)
            # total_height/total_width are the last 0-based indices of the declared range
            rows, columns = sheet.total_height + 1, sheet.total_width + 1
            if rows > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS:
                raise LayoutError(
                    path.name,
                    name,
                    None,
                    f"sheet is {rows:,} rows x {columns:,} columns, beyond the cap of "
                    f"{MAX_SHEET_ROWS:,} x {MAX_SHEET_COLUMNS:,} (ictstats.workbook)",
                )
            grids[name] = sheet.to_python(skip_empty_area=False)
        return grids
    finally:
        workbook.close()
