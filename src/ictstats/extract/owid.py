"""Parser for Our World in Data grapher CSV downloads (`Entity, Code, Year, <value column>`).

Where it sits: sources (verified file) -> **parse** -> validate -> warehouse.

OWID republishes other publishers' series (here ITU via the World Bank, and UN urbanisation
via the World Bank), so these files are secondary: cross-checks and context, not the source
of ICT values. Codes are ISO3 for countries, `OWID_*` for OWID's own entities (World =
OWID_WRL, Kosovo = OWID_KOS) and empty for some aggregates (entity_code None).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ictstats.errors import LayoutError
from ictstats.extract.tables import (
    CSV_LOCATION,
    file_label,
    observation_frame,
    observation_schema,
    parse_number,
    parse_year,
    read_csv_table,
)
from ictstats.transform.schemas import validate

KEY_COLUMNS = ("Entity", "Code", "Year")
# value column header -> (series, unit). urban_population_share is not an ICT series: it is
# context for the urban/rural Internet-use figures and is not (yet) in codes.SERIES.
OWID_SERIES = {
    "Individuals using the Internet (% of population)": ("internet_use", "percent"),
    "Urban population (% of total population)": ("urban_population_share", "percent"),
}
OWID_CODE = r"^(?:[A-Z]{3}|OWID_[A-Z0-9_]+)$"
OWID_MISSING = frozenset({""})

OWID_GRAPHER_SCHEMA = observation_schema(
    "owid_grapher_csv",
    series_units=dict(OWID_SERIES.values()),
    code_system="owid",
    entity_code_pattern=OWID_CODE,
    years=(1950, 2100),
    key=["series", "entity_name", "year"],
    source_location_pattern=CSV_LOCATION,
)


def parse_owid_grapher(path: Path | str, file_name: str | None = None) -> pd.DataFrame:
    """One OWID grapher CSV -> observation frame; the value column's header names the series.

    The header is matched exactly against OWID_SERIES: OWID renames columns when the underlying
    indicator changes, and a silent rename would mix two series.
    """
    file = file_label(path, file_name)
    table = read_csv_table(path, file, KEY_COLUMNS, exact=False, final_line_break=True)
    series, unit, value_header = _series_of(table.header, file)
    records = []
    for row in table.rows:
        value = parse_number(
            row.values[value_header], OWID_MISSING, table.failer(row, value_header)
        )
        if value is None:
            continue
        code = row.values["Code"].strip()
        records.append(
            {
                "series": series,
                "entity_code": table.matching(row, "Code", OWID_CODE, "an ISO3 or OWID_ code")
                if code
                else None,
                "code_system": "owid",
                "entity_name": row.values["Entity"].strip(),
                "year": parse_year(row.values["Year"], table.failer(row, "Year")),
                "value": value,
                "unit": unit,
                "source_location": f"row {row.line}, {value_header}",
            }
        )
    return validate(observation_frame(records), OWID_GRAPHER_SCHEMA, file)


def _series_of(header: list[str], file: str) -> tuple[str, str, str]:
    """`Entity, Code, Year` then exactly one value column, whose header must be known."""
    if tuple(header[: len(KEY_COLUMNS)]) != KEY_COLUMNS or len(header) != len(KEY_COLUMNS) + 1:
        raise LayoutError(
            file, None, "row 1", f"header {header}, expected {[*KEY_COLUMNS, '<value column>']}"
        )
    value_header = header[-1]
    if value_header not in OWID_SERIES:
        raise LayoutError(
            file,
            None,
            "row 1",
            f"unknown value column {value_header!r}; expected one of {sorted(OWID_SERIES)}",
        )
    return (*OWID_SERIES[value_header], value_header)
