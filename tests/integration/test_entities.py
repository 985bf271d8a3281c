"""Entity harmonisation: every name and code in every source resolves, through explicit rules."""

from __future__ import annotations

import pandas as pd
import pytest

from ictstats.metadata import codes
from ictstats.transform.entities import EntityError, check_reference_codes, load_aliases

NAME_ONLY = ["itu-country-2022-02", "itu-country-sex-area-2022-02"]


def test_every_name_in_name_only_sources_is_in_the_alias_table(country_frames):
    aliases = load_aliases()
    for edition in NAME_ONLY:
        names = set(country_frames[edition]["entity_name"])
        assert names <= set(aliases), (edition, sorted(names - set(aliases)))


def test_aliases_point_at_known_entities(found_entities):
    known = set(found_entities.table["code"])
    for alias in load_aliases().values():
        assert alias.code in known, alias
        assert alias.basis, alias


def test_official_name_aliases_agree_with_m49(found_entities):
    m49_names = dict(
        zip(found_entities.economies["name"], found_entities.economies["code"], strict=True)
    )
    for alias in load_aliases().values():
        if alias.basis == "equals the UN M49 name":
            assert m49_names[alias.name] == alias.code


@pytest.mark.parametrize(
    "edition", ["itu-datahub-coverage-2025-12", "wb-wdi-2026-07", "wb-wdi-2022-05"]
)
def test_every_datahub_and_wdi_economy_resolves_to_iso3(edition, country_frames, found_entities):
    frame = country_frames[edition]
    entity = found_entities.resolver.resolve(frame, edition)
    economies = set(found_entities.economies["code"])
    aggregates = entity[~entity.isin(economies)]
    # what is not an economy is a group or a World Bank aggregate, never an unknown code
    assert aggregates.isin(codes.GROUP_CODES).sum() + aggregates.str.startswith("WB_").sum() == len(
        aggregates
    )
    iso = entity[entity.isin(economies)]
    assert iso.str.fullmatch(r"[A-Z]{3}").all()
    if edition.startswith("itu-datahub"):
        assert aggregates.empty  # DataHub has economies only
        # its non-ISO codes are mapped: Guernsey, Jersey, Kosovo
        mapped = dict(zip(frame["entity_code"], entity, strict=True))
        assert (mapped["AAA"], mapped["GBJ"], mapped["KSO"]) == ("GGY", "JEY", "XKX")


def test_sdg_m49_codes_resolve(country_observations):
    sdg = country_observations[country_observations["edition"] == "un-sdg-2020-q4"]
    assert sdg["entity"].str.fullmatch(r"[A-Z]{3}").all() and sdg["entity"].nunique() == 82


def test_an_unknown_name_stops_and_lists_every_miss_with_its_file(found_entities):
    frame = pd.DataFrame(
        {
            "code_system": ["name", "name", "name"],
            "entity_code": [None, None, None],
            "entity_name": ["Türkiye", "Republic of Atlantis", "Ruritania"],
            "source_location": ["Data!B5", "Data!B9", "Data!B12"],
        }
    )
    with pytest.raises(EntityError) as caught:
        found_entities.resolver.resolve(frame, "new_itu_file.xlsx")
    message = str(caught.value)
    assert message.startswith("new_itu_file.xlsx: 3 entity name(s)")
    for name in ("Türkiye", "Republic of Atlantis", "Ruritania"):
        assert repr(name) in message
    assert "(first at Data!B9)" in message


def test_spellings_of_one_economy(found_entities):
    aliases = load_aliases()
    assert aliases["Turkey"].code == "TUR"
    assert aliases["Korea (Rep. of)"].code == "KOR"
    assert aliases["Côte d'Ivoire"].code == "CIV"
    assert aliases["Kosovo"].code == "XKX"


def test_economies_dimension(found_entities):
    economies = found_entities.economies.set_index("code")
    assert economies["ldc"].sum() == 45 and economies["lldc"].sum() == 32
    assert economies.loc["SRB", "wb_region"] == "Europe & Central Asia"  # CLASS's SCG mapped
    assert economies.loc["FRA", "m49"] == "250" and economies.loc["FRA", "itu_code"] == "F"
    kinds = found_entities.table.groupby("kind").size()
    assert kinds["economy"] == len(economies) and kinds["wb_aggregate"] == 42


def test_disagreeing_reference_lists_name_file_row_and_rule(references):
    m49 = references["un_m49_csv"].copy()
    row = m49.index[m49["iso3"] == "FRA"][0]
    m49.loc[row, "iso3"] = "FRX"
    with pytest.raises(EntityError) as caught:
        check_reference_codes(
            m49,
            references["datahub_country_codes"],
            references["wb_class"]["economies"],
            {"m49": "m49.csv", "country_codes": "codes.csv", "wb_class": "CLASS.xlsx"},
        )
    message = str(caught.value)
    where = m49.loc[row, "source_location"]
    rule = "expected every ISO3 code also in codes.csv"
    assert f"m49.csv, {where}: 'FRX' (France); {rule}" in message
    assert "codes.csv, row " in message and "'FRA'" in message  # now missing from M49
    assert "CLASS.xlsx, List of economies!" in message
