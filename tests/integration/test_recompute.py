"""Recomputed aggregates from real country data, reconciled with ITU's published values."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ictstats.analysis import groups, recompute
from ictstats.analysis.reconciliation import reconciliation as reconcile_editions
from ictstats.analysis.revisions import revisions
from ictstats.transform import canonical
from ictstats.transform.entities import EntityError
from ictstats.warehouse.editions import dataset_of


@pytest.mark.parametrize(
    ("published", "fiscal_year"),
    [
        ((2024, 11, 1), "FY25"),
        ((2025, 11, 13), "FY26"),
        ((2022, 1, 25), "FY22"),
        ((2025, 6, 30), "FY25"),
        ((2025, 7, 1), "FY26"),
    ],
)
def test_fiscal_year_in_force(published, fiscal_year):
    assert groups.fiscal_year_in_force(dt.date(*published)) == fiscal_year


@pytest.fixture(scope="module")
def dates(manifest):
    return {s.edition: s.edition_date for s in manifest.values()}


@pytest.fixture(scope="module")
def recomputed(country_observations, dates, found_entities, references):
    return recompute.recompute_all(
        country_observations,
        dates,
        found_entities.economies,
        references["wb_oghist"],
        references["datahub_population_long"],
    )


@pytest.fixture(scope="module")
def reconciliation(parsed, recomputed, dates):
    published = canonical.combine_editions(parsed.values()).observations
    return reconcile_editions(published, recomputed, dates)


def test_membership_follows_the_fiscal_year(found_entities, references):
    fy26 = groups.group_membership(found_entities.economies, references["wb_oghist"], "FY26")
    sizes = fy26.groupby("group").size()
    # OGHIST FY26: 87 H, 54 UM, 50 LM, 26 L (Venezuela unclassified)
    assert (sizes["HIC"], sizes["UMC"], sizes["LMC"], sizes["LIC"]) == (87, 54, 50, 26)
    assert (sizes["LDC"], sizes["LLDC"], sizes["SIDS"]) == (45, 32, 53)
    fy25 = groups.group_membership(found_entities.economies, references["wb_oghist"], "FY25")
    assert fy25.groupby("group").size()["HIC"] == 86
    with pytest.raises(EntityError, match=r"^OGH\.xlsx: expected a column for FY40"):
        groups.group_membership(
            found_entities.economies, references["wb_oghist"], "FY40", "OGH.xlsx"
        )


def test_unknown_classified_code_names_file_cell_and_rule(found_entities, references):
    oghist = references["wb_oghist"].copy()
    row = oghist.index[(oghist["fiscal_year"] == "FY26") & (oghist["iso3"] == "FRA")][0]
    oghist.loc[row, "iso3"] = "FRX"
    with pytest.raises(EntityError) as caught:
        groups.group_membership(found_entities.economies, oghist, "FY26", "OGH.xlsx")
    message = str(caught.value)
    assert "expected every classified economy code" in message
    assert f"OGH.xlsx, {oghist.loc[row, 'source_location']}: 'FRX'" in message


def world_lte(table: pd.DataFrame, year: int) -> pd.DataFrame:
    return table.query(
        "series == 'coverage_4g' and entity == 'WLD' and sex == '_T' and area == '_T' "
        "and year == @year and imputation == 'none'"
    )


def test_world_lte_2023_recomputed_with_coverage_and_compared(
    reconciliation, country_frames, found_entities, references
):
    rows = world_lte(reconciliation, 2023).set_index("published_edition")
    assert sorted(rows.index) == ["itu-agg-2024-11", "itu-agg-2025-11"]
    assert rows.loc["itu-agg-2024-11", "published_value"] == 91.4
    assert rows.loc["itu-agg-2025-11", "published_value"] == 91.4
    # World does not depend on the income classification: one list, whatever the edition
    assert rows["recomputed_edition"].unique().tolist() == [
        "recomputed-itu-datahub-coverage-2025-12"
    ]
    # economies with data: DataHub's 2023 LTE values for economies with a population figure
    datahub = country_frames["itu-datahub-coverage-2025-12"]
    lte = datahub.query("series == 'coverage_4g' and year == 2023")
    mapped = found_entities.resolver.resolve(lte, "datahub")
    population = references["datahub_population_long"]
    with_population = set(population.loc[population["year"] == 2023, "code"])
    expected = int(mapped.isin(with_population).sum())
    row = rows.loc["itu-agg-2025-11"]
    assert row["economies_with_data"] == expected
    assert 0.5 < row["population_coverage"] <= 1
    assert row["difference"] == pytest.approx(row["recomputed_value"] - 91.4)
    assert 80 < row["recomputed_value"] <= 100


def test_imputation_variants_are_reported_side_by_side(recomputed):
    world = recomputed.aggregates.query(
        "series == 'coverage_4g' and entity == 'WLD' and year == 2024 and sex == '_T'"
    )
    assert sorted(world["imputation"]) == sorted(i.label for i in recompute.IMPUTATIONS)
    by = world.set_index("imputation")
    assert by.loc["none", "imputed_share"] == 0
    assert by.loc[recompute.HEADLINE.label, "imputed_share"] > 0
    # coverage counts real data only, whatever the imputation
    assert by["population_coverage"].nunique() == 1
    # the spread is the range of the values across the methods, on every row
    assert by["imputation_spread"].unique() == pytest.approx(
        [by["value"].max() - by["value"].min()]
    )


def test_world_5g_is_not_filled_before_economies_reported(recomputed):
    # 2018: the 11 economies that reported 5G coverage all report 0.0. The old nearest-year
    # imputation took later years' values and gave 18.9; no method may borrow from the future.
    rows = recomputed.aggregates.query(
        "series == 'coverage_5g' and entity == 'WLD' and year == 2018 and sex == '_T'"
    )
    assert (rows["economies_with_data"] == 11).all()
    assert rows["value"].tolist() == pytest.approx([0.0] * len(rows))
    assert rows["low_coverage"].all()


def test_groups_are_listed_as_of_the_edition_date(found_entities, references):
    economies, oghist = found_entities.economies, references["wb_oghist"]
    nov_2024 = {g.group: g for g in groups.group_lists(economies, oghist, dt.date(2024, 11, 1))}
    nov_2025 = {g.group: g for g in groups.group_lists(economies, oghist, dt.date(2025, 11, 13))}
    jan_2022 = {g.group: g for g in groups.group_lists(economies, oghist, dt.date(2022, 1, 25))}
    # Sao Tome and Principe graduated on 13 Dec 2024: an LDC in Nov 2024, not in Nov 2025
    assert "STP" in nov_2024["LDC"].entities and "STP" not in nov_2025["LDC"].entities
    # Bhutan graduated on 13 Dec 2023: an LDC in Jan 2022, though the Sept 2024 M49 list omits it
    assert "BTN" in jan_2022["LDC"].entities and "BTN" not in nov_2024["LDC"].entities
    assert (len(jan_2022["LDC"].entities), len(nov_2024["LDC"].entities)) == (46, 45)
    assert len(nov_2025["LDC"].entities) == 44
    assert nov_2025["LDC"].tag == "ldc-2024-12" and nov_2024["LDC"].tag == "ldc-2023-12"
    assert nov_2025["HIC"].basis == "World Bank classification FY26"
    assert nov_2024["WLD"].tag == nov_2025["WLD"].tag == ""


def test_recomputed_editions_never_enter_observations(recomputed, country_observations):
    editions = set(recomputed.aggregates["edition"])
    # income groups per classification, LDCs per list, the rest once
    assert {
        "recomputed-wb-wdi-2026-07",
        "recomputed-wb-wdi-2026-07-fy25",
        "recomputed-wb-wdi-2026-07-fy26",
        "recomputed-wb-wdi-2026-07-ldc-2023-12",
        "recomputed-wb-wdi-2026-07-ldc-2024-12",
        "recomputed-itu-country-2022-02",
        "recomputed-itu-country-2022-02-fy22",
    } <= editions
    assert not editions & set(country_observations["edition"])
    world = recomputed.aggregates.query("entity == 'WLD'")
    assert set(world["edition"]) == {
        "recomputed-itu-datahub-coverage-2025-12",
        "recomputed-wb-wdi-2026-07",
        "recomputed-itu-country-2022-02",
    }


def test_reconciliation_names_what_pulls_a_miss(reconciliation):
    headline = reconciliation.query(
        "imputation == @recompute.HEADLINE.label and abs(difference) > 0.5"
    )
    assert not headline.empty
    assert headline["largest_imputed_contributions"].notna().all()
    met = reconciliation.query("target_met == True")
    assert (met["difference"].abs() <= 0.5).all() and (met["population_coverage"] >= 0.9).all()


def test_revisions_hold_the_world_2005_example(parsed, country_observations, manifest):
    observations = pd.concat(
        [canonical.combine_editions(parsed.values()).observations, country_observations]
    )
    editions = pd.DataFrame(
        [
            {"id": s.edition, "dataset": dataset_of(s.layout), "date": s.edition_date}
            for s in manifest.values()
        ]
    )
    table = revisions(observations, editions)
    world = table.query(
        "dataset == 'itu_aggregates' and series == 'internet_use' and entity == 'WLD' and "
        "sex == '_T' and area == '_T' and age == '_T' and unit == 'percent' and year == 2005"
    )
    assert world["edition"].tolist() == [
        "itu-agg-2019-10",
        "itu-agg-2022-01",
        "itu-agg-2024-11",
        "itu-agg-2025-11",
    ]
    assert world["value"].round(1).tolist() == [16.8, 15.8, 15.6, 15.6]
    assert world["revision"].round(2).tolist()[1:] == [-1.02, -0.2, 0.0]
    assert world["previous_edition"].iloc[0] is None or pd.isna(world["previous_edition"].iloc[0])
    # the Nov 2025 edition revised 2024 from 67.6 to 71.2
    y2024 = table.query(
        "dataset == 'itu_aggregates' and series == 'internet_use' and entity == 'WLD' and "
        "sex == '_T' and area == '_T' and age == '_T' and unit == 'percent' and year == 2024"
    )
    assert y2024[["value", "revision"]].round(1).values.tolist()[-1] == [71.2, 3.6]
    # World Bank WDI vintages are one dataset, so their revisions appear too
    assert "wb_wdi" in set(table["dataset"])
