"""Sheet repeats that disagree with the published cell, as a table and a text a reviewer reads.

Where it sits: parse (`duplicate_cells`, the warehouse's `sheet_repeats`) -> **disagreements**
-> the `sheet_repeats_agree` warning check.

The breakdown sheets of ITU's aggregates workbooks repeat the totals of the first sheets. The
first sheet in layout order is the published observation; a repeat with another value is the
publisher disagreeing with itself (Nov 2025 `By gender` SIDS mobile ownership; Jan 2022 Africa
and Europe 4G coverage 2018 on `By BDT region` against `By urban-rural area`). Both cells are
reported, never reconciled: values from the publisher do not move.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from ictstats import metadata
from ictstats.transform import schemas

KEY = ["edition", *metadata.KEY]
COLUMNS = [
    *KEY,
    "source_location_published",
    "value_published",
    "source_location",
    "value",
    "difference",
]
HEADERS = {  # what a reader sees in the check's text
    "source_location_published": "published cell (first sheet)",
    "value_published": "published value",
    "source_location": "repeat cell",
    "value": "repeat value",
    "difference": "repeat - published",
}


def disagreements(sheet_repeats: pd.DataFrame) -> pd.DataFrame:
    """Every repeat whose value differs from the published cell: both cells, both values."""
    found = schemas.repeat_disagreements(sheet_repeats)
    if found.empty:
        return pd.DataFrame(columns=COLUMNS)
    found = found[[c for c in COLUMNS if c in found]]
    found["difference"] = found["difference"].round(9)  # no float noise: 37.7 - 27.8 = -9.9
    return found.sort_values([c for c in KEY if c in found]).reset_index(drop=True)


def describe(table: pd.DataFrame) -> str:
    """The count and every disagreement as a markdown table."""
    if table.empty:
        return "Every sheet repeat equals its published (first-sheet) cell."
    editions = ", ".join(f"{e} {n}" for e, n in table.groupby("edition").size().items())
    shown = table.rename(columns=HEADERS)
    return (
        f"{len(table)} sheet repeat(s) differ from the published cell, the first sheet in "
        f"layout order ({editions}). Values are kept as published; every pair:\n\n"
        + shown.to_markdown(index=False, floatfmt=".10g")
    )


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Plain JSON rows (no numpy types) for check metadata."""
    return json.loads(table.to_json(orient="records", double_precision=15))
