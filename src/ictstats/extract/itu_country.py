"""Parsers for ITU's country-level files: the wide Internet-use workbook, the by-sex/area
workbook and the ITU DataHub long CSV of mobile-network coverage.

Where it sits: sources (verified file) -> **parse** -> validate -> warehouse.

Each layout is described by the tables at the top of its section (header labels -> meaning,
publisher codes -> series and units); the functions only walk the file. Anything the tables do
not explain - a renamed header, an unknown series code, text in a numeric cell - stops the parse
with a LayoutError naming the file and the cell (workbooks) or the physical line (CSV).

The two workbooks name economies only (`code_system` 'name', `entity_code` None); the DataHub
file carries ISO 3166 alpha-3 codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from ictstats.errors import LayoutError
from ictstats.extract.tables import (
    CSV_LOCATION,
    Fail,
    cell_text,
    file_label,
    normalise,
    observation_frame,
    observation_schema,
    parse_number,
    parse_year,
    read_csv_table,
    read_sheet,
    sheet_location_pattern,
)
from ictstats.extract.workbook import Grid, cell_ref
from ictstats.transform.schemas import validate

PERCENT_SERIES = {"internet_use": "percent"}

# --- 1. itu_country_wide_value_notes_source ------------------------------------------------

INTERNET_SHEET = "Data"
INTERNET_LEADING = ("Indicator", "Country")
INTERNET_TRIPLET = ("value", "notes", "source")
# Indicator column text -> (series, unit)
INTERNET_INDICATORS = {"Internet users (%)": ("internet_use", "percent")}
_TRIPLET_HEADER = re.compile(r"^(\d{4})_([a-z]+)$")
_BLANK = frozenset({""})

ITU_COUNTRY_INTERNET_SCHEMA = observation_schema(
    "itu_country_wide_value_notes_source",
    series_units=PERCENT_SERIES,
    code_system="name",
    entity_code_pattern=None,
    years=(1990, 2100),
    key=["series", "entity_name", "year"],
    source_location_pattern=sheet_location_pattern(INTERNET_SHEET),
    extra_columns={"note": pa.Column(str), "source_note": pa.Column(str)},
)


def parse_itu_country_internet(path: Path | str, file_name: str | None = None) -> pd.DataFrame:
    """ITU's `PercentIndividualsUsingInternet.xlsx` -> observation frame plus `note`, `source_note`.

    The notes (age scope, survey period) and sources ('ITU estimate.', the national office) are
    kept as published, stripped, '' when empty: they explain breaks a user will see in a series.
    """
    file = file_label(path, file_name)
    grid = read_sheet(path, INTERNET_SHEET, file)
    years = _triplet_years(grid, file)
    records = [
        record
        for row in range(1, len(grid))
        if any(cell != "" for cell in grid[row])
        for record in _internet_row(grid, row, years, file)
    ]
    frame = observation_frame(records, extra_columns=("note", "source_note"))
    return validate(frame, ITU_COUNTRY_INTERNET_SCHEMA, file)


def _internet_fail(file: str, row: int, col: int) -> Fail:
    return lambda problem: LayoutError(file, INTERNET_SHEET, cell_ref(row, col), problem)


def _triplet_years(grid: Grid, file: str) -> dict[int, int]:
    """Check the header row; return {column of `<YYYY>_value`: year}."""
    header = grid[0] if grid else []
    for col, expected in enumerate(INTERNET_LEADING):
        found = header[col] if col < len(header) else ""
        if found != expected:
            raise _internet_fail(file, 0, col)(f"header {found!r}, expected {expected!r}")
    width = len(header)
    while width > len(INTERNET_LEADING) and header[width - 1] == "":
        width -= 1
    years: dict[int, int] = {}
    for col in range(len(INTERNET_LEADING), width, len(INTERNET_TRIPLET)):
        year = None
        for offset, field in enumerate(INTERNET_TRIPLET):
            found = header[col + offset] if col + offset < width else ""
            match = _TRIPLET_HEADER.match(str(found))
            if not match or match[2] != field or (year is not None and int(match[1]) != year):
                shown = f"<YYYY>_{field}" if year is None else f"{year}_{field}"
                raise _internet_fail(file, 0, col + offset)(
                    f"header {found!r}, expected {shown!r} (columns come in "
                    f"<YYYY>_value, <YYYY>_notes, <YYYY>_source triplets)"
                )
            year = int(match[1])
        if year in years.values():
            raise _internet_fail(file, 0, col)(f"year {year} appears in two triplets")
        years[col] = year
    if not years:
        raise _internet_fail(file, 0, len(INTERNET_LEADING))("no <YYYY>_value columns found")
    return years


def _internet_row(grid: Grid, row: int, years: dict[int, int], file: str) -> list[dict[str, Any]]:
    cells = grid[row]
    indicator, country = cells[0], cells[1]
    if indicator not in INTERNET_INDICATORS:
        raise _internet_fail(file, row, 0)(
            f"unknown indicator {indicator!r}; expected one of {sorted(INTERNET_INDICATORS)}"
        )
    if not isinstance(country, str) or not country.strip():
        raise _internet_fail(file, row, 1)(f"expected an economy name, found {country!r}")
    series, unit = INTERNET_INDICATORS[indicator]
    records = []
    for col, year in years.items():
        value = parse_number(cells[col], _BLANK, _internet_fail(file, row, col))
        if value is None:
            continue
        records.append(
            {
                "series": series,
                "entity_code": None,
                "code_system": "name",
                "entity_name": country.strip(),
                "year": year,
                "value": value,
                "unit": unit,
                "source_location": f"{INTERNET_SHEET}!{cell_ref(row, col)}",
                "note": cell_text(cells[col + 1]),
                "source_note": cell_text(cells[col + 2]),
            }
        )
    return records


# --- 2. itu_country_by_sex_area_text -------------------------------------------------------

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


# --- 3. itu_datahub_long -------------------------------------------------------------------

DATAHUB_COLUMNS = (
    "seriesID",
    "seriesCode",
    "seriesName",
    "seriesParent",
    "seriesUnits",
    "entityID",
    "entityIso",
    "entityName",
    "dataValue",
    "dataYear",
    "dataNote",
    "dataSource",
    "seriesDescription",
)
DATAHUB_SERIES = {
    "i271pop": "coverage_2g",
    "i271G": "coverage_3g",
    "i271GA": "coverage_4g",
    "i271G5_pop": "coverage_5g",
}
DATAHUB_UNITS = {"%": "percent"}
ISO3 = r"^[A-Z]{3}$"

ITU_DATAHUB_COVERAGE_SCHEMA = observation_schema(
    "itu_datahub_long",
    series_units={series: "percent" for series in DATAHUB_SERIES.values()},
    code_system="iso3",
    entity_code_pattern=ISO3,
    years=(1990, 2100),
    key=["series", "entity_code", "year"],
    source_location_pattern=CSV_LOCATION,
)


def parse_itu_datahub_coverage(path: Path | str, file_name: str | None = None) -> pd.DataFrame:
    """ITU DataHub export of population coverage by mobile technology -> observation frame.

    Series and units come from the tables above; an unknown code would otherwise be silently
    lumped with a known one, so it stops the parse with its line.
    """
    file = file_label(path, file_name)
    table = read_csv_table(path, file, DATAHUB_COLUMNS)
    records = []
    for row in table.rows:
        fields = row.values
        value = parse_number(fields["dataValue"], _BLANK, table.failer(row, "dataValue"))
        if value is None:
            continue
        records.append(
            {
                "series": table.code(row, "seriesCode", DATAHUB_SERIES),
                "entity_code": table.matching(row, "entityIso", ISO3, "an ISO 3166 alpha-3 code"),
                "code_system": "iso3",
                "entity_name": fields["entityName"].strip(),
                "year": parse_year(fields["dataYear"], table.failer(row, "dataYear")),
                "value": value,
                "unit": table.code(row, "seriesUnits", DATAHUB_UNITS),
                "source_location": f"row {row.line}, dataValue",
            }
        )
    return validate(observation_frame(records), ITU_DATAHUB_COVERAGE_SCHEMA, file)
