"""Parsers for the World Bank files of the manifest and DataHub's repackaged WB population.

Where it sits: sources (verified file) -> **parse** -> validate -> warehouse. Each public
`parse_*` function takes a verified local file, reads it strictly against its manifest layout and
returns a pandas frame already checked by its pandera schema; nothing here knows about Dagster.

| layout                    | function                    | returns                              |
|---------------------------|-----------------------------|--------------------------------------|
| `wb_oghist`               | `parse_wb_oghist`           | income group per economy and FY      |
| `wb_class`                | `parse_wb_class`            | `economies` and `compositions`       |
| `wb_databank_wide`        | `parse_wb_databank_wide`    | observation frame                    |
| `wb_bulk_csv`             | `parse_wb_bulk_csv`         | observation frame                    |
| `datahub_population_long` | `parse_datahub_population`  | population per code and year         |

Each layout is a small declarative description (the constants below) read by one generic reader
per file kind: wide CSV, sheet table, long CSV; OGHIST has its own label-driven reader. Headers
and blocks are found by their labels, never by fixed row numbers. A header, code or value the
layout does not explain stops the parse with a `LayoutError` naming file, sheet and cell (CSV
files: `row <physical line>, <column header>`), saying what was expected and what was found.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from ictstats.errors import LayoutError
from ictstats.extract.tables import (
    OBSERVATION_FRAME_COLUMNS,
    file_label,
    read_csv_text,
)
from ictstats.extract.workbook import Grid, cell_ref, column_letter, read_sheets
from ictstats.transform.schemas import validate

WB_CODE = r"^[A-Z0-9]{3}$"  # ISO3 for economies, and WB aggregate codes (WLD, HIC, EAS, ...)
YEARS = (1960, 2100)
TOTAL = "_T"
OBSERVATION_KEY = ["series", "entity_code", "sex", "area", "age", "year", "unit"]
_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_CSV_LOCATION = r"^row [0-9]+(, .+)?$"

PathLike = str | Path


# --------------------------------------------------------------------------- shared helpers


def _text(value: Any) -> str:
    """A cell as stripped text; calamine gives '' for empty cells, CSV readers give ''."""
    return "" if value is None else str(value).strip()


def _is_blank(cells: Sequence[Any]) -> bool:
    return not any(_text(c) for c in cells)


def _number(text: str, file_name: str, where: str, missing: str | None) -> float:
    """Parse a numeric cell; anything else is named, since it is text where a value belongs."""
    if not _NUMBER.fullmatch(text):
        marker = f" or {missing!r} (missing)" if missing is not None else ""
        raise LayoutError(file_name, None, where, f"expected a number{marker}, found {text!r}")
    return float(text)


def _check_header(
    found: Sequence[Any],
    expected: Sequence[str],
    file_name: str,
    sheet: str | None,
    locate: Callable[[int], str],
) -> None:
    """The first columns must be exactly `expected`; extra named columns are not explained."""
    for col, want in enumerate(expected):
        got = _text(found[col]) if col < len(found) else ""
        if got != want:
            raise LayoutError(
                file_name, sheet, locate(col), f"expected column header {want!r}, found {got!r}"
            )
    extra = [(col, _text(v)) for col, v in enumerate(found) if col >= len(expected) and _text(v)]
    if extra:
        col, got = extra[0]
        raise LayoutError(
            file_name,
            sheet,
            locate(col),
            f"expected no column after {expected[-1]!r}, found {got!r}",
        )


def _read_grids(path: PathLike, sheets: list[str], file_name: str) -> dict[str, Grid]:
    """`read_sheets`, with errors naming the file as the caller knows it."""
    try:
        return read_sheets(Path(path), sheets)
    except LayoutError as exc:
        raise LayoutError(file_name, exc.sheet, exc.cell, exc.problem) from exc


def _csv_lines(
    path: PathLike, file_name: str, *, final_line_break: bool = False
) -> list[tuple[int, list[str]]]:
    """Rows with their 1-based physical line numbers, so every location opens in an editor.

    Read as text with the csv module (BOM dropped): nothing is converted, so '..' and '' stay
    visible as the layout's missing markers.
    """
    text = read_csv_text(path, file_name, final_line_break=final_line_break)
    try:
        with io.StringIO(text, newline="") as handle:
            reader = csv.reader(handle, strict=True)
            return [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise LayoutError(file_name, None, None, f"expected a well-formed CSV ({exc})") from exc


def _split_trailer(
    lines: list[tuple[int, list[str]]], prefixes: tuple[str, ...], file_name: str
) -> list[tuple[int, list[str]]]:
    """Data rows run to the first blank line; after it only blank lines or known footer lines."""
    end = next((i for i, (_, cells) in enumerate(lines) if _is_blank(cells)), len(lines))
    if prefixes and not any(
        cells and _text(cells[0]).startswith(prefixes) for _, cells in lines[end:]
    ):  # the export always closes with them: without, the file was cut short
        where = f"row {lines[-1][0]}" if lines else None
        raise LayoutError(
            file_name, None, where, f"expected footer lines starting {list(prefixes)}; truncated?"
        )
    for number, cells in lines[end:]:
        first, rest = _text(cells[0]) if cells else "", cells[1:]
        if _is_blank(cells) or (prefixes and first.startswith(prefixes) and _is_blank(rest)):
            continue
        allowed = f" or footer lines starting {list(prefixes)}" if prefixes else ""
        raise LayoutError(
            file_name,
            None,
            f"row {number}",
            f"expected only blank lines{allowed} after the data (its first blank line), "
            f"found {','.join(cells)[:80]!r}",
        )
    return lines[:end]


def _checked_code(code: str, file_name: str, sheet: str | None, where: str) -> str:
    if not re.fullmatch(WB_CODE, code):
        raise LayoutError(
            file_name,
            sheet,
            where,
            f"expected a World Bank code (3 capitals/digits), found {code!r}",
        )
    return code


# --------------------------------------------------------------------------- observation frame


@dataclass(frozen=True)
class SeriesSpec:
    """A publisher series taken into the warehouse; the name is checked to catch redefinitions."""

    series: str
    unit: str
    name: str


@dataclass(frozen=True)
class WideCsvLayout:
    """A World Bank wide CSV: four id columns, then one column per year."""

    name: str
    id_headers: tuple[str, str, str, str]  # entity name, entity code, series name, series code
    year_header: re.Pattern[str]  # group 1 = the year
    year_example: str
    missing: str
    series: dict[str, SeriesSpec]
    skipped: dict[str, str] = field(default_factory=dict)  # series code -> why it is not taken
    preamble_labels: frozenset[str] = frozenset()
    footer_prefixes: tuple[str, ...] = ()
    final_line_break: bool = False  # the publisher's file ends with one


_INTERNET = SeriesSpec(
    "internet_use", "percent", "Individuals using the Internet (% of population)"
)

WB_DATABANK_SKIPPED_SERIES: dict[str, str] = {
    "IT.NET.SECR": "secure Internet servers: not an ITU ICT indicator held by the warehouse",
    "IT.NET.SECR.P6": "secure Internet servers per million people: not held by the warehouse",
    "IT.CEL.SETS": "mobile-cellular subscriptions, count: the per-100 series is taken",
    "IT.NET.BBND": "fixed-broadband subscriptions, count: the per-100 series is taken",
    "IT.MLT.MAIN": "fixed-telephone subscriptions, count: the per-100 series is taken",
}

WB_DATABANK = WideCsvLayout(
    name="wb_databank_wide",
    id_headers=("Country Name", "Country Code", "Series Name", "Series Code"),
    year_header=re.compile(r"(\d{4}) \[YR\1\]"),
    year_example="1991 [YR1991]",
    missing="..",
    series={
        "IT.NET.USER.ZS": _INTERNET,
        "IT.CEL.SETS.P2": SeriesSpec(
            "mobile_cellular_subscriptions",
            "per_100",
            "Mobile cellular subscriptions (per 100 people)",
        ),
        "IT.MLT.MAIN.P2": SeriesSpec(
            "fixed_telephone_subscriptions",
            "per_100",
            "Fixed telephone subscriptions (per 100 people)",
        ),
        "IT.NET.BBND.P2": SeriesSpec(
            "fixed_broadband_subscriptions",
            "per_100",
            "Fixed broadband subscriptions (per 100 people)",
        ),
    },
    skipped=WB_DATABANK_SKIPPED_SERIES,
    footer_prefixes=("Data from database:", "Last Updated:"),
)

WB_BULK = WideCsvLayout(
    name="wb_bulk_csv",
    id_headers=("Country Name", "Country Code", "Indicator Name", "Indicator Code"),
    year_header=re.compile(r"(\d{4})"),
    year_example="2024",
    missing="",
    series={"IT.NET.USER.ZS": _INTERNET},
    preamble_labels=frozenset({"Data Source", "Last Updated Date"}),
    final_line_break=True,
)


def observation_schema(layout: WideCsvLayout) -> pa.DataFrameSchema:
    """The observation-frame schema of one wide layout: its series and units.

    The ceiling of each unit is checked once, on the canonical observations (`schemas`).
    """
    specs = layout.series.values()
    return pa.DataFrameSchema(
        {
            "series": pa.Column(str, pa.Check.isin(sorted({s.series for s in specs}))),
            "entity_code": pa.Column(str, pa.Check.str_matches(WB_CODE)),
            "code_system": pa.Column(str, pa.Check.eq("wb")),
            "entity_name": pa.Column(str, pa.Check.str_length(min_value=1)),
            "sex": pa.Column(str, pa.Check.eq(TOTAL)),
            "area": pa.Column(str, pa.Check.eq(TOTAL)),
            "age": pa.Column(str, pa.Check.eq(TOTAL)),
            "year": pa.Column("int64", pa.Check.in_range(*YEARS)),
            "value": pa.Column("float64", pa.Check.ge(0), nullable=False),
            "unit": pa.Column(str, pa.Check.isin(sorted({s.unit for s in specs}))),
            "obs_status": pa.Column(str, pa.Check.eq("A")),
            "source_location": pa.Column(str, pa.Check.str_matches(_CSV_LOCATION)),
        },
        unique=OBSERVATION_KEY,
        strict=True,
        ordered=True,
        name=f"{layout.name} observations",
    )


WB_DATABANK_SCHEMA = observation_schema(WB_DATABANK)
WB_BULK_SCHEMA = observation_schema(WB_BULK)


def _find_header(lines: list[tuple[int, list[str]]], layout: WideCsvLayout, file_name: str) -> int:
    """Index of the header line, found by its first label; lines above must be known preamble."""
    first_header = layout.id_headers[0]
    for index, (number, cells) in enumerate(lines):
        first = _text(cells[0]) if cells else ""
        if first == first_header:
            return index
        if first and first not in layout.preamble_labels:
            preamble = f" or a preamble line {sorted(layout.preamble_labels)}"
            raise LayoutError(
                file_name,
                None,
                f"row {number}",
                f"expected the header line starting {first_header!r}"
                f"{preamble if layout.preamble_labels else ''}, found {first!r}",
            )
    raise LayoutError(file_name, None, None, f"no header line starting {first_header!r}")


def _year_columns(
    number: int, header: list[str], layout: WideCsvLayout, file_name: str
) -> list[tuple[int, int, str]]:
    """(column, year, header text) of each year column; empty trailing headers are allowed."""
    width = len(layout.id_headers)

    def locate(col: int) -> str:
        return f"row {number}, column {column_letter(col)}"

    _check_header(header[:width], layout.id_headers, file_name, None, locate)
    columns: list[tuple[int, int, str]] = []
    for col in range(width, len(header)):
        label = _text(header[col])
        match = layout.year_header.fullmatch(label)
        if match is None and label:
            raise LayoutError(
                file_name,
                None,
                locate(col),
                f"expected a year header like {layout.year_example!r}, found {label!r}",
            )
        if match:
            if any(year == int(match.group(1)) for _, year, _ in columns):
                raise LayoutError(file_name, None, locate(col), f"year {label!r} appears twice")
            columns.append((col, int(match.group(1)), label))
    if not columns:
        raise LayoutError(file_name, None, f"row {number}", "expected year columns, found none")
    return columns


def _series_spec(
    number: int, cells: list[str], layout: WideCsvLayout, file_name: str
) -> SeriesSpec | None:
    """The series a row belongs to; None for a series the layout skips on purpose."""
    name, code = _text(cells[2]), _text(cells[3])
    where = f"row {number}, {layout.id_headers[3]}"
    if code in layout.skipped:
        return None
    spec = layout.series.get(code)
    if spec is None:
        raise LayoutError(
            file_name,
            None,
            where,
            f"expected a series code among {sorted(layout.series)} (taken) or "
            f"{sorted(layout.skipped)} (skipped on purpose), found {code!r}",
        )
    if name != spec.name:
        raise LayoutError(
            file_name,
            None,
            f"row {number}, {layout.id_headers[2]}",
            f"expected series {code} to be named {spec.name!r}, found {name!r}",
        )
    return spec


def _wide_row(
    number: int,
    cells: list[str],
    header: list[str],
    years: list[tuple[int, int, str]],
    layout: WideCsvLayout,
    file_name: str,
) -> list[dict[str, Any]]:
    """The observations of one data line (none for a skipped series)."""
    if len(cells) != len(header):
        raise LayoutError(
            file_name,
            None,
            f"row {number}",
            f"expected {len(header)} fields like the header, found {len(cells)}",
        )
    code = _checked_code(_text(cells[1]), file_name, None, f"row {number}, {layout.id_headers[1]}")
    spec = _series_spec(number, cells, layout, file_name)
    year_cols = {col for col, _, _ in years}
    for col in range(len(layout.id_headers), len(cells)):
        if col not in year_cols and _text(cells[col]):
            raise LayoutError(
                file_name,
                None,
                f"row {number}, column {column_letter(col)}",
                f"expected no value under an empty header, found {cells[col]!r}",
            )
    if spec is None:
        return []
    records = []
    for col, year, label in years:
        text = _text(cells[col])
        if text == layout.missing:
            continue
        where = f"row {number}, {label}"
        value = _number(text, file_name, where, layout.missing)
        records.append(
            {
                "series": spec.series,
                "entity_code": code,
                "code_system": "wb",
                "entity_name": _text(cells[0]),
                "sex": TOTAL,
                "area": TOTAL,
                "age": TOTAL,
                "year": year,
                "value": value,
                "unit": spec.unit,
                "obs_status": "A",
                "source_location": where,
            }
        )
    return records


def _parse_wide_csv(path: PathLike, layout: WideCsvLayout, file_name: str) -> pd.DataFrame:
    """Shared reader of the World Bank wide CSVs: locate header, read data, check the footer."""
    lines = _csv_lines(path, file_name, final_line_break=layout.final_line_break)
    at = _find_header(lines, layout, file_name)
    number, header = lines[at]
    years = _year_columns(number, header, layout, file_name)
    data = _split_trailer(lines[at + 1 :], layout.footer_prefixes, file_name)
    records = [
        record
        for line_number, cells in data
        for record in _wide_row(line_number, cells, header, years, layout, file_name)
    ]
    frame = pd.DataFrame.from_records(records, columns=OBSERVATION_FRAME_COLUMNS)
    return frame.astype({"year": "int64", "value": "float64"})


def parse_wb_databank_wide(path: PathLike, file_name: str | None = None) -> pd.DataFrame:
    """WDI DataBank export (`wb_databank_wide`) -> observation frame of the four ICT series.

    Count series and secure servers are skipped on purpose (`WB_DATABANK_SKIPPED_SERIES`);
    any other series code stops the parse, so a differently built extract is not half-read.
    """
    name = file_label(path, file_name)
    return validate(_parse_wide_csv(path, WB_DATABANK, name), WB_DATABANK_SCHEMA, name)


def parse_wb_bulk_csv(path: PathLike, file_name: str | None = None) -> pd.DataFrame:
    """WDI bulk CSV of IT.NET.USER.ZS (`wb_bulk_csv`) -> observation frame of `internet_use`.

    Rows of any other indicator code stop the parse: the file is one indicator by definition.
    """
    name = file_label(path, file_name)
    return validate(_parse_wide_csv(path, WB_BULK, name), WB_BULK_SCHEMA, name)


def wb_bulk_last_updated(path: PathLike, file_name: str | None = None) -> dt.date:
    """The preamble's 'Last Updated Date': the WDI vintage, which the file name does not carry.

    The World Bank writes ISO dates ('2026-07-13'); a spreadsheet re-save writes '7/13/2026'.
    """
    name = file_label(path, file_name)
    lines = _csv_lines(path, name)
    for number, cells in lines[: _find_header(lines, WB_BULK, name)]:
        if cells and _text(cells[0]) == "Last Updated Date":
            text = _text(cells[1]) if len(cells) > 1 else ""
            for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
                try:
                    return dt.datetime.strptime(text, pattern).date()
                except ValueError:
                    continue
            raise LayoutError(
                name, None, f"row {number}", f"expected a date like 2026-07-13, found {text!r}"
            )
    raise LayoutError(name, None, None, "expected a 'Last Updated Date' line above the header")


# --------------------------------------------------------------------------- OGHIST

OGHIST_SHEET = "Country Analytical History"
OGHIST_FISCAL_YEAR_LABEL = "bank's fiscal year"
OGHIST_GNI_YEAR_LABEL = "data for calendar year"
OGHIST_INCOME_CODES = ("L", "LM", "UM", "H")
OGHIST_THRESHOLD_LABELS = (  # rows between the header and the economies, compared by `_label`
    "low income (l)",
    "lower middle income (lm)",
    "upper middle income (um)",
    "high income (h)",
)
OGHIST_MISSING = ("", "..")
OGHIST_FLAG = "*"  # footnote: e.g. Yemen 'LM*' (Yemen PDR L + Yemen Arab Rep. LM, combined LM)
_OGHIST_CODE = re.compile(r"^(L|LM|UM|H)(\*?)$")
_FISCAL_YEAR = re.compile(r"^FY(\d{2})$")
_FORMER_CODE = r"^[A-Z0-9]{3}[a-z]?$"  # former economies include 'YUGf' (Yugoslavia, former)
FiscalYear = tuple[int, str, int]  # (column, 'FY26', GNI calendar year 2024)
OGHIST_COLUMNS = [
    "iso3",
    "name",
    "fiscal_year",
    "gni_year",
    "income_group",
    "flag",
    "former_economy",
    "source_location",
]


def _current_codes_are_iso3(frame: pd.DataFrame) -> pd.Series:
    return frame["former_economy"] | frame["iso3"].str.fullmatch(WB_CODE).fillna(False)


def _flag_needs_group(frame: pd.DataFrame) -> pd.Series:
    return (frame["flag"] == "") | frame["income_group"].notna()


OGHIST_SCHEMA = pa.DataFrameSchema(
    {
        "iso3": pa.Column(str, pa.Check.str_matches(_FORMER_CODE)),
        "name": pa.Column(str, pa.Check.str_length(min_value=1)),
        "fiscal_year": pa.Column(str, pa.Check.str_matches(_FISCAL_YEAR.pattern)),
        "gni_year": pa.Column("int64", pa.Check.in_range(*YEARS)),
        "income_group": pa.Column(str, pa.Check.isin(list(OGHIST_INCOME_CODES)), nullable=True),
        "flag": pa.Column(str, pa.Check.isin(["", OGHIST_FLAG])),
        "former_economy": pa.Column(bool),
        "source_location": pa.Column(str, pa.Check.str_matches(rf"^{OGHIST_SHEET}![A-Z]+[0-9]+$")),
    },
    checks=[
        pa.Check(_current_codes_are_iso3, name="current economies carry a 3-character code"),
        pa.Check(_flag_needs_group, name="a '*' flag only on a classified cell"),
    ],
    unique=["iso3", "fiscal_year"],
    strict=True,
    ordered=True,
    name="wb_oghist",
)


def _label(value: Any) -> str:
    """Compare labels the way a reader does: any case, single spaces, no trailing colon."""
    return " ".join(_text(value).split()).rstrip(" :").casefold()


def _find_label(grid: Grid, label: str, file_name: str) -> tuple[int, int]:
    for row, cells in enumerate(grid):
        for col, value in enumerate(cells):
            if _label(value) == label:
                return row, col
    raise LayoutError(file_name, OGHIST_SHEET, None, f"expected a cell labelled {label!r}; none")


def _cell(grid: Grid, row: int, col: int) -> Any:
    return grid[row][col] if row < len(grid) and col < len(grid[row]) else ""


def _gni_year(value: Any, file_name: str, cell: str) -> int:
    text = _text(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not re.fullmatch(r"\d{4}", text):
        raise LayoutError(file_name, OGHIST_SHEET, cell, f"expected a year, found {value!r}")
    return int(text)


def _oghist_years(
    grid: Grid, fy_row: int, gni_row: int, label_col: int, file_name: str
) -> list[FiscalYear]:
    """(column, 'FY26', 2024) for each column from the label to the last fiscal year.

    FYyy is classified on the GNI of calendar year yy - 2 (FY26 on 2024); checking that keeps
    the two header rows aligned. FY18-FY21 are formulas linked to another workbook, so a copy
    saved without their cached values shows a gap, which is named rather than skipped.
    """
    cells = grid[fy_row]
    filled = [c for c in range(label_col + 1, len(cells)) if _text(cells[c])]
    if not filled:
        raise LayoutError(
            file_name, OGHIST_SHEET, cell_ref(fy_row, label_col), "expected fiscal years; none"
        )
    columns: list[FiscalYear] = []
    for col in range(label_col + 1, filled[-1] + 1):
        text = _text(cells[col])
        match = _FISCAL_YEAR.fullmatch(text)
        if match is None:
            found = repr(text) if text else "a blank cell (a formula saved without its value?)"
            raise LayoutError(
                file_name,
                OGHIST_SHEET,
                cell_ref(fy_row, col),
                f"expected a fiscal year like 'FY26', found {found}",
            )
        gni = _gni_year(_cell(grid, gni_row, col), file_name, cell_ref(gni_row, col))
        if (gni + 2) % 100 != int(match.group(1)):
            raise LayoutError(
                file_name,
                OGHIST_SHEET,
                cell_ref(gni_row, col),
                f"expected the calendar year 2 years before {text}, found {gni}",
            )
        columns.append((col, text, gni))
    return columns


def _oghist_economy_rows(
    grid: Grid, start: int, code_col: int, year_cols: list[int], file_name: str
) -> list[tuple[int, bool]]:
    """(row, former) of each economy below the header.

    The first run of coded rows is the current economies; coded rows after the gap (blank
    line, footnote) are former economies. An uncoded row may carry values only if it is one of
    the threshold rows above the economies, so a deleted code never drops an economy silently.
    """
    rows: list[tuple[int, bool]] = []
    gap = False
    for row in range(start, len(grid)):
        if _text(_cell(grid, row, code_col)):
            rows.append((row, gap))
            continue
        gap = gap or bool(rows)
        filled = [c for c in year_cols if _text(_cell(grid, row, c))]
        label = _label(_cell(grid, row, code_col + 1))
        if filled and (rows or label not in OGHIST_THRESHOLD_LABELS):
            raise LayoutError(
                file_name,
                OGHIST_SHEET,
                cell_ref(row, code_col),
                f"expected an economy code for the row labelled "
                f"{_text(_cell(grid, row, code_col + 1))!r}, which has values (only the "
                "threshold rows above the economies have none), found a blank",
            )
    if not rows:
        raise LayoutError(file_name, OGHIST_SHEET, None, "expected economy rows; found none")
    return rows


def _income_code(value: Any, file_name: str, cell: str) -> tuple[str | None, str]:
    """('LM', '*') from 'LM*'; (None, '') for '..' (not classified) and blank."""
    text = _text(value) if isinstance(value, str) else repr(value)
    if text in OGHIST_MISSING:
        return None, ""
    match = _OGHIST_CODE.fullmatch(text)
    if match is None:
        raise LayoutError(
            file_name,
            OGHIST_SHEET,
            cell,
            f"expected an income code {list(OGHIST_INCOME_CODES)} (optionally with '*'), "
            f"'..' or blank, found {text!r}",
        )
    return match.group(1), match.group(2)


def _oghist_economy(
    grid: Grid, row: int, former: bool, code_col: int, years: list[FiscalYear], file_name: str
) -> list[dict[str, Any]]:
    code, name = _text(_cell(grid, row, code_col)), _text(_cell(grid, row, code_col + 1))
    pattern = _FORMER_CODE if former else WB_CODE
    if not re.fullmatch(pattern, code):
        raise LayoutError(
            file_name,
            OGHIST_SHEET,
            cell_ref(row, code_col),
            f"expected an ISO3 code, found {code!r}",
        )
    if not name:
        raise LayoutError(
            file_name, OGHIST_SHEET, cell_ref(row, code_col + 1), "expected an economy name"
        )
    last, last_year, _ = max(years)
    beyond = [c for c in range(last + 1, len(grid[row])) if _text(_cell(grid, row, c))]
    if beyond:  # a row shifted right would otherwise give every year the previous year's code
        raise LayoutError(
            file_name,
            OGHIST_SHEET,
            cell_ref(row, beyond[0]),
            f"expected nothing right of the last fiscal-year column "
            f"({column_letter(last)}, {last_year}), "
            "found a value; is the row shifted?",
        )
    records = []
    for col, fiscal_year, gni_year in years:
        cell = cell_ref(row, col)
        group, flag = _income_code(_cell(grid, row, col), file_name, cell)
        records.append(
            {
                "iso3": code,
                "name": name,
                "fiscal_year": fiscal_year,
                "gni_year": gni_year,
                "income_group": group,
                "flag": flag,
                "former_economy": former,
                "source_location": f"{OGHIST_SHEET}!{cell}",
            }
        )
    return records


def parse_wb_oghist(path: PathLike, file_name: str | None = None) -> pd.DataFrame:
    """OGHIST (`wb_oghist`) -> one row per economy and fiscal year with its income group.

    The historical classification is what ITU's income-group aggregates are built on, so every
    cell, including unclassified ones (income_group None), is kept with its cell reference.
    """
    name = file_label(path, file_name)
    grid = _read_grids(path, [OGHIST_SHEET], name)[OGHIST_SHEET]
    fy_row, label_col = _find_label(grid, OGHIST_FISCAL_YEAR_LABEL, name)
    gni_row, gni_col = _find_label(grid, OGHIST_GNI_YEAR_LABEL, name)
    if gni_col != label_col or gni_row <= fy_row:
        raise LayoutError(
            name,
            OGHIST_SHEET,
            cell_ref(gni_row, gni_col),
            f"expected the calendar-year label below {cell_ref(fy_row, label_col)}",
        )
    if label_col == 0:
        raise LayoutError(
            name, OGHIST_SHEET, cell_ref(fy_row, 0), "expected the economy codes left of the labels"
        )
    years = _oghist_years(grid, fy_row, gni_row, label_col, name)
    code_col = label_col - 1
    economies = _oghist_economy_rows(grid, gni_row + 1, code_col, [c for c, _, _ in years], name)
    records = [
        record
        for row, former in economies
        for record in _oghist_economy(grid, row, former, code_col, years, name)
    ]
    frame = pd.DataFrame.from_records(records, columns=OGHIST_COLUMNS)
    frame = frame.astype({"gni_year": "int64", "former_economy": bool})
    return validate(frame, OGHIST_SCHEMA, name)


# --------------------------------------------------------------------------- CLASS

CLASS_INCOME_GROUPS = ("Low income", "Lower middle income", "Upper middle income", "High income")
CLASS_LENDING_CATEGORIES = ("IDA", "IBRD", "Blend")
CLASS_REGIONS = (
    "East Asia & Pacific",
    "Europe & Central Asia",
    "Latin America & Caribbean",
    "Middle East & North Africa",
    "North America",
    "South Asia",
    "Sub-Saharan Africa",
)


@dataclass(frozen=True)
class ColumnSpec:
    header: str
    name: str
    allowed: tuple[str, ...] | None = None  # a closed code list, or None for free text
    pattern: str | None = None
    required: bool = True  # a blank cell is an error; otherwise it becomes None


@dataclass(frozen=True)
class SheetTableSpec:
    """A sheet holding one table: header on the first non-blank row, data to the first blank row.

    After the blank row only the first `trailer_columns` columns may be filled (CLASS lists its
    aggregates there with name and code only); anything else means the table moved.
    """

    sheet: str
    columns: tuple[ColumnSpec, ...]
    output: tuple[str, ...]
    trailer_columns: int = 0
    location_column: str | None = None  # its cell becomes `source_location`


CLASS_ECONOMIES = SheetTableSpec(
    sheet="List of economies",
    columns=(
        ColumnSpec("Economy", "name"),
        ColumnSpec("Code", "iso3", pattern=WB_CODE),
        ColumnSpec("Region", "region", allowed=CLASS_REGIONS),
        ColumnSpec("Income group", "income_group", CLASS_INCOME_GROUPS, required=False),
        ColumnSpec(
            "Lending category", "lending_category", CLASS_LENDING_CATEGORIES, required=False
        ),
    ),
    output=("iso3", "name", "region", "income_group", "lending_category", "source_location"),
    trailer_columns=2,
    location_column="iso3",
)

CLASS_COMPOSITIONS = SheetTableSpec(
    sheet="compositions",
    columns=(
        ColumnSpec("WB_Group_Code", "group_code", pattern=WB_CODE),
        ColumnSpec("WB_Group_Name", "group_name"),
        ColumnSpec("WB_Country_Code", "iso3", pattern=WB_CODE),
        ColumnSpec("WB_Country_Name", "name"),
    ),
    output=("group_code", "group_name", "iso3", "name"),
)

CLASS_ECONOMIES_SCHEMA = pa.DataFrameSchema(
    {
        "iso3": pa.Column(str, pa.Check.str_matches(WB_CODE), unique=True),
        "name": pa.Column(str, pa.Check.str_length(min_value=1)),
        "region": pa.Column(str, pa.Check.isin(list(CLASS_REGIONS))),
        "income_group": pa.Column(str, pa.Check.isin(list(CLASS_INCOME_GROUPS)), nullable=True),
        "lending_category": pa.Column(
            str, pa.Check.isin(list(CLASS_LENDING_CATEGORIES)), nullable=True
        ),
        "source_location": pa.Column(str, pa.Check.str_matches(r"^List of economies![A-Z]+\d+$")),
    },
    strict=True,
    ordered=True,
    name="wb_class economies",
)

CLASS_COMPOSITIONS_SCHEMA = pa.DataFrameSchema(
    {
        "group_code": pa.Column(str, pa.Check.str_matches(WB_CODE)),
        "group_name": pa.Column(str, pa.Check.str_length(min_value=1)),
        "iso3": pa.Column(str, pa.Check.str_matches(WB_CODE)),
        "name": pa.Column(str, pa.Check.str_length(min_value=1)),
    },
    unique=["group_code", "iso3"],
    strict=True,
    ordered=True,
    name="wb_class compositions",
)


def _table_cell(value: Any, column: ColumnSpec, file_name: str, sheet: str, cell: str) -> Any:
    """One checked cell: required, in its code list, matching its pattern."""
    text = _text(value)
    if not text:
        if column.required:
            raise LayoutError(file_name, sheet, cell, f"expected a {column.header}, found a blank")
        return None
    if column.allowed is not None and text not in column.allowed:
        raise LayoutError(
            file_name,
            sheet,
            cell,
            f"expected a {column.header} among {list(column.allowed)} or blank, found {text!r}",
        )
    if column.pattern is not None and not re.fullmatch(column.pattern, text):
        raise LayoutError(
            file_name,
            sheet,
            cell,
            f"expected a {column.header} matching {column.pattern}, found {text!r}",
        )
    return text


def _check_trailer(grid: Grid, start: int, spec: SheetTableSpec, file_name: str) -> None:
    for row in range(start, len(grid)):
        extra = [c for c, v in enumerate(grid[row]) if c >= spec.trailer_columns and _text(v)]
        if extra:
            kept = [c.header for c in spec.columns[: spec.trailer_columns]] or "nothing"
            raise LayoutError(
                file_name,
                spec.sheet,
                cell_ref(row, extra[0]),
                f"expected only {kept} after the table's first blank row, "
                f"found {_text(grid[row][extra[0]])!r}",
            )


def _sheet_table(grid: Grid, spec: SheetTableSpec, file_name: str) -> pd.DataFrame:
    """Read one sheet table described by `spec` into its output columns."""
    top = next((r for r, cells in enumerate(grid) if not _is_blank(cells)), None)
    if top is None:
        raise LayoutError(file_name, spec.sheet, None, "expected a table; the sheet is empty")
    headers = [c.header for c in spec.columns]
    _check_header(grid[top], headers, file_name, spec.sheet, lambda col: cell_ref(top, col))
    records, row = [], top + 1
    while row < len(grid) and not _is_blank(grid[row]):
        record = {
            column.name: _table_cell(
                _cell(grid, row, col), column, file_name, spec.sheet, cell_ref(row, col)
            )
            for col, column in enumerate(spec.columns)
        }
        if spec.location_column is not None:
            col = [c.name for c in spec.columns].index(spec.location_column)
            record["source_location"] = f"{spec.sheet}!{cell_ref(row, col)}"
        records.append(record)
        row += 1
    _check_trailer(grid, row, spec, file_name)
    return pd.DataFrame.from_records(records, columns=list(spec.output))


def parse_wb_class(path: PathLike, file_name: str | None = None) -> dict[str, pd.DataFrame]:
    """CLASS.xlsx (`wb_class`) -> {'economies': ..., 'compositions': ...}.

    Only the economy rows above the blank row are economies; the aggregate list below it
    (name and code only) is the set of groups that `compositions` spells out member by member.
    """
    name = file_label(path, file_name)
    grids = _read_grids(path, [CLASS_ECONOMIES.sheet, CLASS_COMPOSITIONS.sheet], name)
    economies = _sheet_table(grids[CLASS_ECONOMIES.sheet], CLASS_ECONOMIES, name)
    compositions = _sheet_table(grids[CLASS_COMPOSITIONS.sheet], CLASS_COMPOSITIONS, name)
    return {
        "economies": validate(economies, CLASS_ECONOMIES_SCHEMA, name),
        "compositions": validate(compositions, CLASS_COMPOSITIONS_SCHEMA, name),
    }


# --------------------------------------------------------------------------- DataHub population

POPULATION_HEADERS = ("Country Name", "Country Code", "Year", "Value")
POPULATION_MAXIMUM = 20e9  # world population is about 8.2 billion

POPULATION_SCHEMA = pa.DataFrameSchema(
    {
        "code": pa.Column(str, pa.Check.str_matches(WB_CODE)),
        "name": pa.Column(str, pa.Check.str_length(min_value=1)),
        "year": pa.Column("int64", pa.Check.in_range(*YEARS)),
        "population": pa.Column("Int64", pa.Check.in_range(0, POPULATION_MAXIMUM)),
        "source_location": pa.Column(str, pa.Check.str_matches(r"^row [0-9]+$")),
    },
    unique=["code", "year"],
    strict=True,
    ordered=True,
    name="datahub_population_long",
)


def _population_row(number: int, cells: list[str], file_name: str) -> dict[str, Any]:
    """One line: a WB code, a four-digit year and a whole number of people."""
    if len(cells) != len(POPULATION_HEADERS):
        raise LayoutError(
            file_name, None, f"row {number}", f"expected 4 fields, found {len(cells)}"
        )
    name, code, year, value = (_text(c) for c in cells)
    code = _checked_code(code, file_name, None, f"row {number}, Country Code")
    if not re.fullmatch(r"\d{4}", year):
        raise LayoutError(
            file_name, None, f"row {number}, Year", f"expected a year, found {year!r}"
        )
    population = _number(value, file_name, f"row {number}, Value", None)
    if not population.is_integer():
        raise LayoutError(
            file_name, None, f"row {number}, Value", f"expected a whole number, found {value!r}"
        )
    return {
        "code": code,
        "name": name,
        "year": int(year),
        "population": int(population),
        "source_location": f"row {number}",
    }


def parse_datahub_population(path: PathLike, file_name: str | None = None) -> pd.DataFrame:
    """DataHub population.csv (WDI SP.POP.TOTL, long) -> code, name, year, population.

    The denominators for turning ITU percentages into people; a missing or non-integer value
    is an error because the long format has no missing marker.
    """
    name = file_label(path, file_name)
    lines = _csv_lines(path, name, final_line_break=True)
    if not lines:
        raise LayoutError(name, None, "row 1", "expected a header line; the file is empty")
    number, header = lines[0]
    _check_header(
        header, POPULATION_HEADERS, name, None, lambda c: f"row {number}, column {column_letter(c)}"
    )
    data = _split_trailer(lines[1:], (), name)
    records = [_population_row(n, cells, name) for n, cells in data]
    frame = pd.DataFrame.from_records(records, columns=[*POPULATION_SCHEMA.columns])
    frame = frame.astype({"year": "int64", "population": "Int64"})
    return validate(frame, POPULATION_SCHEMA, name)
