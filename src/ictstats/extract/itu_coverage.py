"""Mobile-network population coverage by technology (2G to 5G), from the ITU DataHub long CSV.

Where it sits: sources (verified file) -> **parse** -> validate -> warehouse. Layout
`itu_datahub_long`, function `parse_itu_datahub_coverage`: one observation per economy
(ISO 3166 alpha-3), technology and year. Series and units come from the publisher-code tables
below; an unknown code stops the parse with its physical line rather than being lumped with a
known one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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
_BLANK = frozenset({""})  # an empty dataValue is the export's only missing marker
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
