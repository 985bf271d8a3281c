"""ITU country-level files: real-file counts and spot values, and drift that must fail loudly.

Spot values can be checked by opening the file at the named cell (workbooks) or line (CSV).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ictstats.extract.itu_coverage import parse_itu_datahub_coverage
from ictstats.extract.itu_internet_by_sex_area import (
    BY_SEX_SHEET,
    parse_itu_country_by_sex_area,
    parse_itu_in_scope_population,
)
from ictstats.extract.itu_internet_use import parse_itu_country_internet
from ictstats.extract.tables import OBSERVATION_FRAME_COLUMNS
from tests.integration.drift_helpers import drifted_csv, drifted_xlsx, layout_error


@pytest.fixture(scope="module")
def source_file(manifest, mirror):
    def path(source_id: str) -> Path:
        return mirror / manifest[source_id].mirror_path

    return path


@pytest.fixture(scope="module")
def internet_file(source_file) -> Path:
    return source_file("itu_country_internet_use")


@pytest.fixture(scope="module")
def by_sex_file(source_file) -> Path:
    return source_file("itu_country_internet_by_sex_area")


@pytest.fixture(scope="module")
def coverage_file(source_file) -> Path:
    return source_file("itu_datahub_mobile_coverage")


@pytest.fixture(scope="module")
def internet(internet_file) -> pd.DataFrame:
    return parse_itu_country_internet(internet_file)


@pytest.fixture(scope="module")
def by_sex(by_sex_file) -> pd.DataFrame:
    return parse_itu_country_by_sex_area(by_sex_file)


@pytest.fixture(scope="module")
def coverage(coverage_file) -> pd.DataFrame:
    return parse_itu_datahub_coverage(coverage_file)


def at(frame: pd.DataFrame, location: str) -> pd.Series:
    row = frame[frame["source_location"] == location]
    assert len(row) == 1, location
    return row.iloc[0]


# --- 1. PercentIndividualsUsingInternet.xlsx -----------------------------------------------


def test_internet_frame_shape(internet):
    assert list(internet.columns) == [*OBSERVATION_FRAME_COLUMNS, "note", "source_note"]
    assert internet["year"].dtype == "int64" and internet["value"].dtype == "float64"
    assert set(internet["code_system"]) == {"name"} and internet["entity_code"].isna().all()
    assert set(internet["series"]) == {"internet_use"} and set(internet["unit"]) == {"percent"}


def test_internet_counts(internet):
    # 236 economy rows; 9 (e.g. American Samoa) have no value in any year
    assert len(internet) == 4268
    assert internet["entity_name"].nunique() == 227
    assert "American Samoa" not in set(internet["entity_name"])
    assert (internet["year"].min(), internet["year"].max()) == (2000, 2020)
    assert (internet["year"] == 2020).sum() == 152


def test_internet_spot_values(internet):
    afghanistan = at(internet, "Data!F2")
    assert (afghanistan["entity_name"], afghanistan["year"]) == ("Afghanistan", 2001)
    assert afghanistan["value"] == pytest.approx(0.00472256824217368)
    assert (afghanistan["note"], afghanistan["source_note"]) == ("", "ITU estimate.")

    albania = at(internet, "Data!BK3")
    assert (albania["entity_name"], albania["year"], albania["value"]) == ("Albania", 2020, 72.24)
    assert albania["note"].startswith("The percentage of individuals aged 16 - 74 years old")
    assert albania["source_note"] == "Institute of Statistics"

    zimbabwe = at(internet, "Data!BK237")
    assert (zimbabwe["entity_name"], zimbabwe["value"]) == ("Zimbabwe", 29.3)


def test_internet_note_stored_as_a_number_is_kept_as_text(internet):
    """Ireland's 2015 note cell (AW103) holds the number 0.83, not text."""
    ireland = at(internet, "Data!AV103")
    assert (ireland["entity_name"], ireland["year"]) == ("Ireland", 2015)
    assert ireland["note"] == "0.83"


def test_internet_renamed_triplet_header(internet_file, tmp_path):
    def rename(wb):
        wb["Data"]["S1"] = "2005_note"  # 2005_notes

    error = layout_error(parse_itu_country_internet, drifted_xlsx(internet_file, tmp_path, rename))
    assert (error.sheet, error.cell) == ("Data", "S1")
    assert "'2005_note'" in error.problem and "'2005_notes'" in error.problem


def test_internet_text_in_a_value_cell(internet_file, tmp_path):
    def put_text(wb):
        wb["Data"]["BK3"] = "72,24"

    error = layout_error(
        parse_itu_country_internet, drifted_xlsx(internet_file, tmp_path, put_text)
    )
    assert (error.sheet, error.cell) == ("Data", "BK3")
    assert "text '72,24' in a numeric cell" in error.problem


def test_internet_unknown_indicator(internet_file, tmp_path):
    def rename(wb):
        wb["Data"]["A5"] = "Internet users (per 100)"

    error = layout_error(parse_itu_country_internet, drifted_xlsx(internet_file, tmp_path, rename))
    assert (error.sheet, error.cell) == ("Data", "A5")
    assert "unknown indicator 'Internet users (per 100)'" in error.problem


def test_internet_renamed_sheet(internet_file, tmp_path):
    path = drifted_xlsx(internet_file, tmp_path, lambda wb: setattr(wb["Data"], "title", "Sheet1"))
    error = layout_error(parse_itu_country_internet, path)
    assert error.sheet == "Data" and "sheet not found" in error.problem


def test_errors_name_the_manifest_file_name(internet_file, tmp_path):
    def put_text(wb):
        wb["Data"]["C3"] = "n/a"

    path = drifted_xlsx(internet_file, tmp_path, put_text)
    with pytest.raises(Exception, match=r"PercentIndividualsUsingInternet\.xlsx, sheet 'Data'"):
        parse_itu_country_internet(path, "PercentIndividualsUsingInternet.xlsx")


# --- 2. IndividualsUsingInternetByGender.xlsx ----------------------------------------------


def test_by_sex_counts(by_sex):
    assert list(by_sex.columns) == OBSERVATION_FRAME_COLUMNS
    assert by_sex["entity_name"].nunique() == 118
    assert len(by_sex) == 654
    counts = by_sex.groupby(["sex", "area"]).size().to_dict()
    assert counts == {
        ("_T", "_T"): 118,
        ("M", "_T"): 113,
        ("F", "_T"): 113,
        ("_T", "U"): 56,
        ("M", "U"): 51,
        ("F", "U"): 51,
        ("_T", "R"): 54,
        ("M", "R"): 49,
        ("F", "R"): 49,
    }
    # one latest year per economy, 2016-2020
    assert by_sex.groupby("entity_name")["year"].nunique().max() == 1
    assert by_sex["year"].value_counts().index.min() == 2016


def test_by_sex_spot_values(by_sex):
    """Algeria, row 5: 2018, all 49.0, male 55.1, female 42.9, urban 56.2, rural female 25.9."""
    algeria = by_sex[by_sex["entity_name"] == "Algeria"]
    assert set(algeria["year"]) == {2018}
    got = {(r.sex, r.area): (r.value, r.source_location) for r in algeria.itertuples()}
    sheet = BY_SEX_SHEET
    assert got[("_T", "_T")] == (49.0, f"{sheet}!D5")
    assert got[("M", "_T")] == (55.1, f"{sheet}!F5")
    assert got[("F", "_T")] == (42.9, f"{sheet}!H5")
    assert got[("_T", "U")] == (56.2, f"{sheet}!K5")
    assert got[("F", "R")] == (25.9, f"{sheet}!W5")
    # Albania (row 4) has '...' everywhere but the national figures
    albania = by_sex[by_sex["entity_name"] == "Albania"]
    assert sorted(albania["source_location"]) == [f"{sheet}!{c}4" for c in "DFH"]


def test_in_scope_population(by_sex_file, by_sex):
    scope = parse_itu_in_scope_population(by_sex_file)
    assert len(scope) == 136
    albania = scope[scope["entity_name"] == "Albania"].iloc[0]
    assert albania["in_scope_population"] == "Population age 16-74"
    assert albania["source_location"] == "in-scope population!B2"
    # names are not spelt as on the data sheet: 7 of the 118 economies are not found as written
    unmatched = set(by_sex["entity_name"]) - set(scope["entity_name"])
    assert "Bosnia and Herzegovina" in unmatched and "Guinea" in unmatched
    assert len(unmatched) == 7


def test_by_sex_extra_column_moves_cells_not_values(by_sex_file, by_sex, tmp_path):
    """Columns are found by their labels: a new footnote column before `Gender` shifts cells."""
    path = drifted_xlsx(by_sex_file, tmp_path, lambda wb: wb[BY_SEX_SHEET].insert_cols(6))
    moved = parse_itu_country_by_sex_area(path)
    key = ["entity_name", "sex", "area", "year"]
    merged = by_sex.merge(moved, on=key, suffixes=("", "_moved"))
    assert len(merged) == len(by_sex) == len(moved)
    assert (merged["value"] == merged["value_moved"]).all()
    male = merged[(merged["entity_name"] == "Algeria") & (merged["sex"] == "M")]
    assert at(male, f"{BY_SEX_SHEET}!F5")["source_location_moved"] == f"{BY_SEX_SHEET}!G5"


def test_by_sex_unknown_group_label(by_sex_file, tmp_path):
    def rename(wb):
        wb[BY_SEX_SHEET]["R2"] = "Countryside"

    error = layout_error(parse_itu_country_by_sex_area, drifted_xlsx(by_sex_file, tmp_path, rename))
    assert (error.sheet, error.cell) == (BY_SEX_SHEET, "R2")
    assert "unknown group label 'Countryside'" in error.problem


def test_by_sex_unknown_header_label(by_sex_file, tmp_path):
    def rename(wb):
        wb[BY_SEX_SHEET]["H3"] = "Women"

    error = layout_error(parse_itu_country_by_sex_area, drifted_xlsx(by_sex_file, tmp_path, rename))
    assert (error.sheet, error.cell) == (BY_SEX_SHEET, "H3")
    assert "unknown header 'women' under group 'gender'" in error.problem


def test_by_sex_text_in_a_value_cell(by_sex_file, tmp_path):
    def put_text(wb):
        wb[BY_SEX_SHEET]["K5"] = "n/a"

    error = layout_error(
        parse_itu_country_by_sex_area, drifted_xlsx(by_sex_file, tmp_path, put_text)
    )
    assert (error.sheet, error.cell) == (BY_SEX_SHEET, "K5")
    assert "text 'n/a' in a numeric cell" in error.problem and "'...'" in error.problem


def test_by_sex_value_in_a_footnote_column(by_sex_file, tmp_path):
    def put_value(wb):
        wb[BY_SEX_SHEET]["E5"] = "49.0"

    error = layout_error(
        parse_itu_country_by_sex_area, drifted_xlsx(by_sex_file, tmp_path, put_value)
    )
    assert (error.sheet, error.cell) == (BY_SEX_SHEET, "E5")
    assert "footnote column" in error.problem


def test_by_sex_row_below_the_table(by_sex_file, tmp_path):
    """A row without an economy name must not silently cut the table short."""

    def blank_name(wb):
        wb[BY_SEX_SHEET]["A60"] = None

    error = layout_error(
        parse_itu_country_by_sex_area, drifted_xlsx(by_sex_file, tmp_path, blank_name)
    )
    assert (error.sheet, error.cell) == (BY_SEX_SHEET, "C60")
    assert "below the end of the table" in error.problem


# --- 3. ITU DataHub population coverage CSV ------------------------------------------------


def test_coverage_counts(coverage):
    assert list(coverage.columns) == OBSERVATION_FRAME_COLUMNS
    assert len(coverage) == 9609  # every data row has a value
    assert set(coverage["code_system"]) == {"iso3"}
    assert coverage["entity_code"].nunique() == 235
    assert (coverage["year"].min(), coverage["year"].max()) == (2000, 2024)
    latest = coverage[coverage["year"] == 2024].groupby("series")["entity_code"].nunique()
    assert latest.to_dict() == {
        "coverage_2g": 137,
        "coverage_3g": 137,
        "coverage_4g": 136,
        "coverage_5g": 110,
    }


def test_coverage_spot_values_use_physical_lines(coverage):
    aruba = at(coverage, "row 2, dataValue")
    assert (aruba["series"], aruba["entity_code"], aruba["year"], aruba["value"]) == (
        "coverage_2g",
        "ABW",
        2005,
        90.0,
    )
    # the note of the Dominica 2020 record (line 967) spans two lines: 2021 starts at line 969
    dominica = at(coverage, "row 969, dataValue")
    assert (dominica["entity_code"], dominica["year"], dominica["value"]) == ("DMA", 2021, 100.0)
    last = at(coverage, "row 9618, dataValue")
    assert (last["series"], last["entity_code"], last["year"]) == ("coverage_5g", "CUW", 2023)


def test_coverage_unknown_series_code(coverage_file, tmp_path):
    path = drifted_csv(coverage_file, tmp_path, 2, '"i271pop"', '"i271pop_mln"')
    error = layout_error(parse_itu_datahub_coverage, path)
    assert (error.sheet, error.cell) == (None, "row 2")
    assert "seriesCode" in error.problem and "unknown code 'i271pop_mln'" in error.problem


def test_coverage_unknown_unit(coverage_file, tmp_path):
    path = drifted_csv(coverage_file, tmp_path, 969, '"%"', '"per 100"')
    error = layout_error(parse_itu_datahub_coverage, path)
    assert error.cell == "row 969" and "seriesUnits" in error.problem


def test_coverage_text_in_a_value(coverage_file, tmp_path):
    path = drifted_csv(coverage_file, tmp_path, 3, '"99"', '">99%"')
    error = layout_error(parse_itu_datahub_coverage, path)
    assert error.cell == "row 3" and "text '>99%' in a numeric cell" in error.problem


def test_coverage_renamed_header(coverage_file, tmp_path):
    path = drifted_csv(coverage_file, tmp_path, 1, '"entityIso"', '"entityISO3"')
    error = layout_error(parse_itu_datahub_coverage, path)
    assert error.cell == "row 1"
    assert "'entityISO3'" in error.problem and "'entityIso'" in error.problem


def test_datahub_cut_inside_a_quoted_field_names_the_row(coverage_file, tmp_path):
    """A download cut inside a quoted field is a CSV error; it names the record's row."""
    data = coverage_file.read_bytes()
    middle = data.index(b"\n", len(data) // 2) + 1  # start of a record
    cut = data[: middle + 7]  # '194,"i2': inside the quoted series code
    path = tmp_path / "cut.csv"
    path.write_bytes(cut)
    error = layout_error(parse_itu_datahub_coverage, path)
    assert error.cell == "row " + str(data[:middle].count(b"\n") + 1)
    assert "well-formed CSV record" in error.problem
