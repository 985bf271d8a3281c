"""Parser for DataHub's `country-codes` core dataset: one row per country with its ISO 3166,
M49 and ITU codes and names.

Where it sits: sources (verified file) -> **parse** -> validate -> warehouse.

A secondary compilation (ISO, UNSD, ITU, ...): used to map ITU's own country codes and M49 codes
onto ISO3, never as a source of values. Read as text so that 'NA' (Namibia) stays a code.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ictstats.extract.tables import file_label, read_csv_table, text_or_none
from ictstats.transform.schemas import validate

# output column -> DataHub header (the file has 56 columns; these are the ones we use)
COUNTRY_CODE_COLUMNS = {
    "iso3": "ISO3166-1-Alpha-3",
    "iso2": "ISO3166-1-Alpha-2",
    "m49": "M49",
    "itu_code": "ITU",
    "official_name_en": "official_name_en",
    "cldr_name": "CLDR display name",
    "is_independent": "is_independent",
}

DATAHUB_COUNTRY_CODES_SCHEMA = pa.DataFrameSchema(
    {
        "iso3": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{3}$"), unique=True),
        "iso2": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{2}$"), unique=True),
        "m49": pa.Column(str, pa.Check.str_matches(r"^\d{3}$"), unique=True),
        # ITU's codes are mostly three letters; a few old ones are one letter (B Brazil, G UK)
        "itu_code": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{1,3}$"), nullable=True),
        "official_name_en": pa.Column(str, nullable=True),
        "cldr_name": pa.Column(str, nullable=True),
        "is_independent": pa.Column(str, nullable=True),
        "source_location": pa.Column(str, pa.Check.str_matches(r"^row \d+$")),
    },
    strict=True,
    ordered=True,
    name="datahub_country_codes",
)


def parse_datahub_country_codes(path: Path | str, file_name: str | None = None) -> pd.DataFrame:
    """DataHub `country-codes.csv` -> code table; blank fields (incl. a lone no-break space,
    as in 14 of the ITU cells) -> None; M49 zero-padded to 3 digits to join with UNSD's list."""
    file = file_label(path, file_name)
    table = read_csv_table(
        path, file, list(COUNTRY_CODE_COLUMNS.values()), exact=False, final_line_break=True
    )
    records = []
    for row in table.rows:
        record = {out: text_or_none(row.values[src]) for out, src in COUNTRY_CODE_COLUMNS.items()}
        code = table.matching(row, "M49", r"^\d{1,3}$", "a numeric M49 code of up to 3 digits")
        record["m49"] = code.zfill(3)
        record["source_location"] = f"row {row.line}"
        records.append(record)
    frame = pd.DataFrame(records, columns=[*COUNTRY_CODE_COLUMNS, "source_location"])
    return validate(frame, DATAHUB_COUNTRY_CODES_SCHEMA, file)
