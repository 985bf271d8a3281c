"""The third-party CSV extract of ITU's Nov 2025 urban/rural Internet-use block, years corrected.

Where it sits: sources -> **parse + correct** -> validate -> warehouse (edition
`itu-agg-2025-11-extract`, a secondary source kept for cross-checks only).

The extract (`country,year,internet_usage_percent`, 11 blocks of 14 entities) was written by a
script that read the sheet with the column labels of its first (coverage) block, so its `year`
column is wrong. PROVENANCE.md documents the true meaning of each block; `correct_extract_years`
applies exactly that mapping, and only to a file whose labels are exactly the documented ones.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ictstats.errors import LayoutError
from ictstats.extract.itu_vocabulary import load_vocabulary, normalise_label
from ictstats.transform.schemas import validate

HEADER = ["country", "year", "internet_usage_percent"]
ENTITIES_PER_BLOCK = 14

# (year label in the file, area, true year), one per block in file order. Rural 2023 is absent:
# its column had no numeric label and the extracting script dropped it.
MISLABELLED_BLOCKS: tuple[tuple[int, str, int], ...] = (
    (2015, "_T", 2022),
    (2016, "_T", 2023),
    (2017, "_T", 2024),
    (2018, "_T", 2025),
    (2020, "U", 2022),
    (2021, "U", 2023),
    (2022, "U", 2024),
    (2023, "U", 2025),
    (2025, "R", 2022),
    (2015, "R", 2024),
    (2016, "R", 2025),
)

RAW_SCHEMA = pa.DataFrameSchema(
    {
        "entity_label": pa.Column(str),
        "year_label": pa.Column("int64"),
        "value": pa.Column(float, pa.Check.in_range(0, 100)),
        "line": pa.Column("int64"),
        "source_location": pa.Column(str),
    },
    name="raw third_party_urban_rural_extract",
)


def read_extract(path: Path, file_name: str | None = None) -> pd.DataFrame:
    """The file as written: entity label, (wrong) year label, value, line number."""
    name = file_name or path.name
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle, strict=True))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise LayoutError(name, None, None, f"expected a UTF-8 CSV: {exc}") from None
    if not rows or rows[0] != HEADER:
        found = rows[0] if rows else "an empty file"
        raise LayoutError(name, None, "row 1", f"expected header {HEADER}, found {found}")
    records = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 3:
            raise LayoutError(name, None, f"row {line}", f"expected 3 fields, found {len(row)}")
        try:
            records.append((row[0], int(row[1]), float(row[2]), line))
        except ValueError:
            problem = f"year or value is not a number: {row}"
            raise LayoutError(name, None, f"row {line}", problem) from None
    frame = pd.DataFrame.from_records(
        records, columns=["entity_label", "year_label", "value", "line"]
    )
    frame["source_location"] = "row " + frame["line"].astype(str)
    return validate(frame, RAW_SCHEMA, name)


def correct_extract_years(raw: pd.DataFrame, file_name: str) -> pd.DataFrame:
    """Apply the documented block -> (area, year) mapping; refuse any other file shape."""
    expected_rows = len(MISLABELLED_BLOCKS) * ENTITIES_PER_BLOCK
    if len(raw) != expected_rows:
        last = f"row {raw['line'].iat[-1]}" if len(raw) else None
        raise LayoutError(
            file_name,
            None,
            last,
            f"expected {expected_rows} rows (11 blocks x 14), found {len(raw)}",
        )
    entity_codes = load_vocabulary().entity_labels
    records = []
    for position, (label, area, year) in enumerate(MISLABELLED_BLOCKS):
        block = raw.iloc[position * ENTITIES_PER_BLOCK : (position + 1) * ENTITIES_PER_BLOCK]
        if set(block["year_label"]) != {label}:
            raise LayoutError(
                file_name,
                None,
                f"row {block['line'].iat[0]}",
                f"block {position + 1} should carry the year label {label}, found "
                f"{sorted(set(block['year_label']))}; the documented correction "
                "does not apply to this file",
            )
        for row in block.itertuples():
            code = entity_codes.get(normalise_label(row.entity_label))
            if code is None:
                raise LayoutError(
                    file_name, None, f"row {row.line}", f"unknown entity label {row.entity_label!r}"
                )
            records.append(
                {
                    "series": "internet_use",
                    "entity_code": code,
                    "code_system": "group",
                    "entity_name": row.entity_label,
                    "sex": "_T",
                    "area": area,
                    "age": "_T",
                    "year": year,
                    "value": row.value,
                    "unit": "percent",
                    "obs_status": "A",
                    "source_location": f"row {row.line}, year label {label} -> {year}",
                }
            )
    return pd.DataFrame.from_records(records)


def parse_nov2025_urban_rural_extract(path: Path, file_name: str | None = None) -> pd.DataFrame:
    name = file_name or path.name
    return correct_extract_years(read_extract(path, name), name)
