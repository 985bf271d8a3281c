"""Today's World Bank classification of economies (CLASS): region, income group, lending
category, and the members of each World Bank aggregate.

Where it sits: sources (verified file) -> **parse** -> validate -> reference tables. Layout
`wb_class`, function `parse_wb_class` -> {'economies': ..., 'compositions': ...}.

Each sheet holds one table, described by a `SheetTableSpec` (header labels -> output column,
closed code lists, code patterns) and read by one reader: the header on the first non-blank row,
the data to the first blank row. A header, code or blank the spec does not explain stops the
parse with the sheet and cell. The historical classification is `income_history`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pandera.pandas as pa

from ictstats.errors import LayoutError
from ictstats.extract.tables import file_label
from ictstats.extract.wb_conventions import (
    WB_CODE,
    PathLike,
    cell_at,
    check_header,
    is_blank,
    read_grids,
    stripped,
)
from ictstats.extract.workbook import Grid, cell_ref
from ictstats.transform.schemas import validate

CLASS_INCOME_GROUPS = ("Low income", "Lower middle income", "Upper middle income", "High income")
CLASS_LENDING_CATEGORIES = ("IDA", "IBRD", "Blend")
CLASS_REGIONS = (
    "East Asia & Pacific",
    "Europe & Central Asia",
    "Latin America & Caribbean",
    "Middle East & North Africa",
    "North America",
    "South Asia",
    "Sub-Saharan Africa",
)


@dataclass(frozen=True)
class ColumnSpec:
    header: str
    name: str
    allowed: tuple[str, ...] | None = None  # a closed code list, or None for free text
    pattern: str | None = None
    required: bool = True  # a blank cell is an error; otherwise it becomes None


@dataclass(frozen=True)
class SheetTableSpec:
    """A sheet holding one table: header on the first non-blank row, data to the first blank row.

    After the blank row only the first `trailer_columns` columns may be filled (CLASS lists its
    aggregates there with name and code only); anything else means the table moved.
    """

    sheet: str
    columns: tuple[ColumnSpec, ...]
    output: tuple[str, ...]
    trailer_columns: int = 0
    location_column: str | None = None  # its cell becomes `source_location`


CLASS_ECONOMIES = SheetTableSpec(
    sheet="List of economies",
    columns=(
        ColumnSpec("Economy", "name"),
        ColumnSpec("Code", "iso3", pattern=WB_CODE),
        ColumnSpec("Region", "region", allowed=CLASS_REGIONS),
        ColumnSpec("Income group", "income_group", CLASS_INCOME_GROUPS, required=False),
        ColumnSpec(
            "Lending category", "lending_category", CLASS_LENDING_CATEGORIES, required=False
        ),
    ),
    output=("iso3", "name", "region", "income_group", "lending_category", "source_location"),
    trailer_columns=2,
    location_column="iso3",
)

CLASS_COMPOSITIONS = SheetTableSpec(
    sheet="compositions",
    columns=(
        ColumnSpec("WB_Group_Code", "group_code", pattern=WB_CODE),
        ColumnSpec("WB_Group_Name", "group_name"),
        ColumnSpec("WB_Country_Code", "iso3", pattern=WB_CODE),
        ColumnSpec("WB_Country_Name", "name"),
    ),
    output=("group_code", "group_name", "iso3", "name"),
)

CLASS_ECONOMIES_SCHEMA = pa.DataFrameSchema(
    {
        "iso3": pa.Column(str, pa.Check.str_matches(WB_CODE), unique=True),
        "name": pa.Column(str, pa.Check.str_length(min_value=1)),
        "region": pa.Column(str, pa.Check.isin(list(CLASS_REGIONS))),
        "income_group": pa.Column(str, pa.Check.isin(list(CLASS_INCOME_GROUPS)), nullable=True),
        "lending_category": pa.Column(
            str, pa.Check.isin(list(CLASS_LENDING_CATEGORIES)), nullable=True
        ),
        "source_location": pa.Column(str, pa.Check.str_matches(r"^List of economies![A-Z]+\d+$")),
    },
    strict=True,
    ordered=True,
    name="wb_class economies",
)

CLASS_COMPOSITIONS_SCHEMA = pa.DataFrameSchema(
    {
        "group_code": pa.Column(str, pa.Check.str_matches(WB_CODE)),
        "group_name": pa.Column(str, pa.Check.str_length(min_value=1)),
        "iso3": pa.Column(str, pa.Check.str_matches(WB_CODE)),
        "name": pa.Column(str, pa.Check.str_length(min_value=1)),
    },
    unique=["group_code", "iso3"],
    strict=True,
    ordered=True,
    name="wb_class compositions",
)


def _table_cell(value: Any, column: ColumnSpec, file_name: str, sheet: str, cell: str) -> Any:
    """One checked cell: required, in its code list, matching its pattern."""
    text = stripped(value)
    if not text:
        if column.required:
            raise LayoutError(file_name, sheet, cell, f"expected a {column.header}, found a blank")
        return None
    if column.allowed is not None and text not in column.allowed:
        raise LayoutError(
            file_name,
            sheet,
            cell,
            f"expected a {column.header} among {list(column.allowed)} or blank, found {text!r}",
        )
    if column.pattern is not None and not re.fullmatch(column.pattern, text):
        raise LayoutError(
            file_name,
            sheet,
            cell,
            f"expected a {column.header} matching {column.pattern}, found {text!r}",
        )
    return text


def _check_trailer(grid: Grid, start: int, spec: SheetTableSpec, file_name: str) -> None:
    for row in range(start, len(grid)):
        extra = [c for c, v in enumerate(grid[row]) if c >= spec.trailer_columns and stripped(v)]
        if extra:
            kept = [c.header for c in spec.columns[: spec.trailer_columns]] or "nothing"
            raise LayoutError(
                file_name,
                spec.sheet,
                cell_ref(row, extra[0]),
                f"expected only {kept} after the table's first blank row, "
                f"found {stripped(grid[row][extra[0]])!r}",
            )


def _sheet_table(grid: Grid, spec: SheetTableSpec, file_name: str) -> pd.DataFrame:
    """Read one sheet table described by `spec` into its output columns."""
    top = next((r for r, cells in enumerate(grid) if not is_blank(cells)), None)
    if top is None:
        raise LayoutError(file_name, spec.sheet, None, "expected a table; the sheet is empty")
    headers = [c.header for c in spec.columns]
    check_header(grid[top], headers, file_name, spec.sheet, lambda col: cell_ref(top, col))
    records, row = [], top + 1
    while row < len(grid) and not is_blank(grid[row]):
        record = {
            column.name: _table_cell(
                cell_at(grid, row, col), column, file_name, spec.sheet, cell_ref(row, col)
            )
            for col, column in enumerate(spec.columns)
        }
        if spec.location_column is not None:
            col = [c.name for c in spec.columns].index(spec.location_column)
            record["source_location"] = f"{spec.sheet}!{cell_ref(row, col)}"
        records.append(record)
        row += 1
    _check_trailer(grid, row, spec, file_name)
    return pd.DataFrame.from_records(records, columns=list(spec.output))


def parse_wb_class(path: PathLike, file_name: str | None = None) -> dict[str, pd.DataFrame]:
    """CLASS.xlsx (`wb_class`) -> {'economies': ..., 'compositions': ...}.

    Only the economy rows above the blank row are economies; the aggregate list below it
    (name and code only) is the set of groups that `compositions` spells out member by member.
    """
    name = file_label(path, file_name)
    grids = read_grids(path, [CLASS_ECONOMIES.sheet, CLASS_COMPOSITIONS.sheet], name)
    economies = _sheet_table(grids[CLASS_ECONOMIES.sheet], CLASS_ECONOMIES, name)
    compositions = _sheet_table(grids[CLASS_COMPOSITIONS.sheet], CLASS_COMPOSITIONS, name)
    return {
        "economies": validate(economies, CLASS_ECONOMIES_SCHEMA, name),
        "compositions": validate(compositions, CLASS_COMPOSITIONS_SCHEMA, name),
    }
