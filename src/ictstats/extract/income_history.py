"""Income groups through time: the World Bank's historical classification (OGHIST).

Where it sits: sources (verified file) -> **parse** -> validate -> reference tables. Layout
`wb_oghist`, function `parse_wb_oghist`: one row per economy and fiscal year with the income
group it was classified in, which is what ITU's income-group aggregates of that year are built on.

The sheet is read by its labels, not by row numbers: the 'Bank's fiscal year' and 'Data for
calendar year' labels anchor the two header rows, the economy codes sit in the column left of
them, and a gap below the current economies starts the former ones (Yugoslavia, ...). A code,
year or income code the layout does not explain stops the parse with the sheet and cell.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pandera.pandas as pa

from ictstats.errors import LayoutError
from ictstats.extract.tables import file_label
from ictstats.extract.wb_conventions import (
    WB_CODE,
    YEARS,
    PathLike,
    cell_at,
    read_grids,
    stripped,
)
from ictstats.extract.workbook import Grid, cell_ref, column_letter
from ictstats.transform.schemas import validate

OGHIST_SHEET = "Country Analytical History"
OGHIST_FISCAL_YEAR_LABEL = "bank's fiscal year"
OGHIST_GNI_YEAR_LABEL = "data for calendar year"
OGHIST_INCOME_CODES = ("L", "LM", "UM", "H")
OGHIST_THRESHOLD_LABELS = (  # rows between the header and the economies, compared by `_label`
    "low income (l)",
    "lower middle income (lm)",
    "upper middle income (um)",
    "high income (h)",
)
OGHIST_MISSING = ("", "..")
OGHIST_FLAG = "*"  # footnote: e.g. Yemen 'LM*' (Yemen PDR L + Yemen Arab Rep. LM, combined LM)
_OGHIST_CODE = re.compile(r"^(L|LM|UM|H)(\*?)$")
_FISCAL_YEAR = re.compile(r"^FY(\d{2})$")
_FORMER_CODE = r"^[A-Z0-9]{3}[a-z]?$"  # former economies include 'YUGf' (Yugoslavia, former)
FiscalYear = tuple[int, str, int]  # (column, 'FY26', GNI calendar year 2024)
OGHIST_COLUMNS = [
    "iso3",
    "name",
    "fiscal_year",
    "gni_year",
    "income_group",
    "flag",
    "former_economy",
    "source_location",
]


def _current_codes_are_iso3(frame: pd.DataFrame) -> pd.Series:
    return frame["former_economy"] | frame["iso3"].str.fullmatch(WB_CODE).fillna(False)


def _flag_needs_group(frame: pd.DataFrame) -> pd.Series:
    return (frame["flag"] == "") | frame["income_group"].notna()


OGHIST_SCHEMA = pa.DataFrameSchema(
    {
        "iso3": pa.Column(str, pa.Check.str_matches(_FORMER_CODE)),
        "name": pa.Column(str, pa.Check.str_length(min_value=1)),
        "fiscal_year": pa.Column(str, pa.Check.str_matches(_FISCAL_YEAR.pattern)),
        "gni_year": pa.Column("int64", pa.Check.in_range(*YEARS)),
        "income_group": pa.Column(str, pa.Check.isin(list(OGHIST_INCOME_CODES)), nullable=True),
        "flag": pa.Column(str, pa.Check.isin(["", OGHIST_FLAG])),
        "former_economy": pa.Column(bool),
        "source_location": pa.Column(str, pa.Check.str_matches(rf"^{OGHIST_SHEET}![A-Z]+[0-9]+$")),
    },
    checks=[
        pa.Check(_current_codes_are_iso3, name="current economies carry a 3-character code"),
        pa.Check(_flag_needs_group, name="a '*' flag only on a classified cell"),
    ],
    unique=["iso3", "fiscal_year"],
    strict=True,
    ordered=True,
    name="wb_oghist",
)


def _label(value: Any) -> str:
    """Compare labels the way a reader does: any case, single spaces, no trailing colon."""
    return " ".join(stripped(value).split()).rstrip(" :").casefold()


def _find_label(grid: Grid, label: str, file_name: str) -> tuple[int, int]:
    for row, cells in enumerate(grid):
        for col, value in enumerate(cells):
            if _label(value) == label:
                return row, col
    raise LayoutError(file_name, OGHIST_SHEET, None, f"expected a cell labelled {label!r}; none")


def _gni_year(value: Any, file_name: str, cell: str) -> int:
    text = stripped(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not re.fullmatch(r"\d{4}", text):
        raise LayoutError(file_name, OGHIST_SHEET, cell, f"expected a year, found {value!r}")
    return int(text)


def _oghist_years(
    grid: Grid, fy_row: int, gni_row: int, label_col: int, file_name: str
) -> list[FiscalYear]:
    """(column, 'FY26', 2024) for each column from the label to the last fiscal year.

    FYyy is classified on the GNI of calendar year yy - 2 (FY26 on 2024); checking that keeps
    the two header rows aligned. FY18-FY21 are formulas linked to another workbook, so a copy
    saved without their cached values shows a gap, which is named rather than skipped.
    """
    cells = grid[fy_row]
    filled = [c for c in range(label_col + 1, len(cells)) if stripped(cells[c])]
    if not filled:
        raise LayoutError(
            file_name, OGHIST_SHEET, cell_ref(fy_row, label_col), "expected fiscal years; none"
        )
    columns: list[FiscalYear] = []
    for col in range(label_col + 1, filled[-1] + 1):
        text = stripped(cells[col])
        match = _FISCAL_YEAR.fullmatch(text)
        if match is None:
            found = repr(text) if text else "a blank cell (a formula saved without its value?)"
            raise LayoutError(
                file_name,
                OGHIST_SHEET,
                cell_ref(fy_row, col),
                f"expected a fiscal year like 'FY26', found {found}",
            )
        gni = _gni_year(cell_at(grid, gni_row, col), file_name, cell_ref(gni_row, col))
        if (gni + 2) % 100 != int(match.group(1)):
            raise LayoutError(
                file_name,
                OGHIST_SHEET,
                cell_ref(gni_row, col),
                f"expected the calendar year 2 years before {text}, found {gni}",
            )
        columns.append((col, text, gni))
    return columns


def _oghist_economy_rows(
    grid: Grid, start: int, code_col: int, year_cols: list[int], file_name: str
) -> list[tuple[int, bool]]:
    """(row, former) of each economy below the header.

    The first run of coded rows is the current economies; coded rows after the gap (blank
    line, footnote) are former economies. An uncoded row may carry values only if it is one of
    the threshold rows above the economies, so a deleted code never drops an economy silently.
    """
    rows: list[tuple[int, bool]] = []
    gap = False
    for row in range(start, len(grid)):
        if stripped(cell_at(grid, row, code_col)):
            rows.append((row, gap))
            continue
        gap = gap or bool(rows)
        filled = [c for c in year_cols if stripped(cell_at(grid, row, c))]
        label = _label(cell_at(grid, row, code_col + 1))
        if filled and (rows or label not in OGHIST_THRESHOLD_LABELS):
            raise LayoutError(
                file_name,
                OGHIST_SHEET,
                cell_ref(row, code_col),
                f"expected an economy code for the row labelled "
                f"{stripped(cell_at(grid, row, code_col + 1))!r}, which has values (only the "
                "threshold rows above the economies have none), found a blank",
            )
    if not rows:
        raise LayoutError(file_name, OGHIST_SHEET, None, "expected economy rows; found none")
    return rows


def _income_code(value: Any, file_name: str, cell: str) -> tuple[str | None, str]:
    """('LM', '*') from 'LM*'; (None, '') for '..' (not classified) and blank."""
    text = stripped(value) if isinstance(value, str) else repr(value)
    if text in OGHIST_MISSING:
        return None, ""
    match = _OGHIST_CODE.fullmatch(text)
    if match is None:
        raise LayoutError(
            file_name,
            OGHIST_SHEET,
            cell,
            f"expected an income code {list(OGHIST_INCOME_CODES)} (optionally with '*'), "
            f"'..' or blank, found {text!r}",
        )
    return match.group(1), match.group(2)


def _oghist_economy(
    grid: Grid, row: int, former: bool, code_col: int, years: list[FiscalYear], file_name: str
) -> list[dict[str, Any]]:
    code, name = stripped(cell_at(grid, row, code_col)), stripped(cell_at(grid, row, code_col + 1))
    pattern = _FORMER_CODE if former else WB_CODE
    if not re.fullmatch(pattern, code):
        raise LayoutError(
            file_name,
            OGHIST_SHEET,
            cell_ref(row, code_col),
            f"expected an ISO3 code, found {code!r}",
        )
    if not name:
        raise LayoutError(
            file_name, OGHIST_SHEET, cell_ref(row, code_col + 1), "expected an economy name"
        )
    last, last_year, _ = max(years)
    beyond = [c for c in range(last + 1, len(grid[row])) if stripped(cell_at(grid, row, c))]
    if beyond:  # a row shifted right would otherwise give every year the previous year's code
        raise LayoutError(
            file_name,
            OGHIST_SHEET,
            cell_ref(row, beyond[0]),
            f"expected nothing right of the last fiscal-year column "
            f"({column_letter(last)}, {last_year}), "
            "found a value; is the row shifted?",
        )
    records = []
    for col, fiscal_year, gni_year in years:
        cell = cell_ref(row, col)
        group, flag = _income_code(cell_at(grid, row, col), file_name, cell)
        records.append(
            {
                "iso3": code,
                "name": name,
                "fiscal_year": fiscal_year,
                "gni_year": gni_year,
                "income_group": group,
                "flag": flag,
                "former_economy": former,
                "source_location": f"{OGHIST_SHEET}!{cell}",
            }
        )
    return records


def parse_wb_oghist(path: PathLike, file_name: str | None = None) -> pd.DataFrame:
    """OGHIST (`wb_oghist`) -> one row per economy and fiscal year with its income group.

    The historical classification is what ITU's income-group aggregates are built on, so every
    cell, including unclassified ones (income_group None), is kept with its cell reference.
    """
    name = file_label(path, file_name)
    grid = read_grids(path, [OGHIST_SHEET], name)[OGHIST_SHEET]
    fy_row, label_col = _find_label(grid, OGHIST_FISCAL_YEAR_LABEL, name)
    gni_row, gni_col = _find_label(grid, OGHIST_GNI_YEAR_LABEL, name)
    if gni_col != label_col or gni_row <= fy_row:
        raise LayoutError(
            name,
            OGHIST_SHEET,
            cell_ref(gni_row, gni_col),
            f"expected the calendar-year label below {cell_ref(fy_row, label_col)}",
        )
    if label_col == 0:
        raise LayoutError(
            name, OGHIST_SHEET, cell_ref(fy_row, 0), "expected the economy codes left of the labels"
        )
    years = _oghist_years(grid, fy_row, gni_row, label_col, name)
    code_col = label_col - 1
    economies = _oghist_economy_rows(grid, gni_row + 1, code_col, [c for c, _, _ in years], name)
    records = [
        record
        for row, former in economies
        for record in _oghist_economy(grid, row, former, code_col, years, name)
    ]
    frame = pd.DataFrame.from_records(records, columns=OGHIST_COLUMNS)
    frame = frame.astype({"gni_year": "int64", "former_economy": bool})
    return validate(frame, OGHIST_SCHEMA, name)
