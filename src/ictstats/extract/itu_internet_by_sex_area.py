"""ITU's country-level Internet use by sex and urban/rural area, and the age scope behind it.

Where it sits: sources (verified file) -> **parse** -> validate -> warehouse. Layout
`itu_country_by_sex_area_text` (`IndividualsUsingInternetByGender.xlsx`):

| function                        | returns                                                 |
|---------------------------------|---------------------------------------------------------|
| `parse_itu_country_by_sex_area` | observation frame, each economy's latest survey year    |
| `parse_itu_in_scope_population` | the in-scope population (15+, 16-74, ...) per economy   |

Columns are found from the two header rows (a group label persists to the right), so a moved
or added footnote column does not shift a value into the wrong breakdown. Economies are named
only (`code_system` 'name'). A header, title or value the tables below do not explain stops the
parse with a LayoutError naming the cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from ictstats.errors import LayoutError
from ictstats.extract.itu_internet_use import PERCENT_SERIES
from ictstats.extract.tables import (
    Fail,
    cell_text,
    file_label,
    normalise,
    observation_frame,
    observation_schema,
    parse_number,
    parse_year,
    read_sheet,
    sheet_location_pattern,
)
from ictstats.extract.workbook import Grid, cell_ref
from ictstats.transform.schemas import validate

BY_SEX_SHEET = "10. Individuals using the Inter"
IN_SCOPE_SHEET = "in-scope population"
# Sheet title (cell above the header rows) -> (series, unit)
BY_SEX_TITLES = {
    normalise(
        "Individuals using the Internet (from any location), by gender and urban/rural location (%)"
    ): ("internet_use", "percent"),
}
NAME_LABEL = "economy name"
# (group label in the upper header row, label in the lower header row) -> role or (sex, area)
BY_SEX_COLUMNS: dict[tuple[str, str], str | tuple[str, str]] = {
    ("", "economy name"): "entity_name",
    ("latest", "year"): "year",
    ("all", "individuals"): ("_T", "_T"),
    ("gender", "male"): ("M", "_T"),
    ("gender", "female"): ("F", "_T"),
    ("urban", "total"): ("_T", "U"),
    ("urban", "male"): ("M", "U"),
    ("urban", "female"): ("F", "U"),
    ("rural", "total"): ("_T", "R"),
    ("rural", "male"): ("M", "R"),
    ("rural", "female"): ("F", "R"),
}
BY_SEX_GROUPS = frozenset(group for group, _ in BY_SEX_COLUMNS)
BY_SEX_MISSING = frozenset({"..."})
HEADER_SEARCH_ROWS = 10
_FOOTNOTE_MARK = re.compile(r"^\(?[0-9a-z]{1,2}\)?$")
IN_SCOPE_HEADER = ("country", "in-scope population")

ITU_COUNTRY_BY_SEX_AREA_SCHEMA = observation_schema(
    "itu_country_by_sex_area_text",
    series_units=PERCENT_SERIES,
    code_system="name",
    entity_code_pattern=None,
    years=(1990, 2100),
    key=["series", "entity_name", "sex", "area", "year"],
    source_location_pattern=sheet_location_pattern(BY_SEX_SHEET),
    sexes=("_T", "F", "M"),
    areas=("_T", "U", "R"),
)

IN_SCOPE_SCHEMA = pa.DataFrameSchema(
    {
        "entity_name": pa.Column(str, pa.Check.str_length(min_value=1), unique=True),
        "in_scope_population": pa.Column(str, pa.Check.str_length(min_value=1)),
        "source_location": pa.Column(
            str, pa.Check.str_matches(sheet_location_pattern(IN_SCOPE_SHEET))
        ),
    },
    strict=True,
    ordered=True,
    name="itu_country_by_sex_area_text in-scope population",
)


@dataclass(frozen=True)
class _ByColumns:
    """Where the header rows put each column of the by-sex/area sheet."""

    header_row: int
    series: str
    unit: str
    name_col: int
    year_col: int
    values: dict[int, tuple[str, str]]  # col -> (sex, area)
    footnotes: list[int]


def parse_itu_country_by_sex_area(path: Path | str, file_name: str | None = None) -> pd.DataFrame:
    """ITU's `IndividualsUsingInternetByGender.xlsx` -> observation frame, one latest year each.

    Columns are found from the two header rows (group label persisting to the right), so a
    moved or added footnote column does not shift a value into the wrong breakdown.
    """
    file = file_label(path, file_name)
    grid = read_sheet(path, BY_SEX_SHEET, file)
    layout = _by_sex_columns(grid, file)
    records = []
    for row in _by_sex_data_rows(grid, layout, file):
        records.extend(_by_sex_row(grid, row, layout, file))
    return validate(observation_frame(records), ITU_COUNTRY_BY_SEX_AREA_SCHEMA, file)


def parse_itu_in_scope_population(path: Path | str, file_name: str | None = None) -> pd.DataFrame:
    """Sheet `in-scope population`: the age scope behind each economy's survey figure.

    Needed to read the by-sex values: ITU's base differs by economy (15+, 16-74, 6+, ...).
    """
    file = file_label(path, file_name)
    grid = read_sheet(path, IN_SCOPE_SHEET, file)
    for col, expected in enumerate(IN_SCOPE_HEADER):
        found = grid[0][col] if grid and col < len(grid[0]) else ""
        if normalise(found) != expected:
            raise LayoutError(
                file, IN_SCOPE_SHEET, cell_ref(0, col), f"header {found!r}, expected {expected!r}"
            )
    records = []
    for row in range(1, len(grid)):
        name, scope = (cell_text(v) for v in grid[row][:2])
        if not name and not scope:
            continue
        if not name or not scope:
            col = 0 if not name else 1
            raise LayoutError(
                file, IN_SCOPE_SHEET, cell_ref(row, col), "expected a country and its population"
            )
        location = f"{IN_SCOPE_SHEET}!{cell_ref(row, 1)}"
        records.append(
            {"entity_name": name, "in_scope_population": scope, "source_location": location}
        )
    frame = pd.DataFrame(records, columns=["entity_name", "in_scope_population", "source_location"])
    return validate(frame, IN_SCOPE_SCHEMA, file)


def _by_sex_fail(file: str, row: int, col: int) -> Fail:
    return lambda problem: LayoutError(file, BY_SEX_SHEET, cell_ref(row, col), problem)


def _by_sex_columns(grid: Grid, file: str) -> _ByColumns:
    """Find the header rows by the 'Economy name' label and map every column from its labels."""
    header = next(
        (
            r
            for r in range(1, min(len(grid), HEADER_SEARCH_ROWS))
            if normalise(grid[r][0]) == NAME_LABEL
        ),
        None,
    )
    if header is None:
        raise LayoutError(
            file, BY_SEX_SHEET, f"A1:A{HEADER_SEARCH_ROWS}", "no 'Economy name' header found"
        )
    series, unit = _by_sex_title(grid, header, file)
    group, roles, values, footnotes = "", {}, {}, []
    for col, cell in enumerate(grid[header]):
        if normalise(grid[header - 1][col]):
            group = normalise(grid[header - 1][col])
            if group not in BY_SEX_GROUPS:
                raise _by_sex_fail(file, header - 1, col)(
                    f"unknown group label {grid[header - 1][col]!r}; expected one of "
                    f"{sorted(BY_SEX_GROUPS - {''})}"
                )
        label = normalise(cell)
        if not label:
            footnotes.append(col)
            continue
        role = BY_SEX_COLUMNS.get((group, label))
        if role is None or role in roles or role in values.values():
            problem = "unknown" if role is None else "repeated"
            raise _by_sex_fail(file, header, col)(
                f"{problem} header {label!r} under group {group!r}; expected one of "
                f"{sorted(BY_SEX_COLUMNS)}"
            )
        if isinstance(role, tuple):
            values[col] = role
        else:
            roles[role] = col
    missing = [k for k, v in BY_SEX_COLUMNS.items() if v not in roles and v not in values.values()]
    if missing:
        raise LayoutError(file, BY_SEX_SHEET, f"row {header + 1}", f"header lacks {missing}")
    return _ByColumns(header, series, unit, roles["entity_name"], roles["year"], values, footnotes)


def _by_sex_title(grid: Grid, header: int, file: str) -> tuple[str, str]:
    """The sheet title above the header rows says what is measured."""
    for row in range(header - 2, -1, -1):
        if grid[row][0] != "":
            title = normalise(grid[row][0])
            if title not in BY_SEX_TITLES:
                raise _by_sex_fail(file, row, 0)(
                    f"unknown sheet title {grid[row][0]!r}; expected one of {sorted(BY_SEX_TITLES)}"
                )
            return BY_SEX_TITLES[title]
    raise _by_sex_fail(file, 0, 0)("no sheet title above the header rows")


def _by_sex_data_rows(grid: Grid, layout: _ByColumns, file: str) -> range:
    """Rows from below the header to the first row without an economy name.

    A year or value below that gap would be a table split in two: refuse it rather than drop it.
    """
    first = layout.header_row + 1
    end = next((r for r in range(first, len(grid)) if grid[r][layout.name_col] == ""), len(grid))
    checked = [layout.year_col, *layout.values]
    for row in range(end, len(grid)):
        for col in checked:
            if grid[row][col] != "":
                raise _by_sex_fail(file, row, col)(
                    f"{grid[row][col]!r} below the end of the table (row {end + 1} has no economy)"
                )
    return range(first, end)


def _by_sex_row(grid: Grid, row: int, layout: _ByColumns, file: str) -> list[dict[str, Any]]:
    cells = grid[row]
    for col in layout.footnotes:
        mark = cell_text(cells[col])
        if mark and not _FOOTNOTE_MARK.match(mark):
            raise _by_sex_fail(file, row, col)(
                f"{mark!r} in a footnote column; expected empty or a footnote mark such as '1'"
            )
    name = cell_text(cells[layout.name_col])
    year = parse_year(cells[layout.year_col], _by_sex_fail(file, row, layout.year_col))
    records = []
    for col, (sex, area) in layout.values.items():
        value = parse_number(cells[col], BY_SEX_MISSING, _by_sex_fail(file, row, col))
        if value is None:
            continue
        records.append(
            {
                "series": layout.series,
                "entity_code": None,
                "code_system": "name",
                "entity_name": name,
                "sex": sex,
                "area": area,
                "year": year,
                "value": value,
                "unit": layout.unit,
                "source_location": f"{BY_SEX_SHEET}!{cell_ref(row, col)}",
            }
        )
    return records
