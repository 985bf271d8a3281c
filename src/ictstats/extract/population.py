"""Population denominators: DataHub's long CSV of the World Bank's total population.

Where it sits: sources (verified file) -> **parse** -> validate -> reference tables. Layout
`datahub_population_long`, function `parse_datahub_population`: population per World Bank code
and year (WDI SP.POP.TOTL repackaged by DataHub), the denominators for turning ITU percentages
into people. Four fixed columns; every line must carry a code, a year and a whole number.
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
    check_header,
    checked_code,
    csv_lines,
    split_trailer,
    stripped,
    wb_number,
)
from ictstats.extract.workbook import column_letter
from ictstats.transform.schemas import validate

POPULATION_HEADERS = ("Country Name", "Country Code", "Year", "Value")
POPULATION_MAXIMUM = 20e9  # world population is about 8.2 billion

POPULATION_SCHEMA = pa.DataFrameSchema(
    {
        "code": pa.Column(str, pa.Check.str_matches(WB_CODE)),
        "name": pa.Column(str, pa.Check.str_length(min_value=1)),
        "year": pa.Column("int64", pa.Check.in_range(*YEARS)),
        "population": pa.Column("Int64", pa.Check.in_range(0, POPULATION_MAXIMUM)),
        "source_location": pa.Column(str, pa.Check.str_matches(r"^row [0-9]+$")),
    },
    unique=["code", "year"],
    strict=True,
    ordered=True,
    name="datahub_population_long",
)


def _population_row(number: int, cells: list[str], file_name: str) -> dict[str, Any]:
    """One line: a WB code, a four-digit year and a whole number of people."""
    if len(cells) != len(POPULATION_HEADERS):
        raise LayoutError(
            file_name, None, f"row {number}", f"expected 4 fields, found {len(cells)}"
        )
    name, code, year, value = (stripped(c) for c in cells)
    code = checked_code(code, file_name, None, f"row {number}, Country Code")
    if not re.fullmatch(r"\d{4}", year):
        raise LayoutError(
            file_name, None, f"row {number}, Year", f"expected a year, found {year!r}"
        )
    population = wb_number(value, file_name, f"row {number}, Value", None)
    if not population.is_integer():
        raise LayoutError(
            file_name, None, f"row {number}, Value", f"expected a whole number, found {value!r}"
        )
    return {
        "code": code,
        "name": name,
        "year": int(year),
        "population": int(population),
        "source_location": f"row {number}",
    }


def parse_datahub_population(path: PathLike, file_name: str | None = None) -> pd.DataFrame:
    """DataHub population.csv (WDI SP.POP.TOTL, long) -> code, name, year, population.

    The denominators for turning ITU percentages into people; a missing or non-integer value
    is an error because the long format has no missing marker.
    """
    name = file_label(path, file_name)
    lines = csv_lines(path, name, final_line_break=True)
    if not lines:
        raise LayoutError(name, None, "row 1", "expected a header line; the file is empty")
    number, header = lines[0]
    check_header(
        header, POPULATION_HEADERS, name, None, lambda c: f"row {number}, column {column_letter(c)}"
    )
    data = split_trailer(lines[1:], (), name)
    records = [_population_row(n, cells, name) for n, cells in data]
    frame = pd.DataFrame.from_records(records, columns=[*POPULATION_SCHEMA.columns])
    frame = frame.astype({"year": "int64", "population": "Int64"})
    return validate(frame, POPULATION_SCHEMA, name)
