"""ITU's country-level Internet use, wide: `PercentIndividualsUsingInternet.xlsx`.

Where it sits: sources (verified file) -> **parse** -> validate -> warehouse. Layout
`itu_country_wide_value_notes_source`, function `parse_itu_country_internet`: one observation per
economy and year, with the note (age scope, survey period) and source ('ITU estimate.', the
national office) ITU publishes beside each value.

The sheet is `Indicator, Country`, then one `<YYYY>_value, <YYYY>_notes, <YYYY>_source` triplet
per year; economies are named only (`code_system` 'name', `entity_code` None). A renamed header,
an unknown indicator or text in a value cell stops the parse with a LayoutError naming the cell.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from ictstats.errors import LayoutError
from ictstats.extract.tables import (
    Fail,
    cell_text,
    file_label,
    observation_frame,
    observation_schema,
    parse_number,
    read_sheet,
    sheet_location_pattern,
)
from ictstats.extract.workbook import Grid, cell_ref
from ictstats.transform.schemas import validate

# The series of both Internet-use workbooks (this one and `itu_internet_by_sex_area`) -> unit
PERCENT_SERIES = {"internet_use": "percent"}

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
