"""World Bank and DataHub-population parsers on the real files, and layout drift.

Expected values were read from the files themselves; each test names the Excel cell or the CSV
line (1-based, as an editor shows it) so a person can check it. Drift cases write a small
altered copy to tmp_path and expect a LayoutError that names the copy and the location.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ictstats.errors import LayoutError, ValidationError
from ictstats.extract.income_groups import parse_wb_class
from ictstats.extract.income_history import parse_wb_oghist
from ictstats.extract.population import parse_datahub_population
from ictstats.extract.tables import OBSERVATION_FRAME_COLUMNS as OBSERVATION_COLUMNS
from ictstats.extract.wdi import (
    WB_DATABANK,
    WB_DATABANK_SKIPPED_SERIES,
    parse_wb_bulk_csv,
    parse_wb_databank_wide,
    wb_bulk_last_updated,
)

OGHIST = "Country Analytical History"
ECONOMIES = "List of economies"


@pytest.fixture(scope="module")
def paths(manifest, mirror) -> dict[str, Path]:
    """Mirror file of each World Bank / DataHub-population layout, keyed by layout."""
    layouts = {
        "wb_oghist",
        "wb_class",
        "wb_databank_wide",
        "wb_bulk_csv",
        "datahub_population_long",
    }
    found = {s.layout: mirror / s.mirror_path for s in manifest.values() if s.layout in layouts}
    assert set(found) == layouts
    return found


@pytest.fixture(scope="module")
def oghist(paths) -> pd.DataFrame:
    return parse_wb_oghist(paths["wb_oghist"])


@pytest.fixture(scope="module")
def wbclass(paths) -> dict[str, pd.DataFrame]:
    return parse_wb_class(paths["wb_class"])


@pytest.fixture(scope="module")
def databank(paths) -> pd.DataFrame:
    return parse_wb_databank_wide(paths["wb_databank_wide"])


@pytest.fixture(scope="module")
def bulk(paths) -> pd.DataFrame:
    return parse_wb_bulk_csv(paths["wb_bulk_csv"])


@pytest.fixture(scope="module")
def population(paths) -> pd.DataFrame:
    return parse_datahub_population(paths["datahub_population_long"])


def one(frame: pd.DataFrame, **match) -> pd.Series:
    """The single row whose columns equal `match`."""
    mask = pd.Series(True, index=frame.index)
    for column, value in match.items():
        mask &= frame[column] == value
    rows = frame[mask]
    assert len(rows) == 1, f"{len(rows)} rows match {match}"
    return rows.iloc[0]


def layout_error(parse, path: Path, *args) -> LayoutError:
    with pytest.raises(LayoutError) as caught:
        parse(path, *args)
    error = caught.value
    assert error.workbook == path.name and path.name in str(error)
    return error


# --------------------------------------------------------------------------- drift helpers


def workbook_copy(source: Path, tmp_path: Path, change) -> Path:
    """Cached values, not formulas (FY18-FY21 headers are external-link formulas), then change."""
    workbook = openpyxl.load_workbook(source, data_only=True)
    change(workbook)
    path = tmp_path / "drifted.xlsx"
    workbook.save(path)
    return path


def csv_lines(source: Path) -> list[str]:
    return source.read_text("utf-8-sig").splitlines()


def write_csv(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "drifted.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig", newline="")
    return path


def set_field(line: str, col: int, value: str) -> str:
    cells = next(csv.reader([line]))
    cells[col] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()


# --------------------------------------------------------------------------- OGHIST


def test_oghist_fy26_current_economies(oghist):
    fy26 = oghist[(oghist["fiscal_year"] == "FY26") & ~oghist["former_economy"]]
    assert len(fy26) == 218
    assert fy26["income_group"].value_counts().to_dict() == {"H": 87, "UM": 54, "LM": 50, "L": 26}
    unclassified = fy26[fy26["income_group"].isna()]
    assert unclassified["iso3"].tolist() == ["VEN"]  # AN223 is blank
    assert unclassified["source_location"].tolist() == [f"{OGHIST}!AN223"]
    assert set(fy26["gni_year"]) == {2024}


def test_oghist_shape_and_years(oghist):
    assert len(oghist) == (218 + 6) * 38  # FY89..FY26 in C..AN, every cell kept
    years = oghist.drop_duplicates("fiscal_year")
    assert years["fiscal_year"].iloc[[0, -1]].tolist() == ["FY89", "FY26"]
    assert years["gni_year"].iloc[[0, -1]].tolist() == [1987, 2024]
    # FY18-FY21 (AF5:AI6) are formulas into another workbook; their cached values are read
    assert one(oghist, iso3="AFG", fiscal_year="FY19")["gni_year"] == 2017


@pytest.mark.parametrize(
    ("iso3", "fiscal_year", "group", "cell"),
    [
        ("AFG", "FY26", "L", "AN12"),
        ("ALB", "FY89", None, "C13"),  # '..'
        ("ALB", "FY92", "LM", "F13"),
        ("ALB", "FY26", "UM", "AN13"),
        ("DZA", "FY91", "LM", "E14"),
        ("DZA", "FY24", "LM", "AL14"),
        ("DZA", "FY25", "UM", "AM14"),
    ],
)
def test_oghist_known_cells(oghist, iso3, fiscal_year, group, cell):
    row = one(oghist, iso3=iso3, fiscal_year=fiscal_year)
    assert (None if pd.isna(row["income_group"]) else row["income_group"]) == group
    assert row["source_location"] == f"{OGHIST}!{cell}"


def test_oghist_starred_code_is_group_plus_flag(oghist):
    flagged = oghist[oghist["flag"] == "*"]
    assert flagged[["iso3", "fiscal_year", "income_group"]].values.tolist() == [
        ["YEM", "FY89", "LM"],
        ["YEM", "FY90", "LM"],
    ]
    assert flagged["source_location"].tolist() == [f"{OGHIST}!C227", f"{OGHIST}!D227"]
    assert one(oghist, iso3="YEM", fiscal_year="FY91")["flag"] == ""


def test_oghist_former_economies_follow_the_footnote(oghist):
    former = oghist[oghist["former_economy"]].drop_duplicates("iso3")
    assert former["iso3"].tolist() == ["CSK", "MYT", "ANT", "YUG", "SUN", "YUGf"]
    assert one(oghist, iso3="SUN", fiscal_year="FY92")["source_location"] == f"{OGHIST}!F237"
    assert one(oghist, iso3="SUN", fiscal_year="FY92")["income_group"] == "UM"
    assert pd.isna(one(oghist, iso3="SUN", fiscal_year="FY93")["income_group"])  # G237 blank


def test_oghist_drift_unknown_income_code(paths, tmp_path):
    path = workbook_copy(paths["wb_oghist"], tmp_path, lambda wb: wb[OGHIST].cell(12, 40, "LMC"))
    error = layout_error(parse_wb_oghist, path)
    assert (error.sheet, error.cell) == (OGHIST, "AN12")
    assert "'LMC'" in error.problem and "'..'" in error.problem


def test_oghist_drift_rows_inserted_above_header_move_cells_not_values(paths, tmp_path, oghist):
    path = workbook_copy(paths["wb_oghist"], tmp_path, lambda wb: wb[OGHIST].insert_rows(1, 2))
    moved = parse_wb_oghist(path)
    assert moved.drop(columns="source_location").equals(oghist.drop(columns="source_location"))
    assert one(moved, iso3="AFG", fiscal_year="FY26")["source_location"] == f"{OGHIST}!AN14"


def test_oghist_drift_row_shifted_right_is_refused(paths, tmp_path):
    """Afghanistan's codes one column right would give every year the previous year's group."""
    path = workbook_copy(paths["wb_oghist"], tmp_path, lambda wb: wb[OGHIST].cell(12, 41, "L"))
    error = layout_error(parse_wb_oghist, path)
    assert (error.sheet, error.cell) == (OGHIST, "AO12")
    assert "expected nothing right of the last fiscal-year column (AN, FY26)" in error.problem


def test_oghist_drift_renamed_label(paths, tmp_path):
    path = workbook_copy(
        paths["wb_oghist"], tmp_path, lambda wb: wb[OGHIST].cell(5, 2, "Fiscal year:")
    )
    error = layout_error(parse_wb_oghist, path)
    assert error.sheet == OGHIST and "bank's fiscal year" in error.problem


def test_oghist_drift_deleted_code_is_not_skipped(paths, tmp_path):
    path = workbook_copy(
        paths["wb_oghist"], tmp_path, lambda wb: setattr(wb[OGHIST]["A12"], "value", None)
    )
    error = layout_error(parse_wb_oghist, path)
    assert error.cell == "A12" and "'Afghanistan'" in error.problem


def test_oghist_drift_resave_without_cached_formula_values(paths, tmp_path):
    """A plain openpyxl re-save drops the cached FY18 header (a formula): named, not skipped."""
    workbook = openpyxl.load_workbook(paths["wb_oghist"])
    path = tmp_path / "resaved.xlsx"
    workbook.save(path)
    error = layout_error(parse_wb_oghist, path)
    assert error.cell == "AF5" and "blank cell" in error.problem


# --------------------------------------------------------------------------- CLASS


def test_class_economies(wbclass):
    economies = wbclass["economies"]
    assert len(economies) == 218
    assert economies["income_group"].value_counts().to_dict() == {
        "High income": 86,
        "Upper middle income": 54,
        "Lower middle income": 51,
        "Low income": 26,
    }
    assert economies.loc[economies["income_group"].isna(), "iso3"].tolist() == ["VEN"]
    afg = one(economies, iso3="AFG")
    assert (afg["region"], afg["lending_category"]) == ("South Asia", "IDA")
    assert afg["source_location"] == f"{ECONOMIES}!B2"
    assert not {"WLD", "HIC", "LIC", "EAS"} & set(economies["iso3"])  # aggregates below r220


def test_class_compositions(wbclass):
    compositions = wbclass["compositions"]
    assert len(compositions) == 2085
    sizes = compositions.groupby("group_code").size()
    assert len(sizes) == 48
    assert sizes[["WLD", "HIC", "LIC", "LDC"]].tolist() == [218, 86, 26, 45]


def test_class_serbia_code_differs_between_sheets(wbclass, oghist):
    """Published as is: Serbia is SCG in `List of economies` (r170) but SRB in `compositions`
    and in OGHIST; joins across these sheets or files must map SCG -> SRB."""
    assert one(wbclass["economies"], name="Serbia")["iso3"] == "SCG"
    assert set(wbclass["compositions"].query("name == 'Serbia'")["iso3"]) == {"SRB"}
    assert "SRB" in set(oghist["iso3"]) and "SCG" not in set(oghist["iso3"])


def test_class_drift_unknown_income_group(paths, tmp_path):
    change = lambda wb: wb[ECONOMIES].cell(3, 4, "Middle income")  # noqa: E731
    error = layout_error(parse_wb_class, workbook_copy(paths["wb_class"], tmp_path, change))
    assert (error.sheet, error.cell) == (ECONOMIES, "D3") and "'Middle income'" in error.problem


def test_class_drift_renamed_header(paths, tmp_path):
    change = lambda wb: wb[ECONOMIES].cell(1, 4, "Income")  # noqa: E731
    error = layout_error(parse_wb_class, workbook_copy(paths["wb_class"], tmp_path, change))
    assert error.cell == "D1" and "'Income group'" in error.problem


def test_class_drift_aggregates_joined_to_economies(paths, tmp_path):
    """Without the blank row r220 the aggregates would pass for economies; they lack a region."""
    change = lambda wb: wb[ECONOMIES].delete_rows(220)  # noqa: E731
    error = layout_error(parse_wb_class, workbook_copy(paths["wb_class"], tmp_path, change))
    assert error.cell == "C220" and "Region" in error.problem


# --------------------------------------------------------------------------- DataBank 2022


def test_databank_values(databank):
    assert list(databank.columns) == OBSERVATION_COLUMNS
    deu = one(databank, entity_code="DEU", series="internet_use", year=2020)
    assert deu["value"] == 89.81294133 and deu["source_location"] == "row 659, 2020 [YR2020]"
    wld = one(databank, entity_code="WLD", series="internet_use", year=2020)
    assert wld["value"] == 59.94024662 and wld["source_location"] == "row 2360, 2020 [YR2020]"
    afg = one(databank, entity_code="AFG", series="internet_use", year=2005)
    assert afg["value"] == 1.224148084  # line 2; 1996-2000 are '..' and not emitted
    afg_internet = databank.query("entity_code == 'AFG' and series == 'internet_use'")
    assert not afg_internet["year"].between(1996, 2000).any()
    mac = one(databank, entity_code="MAC", series="mobile_cellular_subscriptions", year=2019)
    assert mac["value"] == 436.1030221  # the highest per-100 value on hand
    assert set(databank["code_system"]) == {"wb"} and set(databank["obs_status"]) == {"A"}
    assert databank[["sex", "area", "age"]].drop_duplicates().values.tolist() == [["_T"] * 3]


def test_databank_reads_every_data_line_and_ignores_the_footer(paths, databank):
    raw = pd.read_csv(
        paths["wb_databank_wide"], dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    assert len(raw) == 2399  # a plain read: 2,394 data lines + the 5 footer lines
    data, footer = raw[raw["Country Code"] != ""], raw[raw["Country Code"] == ""]
    assert len(data) == 2394 == 266 * 9
    assert footer["Country Name"].tolist()[-2:] == [
        "Data from database: World Development Indicators",
        "Last Updated: 05/25/2022",
    ]
    assert set(data["Series Code"]) == set(WB_DATABANK.series) | set(WB_DATABANK_SKIPPED_SERIES)
    taken = data[data["Series Code"].isin(WB_DATABANK.series)]
    assert len(databank) == int((taken.iloc[:, 4:] != "..").to_numpy().sum()) == 26_890
    lines = databank["source_location"].str.extract(r"^row (\d+),")[0].astype(int)
    assert lines.min() == 2 and lines.max() <= 2395
    # 266 codes in the file; CHI, IMN, MAF and INX have no value in any of the four series
    assert set(data["Country Code"]) - set(databank["entity_code"]) == {"CHI", "IMN", "MAF", "INX"}


@pytest.fixture()
def databank_lines(paths) -> list[str]:
    """Header, Germany's nine lines (659-667 in the file, 2-10 here), the five footer lines."""
    lines = csv_lines(paths["wb_databank_wide"])
    return [lines[0], *lines[658:667], *lines[-5:]]


def test_databank_small_copy_parses(databank_lines, tmp_path):
    frame = parse_wb_databank_wide(write_csv(tmp_path, databank_lines))
    assert one(frame, series="internet_use", year=2020)["source_location"] == (
        "row 2, 2020 [YR2020]"
    )
    assert frame["series"].nunique() == 4


def test_databank_drift_text_in_numeric_cell(databank_lines, tmp_path):
    databank_lines[1] = set_field(databank_lines[1], 33, "n/a")  # 2020 [YR2020]
    error = layout_error(parse_wb_databank_wide, write_csv(tmp_path, databank_lines))
    assert error.cell == "row 2, 2020 [YR2020]" and "'n/a'" in error.problem


def test_databank_drift_unknown_series_code(databank_lines, tmp_path):
    databank_lines[1] = set_field(databank_lines[1], 3, "IT.NET.USER.P2")
    error = layout_error(parse_wb_databank_wide, write_csv(tmp_path, databank_lines))
    assert error.cell == "row 2, Series Code" and "'IT.NET.USER.P2'" in error.problem


def test_databank_drift_renamed_year_header(databank_lines, tmp_path):
    databank_lines[0] = set_field(databank_lines[0], 33, "2020")
    error = layout_error(parse_wb_databank_wide, write_csv(tmp_path, databank_lines))
    assert error.cell == "row 1, column AH" and "'1991 [YR1991]'" in error.problem


def test_databank_drift_data_after_footer(databank_lines, tmp_path):
    databank_lines.append(databank_lines[1])
    error = layout_error(parse_wb_databank_wide, write_csv(tmp_path, databank_lines))
    assert error.cell == f"row {len(databank_lines)}" and "footer" in error.problem


def test_databank_negative_value_fails_validation(paths, tmp_path):
    lines = csv_lines(paths["wb_databank_wide"])
    macao = lines[1058]  # MAC, IT.CEL.SETS.P2
    changed = set_field(macao, 32, "-436.2")  # 2019 [YR2019]
    with pytest.raises(ValidationError, match=r"(?s)^drifted\.csv: .*row 2, 2019 \[YR2019\]"):
        parse_wb_databank_wide(write_csv(tmp_path, [lines[0], changed, *lines[-5:]]))


def test_databank_cut_after_a_whole_line_is_refused(databank_lines, tmp_path):
    """A download cut between two lines still parses as CSV; the missing footer gives it away."""
    error = layout_error(parse_wb_databank_wide, write_csv(tmp_path, databank_lines[:6]))
    assert error.cell == "row 6" and "footer" in error.problem and "truncated" in error.problem


def test_bulk_csv_cut_mid_line_is_refused(paths, tmp_path):
    data = paths["wb_bulk_csv"].read_bytes()
    path = tmp_path / "cut.csv"
    path.write_bytes(data[: len(data) // 2])
    error = layout_error(parse_wb_bulk_csv, path)
    assert error.cell.startswith("row ") and "cut short" in error.problem


# --------------------------------------------------------------------------- WDI bulk 2026


@pytest.mark.parametrize(
    ("code", "year", "value", "line"),
    [
        ("WLD", 2005, 15.6, 267),
        ("WLD", 2024, 71.2, 267),
        ("WLD", 2025, 73.6, 267),
        ("HIC", 2025, 94.2, 106),
        ("LIC", 2025, 23.4, 149),
    ],
)
def test_bulk_aggregate_values(bulk, code, year, value, line):
    row = one(bulk, entity_code=code, year=year)
    assert row["value"] == value and row["source_location"] == f"row {line}, {year}"
    assert (row["series"], row["unit"]) == ("internet_use", "percent")


def test_bulk_last_updated(paths):
    assert wb_bulk_last_updated(paths["wb_bulk_csv"]) == dt.date(2026, 7, 13)


def test_bulk_counts(paths, bulk, oghist):
    raw = pd.read_csv(paths["wb_bulk_csv"], skiprows=4, dtype=str, keep_default_na=False)
    assert len(raw) == 265 and raw.columns[-1] == "2025"
    economies = set(oghist.loc[~oghist["former_economy"], "iso3"])
    assert set(raw["Country Code"]) & economies == economies - {"TWN"}  # 217 economies
    per_year = {
        year: (
            frame["entity_code"].isin(economies).sum(),
            (~frame["entity_code"].isin(economies)).sum(),
        )
        for year, frame in bulk[bulk["year"] >= 2023].groupby("year")
    }
    assert per_year == {2023: (181, 32), 2024: (182, 32), 2025: (10, 32)}
    assert not {"LMY", "MIC"} & set(bulk["entity_code"])  # rows present, every year empty


@pytest.fixture()
def bulk_lines(paths) -> list[str]:
    """Four preamble lines, the header, WLD (line 267 in the file, 6 here)."""
    lines = csv_lines(paths["wb_bulk_csv"])
    return [*lines[:5], lines[266]]


def test_bulk_drift_other_indicator(bulk_lines, tmp_path):
    bulk_lines[5] = set_field(bulk_lines[5], 3, "SP.POP.TOTL")
    error = layout_error(parse_wb_bulk_csv, write_csv(tmp_path, bulk_lines))
    assert error.cell == "row 6, Indicator Code" and "'SP.POP.TOTL'" in error.problem


def test_bulk_drift_text_in_numeric_cell(bulk_lines, tmp_path):
    bulk_lines[5] = set_field(bulk_lines[5], 69, "73,6")
    error = layout_error(parse_wb_bulk_csv, write_csv(tmp_path, bulk_lines))
    assert error.cell == "row 6, 2025"


def test_bulk_last_updated_in_world_bank_format_and_missing(bulk_lines, tmp_path):
    bulk_lines[2] = set_field(bulk_lines[2], 1, "2026-07-13")  # the World Bank's own format
    assert wb_bulk_last_updated(write_csv(tmp_path, bulk_lines)) == dt.date(2026, 7, 13)
    bulk_lines[2] = ""
    error = layout_error(wb_bulk_last_updated, write_csv(tmp_path, bulk_lines))
    assert "Last Updated Date" in error.problem


# --------------------------------------------------------------------------- DataHub population


def test_population(population):
    world = one(population, code="WLD", year=2024)
    assert world["population"] == 8_141_808_945 and world["source_location"] == "row 16806"
    assert len(population) == 17_195 and population["code"].nunique() == 265
    assert (population["year"].min(), population["year"].max()) == (1960, 2024)
    assert str(population["population"].dtype) == "Int64"


def test_population_drift_text_value(paths, tmp_path):
    lines = csv_lines(paths["datahub_population_long"])[:4]
    lines[2] = set_field(lines[2], 3, "n/a")
    error = layout_error(parse_datahub_population, write_csv(tmp_path, lines))
    assert error.cell == "row 3, Value" and "'n/a'" in error.problem


def test_population_drift_renamed_header(paths, tmp_path):
    lines = csv_lines(paths["datahub_population_long"])[:4]
    lines[0] = "Country Name,Country Code,Year,Population"
    error = layout_error(parse_datahub_population, write_csv(tmp_path, lines))
    assert error.cell == "row 1, column D" and "'Value'" in error.problem


def test_population_duplicate_line_fails_validation(paths, tmp_path):
    lines = csv_lines(paths["datahub_population_long"])[:4]
    with pytest.raises(ValidationError, match=r"(?s)^drifted\.csv: .*row 4 .*row 5 "):
        parse_datahub_population(write_csv(tmp_path, [*lines, lines[3]]))
