"""World Development Indicators observations: the DataBank wide export and the bulk CSV.

Where it sits: sources (verified file) -> **parse** -> validate -> warehouse.

| layout             | function                 | returns                                   |
|--------------------|--------------------------|-------------------------------------------|
| `wb_databank_wide` | `parse_wb_databank_wide` | observation frame of the four ICT series  |
| `wb_bulk_csv`      | `parse_wb_bulk_csv`      | observation frame of `internet_use`       |

Both files are wide: four id columns (economy name and code, series name and code), then one
column per year. Each is described by a `WideCsvLayout` below and read by one reader: find the
header by its first label (above it only the layout's preamble lines), check the id and year
headers, read the data lines to the first blank line, then check the footer. A series the layout
neither takes nor skips on purpose, a renamed series, or a value that is not a number stops the
parse with a `LayoutError` naming `row <physical line>, <column header>`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pandera.pandas as pa

from ictstats.errors import LayoutError
from ictstats.extract.tables import file_label, observation_frame
from ictstats.extract.wb_conventions import (
    TOTAL,
    WB_CODE,
    YEARS,
    Lines,
    PathLike,
    check_header,
    checked_code,
    csv_lines,
    split_trailer,
    stripped,
    wb_number,
)
from ictstats.extract.workbook import column_letter
from ictstats.transform.schemas import validate

OBSERVATION_KEY = ["series", "entity_code", "sex", "area", "age", "year", "unit"]
_CSV_LOCATION = r"^row [0-9]+(, .+)?$"


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


def _find_header(lines: Lines, layout: WideCsvLayout, file_name: str) -> int:
    """Index of the header line, found by its first label; lines above must be known preamble."""
    first_header = layout.id_headers[0]
    for index, (number, cells) in enumerate(lines):
        first = stripped(cells[0]) if cells else ""
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

    check_header(header[:width], layout.id_headers, file_name, None, locate)
    columns: list[tuple[int, int, str]] = []
    for col in range(width, len(header)):
        label = stripped(header[col])
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
    name, code = stripped(cells[2]), stripped(cells[3])
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
    code = checked_code(
        stripped(cells[1]), file_name, None, f"row {number}, {layout.id_headers[1]}"
    )
    spec = _series_spec(number, cells, layout, file_name)
    _check_unlabelled_cells(number, cells, years, layout, file_name)
    if spec is None:
        return []
    return _observations(number, cells, code, spec, years, layout, file_name)


def _check_unlabelled_cells(
    number: int,
    cells: list[str],
    years: list[tuple[int, int, str]],
    layout: WideCsvLayout,
    file_name: str,
) -> None:
    """A value under an empty header belongs to no year: the line or the header is shifted."""
    year_cols = {col for col, _, _ in years}
    for col in range(len(layout.id_headers), len(cells)):
        if col not in year_cols and stripped(cells[col]):
            raise LayoutError(
                file_name,
                None,
                f"row {number}, column {column_letter(col)}",
                f"expected no value under an empty header, found {cells[col]!r}",
            )


def _observations(
    number: int,
    cells: list[str],
    code: str,
    spec: SeriesSpec,
    years: list[tuple[int, int, str]],
    layout: WideCsvLayout,
    file_name: str,
) -> list[dict[str, Any]]:
    """One observation per year cell that is not the missing marker; totals by default."""
    records = []
    for col, year, label in years:
        text = stripped(cells[col])
        if text == layout.missing:
            continue
        where = f"row {number}, {label}"
        value = wb_number(text, file_name, where, layout.missing)
        records.append(
            {
                "series": spec.series,
                "entity_code": code,
                "code_system": "wb",
                "entity_name": stripped(cells[0]),
                "year": year,
                "value": value,
                "unit": spec.unit,
                "source_location": where,
            }
        )
    return records


def _parse_wide_csv(path: PathLike, layout: WideCsvLayout, file_name: str) -> pd.DataFrame:
    """Shared reader of the World Bank wide CSVs: locate header, read data, check the footer."""
    lines = csv_lines(path, file_name, final_line_break=layout.final_line_break)
    at = _find_header(lines, layout, file_name)
    number, header = lines[at]
    years = _year_columns(number, header, layout, file_name)
    data = split_trailer(lines[at + 1 :], layout.footer_prefixes, file_name)
    records = [
        record
        for line_number, cells in data
        for record in _wide_row(line_number, cells, header, years, layout, file_name)
    ]
    # sex, area and age total and obs_status 'A' come from the frame's defaults
    return observation_frame(records)


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
    lines = csv_lines(path, name)
    for number, cells in lines[: _find_header(lines, WB_BULK, name)]:
        if cells and stripped(cells[0]) == "Last Updated Date":
            text = stripped(cells[1]) if len(cells) > 1 else ""
            for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
                try:
                    return dt.datetime.strptime(text, pattern).date()
                except ValueError:
                    continue
            raise LayoutError(
                name, None, f"row {number}", f"expected a date like 2026-07-13, found {text!r}"
            )
    raise LayoutError(name, None, None, "expected a 'Last Updated Date' line above the header")
