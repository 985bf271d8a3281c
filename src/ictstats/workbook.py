"""Reading spreadsheet grids with calamine and naming cells the way Excel does.

calamine (Rust) reads both .xlsx and legacy .xls, about 6x faster than openpyxl on the ITU
workbooks, and never expands XML entities.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

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
    finally:
        workbook.close()
    _refuse_uncalculated_formulas(path, sheet_names)
    return grids


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _refuse_uncalculated_formulas(path: Path, sheet_names: list[str]) -> None:
    """A formula saved without its cached value reads as a blank cell (calamine reads values
    only), so a value would vanish without a word: stop and name the cell.

    Only .xlsx can hold such a cell: a BIFF8 (.xls) FORMULA record always carries its result
    field, which calamine returns, so there is nothing to detect there.
    """
    if not zipfile.is_zipfile(path):
        return
    with zipfile.ZipFile(path) as archive:
        parts = _sheet_parts(archive)
        for name in sheet_names:
            part = parts.get(name)
            if part is None or part not in archive.namelist():
                continue
            with archive.open(part) as stream:
                cell = _first_formula_without_value(stream)
            if cell is not None:
                raise LayoutError(
                    path.name,
                    name,
                    cell,
                    "formula without a cached value: the file was saved by a program that "
                    "does not calculate (a script, openpyxl), so the cell reads as a blank cell "
                    "and its value would be lost; open the file in Excel or LibreOffice, "
                    "recalculate and save, or use the publisher's original file",
                )


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the archive (xl/worksheets/sheetN.xml)."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")}
    parts = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        if target:
            resolved = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            parts[sheet.get("name", "")] = posixpath.normpath(resolved)
    return parts


def _first_formula_without_value(stream: Any) -> str | None:
    """Reference of the first cell with an <f> and no (or an empty) <v>, streaming the XML."""
    for _, element in ElementTree.iterparse(stream, events=("end",)):
        if element.tag != f"{_MAIN}c":
            continue
        formula = element.find(f"{_MAIN}f")
        value = element.find(f"{_MAIN}v")
        inline = element.find(f"{_MAIN}is")
        if formula is not None and inline is None and (value is None or not value.text):
            return element.get("r")
        element.clear()
    return None
