"""Reading one sheet of an ITU aggregates workbook, block by block, into value cells.

Where it sits: sources (verified file) -> **parse** -> validate -> warehouse. `itu_aggregates`
hands each sheet's grid to a `SheetParser` and checks what it found; the labels it knows come
from `itu_vocabulary`.

The parser scans the sheet top to bottom with a small state machine: breakdown labels
(Total/Urban/...), the year header and the columns of the unit labels persist until replaced, a
block title in column A names the series, and each entity row yields one value cell per value.
Units never cross a block boundary: each block takes them from its own header rows or title,
else from the layout, which declares every block's units (Oct 2019 and Jan 2022 print no unit
over their coverage blocks, which sit under "Per 100 inhabitants" subscription blocks but are
percentages). A label, number or text that the layout does not explain stops the parse with the
workbook, sheet and cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ictstats.errors import LayoutError
from ictstats.extract.itu_vocabulary import (
    ALLOWED_UNITS,
    LAYOUT_UNIT,
    Vocabulary,
    normalise_label,
)
from ictstats.extract.workbook import Grid, cell_ref, column_letter

TOTAL = {"sex": "_T", "area": "_T", "age": "_T"}
MISSING_MARKERS = {"n/a"}
YEAR_RANGE = range(1990, 2101)
_YEAR_TEXT = re.compile(r"^(\d{4})(\*?)$")
_TITLE_YEAR = re.compile(r",\s*(\d{4})$")
BLANK_RULE = (
    "blank cell under a year or breakdown header in an entity row: ITU writes 'N/A' where it "
    "has no value, so a blank is a dropped value (or a formula saved without its value); "
    "restore the value or 'N/A' from the publisher's file"
)


@dataclass
class BlockSeen:
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
class SheetParser:
    """One sheet read by `parse(grid)`: its value cells (`records`), the blocks it met (with the
    entities and years of each occurrence) and the version lines of its notes."""

    vocab: Vocabulary
    workbook: str
    sheet: str
    block_units: dict[str, list[str]]  # series -> declared units, one per unit column
    # series -> what each occurrence must carry, in sheet order (None: not checked)
    required: dict[str, list[dict[str, Any]]] | None = None
    state: _SheetState = field(default_factory=_SheetState)
    occurrences: list[BlockSeen] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    blocks_seen: dict[str, str] = field(default_factory=dict)  # series -> first title cell
    version_notes: list[str] = field(default_factory=list)

    def fail(self, row: int, col: int | None, problem: str) -> LayoutError:
        cell = cell_ref(row, col) if col is not None else f"row {row + 1}"
        return LayoutError(self.workbook, self.sheet, cell, problem)

    # -- row dispatch ---------------------------------------------------------------------
    def parse(self, grid: Grid) -> None:
        """Read the grid row by row: labelled rows in column A, header cells right of a blank."""
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
        self.occurrences.append(BlockSeen(series, cell_ref(r, 0)))

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


def _not_in_layout(series: str) -> str:
    return (
        f"block {series!r} is not part of this layout's sheet; is this a newer edition? "
        "Register it with its own layout."
    )
