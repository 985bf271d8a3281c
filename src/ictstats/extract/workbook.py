"""Reading spreadsheet grids with calamine and naming cells the way Excel does.

calamine (Rust) reads both .xlsx and legacy .xls, about 6x faster than openpyxl on the ITU
workbooks, and never expands XML entities.
"""

from __future__ import annotations

import copy
import posixpath
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

from ictstats.errors import LayoutError

Grid = list[list[Any]]

# Input caps, checked before calamine opens a file (`check_spreadsheet_caps`). The 200 MB cap of
# ictstats.sources.manifest applies to the file as stored; an .xlsx is a zip, so a 1.45 MB file
# can hold a 1.5 GB part (calamine then peaked at 7.4 GB RSS and aborted). Measured on the
# sources: the
# largest part is 0.5 MB (PercentIndividualsUsingInternet.xlsx, sheet1.xml), the largest
# workbook unpacks to 0.8 MB, the largest sheet is 2,086 rows, 65 columns, 15,405 cells.
MIB = 1024 * 1024
MAX_PART_BYTES = 16 * MIB  # one part unpacked: 30x the largest real part; ~4x that in memory
MAX_WORKBOOK_BYTES = 64 * MIB  # all parts together, unpacked
MAX_PARTS = 1_000  # the sources have 19 to 45
# the zip directory, read whole by zipfile before any count can be checked: 1 MiB holds at
# least 4,000 entries (the sources' directories are 1.3 to 3.4 KB)
MAX_DIRECTORY_BYTES = MIB
# calamine holds a sheet as a dense rows x columns range of ~32 bytes a cell (A1 plus ALL99999
# took 3 GB from a 1.5 KB file), so the extent is capped, read from the sheet's XML beforehand.
MAX_SHEET_ROWS = 100_000
MAX_SHEET_COLUMNS = 1_000
MAX_SHEET_CELLS = 2_000_000  # 130x the largest real sheet; ~64 MB as calamine's dense range
# A legacy .xls (OLE2/BIFF8) is not compressed: every stream is at most the file's size, and the
# format itself allows at most 65,536 rows x 256 columns. The source .xls is 115 KB.
MAX_XLS_BYTES = 16 * MIB


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
    check_spreadsheet_caps(path)
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
            if _beyond_extent(rows, columns):  # the .xls path: its extent is known only now
                raise LayoutError(path.name, name, None, _extent_problem(rows, columns))
            grids[name] = sheet.to_python(skip_empty_area=False)
    finally:
        workbook.close()
    _refuse_uncalculated_formulas(path, sheet_names)
    return grids


def check_spreadsheet_caps(path: Path) -> None:
    """Refuse a spreadsheet whose unpacked parts or sheet extents exceed the caps above.

    Reads only the zip directory and inflates each part in 1 MiB blocks, never more than the
    caps, so a refused file costs little memory. Raises LayoutError naming file and part.
    """
    if zipfile.is_zipfile(path):
        _check_zip_parts(path)
    elif path.suffix.lower() == ".xls" and path.stat().st_size > MAX_XLS_BYTES:
        raise LayoutError(
            path.name,
            None,
            None,
            f"legacy .xls of {path.stat().st_size:,} bytes, beyond the cap of "
            f"{MAX_XLS_BYTES:,} bytes (ictstats.extract.workbook.MAX_XLS_BYTES); the sources are "
            "about "
            "0.1 MB. Is this the right file?",
        )


def _check_zip_parts(path: Path) -> None:
    def refuse(problem: str) -> LayoutError:
        return LayoutError(path.name, None, None, f"{problem}. Is this the right file?")

    with path.open("rb") as handle:  # the end record only, before the directory is parsed
        end = zipfile._EndRecData(handle)  # private but stable since Python 2; None if absent
    if end and end[zipfile._ECD_SIZE] > MAX_DIRECTORY_BYTES:
        raise refuse(
            f"zip directory of {end[zipfile._ECD_SIZE]:,} bytes, beyond the cap of "
            f"{MAX_DIRECTORY_BYTES:,} bytes (ictstats.extract.workbook.MAX_DIRECTORY_BYTES)"
        )
    with zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise refuse(f"{len(parts):,} parts, beyond the cap of {MAX_PARTS:,}")
        for part in parts:  # the declared sizes first: nothing is inflated if one is too big
            if part.file_size > MAX_PART_BYTES:
                raise refuse(
                    f"part {part.filename} unpacks to {part.file_size:,} bytes, beyond the cap "
                    f"of {MAX_PART_BYTES:,} bytes a part (ictstats.extract.workbook.MAX_PART_BYTES)"
                )
        total = sum(part.file_size for part in parts)
        if total > MAX_WORKBOOK_BYTES:
            raise refuse(
                f"parts unpack to {total:,} bytes together, beyond the cap of "
                f"{MAX_WORKBOOK_BYTES:,} bytes (ictstats.extract.workbook.MAX_WORKBOOK_BYTES)"
            )
        sheet_names: dict[str, str] = {}
        for part in parts:  # then the real sizes: a zip directory can understate them
            data = _inflate_within(archive, part, refuse)
            if _is_worksheet(part.filename):
                rows, columns = _sheet_extent(data)
                if _beyond_extent(rows, columns):
                    sheet_names = sheet_names or _sheet_names_by_part(archive)
                    raise LayoutError(
                        path.name,
                        sheet_names.get(part.filename),
                        None,
                        f"part {part.filename} {_extent_problem(rows, columns, 'spans')}",
                    )


def _inflate_within(archive: zipfile.ZipFile, part: zipfile.ZipInfo, refuse) -> bytes:
    """The part's bytes, inflated in blocks and stopped one byte past its declared size."""
    probe = copy.copy(part)
    probe.file_size = MAX_PART_BYTES + 1  # zipfile would otherwise stop at the declared size
    blocks, size = [], 0
    try:
        with archive.open(probe) as stream:
            while block := stream.read(MIB):
                size += len(block)
                if size > part.file_size:
                    raise refuse(
                        f"part {part.filename} declares {part.file_size:,} bytes in the zip "
                        "directory but unpacks to more; the file is damaged or crafted"
                    )
                if _is_worksheet(part.filename):
                    blocks.append(block)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise refuse(f"part {part.filename} cannot be unpacked ({exc})") from exc
    return b"".join(blocks)


def _sheet_names_by_part(archive: zipfile.ZipFile) -> dict[str, str]:
    """'xl/worksheets/sheet2.xml' -> 'By gender', from the workbook part and its relationships;
    empty when they cannot be read (the error then names the part only)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        links = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {}
    for link in links:
        target = link.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        targets[link.get("Id")] = posixpath.normpath(part)
    return {
        targets[sheet.get(f"{{{rel}}}id")]: sheet.get("name", "")
        for sheet in book.iter(f"{{{main}}}sheet")
        if sheet.get(f"{{{rel}}}id") in targets
    }


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


# <row r="7"> and <c r="AB7">; the r attribute is optional, and a row or cell without it
# follows the previous one (as calamine places it).
_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*)>")
_REF = re.compile(rb'\br="([A-Z]*)([0-9]+)"')
_ANY_ROW = re.compile(rb"<(?:\w+:)?row\b")
_ANY_CELL = re.compile(rb"<(?:\w+:)?c\b")
_ROW_REF = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="([0-9]+)"')
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)([0-9]+)"')


def _sheet_extent(xml: bytes) -> tuple[int, int]:
    """(rows, columns) a worksheet part spans, as calamine will allocate it."""
    rows, cells = _ROW_REF.findall(xml), _CELL_REF.findall(xml)
    if len(rows) != len(_ANY_ROW.findall(xml)) or len(cells) != len(_ANY_CELL.findall(xml)):
        return _sheet_extent_in_order(xml)  # some row or cell has no reference
    # every element has its reference (what Excel writes): maxima over the distinct values
    row_numbers = set(rows) | {row for _, row in cells}
    return (
        max(map(int, row_numbers), default=0),
        max(map(_column_number, {column for column, _ in cells}), default=0),
    )


def _sheet_extent_in_order(xml: bytes) -> tuple[int, int]:
    """The extent walking every row and cell in order, placing those without a reference."""
    rows = columns = row = column = 0
    for match in _ROW_OR_CELL.finditer(xml):
        ref = _REF.search(match.group(2))
        if match.group(1) == b"row":
            row = int(ref.group(2)) if ref else row + 1
            column = 0
        else:
            column = _column_number(ref.group(1)) if ref and ref.group(1) else column + 1
            if ref:
                row = int(ref.group(2))
        rows, columns = max(rows, row), max(columns, column)
    return rows, columns


def _column_number(letters: bytes) -> int:
    """b'A' -> 1, b'ALL' -> 1000."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _beyond_extent(rows: int, columns: int) -> bool:
    return rows > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS or rows * columns > MAX_SHEET_CELLS


def _extent_problem(rows: int, columns: int, verb: str = "is") -> str:
    return (
        f"{verb} {rows:,} rows x {columns:,} columns ({rows * columns:,} cells), beyond the cap "
        f"of {MAX_SHEET_ROWS:,} rows, {MAX_SHEET_COLUMNS:,} columns and {MAX_SHEET_CELLS:,} "
        "cells (ictstats.extract.workbook)"
    )


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
