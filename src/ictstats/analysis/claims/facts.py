"""The facts a claim is judged on: every edition's values in one frame, and a claim's values in it.

Where it sits: warehouse observations (published and secondary editions) + recomputed aggregates
-> **facts_frame** -> `values` / `candidates` of one claim (derived where the claim says: a ratio,
an offline share or count, a count of economies below a threshold) -> `verdicts.check_claims`.

A row is one (edition, source kind, imputation) version of a value; recomputed rows flagged
`low_coverage` (population coverage below 50 %) are shown but never judge a claim.
"""

from __future__ import annotations

import pandas as pd

from ictstats.analysis.claims.register import Claim

VERSION = ["edition", "source_kind", "imputation"]
VALUE_COLUMNS = [*VERSION, "year", "value", "detail", "low_coverage"]
FACT_COLUMNS = [
    *VERSION,
    "series",
    "entity",
    "sex",
    "area",
    "age",
    "year",
    "value",
    "unit",
    "source_location",
    "input_edition",
    "low_coverage",
]


def facts_frame(
    observations: pd.DataFrame, recomputed: pd.DataFrame | None, secondary_editions: set[str]
) -> pd.DataFrame:
    """Published, secondary and recomputed values in one frame, each labelled with its kind.

    A recomputed row keeps its `low_coverage` flag when the recomputed table has one (population
    coverage below 50 %): such a row is shown but never judges a claim.
    """
    published = observations.assign(
        source_kind=observations["edition"].map(
            lambda e: "secondary" if e in secondary_editions else "published"
        ),
        imputation="",
        input_edition=observations["edition"],
        low_coverage=False,
    )
    if recomputed is None or recomputed.empty:
        return published[FACT_COLUMNS]
    recomputed_rows = _recomputed_facts(recomputed)
    return pd.concat([published[FACT_COLUMNS], recomputed_rows[FACT_COLUMNS]], ignore_index=True)


def _recomputed_facts(recomputed: pd.DataFrame) -> pd.DataFrame:
    """Recomputed aggregates as facts, their coverage and imputed share as the source location."""
    detail = (
        "recomputed: "
        + recomputed["economies_with_data"].astype(str)
        + " of "
        + recomputed["economies_in_group"].astype(str)
        + " economies with data, population "
        "coverage "
        + (recomputed["population_coverage"] * 100).round(1).astype(str)
        + " %, imputed share "
        + (recomputed["imputed_share"] * 100).round(1).astype(str)
        + " %"
    )
    recomputed_rows = recomputed.assign(
        source_kind="recomputed",
        unit="percent",
        source_location=detail,
        low_coverage=_low(recomputed),
    )
    if "input_edition" not in recomputed_rows:
        recomputed_rows = recomputed_rows.assign(input_edition=recomputed_rows["edition"])
    return recomputed_rows


def _low(frame: pd.DataFrame) -> pd.Series:
    """The `low_coverage` flag of recomputed rows; False where the column does not exist (yet)."""
    if "low_coverage" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["low_coverage"].astype("boolean").fillna(False).astype(bool)


def _series_rows(facts: pd.DataFrame, claim: Claim, entity: str, unit: str) -> pd.DataFrame:
    rows = facts[
        (facts["series"] == claim.series)
        & (facts["entity"] == entity)
        & (facts["sex"] == claim.sex)
        & (facts["area"] == claim.area)
        & (facts["age"] == claim.age)
        & (facts["unit"] == unit)
    ]
    return rows.assign(low_coverage=_low(rows))


def values(claim: Claim, facts: pd.DataFrame, economies: set[str]) -> pd.DataFrame:
    """Every year's compared value in every edition (and imputation) carrying the claim's series."""
    if claim.derive == "count_below":
        return _count_below(claim, facts, economies)
    # an offline count is derived from the share (percent) and the users (millions)
    unit = "percent" if claim.derive == "offline_count" else claim.unit
    rows = _series_rows(facts, claim, claim.entity, unit)
    if claim.derive == "ratio":
        low = _series_rows(facts, claim, claim.denominator_entity, claim.unit)
        rows = rows.merge(low, on=[*VERSION, "year"], suffixes=("", "_den"))
        rows = rows.assign(
            value=rows["value"] / rows["value_den"],
            source_location=rows["source_location"] + " / " + rows["source_location_den"],
            low_coverage=rows["low_coverage"] | rows["low_coverage_den"],
        )
    elif claim.derive == "offline_share":
        rows = rows.assign(value=100 - rows["value"])
    elif claim.derive == "offline_count":
        users = _series_rows(facts, claim, claim.entity, "millions")
        rows = rows.merge(users, on=[*VERSION, "year"], suffixes=("_share", ""))
        population = rows["value"] / rows["value_share"] * 100
        rows = rows.assign(
            value=population - rows["value"],
            source_location=rows["source_location"] + " and " + rows["source_location_share"],
            low_coverage=rows["low_coverage"] | rows["low_coverage_share"],
        )
    return rows.rename(columns={"source_location": "detail"})[VALUE_COLUMNS]


def candidates(claim: Claim, facts: pd.DataFrame, economies: set[str]) -> pd.DataFrame:
    """One row per edition (and imputation) that carries the claim's series: year, value, detail.

    `value` is NaN when the edition carries the series but not the claim's year.
    """
    rows = values(claim, facts, economies)
    if claim.derive == "count_below":
        return rows  # one row per edition already, at its latest well-reported year
    carrying = rows[VERSION].drop_duplicates()
    at_year = rows[rows["year"] == claim.year]
    return carrying.merge(at_year, on=VERSION, how="left")


def _count_below(claim: Claim, facts: pd.DataFrame, economies: set[str]) -> pd.DataFrame:
    """Economies below the threshold in each edition's latest well-reported year."""
    rows = facts[
        (facts["series"] == claim.series)
        & facts["entity"].isin(economies)
        & (facts["sex"] == "_T")
        & (facts["area"] == "_T")
        & (facts["unit"] == claim.unit)
    ]
    found = []
    for version, part in rows.groupby(VERSION, dropna=False):
        per_year = part.groupby("year")["entity"].nunique()
        # the latest year reported by at least half as many economies as the best year:
        # WDI's 2025 column holds 10 economies, its 2024 column 182
        year = int(per_year[per_year >= per_year.max() / 2].index.max())
        below = part[(part["year"] == year) & (part["value"] < claim.threshold)]
        listed = ", ".join(
            f"{e} {v:.1f}" for e, v in sorted(zip(below["entity"], below["value"], strict=True))
        )
        found.append(
            dict(zip(VERSION, version, strict=True))
            | {
                "year": year,
                "value": float(len(below)),
                "detail": f"{len(below)} of {per_year[year]} economies below "
                f"{claim.threshold:g} % in {year}: {listed}",
                "low_coverage": False,
            }
        )
    return pd.DataFrame(found, columns=VALUE_COLUMNS)
