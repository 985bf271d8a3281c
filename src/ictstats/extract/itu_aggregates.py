"""Table-driven parser for every edition of ITU's "Key ICT indicator aggregates" workbooks.

Where it sits: sources (verified file) -> **parse** -> validate -> warehouse.

All knowledge of the workbooks lives in `layouts/itu_aggregates.yaml` (loaded by
`itu_vocabulary`). Each sheet of the edition's layout is read by `itu_blocks.SheetParser`; this
module then checks what the sheet held (every block of the layout found and filled, each
occurrence carrying the entities and years the layout requires, no observation twice in one
block) and combines the sheets. Blocks are found by their labels, never by row numbers, so a
block that moves still parses.

The breakdown sheets repeat the totals of the first sheets (e.g. World Internet use appears on
four sheets). The first sheet in layout order holds the published observation; the repeats are
returned as `duplicate_cells` so that a check can show where the publisher disagrees with itself
(the Nov 2025 `By gender` SIDS mobile-ownership total is such a case).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ictstats.errors import LayoutError
from ictstats.extract.itu_blocks import SheetParser
from ictstats.extract.itu_vocabulary import LAYOUT_UNIT, load_vocabulary
from ictstats.extract.workbook import Grid, read_sheets
from ictstats.metadata import KEY


@dataclass
class ParsedWorkbook:
    """One edition's workbook: published observations, cross-sheet repeats, footer versions."""

    observations: pd.DataFrame
    duplicate_cells: pd.DataFrame
    version_notes: list[str]
    block_rows: pd.DataFrame  # rows per (sheet, series): the layout's fingerprint


def parse_itu_aggregates(
    path: Path, layout: str, workbook_name: str | None = None
) -> ParsedWorkbook:
    """Parse one ITU aggregates workbook with the named layout."""
    spec = load_vocabulary().layout(layout)
    name = workbook_name or path.name
    grids = read_sheets(path, list(spec["sheets"]))
    frames, versions = [], []
    required = load_vocabulary().required.get(layout, {})
    for sheet, sheet_spec in spec["sheets"].items():
        parser = _parse_sheet(grids[sheet], sheet_spec["blocks"], sheet, name, required.get(sheet))
        frames.append(_unique_within_blocks(parser))
        versions.extend(v for v in parser.version_notes if v not in versions)
    cells = pd.concat(frames, ignore_index=True)
    return _split_published(cells, versions)


def parse_sheet(
    grid: Grid,
    blocks: dict[str, list[str]],
    sheet: str = "Sheet1",
    workbook: str = "workbook",
    required: dict[str, list[dict[str, Any]]] | None = None,
) -> pd.DataFrame:
    """Every value cell of one sheet; `blocks` maps each series to its units, left to right;
    `required` what each occurrence of a block must carry (see the layout file)."""
    return _unique_within_blocks(_parse_sheet(grid, blocks, sheet, workbook, required))


def _parse_sheet(
    grid: Grid,
    blocks: dict[str, list[str]],
    sheet: str,
    workbook: str,
    required: dict[str, list[dict[str, Any]]] | None = None,
) -> SheetParser:
    parser = SheetParser(load_vocabulary(), workbook, sheet, blocks, required)
    parser.parse(grid)
    _check_blocks(parser, blocks)
    _check_required(parser)
    return parser


def block_units(parsed: ParsedWorkbook) -> pd.DataFrame:
    """Each block's units in sheet order, left to right, with where each unit is printed.

    Columns: sheet, block_title, unit, unit_label, unit_source, cells. A block listed twice in a
    sheet (Oct 2019: developed/developing, then regions) has a row per printed label.
    """
    cells = pd.concat([parsed.observations, parsed.duplicate_cells], ignore_index=True)
    where = cells["source_location"].str.extract(r"!([A-Z]+)(\d+)$")
    cells["row"] = where[1].astype(int)
    cells["col"] = where[0].map(_column_index)
    keys = ["sheet", "block_title", "unit", "unit_label", "unit_source"]
    table = cells.groupby(keys, sort=False).agg(
        row=("row", "min"), col=("col", "min"), cells=("row", "size")
    )
    table = table.reset_index()
    table["block_row"] = table.groupby(["sheet", "block_title"])["row"].transform("min")
    table["sheet_order"] = table["sheet"].map({s: i for i, s in enumerate(cells["sheet"].unique())})
    table = table.sort_values(["sheet_order", "block_row", "col", "row"])
    return table[[*keys, "cells"]].reset_index(drop=True)


def _column_index(letters: str) -> int:
    """'A' -> 0, 'AB' -> 27: the inverse of `column_letter`."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _check_blocks(parser: SheetParser, expected: dict[str, list[str]]) -> None:
    missing = [s for s in expected if s not in parser.blocks_seen]
    if missing:
        raise LayoutError(
            parser.workbook,
            parser.sheet,
            None,
            f"block(s) {missing} not found; blocks found: {sorted(parser.blocks_seen)}",
        )
    empty = [s for s in expected if not any(rec["series"] == s for rec in parser.records)]
    if empty:
        raise LayoutError(
            parser.workbook,
            parser.sheet,
            parser.blocks_seen[empty[0]],
            f"block {empty[0]!r} has no values",
        )


def _check_required(parser: SheetParser) -> None:
    """Each occurrence of a block carries the entities and years the layout requires."""
    if parser.required is None:
        return
    for series, wanted in parser.required.items():
        found = [o for o in parser.occurrences if o.series == series]
        for number, (need, seen) in enumerate(zip(wanted, found, strict=False), start=1):
            lacking = [e for e in need["entities"] if e not in seen.entities]
            first, last = need["years"]
            years = [y for y in range(first, last + 1) if y not in seen.years]
            if lacking or years:
                what = f"the row(s) of {lacking}" if lacking else f"the year(s) {years}"
                raise LayoutError(
                    parser.workbook,
                    parser.sheet,
                    seen.title_cell,
                    f"block {series!r} (occurrence {number} in the sheet) lacks {what}, which "
                    f"{LAYOUT_UNIT} (`required`) says it must carry: was a row or year "
                    "column deleted? Restore it from the publisher's file",
                )
        if len(found) < len(wanted):
            raise LayoutError(
                parser.workbook,
                parser.sheet,
                found[-1].title_cell if found else None,
                f"block {series!r} occurs {len(found)} time(s) in the sheet; {LAYOUT_UNIT} "
                f"(`required`) lists {len(wanted)}",
            )


def _unique_within_blocks(parser: SheetParser) -> pd.DataFrame:
    """A key twice in one block is a layout fault; twice in a sheet can be a legitimate repeat
    (the Jan 2022 sex and age tables share their Total column)."""
    frame = pd.DataFrame.from_records(parser.records)
    dup = frame[frame.duplicated([*KEY, "block_title"], keep=False)]
    if not dup.empty:
        first = dup.sort_values(KEY).head(2)["source_location"].tolist()
        raise LayoutError(
            parser.workbook,
            parser.sheet,
            first[-1].split("!")[-1],
            f"the same observation appears twice in one block ({' and '.join(first)}): "
            "a duplicated block or year column",
        )
    return frame


def _split_published(cells: pd.DataFrame, versions: list[str]) -> ParsedWorkbook:
    first = ~cells.duplicated(KEY, keep="first")
    observations = cells[first].reset_index(drop=True)
    repeats = cells[~first].merge(
        observations[[*KEY, "value", "source_location"]],
        on=KEY,
        suffixes=("", "_published"),
        validate="many_to_one",
    )
    block_rows = cells.groupby(["sheet", "series"], sort=False).size().rename("cells").reset_index()
    return ParsedWorkbook(observations, repeats.reset_index(drop=True), versions, block_rows)
