"""What every World Bank file of the manifest shares: its codes and how its tables are framed.

Where it sits: sources (verified file) -> **parse** -> validate -> warehouse. The World Bank
parsers (`wdi`, `income_groups`, `income_history`, `population`) read their cells through these
helpers: a cell as stripped text, a number as the World Bank writes it, a header that must be
exactly the layout's, CSV lines with their physical line numbers, the blank line and footer that
close a DataBank export, and the World Bank's three-character codes.

These differ from the generic readers in `tables` on purpose and in detail (the number syntax,
the wording of errors, CSV line numbers at the end of a record, '' for an empty cell), so the
World Bank parsers keep them: the same file read twice must fail with the same message.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ictstats.errors import LayoutError
from ictstats.extract.tables import read_csv_text
from ictstats.extract.workbook import Grid, read_sheets

WB_CODE = r"^[A-Z0-9]{3}$"  # ISO3 for economies, and WB aggregate codes (WLD, HIC, EAS, ...)
YEARS = (1960, 2100)
TOTAL = "_T"
_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

PathLike = str | Path
Lines = list[tuple[int, list[str]]]  # (physical line number, fields) of each CSV record


def stripped(value: Any) -> str:
    """A cell as stripped text; calamine gives '' for empty cells, CSV readers give ''."""
    return "" if value is None else str(value).strip()


def is_blank(cells: Sequence[Any]) -> bool:
    """A row with nothing but blanks: the end of a table."""
    return not any(stripped(c) for c in cells)


def wb_number(text: str, file_name: str, where: str, missing: str | None) -> float:
    """Parse a numeric cell; anything else is named, since it is text where a value belongs."""
    if not _NUMBER.fullmatch(text):
        marker = f" or {missing!r} (missing)" if missing is not None else ""
        raise LayoutError(file_name, None, where, f"expected a number{marker}, found {text!r}")
    return float(text)


def check_header(
    found: Sequence[Any],
    expected: Sequence[str],
    file_name: str,
    sheet: str | None,
    locate: Callable[[int], str],
) -> None:
    """The first columns must be exactly `expected`; extra named columns are not explained."""
    for col, want in enumerate(expected):
        got = stripped(found[col]) if col < len(found) else ""
        if got != want:
            raise LayoutError(
                file_name, sheet, locate(col), f"expected column header {want!r}, found {got!r}"
            )
    extra = [
        (col, stripped(v)) for col, v in enumerate(found) if col >= len(expected) and stripped(v)
    ]
    if extra:
        col, got = extra[0]
        raise LayoutError(
            file_name,
            sheet,
            locate(col),
            f"expected no column after {expected[-1]!r}, found {got!r}",
        )


def read_grids(path: PathLike, sheets: list[str], file_name: str) -> dict[str, Grid]:
    """`read_sheets`, with errors naming the file as the caller knows it."""
    try:
        return read_sheets(Path(path), sheets)
    except LayoutError as exc:
        raise LayoutError(file_name, exc.sheet, exc.cell, exc.problem) from exc


def csv_lines(path: PathLike, file_name: str, *, final_line_break: bool = False) -> Lines:
    """Rows with their 1-based physical line numbers, so every location opens in an editor.

    Read as text with the csv module (BOM dropped): nothing is converted, so '..' and '' stay
    visible as the layout's missing markers.
    """
    text = read_csv_text(path, file_name, final_line_break=final_line_break)
    try:
        with io.StringIO(text, newline="") as handle:
            reader = csv.reader(handle, strict=True)
            return [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise LayoutError(file_name, None, None, f"expected a well-formed CSV ({exc})") from exc


def split_trailer(lines: Lines, prefixes: tuple[str, ...], file_name: str) -> Lines:
    """Data rows run to the first blank line; after it only blank lines or known footer lines."""
    end = next((i for i, (_, cells) in enumerate(lines) if is_blank(cells)), len(lines))
    if prefixes and not any(
        cells and stripped(cells[0]).startswith(prefixes) for _, cells in lines[end:]
    ):  # the export always closes with them: without, the file was cut short
        where = f"row {lines[-1][0]}" if lines else None
        raise LayoutError(
            file_name, None, where, f"expected footer lines starting {list(prefixes)}; truncated?"
        )
    for number, cells in lines[end:]:
        first, rest = stripped(cells[0]) if cells else "", cells[1:]
        if is_blank(cells) or (prefixes and first.startswith(prefixes) and is_blank(rest)):
            continue
        allowed = f" or footer lines starting {list(prefixes)}" if prefixes else ""
        raise LayoutError(
            file_name,
            None,
            f"row {number}",
            f"expected only blank lines{allowed} after the data (its first blank line), "
            f"found {','.join(cells)[:80]!r}",
        )
    return lines[:end]


def checked_code(code: str, file_name: str, sheet: str | None, where: str) -> str:
    """A World Bank economy or aggregate code, else a LayoutError naming `where`."""
    if not re.fullmatch(WB_CODE, code):
        raise LayoutError(
            file_name,
            sheet,
            where,
            f"expected a World Bank code (3 capitals/digits), found {code!r}",
        )
    return code


def cell_at(grid: Grid, row: int, col: int) -> Any:
    """The cell's value, '' beyond the grid's edge (calamine trims short rows)."""
    return grid[row][col] if row < len(grid) and col < len(grid[row]) else ""
