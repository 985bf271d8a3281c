"""Reading the ITU aggregates workbooks: openpyxl vs python-calamine (and xlrd for the .xls).

Each reader reads every cell of every sheet: openpyxl with read_only=True, data_only=True,
iterating all rows; calamine with `get_sheet_by_name(name).to_python()` for every sheet; xlrd
(the .xls only, which openpyxl cannot open: it reads OOXML .xlsx/.xlsm, not BIFF8 .xls) with
`row_values` over every row. Best of N runs, opening the file included.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path


def read_openpyxl(path: Path) -> int:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    cells = 0
    try:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells += len(row)
    finally:
        workbook.close()
    return cells


def read_calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    try:
        return sum(
            sum(len(row) for row in workbook.get_sheet_by_name(name).to_python())
            for name in workbook.sheet_names
        )
    finally:
        workbook.close()


def read_xlrd(path: Path) -> int:
    import xlrd

    book = xlrd.open_workbook(str(path), on_demand=True)
    cells = 0
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            for r in range(sheet.nrows):
                cells += len(sheet.row_values(r))
    finally:
        book.release_resources()
    return cells


def best_of(reader: Callable[[Path], int], path: Path, runs: int) -> tuple[float, int]:
    """Fastest of `runs` reads in milliseconds, and the cells read."""
    reader(path)  # imports and first-touch file cache outside the timing
    times, cells = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        cells = reader(path)
        times.append(time.perf_counter() - started)
    return min(times) * 1000, cells


def compare(folder: Path, runs: int = 5) -> list[dict]:
    """One entry per workbook: ms per reader (None where the reader cannot open the file)."""
    results = []
    for path in sorted(folder.glob("*.xls*")):
        entry: dict = {"file": path.name, "size_bytes": path.stat().st_size}
        entry["calamine_ms"], entry["calamine_cells"] = best_of(read_calamine, path, runs)
        if path.suffix == ".xls":
            entry["openpyxl_ms"] = None
            entry["openpyxl_note"] = "openpyxl cannot read .xls (BIFF8); it reads .xlsx/.xlsm"
            entry["xlrd_ms"], entry["xlrd_cells"] = best_of(read_xlrd, path, runs)
        else:
            entry["openpyxl_ms"], entry["openpyxl_cells"] = best_of(read_openpyxl, path, runs)
        results.append(entry)
    return results
