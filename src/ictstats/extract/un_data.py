"""Parsers for UN Statistics Division files: the M49 code list and the SDG database export of
indicator 5.b.1 (mobile-phone ownership by sex).

Where it sits: sources (verified file) -> **parse** -> validate -> warehouse.

M49 is a reference table (codes, names, regions and the LDC/LLDC/SIDS flags) used to map M49
codes such as the SDG export's `GeoAreaCode` onto ISO3; the SDG export yields observations.
Both are read as text so that zero-padded codes ('004') and 'NA' (Namibia) survive.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ictstats.extract.tables import (
    CSV_LOCATION,
    file_label,
    observation_frame,
    observation_schema,
    parse_number,
    parse_year,
    read_csv_table,
    text_or_none,
)
from ictstats.transform.schemas import validate

# --- 4. un_m49_csv -------------------------------------------------------------------------

# output column -> UNSD header (text fields; '' -> None)
M49_TEXT_COLUMNS = {
    "m49": "M49 Code",
    "iso2": "ISO-alpha2 Code",
    "iso3": "ISO-alpha3 Code",
    "name": "Country or Area",
    "region": "Region Name",
    "sub_region": "Sub-region Name",
    "intermediate_region": "Intermediate Region Name",
}
M49_FLAG_COLUMNS = {
    "ldc": "Least Developed Countries (LDC)",
    "lldc": "Land Locked Developing Countries (LLDC)",
    "sids": "Small Island Developing States (SIDS)",
}
M49_HEADER = (
    "Global Code",
    "Global Name",
    "Region Code",
    "Region Name",
    "Sub-region Code",
    "Sub-region Name",
    "Intermediate Region Code",
    "Intermediate Region Name",
    "Country or Area",
    "M49 Code",
    "ISO-alpha2 Code",
    "ISO-alpha3 Code",
    "Least Developed Countries (LDC)",
    "Land Locked Developing Countries (LLDC)",
    "Small Island Developing States (SIDS)",
)
FLAG_VALUES = {"x": True, "": False}
M49_CODE = r"^\d{1,3}$"

M49_SCHEMA = pa.DataFrameSchema(
    {
        "m49": pa.Column(str, pa.Check.str_matches(r"^\d{3}$"), unique=True),
        "iso2": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{2}$"), nullable=True),
        "iso3": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{3}$"), nullable=True, unique=True),
        "name": pa.Column(str, pa.Check.str_length(min_value=1)),
        "region": pa.Column(str, nullable=True),
        "sub_region": pa.Column(str, nullable=True),
        "intermediate_region": pa.Column(str, nullable=True),
        "ldc": pa.Column(bool),
        "lldc": pa.Column(bool),
        "sids": pa.Column(bool),
        "source_location": pa.Column(str, pa.Check.str_matches(r"^row \d+$")),
    },
    strict=True,
    ordered=True,
    name="un_m49_csv",
)


def parse_un_m49(path: Path | str, file_name: str | None = None) -> pd.DataFrame:
    """UNSD's M49 CSV -> one row per country or area; empty names -> None, flags 'x' -> True.

    Antarctica has no region; that stays None rather than ''.
    """
    file = file_label(path, file_name)
    table = read_csv_table(path, file, M49_HEADER)
    records = []
    for row in table.rows:
        record = {out: text_or_none(row.values[header]) for out, header in M49_TEXT_COLUMNS.items()}
        code = table.matching(row, "M49 Code", M49_CODE, "a numeric M49 code of up to 3 digits")
        record["m49"] = code.zfill(3)
        for out, header in M49_FLAG_COLUMNS.items():
            record[out] = table.code(row, header, FLAG_VALUES)
        record["source_location"] = f"row {row.line}"
        records.append(record)
    frame = pd.DataFrame(records, columns=[*M49_TEXT_COLUMNS, *M49_FLAG_COLUMNS, "source_location"])
    return validate(frame, M49_SCHEMA, file)


# --- 5. un_sdg_export ----------------------------------------------------------------------

SDG_SERIES = {"IT_MOB_OWN": ("mobile_phone_ownership", "percent")}  # SeriesCode -> series, unit
SDG_UNITS = {"PERCENT": "percent"}
SDG_SEX = {"BOTHSEX": "_T", "FEMALE": "F", "MALE": "M"}
SDG_COLUMNS = ("SeriesCode", "GeoAreaCode", "GeoAreaName", "TimePeriod", "Value", "Sex", "Units")
SDG_MISSING = frozenset({""})

UN_SDG_MOBILE_OWNERSHIP_SCHEMA = observation_schema(
    "un_sdg_export",
    series_units=dict(SDG_SERIES.values()),
    code_system="m49",
    entity_code_pattern=r"^\d{3}$",
    years=(2000, 2100),
    key=["series", "entity_code", "sex", "year"],
    source_location_pattern=CSV_LOCATION,
    sexes=tuple(SDG_SEX.values()),
)


def parse_un_sdg_mobile_ownership(path: Path | str, file_name: str | None = None) -> pd.DataFrame:
    """SDG database export of IT_MOB_OWN (indicator 5.b.1) -> observation frame, code system m49.

    Age base: the SDG series is "proportion of individuals who own a mobile telephone" as each
    country surveyed it (15+, 16-74, 10+, ...), whereas ITU's aggregates series
    `mobile_phone_ownership` is defined for ages 10+. The export carries no age, so `age` is
    '_T' here; do not compare it with ITU's 10+ aggregates as if the bases were the same.

    The 2020.Q4 export holds four values above 100 % (Costa Rica 2016, South Africa 2015 male);
    they pass here and meet the unit ceiling on the canonical observations, where they are
    listed as reviewed publisher values.
    """
    file = file_label(path, file_name)
    table = read_csv_table(path, file, SDG_COLUMNS, exact=False, final_line_break=True)
    records = []
    for row in table.rows:
        series, unit = table.code(row, "SeriesCode", SDG_SERIES)
        if table.code(row, "Units", SDG_UNITS) != unit:
            raise table.fail(row.line, "Units", f"unit {row.values['Units']!r} is not {unit!r}")
        value = parse_number(row.values["Value"], SDG_MISSING, table.failer(row, "Value"))
        if value is None:
            continue
        code = table.matching(row, "GeoAreaCode", M49_CODE, "a numeric M49 code of up to 3 digits")
        records.append(
            {
                "series": series,
                "entity_code": code.zfill(3),
                "code_system": "m49",
                "entity_name": row.values["GeoAreaName"].strip(),
                "sex": table.code(row, "Sex", SDG_SEX),
                "year": parse_year(row.values["TimePeriod"], table.failer(row, "TimePeriod")),
                "value": value,
                "unit": unit,
                "source_location": f"row {row.line}, Value",
            }
        )
    frame = observation_frame(records)
    return validate(frame, UN_SDG_MOBILE_OWNERSHIP_SCHEMA, file)
