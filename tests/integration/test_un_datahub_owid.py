"""UN M49, UN SDG 5.b.1, DataHub country codes and OWID grapher files: real-file counts and
spot values (line numbers as a text editor shows them), and drift that must fail loudly."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ictstats.extract.datahub import parse_datahub_country_codes
from ictstats.extract.owid import OWID_SERIES, parse_owid_grapher
from ictstats.extract.tables import OBSERVATION_FRAME_COLUMNS
from ictstats.extract.un_data import parse_un_m49, parse_un_sdg_mobile_ownership
from tests.integration.drift_helpers import drifted_csv, layout_error

SDG_OVER_100 = {  # source_location -> value; see test_sdg_values_above_100_percent_are_refused
    "row 125, Value": 112.9233,  # Costa Rica 2016 MALE
    "row 126, Value": 111.13876,  # Costa Rica 2016 BOTHSEX
    "row 127, Value": 109.50562,  # Costa Rica 2016 FEMALE
    "row 513, Value": 132.8175,  # South Africa 2015 MALE
}


@pytest.fixture(scope="module")
def source_file(manifest, mirror):
    def path(source_id: str) -> Path:
        return mirror / manifest[source_id].mirror_path

    return path


@pytest.fixture(scope="module")
def m49(source_file) -> pd.DataFrame:
    return parse_un_m49(source_file("un_m49"))


@pytest.fixture(scope="module")
def sdg(source_file) -> pd.DataFrame:
    path = source_file("un_sdg_5b1_mobile_ownership")
    return parse_un_sdg_mobile_ownership(path)


@pytest.fixture(scope="module")
def country_codes(source_file) -> pd.DataFrame:
    return parse_datahub_country_codes(source_file("datahub_country_codes"))


@pytest.fixture(scope="module")
def owid_internet(source_file) -> pd.DataFrame:
    return parse_owid_grapher(source_file("owid_internet_share"))


@pytest.fixture(scope="module")
def owid_urban(source_file) -> pd.DataFrame:
    return parse_owid_grapher(source_file("owid_urban_share"))


def one(frame: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    assert mask.sum() == 1, where
    return frame[mask].iloc[0]


# --- 4. UN M49 -----------------------------------------------------------------------------


def test_m49_counts(m49):
    assert len(m49) == 249
    assert (m49["ldc"].sum(), m49["lldc"].sum(), m49["sids"].sum()) == (45, 32, 53)
    assert m49["m49"].str.fullmatch(r"\d{3}").all()


def test_m49_spot_values(m49):
    algeria = one(m49, source_location="row 2")
    assert (algeria["m49"], algeria["iso2"], algeria["iso3"]) == ("012", "DZ", "DZA")
    assert (algeria["region"], algeria["sub_region"]) == ("Africa", "Northern Africa")
    assert algeria["intermediate_region"] is None
    namibia = one(m49, iso3="NAM")  # 'NA' must not become a missing value
    assert (namibia["iso2"], namibia["source_location"]) == ("NA", "row 43")
    antarctica = one(m49, source_location="row 119")
    assert (antarctica["name"], antarctica["m49"], antarctica["region"]) == (
        "Antarctica",
        "010",
        None,
    )
    afghanistan = one(m49, iso3="AFG")
    assert (afghanistan["m49"], afghanistan["ldc"], afghanistan["lldc"]) == ("004", True, True)


def test_m49_unknown_flag(source_file, tmp_path):
    path = drifted_csv(source_file("un_m49"), tmp_path, 2, "DZA,,,", "DZA,y,,")
    error = layout_error(parse_un_m49, path)
    assert error.cell == "row 2"
    assert "Least Developed Countries (LDC)" in error.problem and "'y'" in error.problem


def test_m49_renamed_header(source_file, tmp_path):
    path = drifted_csv(source_file("un_m49"), tmp_path, 1, "M49 Code", "M49")
    error = layout_error(parse_un_m49, path)
    assert error.cell == "row 1" and "'M49'" in error.problem and "'M49 Code'" in error.problem


# --- 5. UN SDG 5.b.1 mobile-phone ownership ------------------------------------------------


def test_sdg_counts(sdg):
    assert list(sdg.columns) == OBSERVATION_FRAME_COLUMNS
    assert len(sdg) == 589
    assert sdg["entity_code"].nunique() == 82
    assert (sdg["year"].min(), sdg["year"].max()) == (2013, 2018)
    assert sdg["sex"].value_counts().to_dict() == {"_T": 220, "F": 185, "M": 184}
    assert set(sdg["series"]) == {"mobile_phone_ownership"} and set(sdg["age"]) == {"_T"}


def test_sdg_spot_values(sdg):
    afghanistan = one(sdg, source_location="row 2, Value")
    assert (afghanistan["entity_code"], afghanistan["code_system"]) == ("004", "m49")
    assert (afghanistan["entity_name"], afghanistan["year"], afghanistan["sex"]) == (
        "Afghanistan",
        2016,
        "_T",
    )
    assert afghanistan["value"] == 46.82207


def test_sdg_values_above_100_percent_are_kept_as_published(sdg):
    """The 2020.Q4 export holds four percentages above 100. The parser keeps them; the
    canonical schema lets them through only as reviewed publisher values (test_country)."""
    over = sdg[sdg["value"] > 100]
    assert dict(zip(over["source_location"], over["value"], strict=True)) == SDG_OVER_100


def test_sdg_wrong_units(source_file, tmp_path):
    path = drifted_csv(source_file("un_sdg_5b1_mobile_ownership"), tmp_path, 3, "PERCENT", "NUMBER")
    error = layout_error(parse_un_sdg_mobile_ownership, path)
    assert error.cell == "row 3" and "Units" in error.problem and "'NUMBER'" in error.problem


def test_sdg_wrong_series(source_file, tmp_path):
    path = drifted_csv(
        source_file("un_sdg_5b1_mobile_ownership"), tmp_path, 4, "IT_MOB_OWN", "IT_NET_USER"
    )
    error = layout_error(parse_un_sdg_mobile_ownership, path)
    assert error.cell == "row 4" and "SeriesCode" in error.problem


def test_sdg_unknown_sex(source_file, tmp_path):
    path = drifted_csv(source_file("un_sdg_5b1_mobile_ownership"), tmp_path, 2, "BOTHSEX", "ALLSEX")
    error = layout_error(parse_un_sdg_mobile_ownership, path)
    assert error.cell == "row 2" and "Sex" in error.problem and "'ALLSEX'" in error.problem


# --- 6. DataHub country codes --------------------------------------------------------------


def test_country_codes_counts(country_codes):
    assert len(country_codes) == 249
    assert country_codes["iso3"].is_unique
    # 247 cells are non-empty, but 14 of them hold only a no-break space
    assert country_codes["itu_code"].notna().sum() == 233
    assert country_codes["m49"].str.fullmatch(r"\d{3}").all()


def test_country_codes_spot_values(country_codes):
    afghanistan = one(country_codes, source_location="row 2")
    assert (afghanistan["iso3"], afghanistan["m49"], afghanistan["itu_code"]) == (
        "AFG",
        "004",
        "AFG",
    )
    aland = one(country_codes, source_location="row 3")
    assert (aland["iso3"], aland["itu_code"]) == ("ALA", None)
    brazil = one(country_codes, iso3="BRA")  # one of ITU's one-letter codes
    assert (brazil["itu_code"], brazil["source_location"]) == ("B", "row 33")
    namibia = one(country_codes, iso3="NAM")
    assert (namibia["iso2"], namibia["m49"]) == ("NA", "516")


def test_country_codes_agree_with_m49(country_codes, m49):
    merged = country_codes.merge(m49, on="iso3", suffixes=("", "_un"))
    assert len(merged) == 249
    assert (merged["m49"] == merged["m49_un"]).all()


def test_country_codes_missing_column(source_file, tmp_path):
    path = drifted_csv(source_file("datahub_country_codes"), tmp_path, 1, ",ITU,", ",ITU code,")
    error = layout_error(parse_datahub_country_codes, path)
    assert error.cell == "row 1" and "'ITU'" in error.problem


def test_country_codes_bad_m49(source_file, tmp_path):
    # ',76,' is both Brazil's ISO numeric code and its M49 code
    codes = source_file("datahub_country_codes")
    path = drifted_csv(codes, tmp_path, 33, ",76,", ",076A,", count=2)
    error = layout_error(parse_datahub_country_codes, path)
    assert error.cell == "row 33" and "M49" in error.problem and "'076A'" in error.problem


# --- 7. OWID grapher CSVs ------------------------------------------------------------------


def test_owid_internet_counts_and_world(owid_internet):
    assert list(owid_internet.columns) == OBSERVATION_FRAME_COLUMNS
    assert len(owid_internet) == 6845
    assert owid_internet["entity_name"].nunique() == 217
    assert set(owid_internet["series"]) == {"internet_use"}
    world = one(owid_internet, entity_code="OWID_WRL", year=2023)
    assert world["value"] == 67.4
    header = "Individuals using the Internet (% of population)"
    assert world["source_location"] == f"row 6749, {header}"


def test_owid_aggregates_without_code(owid_internet):
    no_code = owid_internet[owid_internet["entity_code"].isna()]
    assert set(no_code["entity_name"]) == {
        "Faeroe Islands",
        "Low-income countries",
        "Lower-middle-income countries",
        "South Asia (WB)",
    }
    assert len(no_code) == 128
    faeroe = one(owid_internet, entity_name="Faeroe Islands", year=1990)
    assert faeroe["source_location"].startswith("row 2050, ")


def test_owid_urban_counts_and_world(owid_urban):
    assert len(owid_urban) == 14656
    assert owid_urban["entity_name"].nunique() == 229
    assert set(owid_urban["series"]) == {"urban_population_share"}
    world = one(owid_urban, entity_code="OWID_WRL", year=2023)
    assert world["value"] == 57.25028 and round(world["value"], 2) == 57.25
    assert world["source_location"] == "row 14465, Urban population (% of total population)"


def test_owid_series_table_names_both_files():
    assert {series for series, _ in OWID_SERIES.values()} == {
        "internet_use",
        "urban_population_share",
    }


def test_owid_unknown_value_header(source_file, tmp_path):
    path = drifted_csv(
        source_file("owid_internet_share"),
        tmp_path,
        1,
        "Individuals using the Internet (% of population)",
        "Internet users (per 100 people)",
    )
    error = layout_error(parse_owid_grapher, path)
    assert error.cell == "row 1"
    assert "unknown value column 'Internet users (per 100 people)'" in error.problem


def test_owid_bad_code_and_value(source_file, tmp_path):
    internet = source_file("owid_internet_share")
    error = layout_error(parse_owid_grapher, drifted_csv(internet, tmp_path, 2, ",AFG,", ",afg,"))
    assert error.cell == "row 2" and "'afg'" in error.problem
    world = drifted_csv(internet, tmp_path, 6749, ",67.4", ",67,4")
    error = layout_error(parse_owid_grapher, world)
    assert error.cell == "row 6749" and "fields" in error.problem
    world = drifted_csv(internet, tmp_path, 6749, ",67.4", ",67.4%")
    error = layout_error(parse_owid_grapher, world)
    assert error.cell == "row 6749" and "text '67.4%' in a numeric cell" in error.problem


@pytest.mark.parametrize(
    ("source_id", "parse"),
    [
        ("owid_internet_share", parse_owid_grapher),
        ("un_sdg_5b1_mobile_ownership", parse_un_sdg_mobile_ownership),
        ("datahub_country_codes", parse_datahub_country_codes),
    ],
)
def test_a_download_cut_mid_line_is_refused(source_file, tmp_path, source_id, parse):
    """A cut between two fields still parses as CSV and would silently lose the rest."""
    data = source_file(source_id).read_bytes()
    cut = data[: data.rindex(b",", 0, len(data) // 2)]  # ends just before a field separator
    path = tmp_path / "cut.csv"
    path.write_bytes(cut)
    error = layout_error(parse, path)
    last_line = cut.count(b"\n") + 1
    assert error.cell == f"row {last_line}" and "cut short" in error.problem
