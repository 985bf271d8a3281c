"""Table-driven parser for every edition of ITU's "Key ICT indicator aggregates" workbooks.

Where it sits: sources (verified file) -> **parse** -> validate -> warehouse.

All knowledge of the workbooks lives in `layouts/itu_aggregates.yaml`. The parser scans each
sheet top to bottom with a small state machine: breakdown labels (Total/Urban/...), the year
header and the columns of the unit labels persist until replaced, a block title in column A names
the series, and each entity row yields one observation per value cell. Units never cross a block
boundary: each block takes them from its own header rows or title, else from the layout, which
declares every block's units (Oct 2019 and Jan 2022 print no unit over their coverage blocks,
which sit under "Per 100 inhabitants" subscription blocks but are percentages). Blocks are found
by their labels, never by row numbers, so a block that moves still parses; a label, number or
text that the layout does not explain stops the parse with the workbook, sheet and cell.

The breakdown sheets repeat the totals of the first sheets (e.g. World Internet use appears on
four sheets). The first sheet in layout order holds the published observation; the repeats are
returned as `duplicate_cells` so that a check can show where the publisher disagrees with itself
(the Nov 2025 `By gender` SIDS mobile-ownership total is such a case).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ictstats.errors import LayoutError
from ictstats.extract.workbook import Grid, cell_ref, column_letter, read_sheets
from ictstats.metadata.codes import SERIES

KEY = ["series", "entity", "sex", "area", "age", "year", "unit"]
TOTAL = {"sex": "_T", "area": "_T", "age": "_T"}
MISSING_MARKERS = {"n/a"}
YEAR_RANGE = range(1990, 2101)
_YEAR_TEXT = re.compile(r"^(\d{4})(\*?)$")
_TITLE_YEAR = re.compile(r",\s*(\d{4})$")


def normalise_label(text: str) -> str:
    """Compare labels the way a reader does: no footnote stars, single spaces, any case."""
    return " ".join(text.replace("*", "").split()).casefold()


@dataclass(frozen=True)
class Vocabulary:
    """The parsed contents of `layouts/itu_aggregates.yaml`."""

    series_titles: dict[str, str]
    title_unit_suffixes: dict[re.Pattern[str], str]  # title suffix -> unit of the first column
    unit_labels: dict[str, str]
    breakdown_labels: dict[str, dict[str, str]]
    entity_labels: dict[str, str]
    sheet_title_patterns: list[re.Pattern[str]]
    notes_patterns: list[re.Pattern[str]]
    layouts: dict[str, dict[str, Any]]
    # layout -> sheet -> series -> [{entities, years: [first, last]}] per occurrence in the sheet
    required: dict[str, dict[str, dict[str, list[dict[str, Any]]]]]

    def layout(self, name: str) -> dict[str, Any]:
        if name not in self.layouts:
            raise KeyError(f"unknown ITU aggregates layout {name!r}; known: {sorted(self.layouts)}")
        return self.layouts[name]


@cache
def load_vocabulary() -> Vocabulary:
    text = (Path(__file__).parents[1] / "layouts" / "itu_aggregates.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)

    def keyed(mapping: dict[str, Any]) -> dict[str, Any]:
        return {normalise_label(k): v for k, v in mapping.items()}

    return Vocabulary(
        series_titles=keyed(raw["series_titles"]),
        title_unit_suffixes={re.compile(p): u for p, u in raw["title_unit_suffixes"].items()},
        unit_labels=keyed(raw["unit_labels"]),
        breakdown_labels=keyed(raw["breakdown_labels"]),
        entity_labels=keyed(raw["entity_labels"]),
        sheet_title_patterns=[re.compile(p) for p in raw["sheet_title_patterns"]],
        notes_patterns=[re.compile(p) for p in raw["notes_patterns"]],
        layouts=raw["layouts"],
        required=raw.get("required", {}),
    )


def layout_names() -> list[str]:
    return sorted(load_vocabulary().layouts)


LAYOUT_UNIT = "layouts/itu_aggregates.yaml"  # unit_source of a unit the block does not print
# The one declaration of each series' units (ictstats.metadata.codes): a unit outside it is an
# error even when the label is a known unit, so `internet_use` can never be stored `per_100`.
ALLOWED_UNITS = {s.id: (s.unit, *s.other_units) for s in SERIES}
BLANK_RULE = (
    "blank cell under a year or breakdown header in an entity row: ITU writes 'N/A' where it "
    "has no value, so a blank is a dropped value (or a formula saved without its value); "
    "restore the value or 'N/A' from the publisher's file"
)


@dataclass
class _BlockSeen:
    """One occurrence of a block in a sheet: what its rows and header carry."""

    series: str
    title_cell: str
    entities: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class _UnitLabel:
    """A unit printed in the workbook: a header label or a block title's suffix."""

    label: str
    unit: str
    row: int
    col: int


@dataclass
class _SheetState:
    """What the rows read so far say about the columns of the rows still to come."""

    unit_columns: set[int] = field(default_factory=set)  # columns a unit label ever opened
    pending_units: dict[int, _UnitLabel] = field(default_factory=dict)  # read since last entity
    block_units: dict[int, _UnitLabel] = field(default_factory=dict)  # the current block's own
    title_unit: _UnitLabel | None = None  # the current block title's unit suffix
    block_has_rows: bool = False  # an entity row of the current block was read
    breakdowns: dict[int, tuple[str, dict[str, str]]] = field(default_factory=dict)
    years: dict[int, tuple[int, bool]] = field(default_factory=dict)  # col -> (year, estimate)
    segment_start: dict[int, int] = field(default_factory=dict)  # year col -> first col of run
    series: str | None = None
    title: str | None = None
    block_year: int | None = None
    in_notes: bool = False


def _nearest_left(mapping: dict[int, Any], col: int, floor: int = 0) -> Any | None:
    """Value of the closest key in [floor, col]: labels apply to the columns on their right."""
    keys = [k for k in mapping if floor <= k <= col]
    return mapping[max(keys)] if keys else None


@dataclass
class _SheetParser:
    vocab: Vocabulary
    workbook: str
    sheet: str
    block_units: dict[str, list[str]]  # series -> declared units, one per unit column
    # series -> what each occurrence must carry, in sheet order (None: not checked)
    required: dict[str, list[dict[str, Any]]] | None = None
    state: _SheetState = field(default_factory=_SheetState)
    occurrences: list[_BlockSeen] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    blocks_seen: dict[str, str] = field(default_factory=dict)  # series -> first title cell
    version_notes: list[str] = field(default_factory=list)

    def fail(self, row: int, col: int | None, problem: str) -> LayoutError:
        cell = cell_ref(row, col) if col is not None else f"row {row + 1}"
        return LayoutError(self.workbook, self.sheet, cell, problem)

    # -- row dispatch ---------------------------------------------------------------------
    def parse(self, grid: Grid) -> None:
        for r, row in enumerate(grid):
            first = row[0] if row else ""
            rest = [(c, v) for c, v in enumerate(row[1:], start=1) if v not in ("", None)]
            if first in ("", None):
                if rest:
                    self._header_cells(r, rest)
                continue
            if not isinstance(first, str):
                raise self.fail(r, 0, f"expected a label in column A, found the number {first!r}")
            self._labelled_row(r, first, rest)

    def _labelled_row(self, r: int, text: str, rest: list[tuple[int, Any]]) -> None:
        key = normalise_label(text)
        vocab = self.vocab
        if key in vocab.entity_labels and not self.state.in_notes:
            self._data_row(r, vocab.entity_labels[key], text, rest)
            return
        title, block_year, title_unit = self._split_title(key)
        if title in vocab.series_titles:
            self._block_title(r, vocab.series_titles[title], text, block_year, title_unit)
            if rest:
                self._header_cells(r, rest)
            return
        if any(p.search(key) for p in vocab.sheet_title_patterns) and not rest:
            return
        if any(p.search(key) for p in vocab.notes_patterns):
            self.state.in_notes = True
            return
        if self.state.in_notes and not rest:
            if key.startswith(("version ", "updated:")):
                self.version_notes.append(" ".join(text.split()))
            return
        raise self.fail(
            r,
            0,
            f"unknown label {text!r}: not a block title, entity or note known to the layout "
            "(add it to layouts/itu_aggregates.yaml if the publisher introduced it)",
        )

    def _split_title(self, key: str) -> tuple[str, int | None, tuple[str, str] | None]:
        """Title without its ', <year>' and unit suffix; the year; (suffix, unit) if any."""
        year, unit = None, None
        match = _TITLE_YEAR.search(key)
        if match:
            year, key = int(match.group(1)), key[: match.start()].strip()
        for pattern, suffix_unit in self.vocab.title_unit_suffixes.items():
            found = pattern.search(key)
            if found:
                unit = (found.group(0), suffix_unit)
                key = key[: found.start()].strip()
        return key, year, unit

    def _block_title(
        self,
        r: int,
        series: str,
        text: str,
        block_year: int | None,
        title_unit: tuple[str, str] | None,
    ) -> None:
        if series not in self.block_units:
            raise self.fail(r, 0, _not_in_layout(series))
        state = self.state
        state.series, state.title, state.in_notes = series, " ".join(text.split()), False
        state.block_year = block_year
        if block_year is not None:  # a single-year table has no year row of its own
            state.years, state.segment_start = {}, {}
        # A new block starts with the unit labels read since the last entity row and nothing
        # else: the labels of the block above stay with the block above.
        state.block_units, state.pending_units = state.pending_units, {}
        state.title_unit = _UnitLabel(*title_unit, r, 0) if title_unit else None
        state.block_has_rows = False
        self.blocks_seen.setdefault(series, cell_ref(r, 0))
        self.occurrences.append(_BlockSeen(series, cell_ref(r, 0)))

    # -- header rows: years, unit labels, breakdown labels ----------------------------------
    def _header_cells(self, r: int, cells: list[tuple[int, Any]]) -> None:
        years: dict[int, tuple[int, bool]] = {}
        breakdowns: dict[int, tuple[str, dict[str, str]]] = {}
        for c, value in cells:
            year = self._as_year(value)
            if year is not None:
                years[c] = year
                continue
            if not isinstance(value, str):
                raise self.fail(
                    r, c, f"expected a year or a label in a header row, found {value!r}"
                )
            key = normalise_label(value)
            if key in self.vocab.unit_labels:
                self._unit_label(_UnitLabel(value.strip(), self.vocab.unit_labels[key], r, c))
            elif key in self.vocab.breakdown_labels:
                breakdowns[c] = (" ".join(value.split()), self.vocab.breakdown_labels[key])
            else:
                raise self.fail(
                    r, c, f"unknown header label {value!r}: not a year, unit or breakdown label"
                )
        if years:
            self._set_years(years)
        if breakdowns:
            self.state.breakdowns = breakdowns
        self.state.in_notes = False

    def _unit_label(self, label: _UnitLabel) -> None:
        """A label between a title and its first entity row is the block's own; one below a
        block's entity rows waits for the next title (Oct 2019 prints units above the title)."""
        state = self.state
        state.unit_columns.add(label.col)
        if state.series is not None and not state.block_has_rows:
            state.block_units[label.col] = label
        else:
            state.pending_units[label.col] = label

    def _as_year(self, value: Any) -> tuple[int, bool] | None:
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float) and float(value).is_integer():
            return (int(value), False) if int(value) in YEAR_RANGE else None
        if isinstance(value, str):
            match = _YEAR_TEXT.match(value.strip())
            if match and int(match.group(1)) in YEAR_RANGE:
                return int(match.group(1)), match.group(2) == "*"  # '2019*' = ITU estimate
        return None

    def _set_years(self, years: dict[int, tuple[int, bool]]) -> None:
        state = self.state
        state.years, state.block_year, state.segment_start = years, None, {}
        start = None
        for c in sorted(years):
            if start is None or c - 1 not in years:
                start = c
            state.segment_start[c] = start

    # -- data rows ------------------------------------------------------------------------
    def _data_row(self, r: int, entity: str, label: str, cells: list[tuple[int, Any]]) -> None:
        state = self.state
        if state.series is None:
            raise self.fail(r, 0, f"entity row {label.strip()!r} before any block title")
        state.block_has_rows = True
        seen = self.occurrences[-1]
        seen.entities.add(entity)
        seen.years.update(
            {state.block_year}
            if state.block_year is not None
            else {y for y, _ in state.years.values()}
        )
        for c, value in cells:
            # 'N/A' too must sit under a year: a year row shifted over an all-N/A column would
            # otherwise move every value of the block to the previous year without a word
            year, estimate, breakdown = self._column_meaning(r, c)
            if isinstance(value, str) and normalise_label(value) in MISSING_MARKERS:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.fail(
                    r, c, f"text {value!r} in a numeric cell; expected a number or 'N/A'"
                )
            unit_label, unit, unit_source = self._unit_at(r, c)
            self.records.append(
                {
                    "series": state.series,
                    "entity": entity,
                    **TOTAL,
                    **breakdown[1],
                    "year": year,
                    "value": float(value),
                    "unit": unit,
                    "obs_status": "E" if estimate else "A",
                    "source_location": f"{self.sheet}!{cell_ref(r, c)}",
                    "sheet": self.sheet,
                    "block_title": state.title,
                    "entity_label": " ".join(label.split()),
                    "breakdown_label": breakdown[0],
                    "unit_label": unit_label,
                    "unit_source": unit_source,
                }
            )
        self._check_no_blank(r, {c for c, _ in cells})

    def _check_no_blank(self, r: int, filled: set[int]) -> None:
        """Every header column (year, or breakdown of a single-year table) is checked in every
        entity row, whether or not its column has values: a header cell over nothing is a
        shifted header, a dropped value or an uncalculated formula."""
        state = self.state
        columns = state.breakdowns if state.block_year is not None else state.years
        blank = sorted(set(columns) - filled)
        if blank:
            raise self.fail(r, blank[0], BLANK_RULE)

    def _column_meaning(self, r: int, c: int) -> tuple[int, bool, tuple[str, dict[str, str]]]:
        state = self.state
        total = ("Total", {})
        if state.block_year is not None:
            breakdown = state.breakdowns.get(c)
            if breakdown is None:
                raise self.fail(r, c, "value in a single-year table without a breakdown label")
            return state.block_year, False, breakdown
        if c not in state.years:
            raise self.fail(
                r,
                c,
                f"value or 'N/A' in column {column_letter(c)}, which has no year in the header "
                "row: the year row or this row is shifted",
            )
        year, estimate = state.years[c]
        if not state.breakdowns:
            return year, estimate, total
        breakdown = _nearest_left(state.breakdowns, c, floor=state.segment_start[c])
        if breakdown is None:
            raise self.fail(r, c, "value column has no Total/Female/Male/... label above it")
        return year, estimate, breakdown

    def _unit_at(self, r: int, c: int) -> tuple[str, str, str]:
        """(label, unit, where the unit is printed) of a value cell.

        The unit column is the nearest unit label column to the left (the sheet's geometry).
        Its unit is the block's own label there, else the title suffix (first column only),
        else the layout's declaration; a printed unit must agree with the declaration.
        """
        state = self.state
        starts = sorted(k for k in state.unit_columns if k <= c)
        if state.unit_columns and not starts:
            raise self.fail(r, c, "value left of every unit label of the sheet")
        index = len(starts) - 1 if starts else 0
        declared = self.block_units[str(state.series)]
        if index >= len(declared):
            raise self.fail(
                r,
                c,
                f"value in unit column {index + 1} of block {state.title!r}, for which "
                f"{LAYOUT_UNIT} declares {len(declared)} unit(s) {declared}; declare its unit",
            )
        printed = state.block_units.get(starts[-1]) if starts else None
        if printed is None and index == 0:
            printed = state.title_unit
        self._check_declared_allowed(r, c, declared[index])
        if printed is None:
            return "", declared[index], LAYOUT_UNIT
        if printed.unit != declared[index]:
            raise self.fail(
                printed.row,
                printed.col,
                f"the workbook labels block {state.title!r} {printed.label!r} ({printed.unit}) "
                f"but {LAYOUT_UNIT} declares {declared[index]!r} for this column; "
                + self._allowed_note(printed.unit)
                + "check which is right and correct the label or the layout",
            )
        return printed.label, printed.unit, f"{self.sheet}!{cell_ref(printed.row, printed.col)}"

    def _allowed_note(self, unit: str) -> str:
        allowed = ALLOWED_UNITS.get(str(self.state.series), ())
        if unit in allowed:
            return ""
        return (
            f"{unit!r} is not an allowed unit of series {self.state.series!r} "
            f"(ictstats.metadata.codes.SERIES allows {list(allowed)}); "
        )

    def _check_declared_allowed(self, r: int, c: int, declared: str) -> None:
        """The layout's unit of a column is one of the series' units declared in
        ictstats.metadata.codes (the one declaration of allowed units): a known unit on the
        wrong series changes what
        every value means."""
        note = self._allowed_note(declared)
        if note:
            raise self.fail(
                r,
                c,
                f"{LAYOUT_UNIT} declares {declared!r} for this column, but {note}correct "
                "the layout, or declare the unit in ictstats.metadata.codes if the publisher added "
                "one",
            )

    def check_required(self) -> None:
        """Each occurrence of a block carries the entities and years the layout requires."""
        if self.required is None:
            return
        for series, wanted in self.required.items():
            found = [o for o in self.occurrences if o.series == series]
            for number, (need, seen) in enumerate(zip(wanted, found, strict=False), start=1):
                lacking = [e for e in need["entities"] if e not in seen.entities]
                first, last = need["years"]
                years = [y for y in range(first, last + 1) if y not in seen.years]
                if lacking or years:
                    what = f"the row(s) of {lacking}" if lacking else f"the year(s) {years}"
                    raise LayoutError(
                        self.workbook,
                        self.sheet,
                        seen.title_cell,
                        f"block {series!r} (occurrence {number} in the sheet) lacks {what}, which "
                        f"{LAYOUT_UNIT} (`required`) says it must carry: was a row or year "
                        "column deleted? Restore it from the publisher's file",
                    )
            if len(found) < len(wanted):
                raise LayoutError(
                    self.workbook,
                    self.sheet,
                    found[-1].title_cell if found else None,
                    f"block {series!r} occurs {len(found)} time(s) in the sheet; {LAYOUT_UNIT} "
                    f"(`required`) lists {len(wanted)}",
                )


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
) -> _SheetParser:
    parser = _SheetParser(load_vocabulary(), workbook, sheet, blocks, required)
    parser.parse(grid)
    _check_blocks(parser, blocks)
    parser.check_required()
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


def _not_in_layout(series: str) -> str:
    return (
        f"block {series!r} is not part of this layout's sheet; is this a newer edition? "
        "Register it with its own layout."
    )


def _check_blocks(parser: _SheetParser, expected: dict[str, list[str]]) -> None:
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


def _unique_within_blocks(parser: _SheetParser) -> pd.DataFrame:
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
