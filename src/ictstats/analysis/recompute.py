"""Recomputed group aggregates from country-level data.

Where it sits: country-level observations + classifications + population -> **recompute** ->
`recomputed_aggregates`, `recomputed_economy_values` (then `reconciliation`).

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

import duckdb
import pandas as pd

from ictstats.analysis.aggregation import Imputation, aggregate, economy_values
from ictstats.analysis.groups import (
    GroupList,
    fiscal_year_in_force,
    group_lists,
    latest_fiscal_year_on_hand,
    peer_tiers,
    population_by_economy,
)
from ictstats.metadata import resource


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


# `none` is the reference. The headline carries an economy's last value forward for up to
# CARRY_FORWARD_YEARS, moved by the change of its peers' mean since (a stale level would
# otherwise freeze a growing series), interpolates between its own reports, and fills economies
# that never reported with the mean of economies like them. The two flat-carry variants show how
# much the fill of last resort matters (peers vs the group's own mean): the spread.
CARRY_FORWARD_YEARS = 5


HEADLINE = Imputation(
    interpolate=True, carry_forward=CARRY_FORWARD_YEARS, carry_with_peer_trend=True,
    fill="peer_mean",
)  # fmt: skip


IMPUTATIONS: tuple[Imputation, ...] = (
    Imputation(),
    Imputation(interpolate=True, carry_forward=3, fill="group_mean"),
    Imputation(interpolate=True, carry_forward=3, fill="peer_mean"),
    HEADLINE,
)


# Shares are averaged, never counts: only values in percent are recomputed, and the result is in
# percent too (the `unit` column of recomputed_aggregates).
RECOMPUTED_UNIT = "percent"


@dataclass(frozen=True)
class Recomputed:
    """What recomputation produces: the aggregates, the economy values behind the headline
    imputation, and which economies each group list holds."""

    aggregates: pd.DataFrame
    economy_values: pd.DataFrame
    memberships: pd.DataFrame  # group, membership_tag, entity


def recompute_all(
    observations: pd.DataFrame,
    edition_dates: Mapping[str, dt.date],
    economies: pd.DataFrame,
    oghist: pd.DataFrame,
    population: pd.DataFrame,
    recomputations: tuple[Recomputation, ...] = RECOMPUTATIONS,
    imputations: tuple[Imputation, ...] = IMPUTATIONS,
    oghist_file: str = "OGHIST",
) -> Recomputed:
    """Every declared recomputation, for each group list in force at the compared editions'
    dates (a list shared by two editions is computed once) and each imputation."""
    weights = population_by_economy(population, economies)
    # one thread: DuckDB's parallel sums of doubles differ in the last bits from run to run,
    # and releases need byte-identical builds (the panels here are small)
    con = duckdb.connect(config={"threads": 1})
    done = [
        _recompute_one(
            recipe,
            observations,
            edition_dates,
            economies,
            oghist,
            oghist_file,
            weights,
            imputations,
            con,
        )  # fmt: skip
        for recipe in recomputations
    ]
    done = [d for d in done if d is not None]
    if not done:
        return Recomputed(
            pd.DataFrame(columns=resource("recomputed_aggregates").columns),
            pd.DataFrame(columns=resource("recomputed_economy_values").columns),
            pd.DataFrame(columns=MEMBERSHIP_COLUMNS),
        )
    aggregates = pd.concat([a for frames, _, _ in done for a in frames], ignore_index=True)
    return Recomputed(
        _with_spread(aggregates).assign(unit=RECOMPUTED_UNIT),
        pd.concat([cells for _, cells, _ in done], ignore_index=True),
        pd.concat([members for _, _, members in done], ignore_index=True),
    )


MEMBERSHIP_COLUMNS = ["input_edition", "group", "membership_tag", "entity"]


def _recompute_one(
    recipe: Recomputation,
    observations: pd.DataFrame,
    edition_dates: Mapping[str, dt.date],
    economies: pd.DataFrame,
    oghist: pd.DataFrame,
    oghist_file: str,
    weights: pd.DataFrame,
    imputations: tuple[Imputation, ...],
    con: duckdb.DuckDBPyConnection,
) -> tuple[list[pd.DataFrame], pd.DataFrame, pd.DataFrame] | None:
    """One recomputation: its aggregates (one frame per imputation), the economy values behind
    the headline and the group lists' members; None when its input edition, or every edition
    it is compared with, is not in this build."""
    values = observations[
        (observations["edition"] == recipe.input_edition)
        & observations["series"].isin(recipe.series)
        & observations["entity"].isin(set(economies["code"]))
        & (observations["unit"] == RECOMPUTED_UNIT)
    ][["series", "sex", "area", "age", "entity", "year", "value"]]
    dates = [edition_dates[e] for e in recipe.compare_with if e in edition_dates]
    if values.empty or not dates:
        return None
    lists = _distinct_lists(
        [gl for on in sorted(dates) for gl in group_lists(economies, oghist, on, oghist_file)]
    )
    membership = pd.DataFrame(
        [(f"{gl.group}|{gl.tag}", e) for gl in lists for e in gl.entities],
        columns=["group", "entity"],
    )
    input_date = edition_dates.get(recipe.input_edition, max(dates))
    peers = peer_tiers(
        economies, oghist, latest_fiscal_year_on_hand(oghist, fiscal_year_in_force(input_date))
    )
    years = list(range(recipe.years[0], recipe.years[1] + 1))
    aggregates = [
        _label(
            aggregate(values, membership, weights, years, imputation, con, peers),
            recipe.input_edition,
            lists,
        )  # fmt: skip
        for imputation in imputations
    ]
    headline = economy_values(values, membership, weights, years, HEADLINE, con, peers)
    members = pd.DataFrame(
        [(recipe.input_edition, gl.group, gl.tag, e) for gl in lists for e in gl.entities],
        columns=MEMBERSHIP_COLUMNS,
    )
    cells = headline.assign(input_edition=recipe.input_edition, imputation=HEADLINE.label)
    return aggregates, cells, members


def _distinct_lists(lists: list[GroupList]) -> list[GroupList]:
    """One list per (group, tag): two editions under the same classification share it."""
    distinct: dict[tuple[str, str], GroupList] = {}
    for gl in lists:
        distinct.setdefault((gl.group, gl.tag), gl)
    return list(distinct.values())


def _label(result: pd.DataFrame, input_edition: str, lists: list[GroupList]) -> pd.DataFrame:
    basis = {f"{gl.group}|{gl.tag}": gl for gl in lists}
    listed = result["entity"].map(basis)
    tag = listed.map(lambda gl: gl.tag)
    return result.assign(
        entity=listed.map(lambda gl: gl.group),
        edition=f"recomputed-{input_edition}" + tag.map(lambda t: f"-{t}" if t else ""),
        input_edition=input_edition,
        income_classification=tag.map(lambda t: t.upper() if t.startswith("fy") else None),
        membership_tag=tag,
        membership=listed.map(lambda gl: gl.basis),
    )


def _with_spread(frame: pd.DataFrame) -> pd.DataFrame:
    """Add, to every row, the spread of the value across the imputations of the same key
    (max - min, percentage points): how much the figure depends on the method."""
    key = ["edition", "series", "sex", "area", "age", "entity", "year"]
    spread = frame.groupby(key, dropna=False)["value"].transform(lambda v: v.max() - v.min())
    return frame.assign(imputation_spread=spread)
