"""The observation frame every country-level parser returns, and the helpers those parsers share.

Where it sits: sources (verified file) -> **parse** -> validate -> warehouse. The parsers in
`itu_internet_use`, `itu_internet_by_sex_area`, `itu_coverage`, `un_data`, `datahub` and `owid`
each describe one publisher layout in tables; this module holds what they have in common: reading
a CSV with its physical line numbers, turning a cell into a number or a year (or a LayoutError
naming the cell), building the frame and building its pandera schema. The World Bank parsers
build their frame here too but read their cells with `wb_conventions`.

Country-level values keep the code system the publisher used (`code_system`: 'iso3', 'm49',
'owid' or 'name'); mapping them onto the warehouse's `entity` is a later step.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from ictstats.errors import LayoutError
from ictstats.extract.workbook import Grid, read_sheets

OBSERVATION_FRAME_COLUMNS = [
    "series",
    "entity_code",
    "code_system",
    "entity_name",
    "sex",
    "area",
    "age",
    "year",
    "value",
    "unit",
    "obs_status",
    "source_location",
]
DEFAULTS = {"sex": "_T", "area": "_T", "age": "_T", "obs_status": "A"}
CSV_LOCATION = r"^row \d+, .+$"
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_YEAR = re.compile(r"^\d{4}$")

# A function that turns a problem into a LayoutError naming file, sheet and cell (or row).
Fail = Callable[[str], LayoutError]


def file_label(path: Path | str, file_name: str | None) -> str:
    """The name errors show: the manifest's file name when given, else the file's own."""
    return file_name or Path(path).name


def read_sheet(path: Path | str, sheet: str, file: str) -> Grid:
    """One sheet as a grid anchored at A1; errors name `file` (the manifest's name)."""
    try:
        return read_sheets(Path(path), [sheet])[sheet]
    except LayoutError as exc:
        raise LayoutError(file, exc.sheet, exc.cell, exc.problem) from None


def normalise(label: Any) -> str:
    """Compare header labels the way a reader does: single spaces, any case."""
    return " ".join(str(label).split()).casefold()


def cell_text(value: Any) -> str:
    """A note cell as text: stripped; numbers as written (0.83, not 0.8300000001)."""
    if isinstance(value, float):
        return f"{value:g}" if value.is_integer() else repr(value)
    return str(value).strip()


def text_or_none(value: str) -> str | None:
    """Reference-table field: surrounding blanks (incl. no-break spaces) dropped, '' -> None."""
    return value.strip() or None


def parse_number(value: Any, missing: frozenset[str], fail: Fail) -> float | None:
    """Cell or field -> float, None for a missing marker; anything else stops the parse.

    Numbers stored as text ('72.2') are accepted, as are real numbers; 'nan', '72,2' or a
    note in a value cell are not, because they mean the layout is not what we think it is.
    """
    if isinstance(value, bool):
        raise fail(f"expected a number, found the boolean {value!r}")
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise fail(f"expected a finite number, found {value!r}")
        return float(value)
    text = str(value).strip()
    if text in missing:
        return None
    if _NUMBER.match(text):
        return float(text)
    markers = ", ".join(repr(m) for m in sorted(missing))
    raise fail(
        f"text {text!r} in a numeric cell; expected a number or a missing marker ({markers})"
    )


def parse_year(value: Any, fail: Fail) -> int:
    """A four-digit year from a number (2020.0) or text ('2020')."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if isinstance(value, bool) or not _YEAR.match(text):
        raise fail(f"expected a four-digit year, found {value!r}")
    return int(text)


@dataclass(frozen=True)
class CsvRow:
    line: int  # 1-based physical line where the record starts (header = line 1)
    values: dict[str, str]


@dataclass(frozen=True)
class CsvTable:
    file: str
    header: list[str]
    rows: list[CsvRow]

    def fail(self, line: int, column: str | None, problem: str) -> LayoutError:
        prefix = f"column '{column}': " if column else ""
        return LayoutError(self.file, None, f"row {line}", prefix + problem)

    def failer(self, row: CsvRow, column: str) -> Fail:
        return lambda problem: self.fail(row.line, column, problem)

    def code(self, row: CsvRow, column: str, mapping: Mapping[str, Any]) -> Any:
        """Translate a publisher code with a layout table; an unknown code stops the parse."""
        found = row.values[column]
        if found not in mapping:
            expected = sorted(mapping)
            raise self.fail(row.line, column, f"unknown code {found!r}; expected one of {expected}")
        return mapping[found]

    def matching(self, row: CsvRow, column: str, pattern: str, what: str) -> str:
        """A field that must match `pattern` (e.g. an ISO3 code), stripped."""
        found = row.values[column].strip()
        if not re.match(pattern, found):
            raise self.fail(row.line, column, f"expected {what}, found {found!r}")
        return found


def read_csv_table(
    path: Path | str,
    file: str,
    columns: Sequence[str],
    *,
    exact: bool = True,
    final_line_break: bool = False,
) -> CsvTable:
    """Read a CSV as text (BOM dropped, nothing turned into NaN) and check its header.

    `exact`: the header must be `columns` in that order; otherwise `columns` must all be present.
    Line numbers are physical, so a quoted field spanning two lines (ITU DataHub notes) does not
    shift every later location. `final_line_break`: the publisher's file ends with one, so a
    file without it was cut short, even if the cut fell between two fields.
    """
    text = read_csv_text(path, file, final_line_break=final_line_break)
    try:
        return _read_csv_table(text, file, columns, exact)
    except csv.Error as exc:  # in the header line; later lines report their row
        raise LayoutError(
            file, None, "row 1", f"expected a well-formed CSV header ({exc})"
        ) from None


def read_csv_text(path: Path | str, file: str, *, final_line_break: bool = False) -> str:
    """The file's text, BOM dropped, read once: UTF-8 throughout and, where the layout says so,
    complete. Errors name the line."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LayoutError(
            file,
            None,
            f"row {line}",
            f"expected UTF-8 text, found {exc.reason} at byte {exc.start}",
        ) from None
    if final_line_break and data and not data.endswith(b"\n"):
        line = data.count(b"\n") + 1
        raise LayoutError(
            file,
            None,
            f"row {line}",
            "expected the file to end with a line break like the publisher's; it stops "
            "mid-line, so it was cut short (truncated download?)",
        )
    return text.removeprefix("\ufeff")


def _read_csv_table(text: str, file: str, columns: Sequence[str], exact: bool) -> CsvTable:
    with io.StringIO(text, newline="") as handle:
        reader = csv.reader(handle, strict=True)
        header = next(reader, None)
        if header is None:
            raise LayoutError(file, None, "row 1", "the file is empty; expected a header row")
        _check_header(file, header, columns, exact)
        rows, previous_end = [], reader.line_num
        while True:
            start = previous_end + 1
            try:
                fields = next(reader, None)
            except csv.Error as exc:  # a quoted field never closed: the file was cut inside it
                raise LayoutError(
                    file, None, f"row {start}", f"expected a well-formed CSV record ({exc})"
                ) from None
            if fields is None:
                break
            previous_end = reader.line_num
            if len(fields) != len(header):
                raise LayoutError(
                    file,
                    None,
                    f"row {start}",
                    f"{len(fields)} fields, expected {len(header)} (the header's count)",
                )
            rows.append(CsvRow(start, dict(zip(header, fields, strict=True))))
    return CsvTable(file, header, rows)


def _check_header(file: str, header: list[str], columns: Sequence[str], exact: bool) -> None:
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise LayoutError(file, None, "row 1", f"header repeats column(s) {duplicated}")
    if exact:
        for number, (found, expected) in enumerate(zip(header, columns, strict=False), start=1):
            if found != expected:
                raise LayoutError(
                    file,
                    None,
                    "row 1",
                    f"header column {number} is {found!r}, expected {expected!r}",
                )
        if len(header) != len(columns):
            raise LayoutError(
                file, None, "row 1", f"header has {len(header)} columns, expected {list(columns)}"
            )
        return
    missing = [c for c in columns if c not in header]
    if missing:
        raise LayoutError(file, None, "row 1", f"header lacks column(s) {missing}")


def observation_frame(
    records: Iterable[Mapping[str, Any]], extra_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """Records -> the observation frame: fixed column order and dtypes, breakdowns default _T."""
    columns = [*OBSERVATION_FRAME_COLUMNS, *extra_columns]
    rows = [{**DEFAULTS, **record} for record in records]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"year": "int64", "value": "float64", "entity_code": object})


def _series_unit_checker(series_units: Mapping[str, str]) -> Callable[[pd.DataFrame], pd.Series]:
    def check(frame: pd.DataFrame) -> pd.Series:
        return frame["series"].map(series_units) == frame["unit"]

    return check


def observation_schema(
    name: str,
    *,
    series_units: Mapping[str, str],
    code_system: str,
    entity_code_pattern: str | None,
    years: tuple[int, int],
    key: list[str],
    source_location_pattern: str,
    sexes: Sequence[str] = ("_T",),
    areas: Sequence[str] = ("_T",),
    extra_columns: Mapping[str, pa.Column] | None = None,
) -> pa.DataFrameSchema:
    """The pandera schema of one layout's observation frame.

    `entity_code_pattern=None` means the layout has names only, so every code must be null.
    Values must not be negative here; the ceiling of each unit (percent: 100) and its reviewed
    publisher exceptions are checked once, on the canonical observations (`schemas`).
    """
    if entity_code_pattern is None:
        entity_code = pa.Column(
            object, pa.Check(lambda s: s.isna(), ignore_na=False, name="null"), nullable=True
        )
    else:
        entity_code = pa.Column(str, pa.Check.str_matches(entity_code_pattern), nullable=True)
    return pa.DataFrameSchema(
        {
            "series": pa.Column(str, pa.Check.isin(sorted(series_units))),
            "entity_code": entity_code,
            "code_system": pa.Column(str, pa.Check.isin([code_system])),
            "entity_name": pa.Column(str, pa.Check.str_length(min_value=1)),
            "sex": pa.Column(str, pa.Check.isin(list(sexes))),
            "area": pa.Column(str, pa.Check.isin(list(areas))),
            "age": pa.Column(str, pa.Check.isin(["_T"])),
            "year": pa.Column("int64", pa.Check.in_range(*years)),
            "value": pa.Column("float64", pa.Check.ge(0), nullable=False),
            "unit": pa.Column(str, pa.Check.isin(sorted(set(series_units.values())))),
            "obs_status": pa.Column(str, pa.Check.isin(["A"])),
            "source_location": pa.Column(str, pa.Check.str_matches(source_location_pattern)),
            **(extra_columns or {}),
        },
        checks=[
            pa.Check(_series_unit_checker(series_units), name="unit of the series"),
        ],
        unique=key,
        strict=True,
        ordered=True,
        name=name,
    )


def sheet_location_pattern(sheet: str) -> str:
    return rf"^{re.escape(sheet)}![A-Z]+[0-9]+$"
