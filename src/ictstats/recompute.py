"""Recomputed group aggregates from country-level data, and their reconciliation with ITU's.

Where it sits: country-level observations + classifications + population -> **recompute** ->
`recomputed_aggregates`, `aggregate_reconciliation` in the warehouse.

Which recomputations run is declared in `RECOMPUTATIONS`: an input edition, its series and
years, and the published editions to compare with. The World Bank income classification used is
the one in force when each compared edition was published (fiscal year FYyy runs July yy-1 to
June yy: the Nov 2024 edition -> FY25, Nov 2025 -> FY26), and it is recorded on every row.
Recomputed values carry their own edition label (`recomputed-<input edition>-fy26`) and never
enter `observations`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ictstats.aggregation import Imputation, aggregate
from ictstats.entities import CODE_ALIASES, EXTRA_ECONOMIES, EntityError
from ictstats.revisions import reconcile

INCOME_GROUPS = {"L": "LIC", "LM": "LMC", "UM": "UMC", "H": "HIC"}
SPECIAL_GROUPS = {"LDC": "ldc", "LLDC": "lldc", "SIDS": "sids"}


@dataclass(frozen=True)
class Recomputation:
    input_edition: str
    series: tuple[str, ...]
    years: tuple[int, int]  # first and last year, inclusive
    compare_with: tuple[str, ...]  # published aggregate editions


RECOMPUTATIONS: tuple[Recomputation, ...] = (
    Recomputation(
        "itu-datahub-coverage-2025-12",
        ("coverage_2g", "coverage_3g", "coverage_4g", "coverage_5g"),
        (2015, 2024),
        ("itu-agg-2024-11", "itu-agg-2025-11"),
    ),
    Recomputation(
        "wb-wdi-2026-07", ("internet_use",), (2005, 2025), ("itu-agg-2024-11", "itu-agg-2025-11")
    ),
    Recomputation("itu-country-2022-02", ("internet_use",), (2005, 2020), ("itu-agg-2022-01",)),
)

IMPUTATIONS: tuple[Imputation, ...] = (
    Imputation(),
    Imputation(nearest_year_within=3, fill_with_group_mean=True),
)


def fiscal_year_in_force(published: dt.date) -> str:
    """World Bank fiscal year whose classification applied on a date (FY26: Jul 2025-Jun 2026)."""
    year = published.year + 1 if published.month >= 7 else published.year
    return f"FY{year % 100:02d}"


def group_membership(
    economies: pd.DataFrame, oghist: pd.DataFrame, fiscal_year: str, oghist_file: str = "OGHIST"
) -> pd.DataFrame:
    """group, entity, basis: World, World Bank income groups of `fiscal_year`, LDC/LLDC/SIDS."""
    known = set(economies["code"])
    if fiscal_year not in set(oghist["fiscal_year"]):
        raise EntityError(
            f"{oghist_file}: expected a column for {fiscal_year}, the classification in force "
            "for an edition being recomputed; the file on hand does not have it"
        )
    world = pd.DataFrame({"group": "WLD", "entity": sorted(known), "basis": "all economies"})
    year = oghist[(oghist["fiscal_year"] == fiscal_year) & oghist["income_group"].notna()]
    year = year[~year["former_economy"]]
    unknown = year[~year["iso3"].replace(CODE_ALIASES["wb"]).isin(known)]
    if not unknown.empty:
        listed = "\n".join(
            f"  {oghist_file}, {w}: {c!r}"
            for c, w in zip(unknown["iso3"], unknown["source_location"], strict=True)
        )
        raise EntityError(
            f"World Bank classification history, {fiscal_year}: expected every classified "
            f"economy code to be an ISO3 code of UN M49 or one of {sorted(EXTRA_ECONOMIES)}; "
            f"not known:\n{listed}"
        )
    income = pd.DataFrame(
        {
            "group": year["income_group"].map(INCOME_GROUPS),
            "entity": year["iso3"].replace(CODE_ALIASES["wb"]),
            "basis": f"World Bank classification {fiscal_year}",
        }
    )
    special = [
        pd.DataFrame(
            {
                "group": group,
                "entity": economies.loc[economies[flag], "code"],
                "basis": "UN M49 list (Sept 2024)",
            }
        )
        for group, flag in SPECIAL_GROUPS.items()
    ]
    membership = pd.concat([world, income, *special], ignore_index=True)
    return membership[membership["entity"].isin(known)].reset_index(drop=True)


def population_by_economy(population: pd.DataFrame, economies: pd.DataFrame) -> pd.DataFrame:
    """entity, year, population for economies (World Bank codes mapped like everywhere else)."""
    frame = population.assign(entity=population["code"].replace(CODE_ALIASES["wb"]))
    frame = frame[frame["entity"].isin(set(economies["code"])) & frame["population"].notna()]
    return frame[["entity", "year", "population"]].astype({"population": "float64"})


def recompute_all(
    observations: pd.DataFrame,
    edition_dates: Mapping[str, dt.date],
    economies: pd.DataFrame,
    oghist: pd.DataFrame,
    population: pd.DataFrame,
    recomputations: tuple[Recomputation, ...] = RECOMPUTATIONS,
    imputations: tuple[Imputation, ...] = IMPUTATIONS,
    oghist_file: str = "OGHIST",
) -> pd.DataFrame:
    """Every declared recomputation, for each classification in force and each imputation."""
    weights = population_by_economy(population, economies)
    economy_codes = set(economies["code"])
    results = []
    for recipe in recomputations:
        values = observations[
            (observations["edition"] == recipe.input_edition)
            & observations["series"].isin(recipe.series)
            & observations["entity"].isin(economy_codes)
            & (observations["unit"] == "percent")
        ][["series", "sex", "area", "age", "entity", "year", "value"]]
        if values.empty:
            continue  # the input edition is not in this build
        years = list(range(recipe.years[0], recipe.years[1] + 1))
        fiscal_years = sorted(
            {
                fiscal_year_in_force(edition_dates[e])
                for e in recipe.compare_with
                if e in edition_dates
            }
        )
        for fiscal_year in fiscal_years:
            membership = group_membership(economies, oghist, fiscal_year, oghist_file)
            for imputation in imputations:
                result = aggregate(values, membership, weights, years, imputation)
                results.append(
                    result.assign(
                        edition=f"recomputed-{recipe.input_edition}-{fiscal_year.lower()}",
                        input_edition=recipe.input_edition,
                        income_classification=fiscal_year,
                    )
                )
    return pd.concat(results, ignore_index=True) if results else pd.DataFrame()


def reconciliation(
    published: pd.DataFrame,
    recomputed: pd.DataFrame,
    edition_dates: Mapping[str, dt.date],
    recomputations: tuple[Recomputation, ...] = RECOMPUTATIONS,
) -> pd.DataFrame:
    """Published vs recomputed, each published edition paired with the recomputations that use
    the income classification in force at its publication."""
    frames = []
    for recipe in recomputations:
        for edition in recipe.compare_with:
            if edition not in edition_dates:
                continue
            fiscal_year = fiscal_year_in_force(edition_dates[edition])
            pub = published[(published["edition"] == edition)]
            rec = recomputed[
                (recomputed["input_edition"] == recipe.input_edition)
                & (recomputed["income_classification"] == fiscal_year)
            ]
            if not pub.empty and not rec.empty:
                frames.append(reconcile(pub, rec))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
