"""Fault corpus: every source layout, broken on purpose, through the whole pipeline.

Run it with ``python -m tests.faults [--layout L] [--fault F] [--jobs 2] [--keep]``. It builds a
good warehouse once in a temporary folder, snapshots everything a reader can see (see
`snapshot`), then, for each fault, copies the good raw and curated folders, puts the faulty file
in the raw copy, registers its real SHA-256 in a temporary copy of the manifest (so the fault
reaches the parser, not the checksum gate; not for `checksum_mismatch` and `missing_file`), runs
the full Dagster job in process and requires:

1. the run stopped before the warehouse: it failed, and `warehouse` did not
   materialize (a failed blocking check counts as a stop);
2. ONE clear message ON THE TERMINAL (the progress text `ictstats run` prints, captured with
   `pipelines.terminal.terminal_text`; never Dagster's event log, which a user does not see): the
   failed step's error (one of ictstats' own errors, not an unexpected Python exception) or
   the failed blocking check's report, naming the file (file name or manifest id), a location
   (sheet/cell or ``row N`` for content faults, the sheet for sheet faults, the path for file
   faults) and the rule broken (`Fault.rule`);
3. the curated folder is byte-for-byte what it was (`snapshot`).

A fault that passes 1-2 is ``caught``; one that stops the run without such a message is
``UNCLEAR``; one that lets the run through is ``MISSED``.

A few faults keep every label valid and may be the publisher's own doing (Female and Male
swapped): they are ``expect="warn"``. The build must publish (a warning never blocks) and the
warning check `edition_changes` must fail with a description, the text the command line prints,
that states the rule and names the sheet and cell; ``caught`` then means warned, and the
warehouse changing is by design, not corruption. Before the faults, a control run (the
unchanged manifest on a copy) must rebuild and so change the snapshot: proof that the
comparison sees writes. Nothing is committed as a binary fixture: every faulty file is derived
from the verified mirror copy at run time, deterministically.

How the files are altered
-------------------------
* ``.xlsx``: openpyxl, loaded with ``data_only=True``. openpyxl keeps a formula but drops its
  cached value on save, and calamine (what the pipeline reads with) then sees a blank cell:
  OGHIST's FY18-FY21 headers are formulas linked to another workbook, so a plain re-save would
  break it for a reason that is not the fault. Loading with cached values writes them as
  values. Each layout's unaltered round trip is parsed once and must equal the original's
  parse (`_xlsx_roundtrip_ok`); otherwise the fault is reported as a generator error.
  Rows are never inserted (openpyxl does not move merged ranges): copies go below the sheet's
  last row, shifts use ``move_range``.
* ``.xls`` (ITU Oct 2019, BIFF8; no writer such as xlwt is installed): patched in place, at
  byte level, inside the OLE ``Workbook`` stream (located with xlrd's compound-document reader)
  with same-length edits only: a cell record's row/column fields, a NUMBER record's double, a
  NUMBER record turned into a LABEL record of 5 characters (both are 14 bytes), a LABELSST
  record's string index, a shared string or the sheet name rewritten with the same length.
  Every patch is read back with calamine before use (`_Biff.check`).
* CSV: records are split with the csv module on physical lines (as the parsers count them);
  only the records a fault touches are re-written, BOM and line endings are kept.

Faults by layout
----------------
The manifest has 19 sources in 18 layouts; each layout is faulted on its first source (the OWID
urban-share file shares the Internet-use file's layout and parser). A source registered with
``parse: false`` (the P2C register) is never read, so only checksum_mismatch and missing_file
apply to it. ``x`` applies, ``-`` does not
(why: below); a letter names the layout's variant.

Spreadsheets: the four ITU aggregates editions (2019 is the ``.xls``), ``ctry`` ITU country
Internet use, ``sex`` ITU Internet use by sex/area, ``ogh`` World Bank OGHIST, ``cls`` CLASS.

======================================  ====  ====  ====  ====  ====  ====  ====  ====
fault                                   2019  2022  2024  2025  ctry  sex   ogh   cls
======================================  ====  ====  ====  ====  ====  ====  ====  ====
truncated, empty, not_a_spreadsheet      x     x     x     x     x     x     x     x
renamed_sheet                            x     x     x     x     x     x     x     x
shifted_row, shifted_column              x     x     x     x     x     x     x     x
renamed_label                            e     e     e     e     e     h     h     h
renamed_entity                           -     -     -     -     -     x     x     x
unknown_block / _series / _column        b     b     b     b     s     c     c     c
duplicated_block / _row                  b     b     b     b     r     r     r     r
text_in_numeric_cell                     x     x     x     x     x     x     i     i
percent_over_100, negative_value         x     x     x     x     x     x     -     -
oversized                                P     x     x     x     x     x     x     x
checksum_mismatch, missing_file          x     x     x     x     x     x     x     x
year_row_shifted_over_na                 -     x     x     x     -     -     -     -
unit_label_swapped                       -     x     x     x     -     -     -     -
formula_without_value, blanked_value     -     x     x     x     -     -     -     -
entity_row_deleted                       -     x     x     x     -     -     -     -
swapped_female_male (warn)               -     -     x     x     -     -     -     -
======================================  ====  ====  ====  ====  ====  ====  ====  ====

CSV: ``ext`` third-party extract of the Nov 2025 urban/rural block, ``dhb`` ITU DataHub
coverage, ``sdg`` UN SDG 5.b.1, ``m49`` UN M49, ``ccod`` DataHub country codes, ``pop`` DataHub
population, ``wbdb`` WDI DataBank, ``wbbk`` WDI bulk, ``owid`` OWID grapher.

=================================  ====  ====  ====  ====  ====  ====  ====  ====  ====
fault                              ext   dhb   sdg   m49   ccod  pop   wbdb  wbbk  owid
=================================  ====  ====  ====  ====  ====  ====  ====  ====  ====
truncated, empty                    x     x     x     x     x     x     x     x     x
truncated_last_field                x     x     -     -     x     x     x     x     x
binary_garbage, utf16               x     x     x     x     x     x     x     x     x
latin1                              -     x     x     x     x     -     -     -     -
double_bom                          x     x     -     x     -     x     x     x     x
shifted_row, shifted_column         x     x     x     x     x     x     x     x     x
renamed_label                       e     h     h     h     h     h     n     n     h
renamed_entity                      -     x     -     x     x     -     -     -     -
unknown_column / _code              c     k     k     c     -     c     k     k     c
text_in_numeric_cell                x     x     x     i     i     x     x     x     x
percent_over_100, negative_value    x     x     x     -     -     p     x     x     x
duplicated_row                      x     x     x     x     x     x     x     x     x
oversized                           B     B     B     B     B     B     B     B     B
checksum_mismatch, missing_file     x     x     x     x     x     x     x     x     x
=================================  ====  ====  ====  ====  ====  ====  ====  ====  ====

Variants: ``e`` an entity label (ITU: the first entity row of the first block, 2019 the shared
string ``World``; ``ctry``: an economy name; ``ext``: ``World``), ``h`` a header label, ``n``
the series name of a WDI series code, ``b`` a block (ITU: appended below the sheet, headers
included; unknown_block carries a series that other editions have and this layout does not
declare for the sheet; 2019 rewrites the footer's source line as such a block title),
``s`` an extra row of an unknown indicator, ``c`` an unknown column, ``k`` an unknown
series/indicator code, ``r`` a duplicated row, ``i`` an invalid code in a coded cell
(OGHIST ``Low``, CLASS ``Middle income``, M49 flag ``yes``, DataHub M49 ``716a``: these layouts
have no numeric cell), ``p`` a population above the 20-billion ceiling (and negative), ``P``
and ``B`` the size caps under a patched limit (see oversized).

Why some do not apply, and how a few are made:

* renamed_sheet: a CSV has no sheets. Encoding faults for .xlsx/.xls: their text encoding is
  fixed by the format, a damaged part is a truncated or non-spreadsheet file.
* latin1 only where the file has non-ASCII text (otherwise the Latin-1 bytes are the UTF-8
  bytes). A BOM *added* or *removed* is tolerated by design (every reader uses ``utf-8-sig``),
  so the BOM fault is a second BOM, which sticks to the first header label; for ``sdg`` and
  ``ccod`` that label (``ID``, ``FIFA``) is not read, so a second BOM changes nothing there.
* truncated: a cut on a line boundary is indistinguishable from a shorter file, so the cut is
  placed mid-line half-way through; truncated_last_field cuts inside the last field of the
  middle record, the worst case: what is left still has whole records. ``sdg``'s last columns
  are empty and ``m49``'s last field is a one-letter flag, so no cut falls inside one. A
  spreadsheet cut anywhere is an unreadable zip or OLE file.
* renamed_entity: where names are the only key (ITU aggregates, the extract, ``ctry``) it is
  renamed_label; for the code-keyed country CSVs (SDG, WDI, OWID, population) the DataHub case
  exercises the same resolver. It is included for the reference tables that build the
  economies dimension (M49, country codes, CLASS, OGHIST).
* unknown_column for ``ccod``: the reader takes 7 of its 56 columns by name and ignores the
  rest by design.
* percent_over_100 / negative_value: OGHIST, CLASS, M49 and country codes hold codes, not
  numbers.
* A whole block moved with its labels is not a fault: blocks are found by label
  (tests/integration/test_layout_drift.py). shifted_row/shifted_column move values away from
  their labels:
  a block's values one row down (spilling below the block or table), one row's values one
  column right (CSV: a value column one record down with the last value spilling onto a new
  record; an empty field at the start of a record).
* oversized ``x``: one text cell (harmless to the layout where one exists: a footer note, or a
  column the reader ignores) at row ``MAX_SHEET_ROWS + 1``, i.e. one row beyond the cap. ``P``:
  BIFF8 holds at most 65,536 x 256 cells, below the cap, so the .xls footer cell is moved to row
  65,536 with ``ictstats.extract.workbook.MAX_SHEET_ROWS`` patched to 65,535 in process. ``B``: a
  CSV has no sheet; ``ictstats.sources.manifest.MAX_SOURCE_BYTES`` is patched in process to the
  size of the
  largest good source (so no other file trips it) and the faulty file is the good one with its
  last record repeated until it is just above that.
* Meaning changes (issue 11 item 5), ITU .xlsx only: the year row of the first-sheet block
  whose first year column is all N/A moved one column right; the printed percent label of a
  series that has no per-100 unit (Internet use where printed) set to 'Per 100 inhabitants';
  the first value cell turned into a formula without a cached value, or emptied; the last entity
  row of the first block emptied (openpyxl cannot delete rows with merged ranges safely).
  Not on the 2019 .xls: same-length byte patches cannot blank a NUMBER record (a BLANK record
  is shorter) nor lengthen a label, and a BIFF8 FORMULA record always carries its cached result,
  so there is no uncached formula to make. swapped_female_male needs a `By gender` sheet with a
  previous edition to compare with (Nov 2024 vs Jan 2022, Nov 2025 vs Nov 2024).
* .xls (byte level only): unknown_block cannot add records, so the footer's source line becomes
  the title of a series the layout does not declare (and the version line below it a sheet
  title, which the parser skips); duplicated_block points the second block's title cell at the
  first block's title string.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import csv
import dataclasses
import hashlib
import importlib
import io
import logging
import os
import random
import re
import shutil
import struct
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "data" / "sources.yaml"
DEFAULT_MIRROR = ROOT.parent / "shared" / "data"
UNREACHABLE_URL = "https://127.0.0.1:9/x"
WAREHOUSE_STEP = "warehouse"
OUR_ERRORS = {"LayoutError", "SourceError", "ValidationError", "EntityError", "IctstatsError"}

os.environ.setdefault("ICTSTATS_HOME", str(ROOT))  # pipelines.definitions loads it on import

# Where a message must point, by what the fault breaks.
CELL = r"![A-Z]{1,3}\d+\b|\bcell [A-Z]{1,3}\d+\b|\brow \d+\b|\bA\d+:A\d+\b"
SHEET = r"sheet '[^']+'|" + CELL


# --------------------------------------------------------------------------- fault definitions


@dataclass(frozen=True)
class Faulty:
    """A faulty file's bytes and the module constants to patch while it runs."""

    data: bytes
    patches: tuple[tuple[str, str, int], ...] = ()


@dataclass(frozen=True)
class Fault:
    layout: str
    name: str
    source_id: str
    how: str  # what was done to the file
    rule: str  # regular expression: the rule the message must state
    needs: str = "cell"  # cell | sheet | file: what the message must locate
    make: Callable[[Path], Faulty] | None = None  # good file -> faulty file
    kind: str = "content"  # content | checksum | missing
    # stop: the build must stop before the warehouse. warn: the build publishes (the change keeps
    # every label valid and may be the publisher's own) and the warning check `warn_check` must
    # fail with a description, the text the command line prints, naming the rule and the cell.
    expect: str = "stop"
    warn_check: str = "edition_changes"

    @property
    def id(self) -> str:
        return f"{self.layout}:{self.name}"


class GeneratorError(Exception):
    """The fault could not be produced as intended (a bug in this module, not the pipeline)."""


def _faulty(fn: Callable[[Path], bytes | Faulty]) -> Callable[[Path], Faulty]:
    def make(path: Path) -> Faulty:
        out = fn(path)
        result = out if isinstance(out, Faulty) else Faulty(out)
        if result.data == path.read_bytes():
            raise GeneratorError(f"the fault left {path.name} unchanged")
        return result

    return make


# --------------------------------------------------------------------------- parse helpers


def _parse(layout: str, path: Path, name: str) -> Any:
    """The layout's parser, called directly (no Dagster)."""
    from ictstats.extract import parse
    from ictstats.extract.itu_aggregates import parse_itu_aggregates

    if layout in parse.ITU_AGGREGATE_LAYOUTS:
        return parse_itu_aggregates(path, layout, workbook_name=name).observations
    if layout in parse.OBSERVATION_PARSERS:
        return parse.OBSERVATION_PARSERS[layout](path, name)
    return parse.REFERENCE_PARSERS[layout](path, name)


@cache
def _good_parse(layout: str, path: str) -> Any:
    return _parse(layout, Path(path), Path(path).name)


def _frames_equal(a: Any, b: Any) -> bool:
    """Equal frames; floats to 1e-12 relative (openpyxl writes a few long floats one unit in
    the last place away from what calamine reads in the original)."""
    import numpy as np

    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_frames_equal(a[k], b[k]) for k in a)
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    for column in a.columns:
        x, y = a[column], b[column]
        if x.dtype.kind == "f" and y.dtype.kind == "f":
            if not np.allclose(x, y, rtol=1e-12, atol=0, equal_nan=True):
                return False
        elif not x.equals(y):
            return False
    return True


_CELL_REF = re.compile(r"^(?:(?P<sheet>.+)!)?(?P<col>[A-Z]+)(?P<row>\d+)$")


def _cell(location: str) -> tuple[str, int, int]:
    """'Sheet!B7' -> (sheet, row 7, column 2), 1-based like openpyxl."""
    match = _CELL_REF.match(location)
    if match is None:
        raise GeneratorError(f"not a cell location: {location!r}")
    col = 0
    for letter in match["col"]:
        col = col * 26 + ord(letter) - 64
    return match["sheet"] or "", int(match["row"]), col


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def _observations(layout: str, path: Path, *, percent: bool = False, positive: bool = False):
    frame = _good_parse(layout, str(path))
    if "population" in frame:  # DataHub population: whole numbers, no unit column
        frame = frame.rename(columns={"population": "value"}).astype({"value": float})
    if percent:
        frame = frame[frame["unit"] == "percent"]
    if positive:
        frame = frame[frame["value"] > 0]
    if frame.empty:
        raise GeneratorError(f"{layout}: no observation to alter")
    return frame


def _comma(value: float) -> str:
    """A number as a decimal-comma text, the usual 'text in a numeric cell'."""
    return f"{value:.1f}".replace(".", ",")


# --------------------------------------------------------------------------- xlsx (openpyxl)


def _load(path: Path):
    import openpyxl

    return openpyxl.load_workbook(path, data_only=True)


def _save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@cache
def _xlsx_roundtrip_ok(layout: str, path: str) -> None:
    """The unaltered openpyxl round trip must parse like the original (see `_frames_equal`)."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / Path(path).name
        copy.write_bytes(_save(_load(Path(path))))
        if not _frames_equal(_parse(layout, copy, copy.name), _good_parse(layout, path)):
            raise GeneratorError(f"{layout}: an unaltered openpyxl round trip parses differently")


def _xlsx(layout: str, change: Callable[[Any, Path], None]) -> Callable[[Path], Faulty]:
    def make(path: Path) -> bytes:
        _xlsx_roundtrip_ok(layout, str(path))
        workbook = _load(path)
        change(workbook, path)
        return _save(workbook)

    return _faulty(make)


def _copy_rows(ws, first: int, last: int, to: int, replace: dict[tuple[int, int], Any]) -> None:
    """Copy the values of rows first..last to row `to` and below (1-based), overriding
    `replace[(row offset, column)]`."""
    for offset, row in enumerate(range(first, last + 1)):
        for cell in ws[row]:
            value = replace.get((offset, cell.column), cell.value)
            if value is not None:
                ws.cell(row=to + offset, column=cell.column, value=value)


def _set(ws, row: int, col: int, value: Any) -> None:
    ws.cell(row=row, column=col, value=value)


def _clear(ws, row: int, col: int) -> None:
    """Empty a cell (`ws.cell(..., value=None)` leaves the value as it is)."""
    ws.cell(row=row, column=col).value = None


def _oversize_xlsx(layout: str, sheet: str, col: int, text: str) -> Callable[[Path], Faulty]:
    from ictstats.extract.workbook import MAX_SHEET_ROWS

    return _xlsx(layout, lambda wb, _: _set(wb[sheet], MAX_SHEET_ROWS + 1, col, text))


# --------------------------------------------------------------------------- xls (BIFF8)


class _Biff:
    """Same-length patches of the Workbook stream of a BIFF8 .xls, written through to the file.

    Row and column numbers are 0-based here, as in the records.
    """

    CELLS = {0x0203, 0x00FD, 0x027E, 0x0201, 0x0205, 0x0006, 0x0204, 0x00D6}
    MULTI = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column, ..., last column
    NUMBER, LABEL, LABELSST, BOUNDSHEET = 0x0203, 0x0204, 0x00FD, 0x0085

    def __init__(self, data: bytes) -> None:
        from xlrd import compdoc

        self.data = bytearray(data)
        doc = compdoc.CompDoc(data, logfile=io.StringIO())
        entry = next(d for d in doc.dirlist if d.name == "Workbook")
        if entry.tot_size < doc.min_size_std_stream:
            raise GeneratorError("Workbook stream in the mini stream; not supported")
        self.sector = doc.sec_size
        self.sectors: list[int] = []
        sid = entry.first_SID
        while sid >= 0:
            self.sectors.append(sid)
            sid = doc.SAT[sid]
        self.stream = bytearray(doc.get_named_stream("Workbook"))

    def _offset(self, pos: int) -> int:
        return 512 + self.sectors[pos // self.sector] * self.sector + pos % self.sector

    def write(self, pos: int, chunk: bytes) -> None:
        self.stream[pos : pos + len(chunk)] = chunk
        for i, byte in enumerate(chunk):
            self.data[self._offset(pos + i)] = byte

    def records(self) -> Iterable[tuple[int, int, int]]:
        pos = 0
        while pos + 4 <= len(self.stream):
            rtype, length = struct.unpack_from("<HH", self.stream, pos)
            yield pos, rtype, length
            pos += 4 + length

    def cells(self) -> Iterable[tuple[int, int, int, int, int]]:
        """(pos, type, length, row, first column) of every cell record."""
        for pos, rtype, length in self.records():
            if rtype in self.CELLS or rtype in self.MULTI:
                row, col = struct.unpack_from("<HH", self.stream, pos + 4)
                yield pos, rtype, length, row, col

    def record_at(self, row: int, col: int, types: set[int]) -> tuple[int, int]:
        for pos, rtype, length, r, c in self.cells():
            if (r, c) == (row, col) and rtype in types:
                return pos, length
        raise GeneratorError(f"no record of type {sorted(types)} at row {row}, column {col}")

    def move(self, rows: set[int], min_col: int, drow: int = 0, dcol: int = 0) -> None:
        """Move every cell of `rows` at column >= min_col by (drow, dcol)."""
        for pos, rtype, length, row, col in list(self.cells()):
            if row not in rows or col < min_col:
                continue
            self.write(pos + 4, struct.pack("<HH", row + drow, col + dcol))
            if rtype in self.MULTI:
                (last,) = struct.unpack_from("<H", self.stream, pos + 4 + length - 2)
                self.write(pos + 4 + length - 2, struct.pack("<H", last + dcol))

    def set_number(self, row: int, col: int, value: float) -> None:
        pos, _ = self.record_at(row, col, {self.NUMBER})
        self.write(pos + 10, struct.pack("<d", value))

    def number_to_text(self, row: int, col: int, text: str) -> None:
        """NUMBER (14 bytes) -> LABEL with a 5-character string (also 14 bytes)."""
        if len(text) != 5:
            raise GeneratorError(f"LABEL text must have 5 characters: {text!r}")
        pos, _ = self.record_at(row, col, {self.NUMBER})
        keep = bytes(self.stream[pos + 4 : pos + 10])  # row, column, format
        label = struct.pack("<HH", self.LABEL, 14) + keep + struct.pack("<HB", 5, 0)
        self.write(pos, label + text.encode("latin-1"))

    def string_index(self, row: int, col: int) -> int:
        pos, _ = self.record_at(row, col, {self.LABELSST})
        return struct.unpack_from("<I", self.stream, pos + 10)[0]

    def set_string_index(self, row: int, col: int, index: int) -> None:
        pos, _ = self.record_at(row, col, {self.LABELSST})
        self.write(pos + 10, struct.pack("<I", index))

    def replace_string(self, old: str, new: str) -> None:
        """Rewrite one shared string (8-bit, same length; `new` padded with spaces)."""
        if len(new) > len(old):
            raise GeneratorError(f"{new!r} is longer than {old!r}")
        needle = struct.pack("<HB", len(old), 0) + old.encode("latin-1")
        if self.stream.count(needle) != 1:
            raise GeneratorError(f"shared string {old!r} not found exactly once")
        pos = self.stream.find(needle) + 3
        self.write(pos, new.ljust(len(old)).encode("latin-1"))

    def rename_sheet(self, old: str, new: str) -> None:
        if len(new) != len(old):
            raise GeneratorError("same-length sheet names only")
        for pos, rtype, _ in self.records():
            if rtype == self.BOUNDSHEET and self.stream[pos + 12 : pos + 12 + len(old)] == (
                old.encode("latin-1")
            ):
                self.write(pos + 12, new.encode("latin-1"))
                return
        raise GeneratorError(f"sheet {old!r} not found")

    def check(self, sheet: str, expect: dict[tuple[int, int], Any]) -> bytes:
        """Read the patched file back with calamine; every expected cell must hold its value."""
        from python_calamine import CalamineWorkbook

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "patched.xls"
            path.write_bytes(bytes(self.data))
            workbook = CalamineWorkbook.from_path(str(path))
            grid = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            workbook.close()
        for (row, col), want in expect.items():
            got = grid[row][col] if row < len(grid) and col < len(grid[row]) else ""
            if got != want:
                raise GeneratorError(f"patch check: row {row} col {col} is {got!r}, not {want!r}")
        return bytes(self.data)


def _grid(path: Path, sheet: str) -> list[list[Any]]:
    from ictstats.extract.workbook import read_sheets

    return read_sheets(path, [sheet])[sheet]


# --------------------------------------------------------------------------- CSV


@dataclass
class _Csv:
    """A CSV as records, each kept as its own raw text until a fault rewrites it."""

    bom: bool
    newline: str
    chunks: list[str]  # raw text of each record, line ending included
    starts: list[int]  # 1-based physical line where each record starts

    @classmethod
    def read(cls, path: Path) -> _Csv:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
        lines = list(io.StringIO(text, newline=""))
        reader = csv.reader(iter(lines))
        chunks, starts, previous = [], [], 0
        for _ in reader:
            chunks.append("".join(lines[previous : reader.line_num]))
            starts.append(previous + 1)
            previous = reader.line_num
        newline = "\r\n" if lines[0].endswith("\r\n") else "\n"
        return cls(data.startswith(codecs.BOM_UTF8), newline, chunks, starts)

    def fields(self, index: int) -> list[str]:
        return next(csv.reader(io.StringIO(self.chunks[index], newline="")))

    def render(self, fields: list[str]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=self.newline).writerow(fields)
        return buffer.getvalue()

    def set(self, index: int, fields: list[str]) -> None:
        ending = self.newline if self.chunks[index].endswith(("\n", "\r")) else ""
        self.chunks[index] = self.render(fields).removesuffix(self.newline) + ending

    def insert(self, index: int, fields: list[str]) -> None:
        if index > 0 and not self.chunks[index - 1].endswith(("\n", "\r")):
            self.chunks[index - 1] += self.newline
        self.chunks.insert(index, self.render(fields))
        self.starts.insert(index, -1)

    def index_of_line(self, line: int) -> int:
        return self.starts.index(line)

    def bytes(self) -> bytes:
        return (codecs.BOM_UTF8 if self.bom else b"") + "".join(self.chunks).encode("utf-8")


@dataclass(frozen=True)
class _CsvLayout:
    """What the CSV faults need to know about one layout."""

    value: str | None  # the value column (None: take the column named in the parse location)
    header_first: str  # first header label (the header is the record starting with it)
    rename: tuple[str, str] | None = None  # header label -> new label (renamed_label)
    code: tuple[str, str] | None = None  # code column, unknown code (unknown_code)
    invalid: tuple[str, str] | None = None  # coded column, invalid code (text_in_numeric_cell)
    entity: tuple[str, str] | None = None  # code column, new code (renamed_entity)
    series_name: tuple[str, str, str] | None = None  # code column, code, name column
    shift: str | None = None  # column shifted down in shifted_row (default: value)
    extra_column: bool = True  # an unknown column is an error (exact header)
    first_column_read: bool = True  # a BOM glued to the first header label matters
    numeric: bool = True  # the layout has numeric values
    maximum: str = "150"  # value above the ceiling


def _csv_doc(path: Path, spec: _CsvLayout) -> tuple[_Csv, int, list[int]]:
    """The document, its header index and the indices of its data records (to the first blank
    record, as the World Bank readers stop there)."""
    doc = _Csv.read(path)
    header = next(i for i in range(len(doc.chunks)) if doc.fields(i)[:1] == [spec.header_first])
    data = []
    for i in range(header + 1, len(doc.chunks)):
        if not any(f.strip() for f in doc.fields(i)):
            break
        data.append(i)
    return doc, header, data


def _csv_target(layout: str, path: Path, doc: _Csv, header: int, spec: _CsvLayout, **kw):
    """(record index, column index, value text) of the first observation matching `kw`."""
    row = _observations(layout, path, **kw).iloc[0]
    match = re.match(r"^row (\d+)(?:, (.+))?$", row["source_location"])
    if match is None:
        raise GeneratorError(f"{layout}: unexpected location {row['source_location']!r}")
    columns = doc.fields(header)
    name = match[2] if match[2] in columns else spec.value
    index = doc.index_of_line(int(match[1]))
    col = columns.index(name)
    return index, col, doc.fields(index)[col]


def _csv(spec: _CsvLayout, change: Callable[[_Csv, int, list[int], Path], None]):
    def make(path: Path) -> bytes:
        doc, header, data = _csv_doc(path, spec)
        change(doc, header, data, path)
        return doc.bytes()

    return _faulty(make)


def _csv_cell(layout: str, spec: _CsvLayout, new: Callable[[str], str], **kw):
    def change(doc: _Csv, header: int, _data: list[int], path: Path) -> None:
        index, col, old = _csv_target(layout, path, doc, header, spec, **kw)
        fields = doc.fields(index)
        fields[col] = new(old)
        doc.set(index, fields)

    return _csv(spec, change)


def _csv_named(spec: _CsvLayout, column: str, new: str, which: int = 0):
    """Set `column` of the `which`-th data record to `new`."""

    def change(doc: _Csv, header: int, data: list[int], _path: Path) -> None:
        col = doc.fields(header).index(column)
        fields = doc.fields(data[which])
        fields[col] = new
        doc.set(data[which], fields)

    return _csv(spec, change)


def _csv_shift_row(spec: _CsvLayout, layout: str):
    """The shifted column's values move down one record over the last three data records; the
    last value spills onto a new record whose other fields are empty."""

    def change(doc: _Csv, header: int, data: list[int], path: Path) -> None:
        columns = doc.fields(header)
        if spec.shift or spec.value:
            col = columns.index(spec.shift or spec.value)
        else:
            col = _csv_target(layout, path, doc, header, spec)[1]
        moved = data[-3:]
        values = [doc.fields(i)[col] for i in moved]
        for i, value in zip(moved, ["", *values[:-1]], strict=True):
            fields = doc.fields(i)
            fields[col] = value
            doc.set(i, fields)
        spill = [""] * len(columns)
        spill[col] = values[-1]
        doc.insert(moved[-1] + 1, spill)

    return _csv(spec, change)


def _csv_shift_column(spec: _CsvLayout):
    def change(doc: _Csv, _header: int, data: list[int], _path: Path) -> None:
        doc.set(data[0], ["", *doc.fields(data[0])])

    return _csv(spec, change)


def _csv_extra_column(spec: _CsvLayout):
    def change(doc: _Csv, header: int, data: list[int], _path: Path) -> None:
        doc.set(header, [*doc.fields(header), "Comment"])
        for i in data:
            doc.set(i, [*doc.fields(i), ""])

    return _csv(spec, change)


def _csv_rename_header(spec: _CsvLayout, old: str, new: str):
    def change(doc: _Csv, header: int, _data: list[int], _path: Path) -> None:
        doc.set(header, [new if f == old else f for f in doc.fields(header)])

    return _csv(spec, change)


def _csv_duplicate(spec: _CsvLayout):
    def change(doc: _Csv, _header: int, data: list[int], _path: Path) -> None:
        doc.insert(data[0] + 1, doc.fields(data[0]))

    return _csv(spec, change)


def _csv_series_name(spec: _CsvLayout):
    code_col, code, name_col = spec.series_name or ("", "", "")

    def change(doc: _Csv, header: int, data: list[int], _path: Path) -> None:
        columns = doc.fields(header)
        index = next(i for i in data if doc.fields(i)[columns.index(code_col)] == code)
        fields = doc.fields(index)
        fields[columns.index(name_col)] += " (revised)"
        doc.set(index, fields)

    return _csv(spec, change)


def _csv_code(spec: _CsvLayout, column: str, new: str):
    """Replace the code in `column` of the first data record that has one."""

    def change(doc: _Csv, header: int, data: list[int], _path: Path) -> None:
        col = doc.fields(header).index(column)
        index = next(i for i in data if doc.fields(i)[col].strip())
        fields = doc.fields(index)
        fields[col] = new
        doc.set(index, fields)

    return _csv(spec, change)


def _truncate_mid_line(data: bytes) -> bytes:
    cut = len(data) // 2
    while data[cut - 1 : cut] in (b"\n", b"\r") or data[cut : cut + 1] in (b"\n", b"\r"):
        cut += 7
    return data[:cut]


def _truncate_in_last_field(path: Path) -> bytes | None:
    """The file cut inside the last field of the middle record (after its first character),
    or None when no record from the middle on has a last field of two characters or more."""
    doc = _Csv.read(path)
    offset = len(codecs.BOM_UTF8) if doc.bom else 0
    for index in range(len(doc.chunks) // 2, len(doc.chunks)):
        record = doc.chunks[index].rstrip("\r\n")
        last = doc.fields(index)[-1]
        if len(last) >= 2 and (record.endswith(last) or record.endswith(f'"{last}"')):
            keep = len(record) - len(last) - (1 if record.endswith('"') else 0) + 1
            before = "".join(doc.chunks[:index]) + record[:keep]
            return path.read_bytes()[: offset + len(before.encode("utf-8"))]
    return None


def _garbage_inside(data: bytes) -> bytes:
    """64 pseudo-random bytes (fixed seed) at the start of the line in the middle."""
    middle = data.index(b"\n", len(data) // 2) + 1
    return data[:middle] + b"\x00\xff" + random.Random(20261124).randbytes(62) + data[middle:]


def _reencode(encoding: str) -> Callable[[Path], Faulty]:
    return _faulty(lambda p: p.read_bytes().decode("utf-8-sig").encode(encoding, errors="replace"))


def _double_bom(path: Path) -> bytes:
    data = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    return codecs.BOM_UTF8 * 2 + data


def _oversized_csv(path: Path) -> Faulty:
    """The good file, its last record repeated until it is just above the patched byte cap."""
    cap = max(p.stat().st_size for p in path.parent.iterdir() if p.is_file())
    data = path.read_bytes()
    last = data.rstrip(b"\r\n").rsplit(b"\n", 1)[-1].rstrip(b"\r") + b"\n"
    if not data.endswith(b"\n"):
        data += b"\n"
    repeat = max(1, (cap - len(data)) // len(last) + 1)
    data += last * repeat
    return Faulty(data, (("ictstats.sources.manifest", "MAX_SOURCE_BYTES", cap),))


# --------------------------------------------------------------------------- common faults

HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"
    b"<body><h1>Not Found</h1><p>The requested document was moved.</p></body></html>\n"
)
RULES = {
    "unreadable": r"not a readable spreadsheet",
    "sheet": r"sheet not found",
    "cap": r"beyond the cap",
    "bytes": r"exceeds the [\d,]+-byte input cap",
    "checksum": r"checksum mismatch.*expected SHA-256: [0-9a-f]{64}.*actual SHA-256: +[0-9a-f]{64}",
    "missing": r"cannot resolve source .*not in .*mirror.*download",
    "text": r"text .* in a numeric cell|expected a number|not a number",
    "range": r"plausible range|in_range|less_than",
    "negative": r"greater_than_or_equal_to\(0\)|in_range\(0",
    "duplicate": r"twice|uniqueness|unique|expected \d+ rows",
    "encoding": r"UTF-8|codec|decode",
    "layout": r"expected|unknown|not found|not part of|no year|below the end|no values|lacks|"
    r"not a number|repeats|twice|blank cell",
    "unit": r"not an allowed unit of series",
    "blank": r"blank cell under a year or breakdown header",
    "formula": r"formula without a cached value",
    "required": r"lacks the row\(s\) of \['[A-Z_]+'\].*must carry",
    "gap_flip": r"gap_sign_flip.*By gender![A-Z]+\d+",  # a description item or a table row
    "entity": r"do not resolve|expected|unknown",
}


def _checksum_fault(layout: str, sid: str) -> Fault:
    def make(path: Path) -> Faulty:
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        return Faulty(bytes(data))

    return Fault(
        layout,
        "checksum_mismatch",
        sid,
        "one bit flipped in the middle; manifest hash kept",
        RULES["checksum"],
        "file",
        make,
        "checksum",
    )


def _missing_fault(layout: str, sid: str) -> Fault:
    return Fault(
        layout,
        "missing_file",
        sid,
        f"file absent from raw and from the mirror, url {UNREACHABLE_URL}",
        RULES["missing"],
        "file",
        None,
        "missing",
    )


def _spreadsheet_common(layout: str, sid: str) -> list[Fault]:
    def F(name, how, rule, needs, make):  # noqa: N802 - a local constructor
        return Fault(layout, name, sid, how, rule, needs, make)

    return [
        F(
            "truncated",
            "first half of the bytes",
            RULES["unreadable"],
            "file",
            _faulty(lambda p: p.read_bytes()[: p.stat().st_size // 2]),
        ),
        F("empty", "0 bytes", RULES["unreadable"], "file", _faulty(lambda p: b"")),
        F(
            "not_a_spreadsheet",
            "an HTML error page saved under the name",
            RULES["unreadable"],
            "file",
            _faulty(lambda p: HTML_PAGE),
        ),
        _checksum_fault(layout, sid),
        _missing_fault(layout, sid),
    ]


def _xlsx_common(layout: str, sid: str, sheet: str, oversize: tuple[int, str]) -> list[Fault]:
    from ictstats.extract.workbook import MAX_SHEET_ROWS

    def rename(wb, _path):
        wb[sheet].title = (sheet[:26] + " (2)")[:31]

    col, text = oversize
    return [
        *_spreadsheet_common(layout, sid),
        Fault(
            layout,
            "renamed_sheet",
            sid,
            f"sheet {sheet!r} renamed",
            RULES["sheet"],
            "sheet",
            _xlsx(layout, rename),
        ),
        Fault(
            layout,
            "oversized",
            sid,
            f"{text[:20]!r} at {_letter(col)}{MAX_SHEET_ROWS + 1} of {sheet!r} "
            "(one row beyond the cap)",
            RULES["cap"],
            "sheet",
            _oversize_xlsx(layout, sheet, col, text),
        ),
    ]


def _csv_common(layout: str, sid: str, path: Path, spec: _CsvLayout) -> list[Fault]:
    text = path.read_bytes().decode("utf-8-sig")

    def F(name, how, rule, needs, make):  # noqa: N802 - a local constructor
        return Fault(layout, name, sid, how, rule, needs, make)

    faults = [
        F("truncated", "cut in the middle of a line half-way through",
          r"fields|expected|not a number|unexpected end", "cell",
          _faulty(lambda p: _truncate_mid_line(p.read_bytes()))),
        F("empty", "0 bytes", r"empty|no header", "file", _faulty(lambda p: b"")),
        F("binary_garbage", "64 binary bytes (NUL, 0xFF, ...) at a line start in the middle",
          RULES["encoding"] + r"|NUL|expected", "file",
          _faulty(lambda p: _garbage_inside(p.read_bytes()))),
        F("utf16", "re-encoded as UTF-16 (with its BOM)", RULES["encoding"], "file",
          _reencode("utf-16")),
    ]  # fmt: skip
    last_field = _truncate_in_last_field(path)
    if last_field is not None:
        faults.insert(1, F(
            "truncated_last_field", "cut inside the last field of the middle record, so what "
            "is left of the file still has whole records",
            r"fields|expected|not a number|unexpected end|rows", "cell",
            _faulty(lambda p: _truncate_in_last_field(p) or b""),
        ))  # fmt: skip
    if any(ord(ch) > 127 for ch in text):
        faults.append(F("latin1", "re-encoded as Latin-1 (accents become single bytes)",
                        RULES["encoding"], "file", _reencode("latin-1")))  # fmt: skip
    if spec.first_column_read:
        faults.append(F("double_bom", "a second UTF-8 BOM (lands in the first header)",
                        r"header|expected", "cell", _faulty(_double_bom)))  # fmt: skip
    faults += [
        F("oversized", "last record repeated until just above the byte cap, patched to the "
          "largest good source", RULES["bytes"], "file", _faulty(_oversized_csv)),
        _checksum_fault(layout, sid),
        _missing_fault(layout, sid),
    ]  # fmt: skip
    return faults


# --------------------------------------------------------------------------- ITU aggregates


EXTRA_BLOCK_TITLE = {  # a series other editions have, not declared for the layout's first sheet
    "itu_aggregates_2019": "Individuals owning a mobile phone",
    "itu_aggregates_2022": "Individuals owning a mobile phone",
    "itu_aggregates_2024": "Active subscriptions to 5G/IMT-2020 mobile broadband",
    "itu_aggregates_2025": "International bandwidth usage",
}


@dataclass(frozen=True)
class _Block:
    sheet: str
    header_start: int  # 1-based rows
    title_row: int
    rows: tuple[int, ...]  # entity rows
    last_col: int
    title: str


@cache
def _first_block(layout: str, path: str) -> _Block:
    """The first block of the layout's first sheet, from the parse and the grid."""
    from ictstats.extract.itu_vocabulary import load_vocabulary

    sheet = next(iter(load_vocabulary().layout(layout)["sheets"]))
    obs = _good_parse(layout, path)
    cells = [_cell(loc) for loc in obs["source_location"] if loc.startswith(sheet + "!")]
    titles = obs[obs["source_location"].str.startswith(sheet + "!")]["block_title"]
    first_title = titles.iloc[0]
    rows = sorted({r for (_, r, _), t in zip(cells, titles, strict=True) if t == first_title})
    block_rows = [rows[0]]
    for row in rows[1:]:
        if row != block_rows[-1] + 1:
            break
        block_rows.append(row)
    last_col = max(c for (_, r, c) in cells if r in block_rows)
    grid = _grid(Path(path), sheet)
    title_row = next(
        r
        for r in range(block_rows[0] - 1, 0, -1)
        if isinstance(grid[r - 1][0], str) and " ".join(grid[r - 1][0].split()) == first_title
    )
    start = title_row
    while start > 1 and grid[start - 2][0] == "" and any(v != "" for v in grid[start - 2]):
        start -= 1
    return _Block(sheet, start, title_row, tuple(block_rows), last_col, first_title)


def _itu_xlsx(layout: str, sid: str, path: Path) -> list[Fault]:
    block = _first_block(layout, str(path))
    sheet, r0, r1 = block.sheet, block.rows[0], block.rows[-1]
    grid = _grid(path, sheet)
    label = grid[r0 - 1][0]
    last_text = next(
        v for row in reversed(grid) for v in row[:1] if isinstance(v, str) and v.strip()
    )

    def shift_row(wb, _):
        wb[sheet].move_range(f"B{r0}:{_letter(block.last_col)}{r1}", rows=1)

    def shift_col(wb, _):
        wb[sheet].move_range(f"B{r0}:{_letter(block.last_col)}{r0}", cols=1)

    def appended(title: str):
        def change(wb, _):
            ws = wb[sheet]
            offset = block.title_row - block.header_start
            _copy_rows(ws, block.header_start, r1, ws.max_row + 2, {(offset, 1): title})

        return change

    def cell_fault(new: Callable[[float], Any], **kw):
        def change(wb, p):
            row = _observations(layout, p, **kw)
            row = row[row["source_location"].str.startswith(sheet + "!")].iloc[0]
            _, r, c = _cell(row["source_location"])
            _set(wb[sheet], r, c, new(row["value"]))

        return _xlsx(layout, change)

    extra = EXTRA_BLOCK_TITLE[layout]
    return [
        *_itu_meaning_faults(layout, sid, path),
        *_xlsx_common(layout, sid, sheet, (1, last_text)),
        Fault(
            layout,
            "shifted_row",
            sid,
            f"values of rows {r0}-{r1} (block {block.title!r}) one row down",
            RULES["layout"],
            "cell",
            _xlsx(layout, shift_row),
        ),
        Fault(
            layout,
            "shifted_column",
            sid,
            f"values of row {r0} one column right",
            RULES["layout"],
            "cell",
            _xlsx(layout, shift_col),
        ),
        Fault(
            layout,
            "renamed_label",
            sid,
            f"entity label A{r0} {label!r} -> {label.strip() + ' (total)'!r}",
            RULES["layout"],
            "cell",
            _xlsx(layout, lambda wb, _: _set(wb[sheet], r0, 1, label.strip() + " (total)")),
        ),
        Fault(
            layout,
            "unknown_block",
            sid,
            f"block {extra!r} (not declared for the sheet) appended below the sheet",
            RULES["layout"],
            "cell",
            _xlsx(layout, appended(extra)),
        ),
        Fault(
            layout,
            "duplicated_block",
            sid,
            f"block {block.title!r} copied below the sheet",
            RULES["duplicate"],
            "cell",
            _xlsx(layout, appended(grid[block.title_row - 1][0])),
        ),
        Fault(
            layout,
            "text_in_numeric_cell",
            sid,
            "first value of the first sheet written as decimal-comma text",
            RULES["text"],
            "cell",
            cell_fault(_comma),
        ),
        Fault(
            layout,
            "percent_over_100",
            sid,
            "first percentage of the first sheet set to 150",
            RULES["range"],
            "cell",
            cell_fault(lambda v: 150.0, percent=True),
        ),
        Fault(
            layout,
            "negative_value",
            sid,
            "first positive value of the first sheet negated",
            RULES["negative"],
            "cell",
            cell_fault(lambda v: -v, positive=True),
        ),
    ]


def _is_year(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 1990 <= value <= 2100


def _na_first_column_year_row(path: Path, sheet: str) -> tuple[int, int, int]:
    """(1-based row, first and last column of its first run) of the first year row whose block
    has 'N/A' in every entity row of its first year column (the 5G/LTE blocks' 2005)."""
    from ictstats.extract.itu_vocabulary import load_vocabulary, normalise_label

    entities = load_vocabulary().entity_labels
    grid = _grid(path, sheet)
    for r, row in enumerate(grid):
        if row[0] != "" or not any(_is_year(v) for v in row):
            continue
        first = next(c for c, v in enumerate(row) if _is_year(v))
        last = first
        while last + 1 < len(row) and _is_year(row[last + 1]):
            last += 1
        below = []
        for rr in range(r + 1, len(grid)):
            if not isinstance(grid[rr][0], str) or normalise_label(grid[rr][0]) not in entities:
                break
            below.append(grid[rr][first])
        if below and all(str(v).strip() == "N/A" for v in below):
            return r + 1, first + 1, last + 1
    raise GeneratorError(f"{sheet}: no block whose first year column is all N/A")


def _itu_meaning_faults(layout: str, sid: str, path: Path) -> list[Fault]:
    """Issue 11 item 5: edits that keep every label valid and change what the values mean."""
    from ictstats.extract.itu_vocabulary import ALLOWED_UNITS, LAYOUT_UNIT

    obs = _good_parse(layout, str(path))
    sheet = str(obs["sheet"].iloc[0])
    first_sheet = obs[obs["sheet"] == sheet]
    value_cell = first_sheet["source_location"].iloc[0].split("!")[1]
    printed = first_sheet[
        (first_sheet["unit"] == "percent")
        & (first_sheet["unit_source"] != LAYOUT_UNIT)
        & first_sheet["series"].map(lambda s: "per_100" not in ALLOWED_UNITS[s])
    ]
    printed = printed.sort_values("series", key=lambda s: s != "internet_use", kind="stable")
    unit_series, unit_label = printed[["series", "unit_source"]].iloc[0]
    _, unit_row, unit_col = _cell(unit_label)
    first_title = first_sheet["block_title"].iloc[0]
    block_entities = first_sheet[first_sheet["block_title"] == first_title]
    victim_loc = block_entities.drop_duplicates("entity")["source_location"].iloc[-1]
    _, victim_row, _ = _cell(victim_loc)
    year_row, year_first, year_last = _na_first_column_year_row(path, sheet)
    _, value_row, value_col = _cell(value_cell)

    def shift_years(wb, _):
        wb[sheet].move_range(
            f"{_letter(year_first)}{year_row}:{_letter(year_last)}{year_row}", cols=1
        )

    def delete_row(wb, _):
        for cell in wb[sheet][victim_row]:
            cell.value = None

    def F(name, how, rule, make, **kw):  # noqa: N802 - a local constructor
        return Fault(layout, name, sid, how, rule, "cell", make, **kw)

    faults = [
        F("year_row_shifted_over_na", f"year row {year_row} ({_letter(year_first)}-"
          f"{_letter(year_last)}) one column right, over a block whose first year column is "
          "all N/A (every value would be a year early)", RULES["layout"],
          _xlsx(layout, shift_years)),
        F("unit_label_swapped", f"unit label {_letter(unit_col)}{unit_row} of a {unit_series} "
          "block -> 'Per 100 inhabitants' (a known unit, not one of the series)",
          RULES["unit"], _xlsx(layout, lambda wb, _: _set(wb[sheet], unit_row, unit_col,
                                                           "Per 100 inhabitants"))),
        F("formula_without_value", f"value cell {value_cell} -> a formula saved without its "
          "cached value (openpyxl)", RULES["formula"],
          _xlsx(layout, lambda wb, _: _set(wb[sheet], value_row, value_col, "=1+1"))),
        F("blanked_value", f"value cell {value_cell} emptied", RULES["blank"],
          _xlsx(layout, lambda wb, _: _clear(wb[sheet], value_row, value_col))),
        F("entity_row_deleted", f"row {victim_row} (last entity of block {first_title!r}) "
          "emptied", RULES["required"], _xlsx(layout, delete_row)),
    ]  # fmt: skip
    if "By gender" in load_vocabulary_sheets(layout):
        faults.append(
            F("swapped_female_male", "'Female' and 'Male' labels of `By gender` swapped: the "
              "build publishes (labels stay valid) and must warn, naming the cells",
              RULES["gap_flip"], _xlsx(layout, _swap_female_male), expect="warn")
        )  # fmt: skip
    return faults


def load_vocabulary_sheets(layout: str) -> list[str]:
    from ictstats.extract.itu_vocabulary import load_vocabulary

    return list(load_vocabulary().layout(layout)["sheets"])


def _swap_female_male(wb, _path) -> None:
    ws = wb["By gender"]
    swapped = 0
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.strip() in ("Female", "Male"):
                cell.value = "Male" if cell.value.strip() == "Female" else "Female"
                swapped += 1
    if swapped < 2:
        raise GeneratorError("By gender: no Female/Male labels to swap")


def _itu_xls(layout: str, sid: str, path: Path) -> list[Fault]:
    """The Oct 2019 .xls, patched at byte level (see the module docstring)."""
    block = _first_block(layout, str(path))
    sheet, r0, r1 = block.sheet, block.rows[0] - 1, block.rows[-1] - 1  # 0-based from here
    grid = _grid(path, sheet)
    last_col = block.last_col - 1
    footer_row = max(r for r, row in enumerate(grid) if isinstance(row[0], str) and row[0].strip())
    footer = grid[footer_row][0]  # 'Updated: 28 October 2019', a version note
    source_row = next(r for r in range(len(grid)) if str(grid[r][0]).startswith("ITU World Tele"))
    source_line = grid[source_row][0]
    titles = [
        r
        for r in range(len(grid))
        if isinstance(grid[r][0], str) and grid[r][0].strip() and r > block.title_row - 1
    ]
    second_title = next(r for r in titles if r > r1)

    def patch(change: Callable[[_Biff], dict[tuple[int, int], Any]]):
        def make(p: Path) -> bytes:
            biff = _Biff(p.read_bytes())
            return biff.check(sheet, change(biff))

        return _faulty(make)

    def shift_row(b: _Biff):
        b.move(set(range(r0, r1 + 1)), 1, drow=1)
        return {(r + 1, c): grid[r][c] for r in range(r0, r1 + 1) for c in range(1, last_col + 1)}

    def shift_col(b: _Biff):
        b.move({r0}, 1, dcol=1)
        return {(r0, c + 1): grid[r0][c] for c in range(1, last_col + 1)}

    def first_value(**kw):
        row = _observations(layout, path, **kw).iloc[0]
        _, r, c = _cell(row["source_location"])
        return r - 1, c - 1, row["value"]

    def text(b: _Biff):
        obs = _observations(layout, path)
        for location, value in zip(obs["source_location"], obs["value"], strict=True):
            if len(_comma(value)) == 5:
                _, r, c = _cell(location)
                b.number_to_text(r - 1, c - 1, _comma(value))
                return {(r - 1, c - 1): _comma(value)}
        raise GeneratorError("no value with a 5-character text form")

    def number(new: Callable[[float], float], **kw):
        def change(b: _Biff):
            r, c, value = first_value(**kw)
            b.set_number(r, c, new(value))
            return {(r, c): new(value)}

        return change

    def rename_label(b: _Biff):
        b.replace_string("World", "Earth")
        row = next(r for r in range(len(grid)) if grid[r][0] == "World")
        return {(row, 0): "Earth"}

    def unknown_block(b: _Biff):
        # the footer's source line becomes a block title; the version note below it becomes a
        # sheet title (skipped), else the parser would stop at it with "unknown label"
        b.replace_string(source_line, EXTRA_BLOCK_TITLE[layout])
        b.replace_string(footer, "Key ICT indicators 2019")
        return {
            (source_row, 0): EXTRA_BLOCK_TITLE[layout].ljust(len(source_line)),
            (footer_row, 0): "Key ICT indicators 2019".ljust(len(footer)),
        }

    def duplicated(b: _Biff):
        b.set_string_index(second_title, 0, b.string_index(block.title_row - 1, 0))
        return {(second_title, 0): grid[block.title_row - 1][0]}

    def rename_sheet(b: _Biff):
        b.rename_sheet(sheet, "Table1")
        return {}

    def oversize(b: _Biff):
        b.move({footer_row}, 0, drow=65_535 - footer_row)
        return {}

    def oversized(p: Path) -> Faulty:
        biff = _Biff(p.read_bytes())
        oversize(biff)
        data = biff.check(sheet, {(65_535, 0): footer})
        return Faulty(data, (("ictstats.extract.workbook", "MAX_SHEET_ROWS", 65_535),))

    def renamed_sheet(p: Path) -> bytes:
        biff = _Biff(p.read_bytes())
        rename_sheet(biff)
        return biff.check("Table1", {(block.title_row - 1, 0): grid[block.title_row - 1][0]})

    def F(name, how, rule, needs, make):  # noqa: N802 - a local constructor
        return Fault(layout, name, sid, how, rule, needs, make)

    return [
        *_spreadsheet_common(layout, sid),
        F("renamed_sheet", "BOUNDSHEET name 'Sheet1' -> 'Table1'", RULES["sheet"], "sheet",
          _faulty(renamed_sheet)),
        F("shifted_row", f"cell records of rows {r0 + 1}-{r1 + 1}, columns B+, one row down",
          RULES["layout"], "cell", patch(shift_row)),
        F("shifted_column", f"cell records of row {r0 + 1}, columns B+, one column right",
          RULES["layout"], "cell", patch(shift_col)),
        F("renamed_label", "shared string 'World' -> 'Earth'", RULES["layout"], "cell",
          patch(rename_label)),
        F("unknown_block", f"footer A{source_row + 1} rewritten as the title "
          f"{EXTRA_BLOCK_TITLE[layout]!r} (A{footer_row + 1} as a sheet title)",
          RULES["layout"], "cell", patch(unknown_block)),
        F("duplicated_block", f"title A{second_title + 1} points at the string of "
          f"A{block.title_row}", RULES["layout"], "cell", patch(duplicated)),
        F("text_in_numeric_cell", "a NUMBER record turned into a LABEL '570,1'-style text",
          RULES["text"], "cell", patch(text)),
        F("percent_over_100", "first percentage's NUMBER set to 150", RULES["range"], "cell",
          patch(number(lambda v: 150.0, percent=True))),
        F("negative_value", "first positive NUMBER negated", RULES["negative"], "cell",
          patch(number(lambda v: -v, positive=True))),
        F("oversized", f"footer cell A{footer_row + 1} moved to row 65,536, MAX_SHEET_ROWS "
          "patched to 65,535", RULES["cap"], "sheet", _faulty(oversized)),
    ]  # fmt: skip


# --------------------------------------------------------------------------- other workbooks


def _country_internet(layout: str, sid: str, path: Path) -> list[Fault]:
    sheet = "Data"
    obs = _observations(layout, path)
    rows = sorted({_cell(loc)[1] for loc in obs["source_location"]})
    first, last = rows[0], rows[-1]
    grid = _grid(path, sheet)
    width = max(len(r) for r in grid)
    name = grid[first - 1][1]

    def shift_row(wb, _):
        wb[sheet].move_range(f"C{last - 2}:{_letter(width)}{last}", rows=1)

    def shift_col(wb, _):
        wb[sheet].move_range(f"C{first}:{_letter(width)}{first}", cols=1)

    def extra_series(wb, _):
        ws = wb[sheet]
        _copy_rows(ws, first, first, last + 1, {(0, 1): "Internet users (per 100 inhabitants)"})

    def duplicate(wb, _):
        _copy_rows(wb[sheet], first, first, last + 1, {})

    return [
        *_xlsx_common(layout, sid, sheet, (1, "Internet users (%)")),
        *_table_value_faults(layout, sid, sheet),
        Fault(layout, "shifted_row", sid, f"columns C+ of rows {last - 2}-{last} one row down",
              RULES["layout"], "cell", _xlsx(layout, shift_row)),
        Fault(layout, "shifted_column", sid, f"columns C+ of row {first} one column right",
              RULES["layout"], "cell", _xlsx(layout, shift_col)),
        Fault(layout, "renamed_label", sid, f"economy B{first} {name!r} -> '{name} (territory)'",
              RULES["entity"], "cell",
              _xlsx(layout, lambda wb, _: _set(wb[sheet], first, 2, f"{name} (territory)"))),
        Fault(layout, "unknown_series", sid, f"row {last + 1}: a copy of row {first} with "
              "indicator 'Internet users (per 100 inhabitants)'", RULES["layout"], "cell",
              _xlsx(layout, extra_series)),
        Fault(layout, "duplicated_row", sid, f"row {first} copied to row {last + 1}",
              RULES["duplicate"], "cell", _xlsx(layout, duplicate)),
    ]  # fmt: skip


def _table_value_faults(layout: str, sid: str, sheet: str) -> list[Fault]:
    """text / over 100 / negative in the first positive value cell of a country workbook."""

    def cell_fault(new: Callable[[float], Any]):
        def change(wb, p):
            row = _observations(layout, p, positive=True).iloc[0]
            _, r, c = _cell(row["source_location"])
            _set(wb[sheet], r, c, new(row["value"]))

        return _xlsx(layout, change)

    return [
        Fault(layout, "text_in_numeric_cell", sid, "first value as decimal-comma text",
              RULES["text"], "cell", cell_fault(_comma)),
        Fault(layout, "percent_over_100", sid, "first value set to 150", RULES["range"], "cell",
              cell_fault(lambda v: 150.0)),
        Fault(layout, "negative_value", sid, "first value negated", RULES["negative"], "cell",
              cell_fault(lambda v: -v)),
    ]  # fmt: skip


def _country_by_sex(layout: str, sid: str, path: Path) -> list[Fault]:
    sheet = "10. Individuals using the Inter"
    grid = _grid(path, sheet)
    header = next(r for r in range(10) if str(grid[r][0]).strip().casefold() == "economy name")
    first = header + 2  # 1-based: the row below the header
    last = next(r for r in range(first, len(grid) + 1) if grid[r - 1][0] == "") - 1
    width = max(len(r) for r in grid)
    name = grid[first - 1][0]
    urban = next(c for c, v in enumerate(grid[header - 1]) if v == "Urban") + 1

    def shift_row(wb, _):
        wb[sheet].move_range(f"C{last - 2}:{_letter(width)}{last}", rows=1)

    def shift_col(wb, _):
        wb[sheet].move_range(f"C{first}:{_letter(width)}{first}", cols=1)

    def extra_column(wb, _):
        ws = wb[sheet]
        _set(ws, header, width + 1, "Youth")
        _set(ws, header + 1, width + 1, "Total")
        _set(ws, first, width + 1, 80.5)

    return [
        *_xlsx_common(layout, sid, sheet, (1, "Note: rows below the table are ignored")),
        *_table_value_faults(layout, sid, sheet),
        Fault(layout, "shifted_row", sid, f"columns C+ of rows {last - 2}-{last} one row down",
              RULES["layout"], "cell", _xlsx(layout, shift_row)),
        Fault(layout, "shifted_column", sid, f"columns C+ of row {first} one column right",
              RULES["layout"], "cell", _xlsx(layout, shift_col)),
        Fault(layout, "renamed_label", sid, f"group label {_letter(urban)}{header} 'Urban' -> "
              "'Urban areas'", RULES["layout"], "cell",
              _xlsx(layout, lambda wb, _: _set(wb[sheet], header, urban, "Urban areas"))),
        Fault(layout, "renamed_entity", sid, f"economy A{first} {name!r} -> '{name} (territory)'",
              RULES["entity"], "cell",
              _xlsx(layout, lambda wb, _: _set(wb[sheet], first, 1, f"{name} (territory)"))),
        Fault(layout, "unknown_column", sid, f"column {_letter(width + 1)}: group 'Youth', "
              "label 'Total', one value", RULES["layout"], "cell", _xlsx(layout, extra_column)),
        Fault(layout, "duplicated_row", sid, f"row {first} copied to row {last + 1}",
              RULES["duplicate"], "cell",
              _xlsx(layout, lambda wb, _: _copy_rows(wb[sheet], first, first, last + 1, {}))),
    ]  # fmt: skip


def _oghist(layout: str, sid: str, path: Path) -> list[Fault]:
    sheet = "Country Analytical History"
    grid = _grid(path, sheet)
    obs = _good_parse(layout, str(path))
    current = obs[~obs["former_economy"]]
    rows = sorted({_cell(loc)[1] for loc in current["source_location"]})
    first, last = rows[0], rows[-1]
    last_col = max(_cell(loc)[2] for loc in obs["source_location"])
    fy_row = next(r for r, row in enumerate(grid, 1) if str(row[1]).startswith("Bank's fiscal"))
    code = grid[first - 1][0]
    label = grid[fy_row - 1][1]
    varied = next(  # an economy whose classification changes, so a shift changes values
        r for r in rows if len({str(v) for v in grid[r - 1][2:last_col]}) > 2
    )
    classified = next(
        loc for loc, g in zip(current["source_location"], current["income_group"], strict=True)
        if g is not None
    )  # fmt: skip
    _, cr, cc = _cell(classified)

    def shift_row(wb, _):
        wb[sheet].move_range(f"C{last - 2}:{_letter(last_col)}{last}", rows=1)

    def shift_col(wb, _):
        wb[sheet].move_range(f"C{varied}:{_letter(last_col)}{varied}", cols=1)

    def extra_column(wb, _):
        _set(wb[sheet], fy_row, last_col + 1, "Notes")
        _set(wb[sheet], first, last_col + 1, "see footnote")

    return [
        *_xlsx_common(layout, sid, sheet, (2, "Note: ignored text below the table")),
        Fault(layout, "shifted_row", sid, f"columns C+ of rows {last - 2}-{last} one row down "
              "(into the gap row)", RULES["layout"], "cell", _xlsx(layout, shift_row)),
        Fault(layout, "shifted_column", sid, f"C{varied}:{_letter(last_col)}{varied} "
              f"({grid[varied - 1][0]}) one column right (the last code lands beyond the last "
              "fiscal year)", RULES["layout"], "cell", _xlsx(layout, shift_col)),
        Fault(layout, "renamed_label", sid, f"B{fy_row} {label!r} -> 'Fiscal year:'",
              RULES["layout"], "sheet",
              _xlsx(layout, lambda wb, _: _set(wb[sheet], fy_row, 2, "Fiscal year:"))),
        Fault(layout, "renamed_entity", sid, f"A{first} {code!r} -> '{code[:2]}X'",
              RULES["entity"], "cell",
              _xlsx(layout, lambda wb, _: _set(wb[sheet], first, 1, code[:2] + "X"))),
        Fault(layout, "unknown_column", sid, f"{_letter(last_col + 1)}{fy_row} 'Notes' after the "
              "last fiscal year", RULES["layout"], "cell", _xlsx(layout, extra_column)),
        Fault(layout, "text_in_numeric_cell", sid, f"income code {_letter(cc)}{cr} -> 'Low' "
              "(invalid code; OGHIST has no numbers)", RULES["layout"], "cell",
              _xlsx(layout, lambda wb, _: _set(wb[sheet], cr, cc, "Low"))),
        Fault(layout, "duplicated_row", sid, f"row {last} copied into the gap row {last + 1}",
              RULES["duplicate"], "cell",
              _xlsx(layout, lambda wb, _: _copy_rows(wb[sheet], last, last, last + 1, {}))),
    ]  # fmt: skip


def _class(layout: str, sid: str, path: Path) -> list[Fault]:
    sheet = "List of economies"
    obs = _good_parse(layout, str(path))["economies"]
    rows = sorted({_cell(loc)[1] for loc in obs["source_location"]})
    first, last = rows[0], rows[-1]
    grid = _grid(path, sheet)
    width = max(len(r) for r in grid)
    code = grid[first - 1][1]

    def shift_row(wb, _):
        wb[sheet].move_range(f"B{last - 2}:{_letter(width)}{last}", rows=1)

    def shift_col(wb, _):
        wb[sheet].move_range(f"B{first}:{_letter(width)}{first}", cols=1)

    def extra_column(wb, _):
        _set(wb[sheet], 1, width + 1, "Other")
        _set(wb[sheet], first, width + 1, "x")

    def duplicate(wb, _):
        for col in range(1, width + 1):
            _set(wb[sheet], first + 1, col, grid[first - 1][col - 1] or None)

    return [
        *_xlsx_common(layout, sid, sheet, (1, "Note: ignored text below the table")),
        Fault(layout, "shifted_row", sid, f"columns B+ of rows {last - 2}-{last} one row down "
              "(into the blank separator row)", RULES["layout"], "cell", _xlsx(layout, shift_row)),
        Fault(layout, "shifted_column", sid, f"columns B+ of row {first} one column right",
              RULES["layout"], "cell", _xlsx(layout, shift_col)),
        Fault(layout, "renamed_label", sid, "header D1 'Income group' -> 'Income classification'",
              RULES["layout"], "cell",
              _xlsx(layout, lambda wb, _: _set(wb[sheet], 1, 4, "Income classification"))),
        Fault(layout, "renamed_entity", sid, f"code B{first} {code!r} -> '{code[:2]}X'",
              RULES["entity"], "cell",
              _xlsx(layout, lambda wb, _: _set(wb[sheet], first, 2, code[:2] + "X"))),
        Fault(layout, "unknown_column", sid, f"header {_letter(width + 1)}1 'Other' and a value",
              RULES["layout"], "cell", _xlsx(layout, extra_column)),
        Fault(layout, "text_in_numeric_cell", sid, f"income group D{first} -> 'Middle income' "
              "(invalid code; CLASS has no numbers)", RULES["layout"], "cell",
              _xlsx(layout, lambda wb, _: _set(wb[sheet], first, 4, "Middle income"))),
        Fault(layout, "duplicated_row", sid, f"row {first + 1} overwritten by a copy of row "
              f"{first}", RULES["duplicate"], "cell", _xlsx(layout, duplicate)),
    ]  # fmt: skip


# --------------------------------------------------------------------------- CSV layouts

CSV_LAYOUTS: dict[str, _CsvLayout] = {
    "third_party_urban_rural_extract": _CsvLayout("internet_usage_percent", "country"),
    "itu_datahub_long": _CsvLayout(
        "dataValue",
        "seriesID",
        rename=("dataValue", "value"),
        code=("seriesCode", "i271G6"),
        entity=("entityIso", "ABX"),
    ),
    "un_sdg_export": _CsvLayout(
        "Value",
        "ID",
        rename=("Value", "Value (%)"),
        code=("SeriesCode", "IT_MOB_4GNTWK"),
        extra_column=False,
        first_column_read=False,
    ),
    "un_m49_csv": _CsvLayout(
        None,
        "Global Code",
        rename=("ISO-alpha3 Code", "ISO-alpha3"),
        invalid=("Least Developed Countries (LDC)", "yes"),
        entity=("ISO-alpha3 Code", "DZX"),
        shift="ISO-alpha3 Code",
        numeric=False,
    ),
    "datahub_country_codes": _CsvLayout(
        None,
        "FIFA",
        rename=("ISO3166-1-Alpha-3", "ISO3166-1-Alpha3"),
        invalid=("M49", "716a"),
        entity=("ISO3166-1-Alpha-3", "ZWX"),
        shift="ISO3166-1-Alpha-3",
        extra_column=False,
        first_column_read=False,
        numeric=False,
    ),
    "datahub_population_long": _CsvLayout(
        "Value", "Country Name", rename=("Value", "Population"), maximum="25000000000"
    ),
    "wb_databank_wide": _CsvLayout(
        None,
        "Country Name",
        code=("Series Code", "IT.NET.USER.P2"),
        series_name=("Series Code", "IT.NET.USER.ZS", "Series Name"),
    ),
    "wb_bulk_csv": _CsvLayout(
        None,
        "Country Name",
        code=("Indicator Code", "IT.NET.USER.P2"),
        series_name=("Indicator Code", "IT.NET.USER.ZS", "Indicator Name"),
    ),
    "owid_grapher_csv": _CsvLayout(
        None,
        "Entity",
        rename=(
            "Individuals using the Internet (% of population)",
            "Individuals using the Internet (% of people)",
        ),
    ),
}


def _csv_faults(layout: str, sid: str, path: Path) -> list[Fault]:
    spec = CSV_LAYOUTS[layout]
    out = _csv_common(layout, sid, path, spec)

    def F(name, how, rule, make):  # noqa: N802 - a local constructor
        out.append(Fault(layout, name, sid, how, rule, "cell", make))

    F(
        "shifted_row",
        "a column's last three values one record down, the last spilling onto a new record",
        RULES["layout"],
        _csv_shift_row(spec, layout),
    )
    F(
        "shifted_column",
        "an empty field inserted at the start of the first data record",
        RULES["layout"] + "|fields",
        _csv_shift_column(spec),
    )
    if layout == "third_party_urban_rural_extract":
        F(
            "renamed_label",
            "entity 'World' -> 'Globe' in the first data record",
            RULES["layout"],
            _csv_named(spec, "country", "Globe"),
        )
    elif spec.rename:
        F(
            "renamed_label",
            f"header {spec.rename[0]!r} -> {spec.rename[1]!r}",
            RULES["layout"],
            _csv_rename_header(spec, *spec.rename),
        )
    else:
        code, value, name = spec.series_name or ("", "", "")
        F(
            "renamed_label",
            f"{name} of the first {value} record + ' (revised)'",
            RULES["layout"],
            _csv_series_name(spec),
        )
    if spec.entity:
        F(
            "renamed_entity",
            f"{spec.entity[0]} of the first data record -> {spec.entity[1]!r}",
            RULES["entity"],
            _csv_named(spec, *spec.entity),
        )
    if spec.code:
        F(
            "unknown_code",
            f"{spec.code[0]} of the first data record -> {spec.code[1]!r}",
            RULES["layout"],
            _csv_code(spec, *spec.code),
        )
    elif spec.extra_column:
        F(
            "unknown_column",
            "a column 'Comment' added to the header and every data record",
            RULES["layout"] + "|fields|header",
            _csv_extra_column(spec),
        )
    if spec.numeric:
        F(
            "text_in_numeric_cell",
            "first value as decimal-comma text (quoted)",
            RULES["text"],
            _csv_cell(layout, spec, lambda old: _comma(float(old)), positive=True),
        )
        over = "population_over_20bn" if spec.maximum != "150" else "percent_over_100"
        F(
            over,
            f"first value set to {spec.maximum}",
            RULES["range"],
            _csv_cell(
                layout, spec, lambda old: spec.maximum, positive=True, percent=spec.maximum == "150"
            ),
        )
        F(
            "negative_value",
            "first positive value negated",
            RULES["negative"],
            _csv_cell(layout, spec, lambda old: "-" + old.strip(), positive=True),
        )
    else:
        column, value = spec.invalid or ("", "")
        F(
            "text_in_numeric_cell",
            f"{column} of the first data record -> {value!r} (invalid code; no numeric cells)",
            RULES["layout"],
            _csv_named(spec, column, value),
        )
    F("duplicated_row", "first data record duplicated", RULES["duplicate"], _csv_duplicate(spec))
    return out  # fmt: skip


# --------------------------------------------------------------------------- the corpus

LAYOUT_FAULTS: dict[str, Callable[[str, str, Path], list[Fault]]] = {
    "itu_aggregates_2019": _itu_xls,
    "itu_aggregates_2022": _itu_xlsx,
    "itu_aggregates_2024": _itu_xlsx,
    "itu_aggregates_2025": _itu_xlsx,
    "itu_country_wide_value_notes_source": _country_internet,
    "itu_country_by_sex_area_text": _country_by_sex,
    "wb_oghist": _oghist,
    "wb_class": _class,
    **dict.fromkeys(CSV_LAYOUTS, _csv_faults),
}


def corpus(raw_dir: Path, manifest_path: Path = MANIFEST) -> list[Fault]:
    """Every fault, layout by layout (manifest order, first source of each layout).

    `raw_dir` holds the verified good files: fault definitions look at them (cells, headers).
    """
    from ictstats.sources.manifest import load_manifest

    faults, seen = [], set()
    for source in load_manifest(manifest_path).values():
        if source.layout in seen:
            continue
        seen.add(source.layout)
        if not source.parse:  # registered before its parser: only its bytes can be at fault
            faults += [
                _checksum_fault(source.layout, source.id),
                _missing_fault(source.layout, source.id),
            ]
            continue
        if source.layout not in LAYOUT_FAULTS:
            raise GeneratorError(f"no faults defined for layout {source.layout!r}")
        make = LAYOUT_FAULTS[source.layout]
        faults.extend(make(source.layout, source.id, raw_dir / source.filename))
    return faults


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Good:
    """The good build every fault starts from."""

    workdir: Path
    raw_dir: Path
    curated_dir: Path
    mirror: Path
    snapshot: dict[str, str]


@dataclass
class Outcome:
    fault_id: str
    layout: str
    name: str
    how: str
    status: str  # caught | MISSED | UNCLEAR | ERROR
    corrupted: bool
    message: str
    problems: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def caught(self) -> bool:
        return self.status == "caught"

    @property
    def first_line(self) -> str:
        return headline(self.message)

    def line(self) -> str:
        extra = f" [{'; '.join(self.problems)}]" if self.problems else ""
        return (
            f"{self.layout:<36} {self.name:<22} {self.status:<7} "
            f"corrupted={'yes' if self.corrupted else 'no '} {self.seconds:4.1f}s  "
            f"{self.first_line[:230]}{extra}"
        )


def _settings(manifest: Path, raw: Path, curated: Path, mirror: Path):
    from ictstats.settings import Settings

    base = Settings.from_env()
    return dataclasses.replace(
        base,
        root=ROOT,
        manifest=manifest,
        claims=ROOT / "data" / "claims.yaml",
        raw_dir=raw,
        curated_dir=curated,
        mirror_dir=mirror,
    )


@contextlib.contextmanager
def silenced():
    """No Dagster console output while it lasts and no crash points
    (tests/integration/test_crash_safety.py sets ICTSTATS_CRASH_AT for its own runs).

    The job's only logger, progress, writes to stderr through the handler it adds when it has
    none; a NullHandler in its place keeps it quiet. (`Logger.disabled` would not hold: Dagster's
    logging set-up re-enables existing loggers.)
    """
    progress = logging.getLogger("ictstats.progress")
    handlers, crash = progress.handlers[:], os.environ.pop("ICTSTATS_CRASH_AT", None)
    progress.handlers = [logging.NullHandler()]
    try:
        yield
    finally:
        progress.handlers = handlers
        if crash is not None:
            os.environ["ICTSTATS_CRASH_AT"] = crash


def quiet() -> None:
    """`silenced` for the rest of the process (the command line and its workers), and no
    library warnings on the console."""
    warnings.filterwarnings("ignore")
    os.environ.pop("ICTSTATS_CRASH_AT", None)
    logging.getLogger("ictstats.progress").handlers = [logging.NullHandler()]


def run_pipeline(settings):
    from dagster import DagsterInstance

    from pipelines.definitions import build_definitions

    job = build_definitions(settings).resolve_implicit_global_asset_job_def()
    with DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(
            instance=instance, raise_on_error=False, run_config={"loggers": {"progress": {}}}
        )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(curated: Path) -> dict[str, str]:
    """Every file (sha256) and symlink (target) under the curated folder: the `current` symlink,
    the public symlinks and every file of every build under `builds/`."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(curated, followlinks=False):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            rel = path.relative_to(curated).as_posix()
            if path.is_symlink():
                found[rel] = "-> " + os.readlink(path)
            elif path.is_file():
                found[rel] = _sha256(path)
    return found


def _visible(path: str, snap: dict[str, str]) -> bool:
    """What a reader sees: the `current` symlink and the build it points at (its DuckDB file,
    Parquet, reports and charts), and the public symlinks into it."""
    current = snap.get("current", "-> ").removeprefix("-> ")
    return path in ("current", "ictstats.duckdb", "parquet", "reports", "charts") or (
        bool(current) and path.startswith(current + "/")
    )


def resolve_raw(workdir: Path, mirror: Path) -> Path:
    """Verified copies of every source in `workdir/good/raw` (no download)."""
    from ictstats.sources.manifest import load_manifest, resolve_all

    raw = workdir / "good" / "raw"
    resolve_all(load_manifest(MANIFEST), raw, mirror, allow_download=False)
    return raw


def build_good(workdir: Path, mirror: Path) -> Good:
    good = workdir / "good"
    settings = _settings(MANIFEST, good / "raw", good / "curated", mirror)
    result = run_pipeline(settings)
    if not result.success:
        raise SystemExit("the good build failed; nothing to compare faults with")
    return Good(workdir, good / "raw", good / "curated", mirror, snapshot(good / "curated"))


def headline(message: str) -> str:
    """The message's first line, completed with the first failure when the details follow
    (a validation table's first row, the first name a resolver could not map)."""
    lines = [line for line in message.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    first = lines[0]
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in lines[1:]
        if line.startswith("|") and not set(line) <= set("|-: ")
    ]
    if len(rows) >= 2 and not first.startswith("blocking check"):
        pairs = zip(rows[0], rows[1], strict=False)
        return f"{first}: " + ", ".join(f"{k}={v}" for k, v in pairs if k != "file")
    if first.endswith(":") and len(lines) > 1 and not lines[1].startswith("|"):
        return f"{first} {lines[1].strip()}"
    return first


_ENTRY = re.compile(r"^ *\d+\.\ds  ", re.M)  # a progress line starts with the run clock


def _messages(screen: str) -> list[tuple[str, str]]:
    """(kind, message) of every failure the terminal shows (`pipelines.run`'s progress text, the
    text `ictstats run` prints): failed blocking checks and failed steps, except the steps that
    only say a blocking check above stopped them. kind: `check`, `ictstats` (one of ictstats'
    errors) or the class of an unexpected exception."""
    found = []
    starts = [m.start() for m in _ENTRY.finditer(screen)] + [len(screen)]
    for begin, end in zip(starts, starts[1:], strict=False):
        entry = _ENTRY.sub("", screen[begin:end], count=1).rstrip()
        head, _, body = entry.partition("\n")
        if ": FAILED" not in head:
            continue
        body = "\n".join(line.removeprefix(" " * 9) for line in body.splitlines())
        if body.startswith("stopped by the failed blocking check"):
            continue
        unexpected = re.match(r"unexpected (\w+): ", body)
        kind = "check" if head.startswith("check ") else "ictstats"
        found.append((unexpected.group(1) if unexpected else kind, f"{head}\n{body}"))
    return found


def _entries(screen: str, head_start: str) -> list[str]:
    """Every progress entry (its line and the indented lines below it) whose line starts so."""
    starts = [m.start() for m in _ENTRY.finditer(screen)] + [len(screen)]
    entries = [
        _ENTRY.sub("", screen[a:b], count=1).rstrip()
        for a, b in zip(starts, starts[1:], strict=False)
    ]
    return [e for e in entries if e.startswith(head_start)]


def judge_warning(fault: Fault, source, result, changed: list[str], screen: str = "") -> Outcome:
    """A warn fault: the build publishes and the warning, as the command line prints it, states
    the rule and names the sheet and cell. The warehouse changes by design (the publisher's
    labels are kept, with the warning), so nothing counts as corrupted."""
    from dagster import AssetCheckSeverity

    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    published = result.success and WAREHOUSE_STEP in materialized
    found = [e for e in result.get_asset_check_evaluations() if e.check_name == fault.warn_check]
    problems = []
    message = found[0].description or "" if found else ""
    # what the user sees: the check's line and its first rows on the terminal
    shown = _entries(screen, f"check {fault.warn_check}: warn")
    if not published:
        problems.append("the build did not publish; a warning must not stop it")
        status = "UNCLEAR"
    elif not found or found[0].passed or found[0].severity != AssetCheckSeverity.WARN:
        status = "MISSED"
        message = f"run succeeded; check {fault.warn_check} did not warn"
    else:
        if not re.search(fault.rule, message, re.S):
            problems.append("the warning does not state the expected rule and cell")
        if screen and not any(re.search(fault.rule, m, re.S) for m in shown):
            problems.append("the terminal does not show the warning's rule and cell")
        status = "caught" if not problems else "UNCLEAR"
    return Outcome(
        fault.id, fault.layout, fault.name, fault.how, status, False, message, problems, changed
    )


def judge(
    fault: Fault, source, result, changed: list[str], good_snapshot, screen: str = ""
) -> Outcome:
    """`result` says whether the run stopped before the warehouse; `screen` (the terminal text)
    is where the message must be: a user never sees Dagster's event log."""
    if fault.expect == "warn":
        return judge_warning(fault, source, result, changed, screen)
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    stopped = not result.success and WAREHOUSE_STEP not in materialized
    messages = _messages(screen) if stopped else []
    problems = []
    cls, message = messages[0] if messages else ("", "")
    if len(messages) > 1:
        problems.append(f"{len(messages)} errors, expected one")
    if messages and cls not in ("ictstats", "check"):
        problems.append(f"bare {cls}, not one of ictstats' errors")
    if messages and source.filename not in message and source.id not in message:
        problems.append("does not name the file")
    where = {"cell": CELL, "sheet": SHEET, "file": ""}[fault.needs]
    if messages and where and not re.search(where, message):
        problems.append(f"no {fault.needs} location")
    if messages and not re.search(fault.rule, message, re.S | re.I):
        problems.append("does not state the expected rule")
    if stopped and not messages:
        problems.append("no error message on the terminal")
    corrupted = any(_visible(p, good_snapshot) for p in changed)
    debris = [p for p in changed if not _visible(p, good_snapshot)]
    if debris and not corrupted:
        problems.append(f"left {len(debris)} non-reader file(s) changed: {debris[:3]}")
    status = "MISSED" if not stopped else ("caught" if not problems else "UNCLEAR")
    if not stopped:
        after = [m for _, m in _messages(screen)]
        message = (
            "run succeeded"
            if result.success
            else ("warehouse rebuilt, then: " + (after[0] if after else "a later step failed"))
        )
    return Outcome(
        fault.id, fault.layout, fault.name, fault.how, status, corrupted, message, problems, changed
    )


@contextlib.contextmanager
def _patched(patches: Iterable[tuple[str, str, int]]):
    saved = []
    try:
        for module_name, attr, value in patches:
            module = importlib.import_module(module_name)
            saved.append((module, attr, getattr(module, attr)))
            setattr(module, attr, value)
        yield
    finally:
        for module, attr, value in reversed(saved):
            setattr(module, attr, value)


def _prepare(fault: Fault, good: Good, folder: Path):
    """The fault's raw folder, curated copy, empty mirror and manifest; returns its settings."""
    from ictstats.sources.manifest import load_manifest, sha256_of

    source = load_manifest(MANIFEST)[fault.source_id]
    raw, curated, mirror = folder / "raw", folder / "curated", folder / "mirror"
    shutil.copytree(good.raw_dir, raw)
    shutil.copytree(good.curated_dir, curated, symlinks=True)
    mirror.mkdir()
    entries = yaml.safe_load(MANIFEST.read_text("utf-8"))["sources"]
    entry = next(e for e in entries if e["id"] == fault.source_id)
    target = raw / source.filename
    patches: tuple[tuple[str, str, int], ...] = ()
    if fault.kind == "missing":
        target.unlink()
        entry["url"] = UNREACHABLE_URL
    else:
        assert fault.make is not None
        faulty = fault.make(good.raw_dir / source.filename)
        target.write_bytes(faulty.data)
        patches = faulty.patches
        if fault.kind == "content":
            entry["known_copies"] = [
                {"sha256": sha256_of(target), "size": target.stat().st_size, "note": fault.id}
            ]
    manifest = folder / "sources.yaml"
    manifest.write_text(yaml.safe_dump({"sources": entries}, sort_keys=False), "utf-8")
    return source, _settings(manifest, raw, curated, mirror), patches


def run_fault(fault: Fault, good: Good, keep: bool = False) -> Outcome:
    """Prepare the fault, run the whole pipeline in process, judge the result."""
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix=re.sub(r"\W", "_", fault.id) + "-", dir=good.workdir))
    try:
        source, settings, patches = _prepare(fault, good, folder)
    except GeneratorError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return Outcome(
            fault.id, fault.layout, fault.name, fault.how, "ERROR", False, f"generator: {exc}"
        )
    from pipelines.terminal import terminal_text

    with _patched(patches), terminal_text() as screen:
        result = run_pipeline(settings)
    after = snapshot(settings.curated_dir)
    keys = set(after) | set(good.snapshot)
    changed = sorted(k for k in keys if after.get(k) != good.snapshot.get(k))
    outcome = judge(fault, source, result, changed, good.snapshot, screen[0])
    outcome.seconds = time.perf_counter() - started
    if keep or not outcome.caught or outcome.corrupted:
        outcome.problems.append(f"kept in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return outcome


def run_control(good: Good) -> tuple[bool, str]:
    """The unchanged manifest on a copy must rebuild, so the snapshot must change."""
    folder = good.workdir / "control"
    shutil.copytree(good.raw_dir, folder / "raw")
    shutil.copytree(good.curated_dir, folder / "curated", symlinks=True)
    settings = _settings(MANIFEST, folder / "raw", folder / "curated", good.mirror)
    result = run_pipeline(settings)
    changed = snapshot(folder / "curated") != good.snapshot
    shutil.rmtree(folder, ignore_errors=True)
    ok = result.success and changed
    return ok, (
        f"control: unchanged sources on a copy -> run {'succeeded' if result.success else 'FAILED'}"
        f", snapshot {'changed' if changed else 'UNCHANGED'} "
        f"({'the comparison sees a rebuild' if ok else 'the comparison cannot be trusted'})"
    )


# --------------------------------------------------------------------------- process pool

_WORKER: dict[str, Any] = {}


def _init_worker(good: Good) -> None:
    quiet()
    _WORKER["good"] = good
    _WORKER["faults"] = {f.id: f for f in corpus(good.raw_dir)}


def _work(task: tuple[str, bool]) -> Outcome:
    fault_id, keep = task
    fault = _WORKER["faults"][fault_id]
    try:
        return run_fault(fault, _WORKER["good"], keep)
    except Exception as exc:  # a bug here must not hide the other faults' results
        message = f"{type(exc).__name__}: {exc}"
        return Outcome(fault.id, fault.layout, fault.name, fault.how, "ERROR", False, message)


def run_all(faults: list[Fault], good: Good, jobs: int, keep: bool) -> Iterable[Outcome]:
    tasks = [(f.id, keep) for f in faults]
    if jobs <= 1:
        _init_worker(good)
        yield from map(_work, tasks)
        return
    context = get_context("spawn")  # a clean interpreter: no state forked from the good run
    with ProcessPoolExecutor(jobs, context, initializer=_init_worker, initargs=(good,)) as pool:
        yield from pool.map(_work, tasks)


def select(faults: list[Fault], layouts: list[str], names: list[str]) -> list[Fault]:
    return [
        f for f in faults if (not layouts or f.layout in layouts) and (not names or f.name in names)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults", description=__doc__[:60])
    parser.add_argument("--layout", action="append", default=[], help="only this layout")
    parser.add_argument("--fault", action="append", default=[], help="only this fault name")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--keep", action="store_true", help="keep every fault's folder")
    parser.add_argument("--list", action="store_true", help="list the faults and exit")
    parser.add_argument(
        "--mirror", type=Path, default=Path(os.environ.get("ICTSTATS_MIRROR", DEFAULT_MIRROR))
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    quiet()
    workdir = Path(tempfile.mkdtemp(prefix="ictstats-faults-"))
    outcomes: list[Outcome] = []
    keep = args.keep
    try:
        faults = select(
            corpus(resolve_raw(workdir, args.mirror.resolve())), args.layout, args.fault
        )
        if args.list:
            for f in faults:
                print(f"{f.layout:<36} {f.name:<22} {f.how}")
            return 0
        if not faults:
            print("no fault selected", file=sys.stderr)
            return 2
        good = build_good(workdir, args.mirror.resolve())
        print(
            f"good warehouse built and snapshotted ({len(good.snapshot)} entries) in "
            f"{time.perf_counter() - started:.1f}s; {len(faults)} faults, {args.jobs} job(s)",
            flush=True,
        )
        control_ok, control = run_control(good)
        print(control, flush=True)
        for outcome in run_all(faults, good, args.jobs, args.keep):
            outcomes.append(outcome)
            print(outcome.line(), flush=True)
        keep = keep or any(not o.caught or o.corrupted for o in outcomes)
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    caught = sum(o.caught for o in outcomes)
    corrupted = sum(o.corrupted for o in outcomes)
    kept = f" (folders of the faults not caught are kept under {workdir})" if keep else ""
    print(f"total run time {time.perf_counter() - started:.1f}s{kept}")
    print(f"{len(outcomes)} faults tried, {caught} caught, {corrupted} corrupted")
    return 0 if control_ok and caught == len(outcomes) and corrupted == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
