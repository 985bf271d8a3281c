"""The aggregate method written the plain way in pandas, to check `aggregate()` on small panels.

A dense grid, as the method is stated in `ictstats.aggregation`'s docstring: every breakdown x
every (group, member, target year) with a weight, the observed value, else the nearest reported
year within k (ties to the earlier year), else (optionally) the group's weighted mean of those;
then the weighted mean, counts, coverage and imputed share per group and year. It is slow and
holds the whole grid in memory: a reference for 10^5 rows, not an implementation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ictstats.aggregation import PANEL_KEY, RESULT_COLUMNS, Imputation


def weights(membership: pd.DataFrame, population: pd.DataFrame, years: list[int]):
    """entity, year, population: that year's figure, else the latest earlier positive one."""
    pop = population[population["population"] > 0][["entity", "year", "population"]]
    grid = pd.MultiIndex.from_product(
        [membership["entity"].unique(), sorted(set(years))], names=["entity", "year"]
    ).to_frame(index=False)
    pairs = grid.merge(pop.rename(columns={"year": "pop_year"}), on="entity")
    pairs = pairs[pairs["pop_year"] <= pairs["year"]].sort_values("pop_year")
    return pairs.groupby(["entity", "year"], as_index=False).last()[
        ["entity", "year", "population"]
    ]


def aggregate(
    values: pd.DataFrame,
    membership: pd.DataFrame,
    population: pd.DataFrame,
    years: list[int],
    imputation: Imputation,
) -> pd.DataFrame:
    k = imputation.nearest_year_within
    panels = values[PANEL_KEY].drop_duplicates()
    cells = panels.merge(weights(membership, population, years), how="cross")
    key = [*PANEL_KEY, "entity", "year"]
    cells = cells.merge(
        values[[*key, "value"]].rename(columns={"value": "observed"}), on=key, how="left"
    )
    cells["nearest"] = np.nan
    if k > 0:
        missing = cells[cells["observed"].isna()][key]
        donors = values[[*PANEL_KEY, "entity", "year", "value"]].rename(
            columns={"year": "donor_year"}
        )
        pairs = missing.merge(donors, on=[*PANEL_KEY, "entity"])
        pairs["distance"] = (pairs["donor_year"] - pairs["year"]).abs()
        pairs = pairs[pairs["distance"].between(1, k)]
        best = pairs.sort_values(["distance", "donor_year"]).groupby(key, as_index=False).first()
        cells = cells.drop(columns="nearest").merge(
            best[[*key, "value"]].rename(columns={"value": "nearest"}), on=key, how="left"
        )
    cells["filled"] = cells["observed"].fillna(cells["nearest"])
    grid = cells.merge(membership[["group", "entity"]], on="entity")
    by = [*PANEL_KEY, "group", "year"]
    has = grid[grid["filled"].notna()]
    means = (
        (has["population"] * has["filled"]).groupby([has[c] for c in by]).sum()
        / has.groupby(by)["population"].sum()
    ).rename("mean")
    grid = grid.merge(means.reset_index(), on=by, how="left")
    grid["used"] = grid["filled"]
    if imputation.fill_with_group_mean:
        grid["used"] = grid["used"].fillna(grid["mean"])
    grid["imputed"] = grid["observed"].isna() & (
        grid["filled"].notna() | imputation.fill_with_group_mean
    )
    grid["pv"] = grid["population"] * grid["used"]
    rows = []
    for keys, g in grid.groupby(by, sort=True):
        with_data = int(g["observed"].notna().sum())
        if with_data == 0:
            continue
        used = g["used"].notna()
        total_pv = g["pv"].sum()
        imputed_pv = g.loc[g["imputed"], "pv"].sum()
        rows.append(
            {
                **dict(zip(by, keys, strict=True)),
                "value": total_pv / g.loc[used, "population"].sum(),
                "economies_in_group": len(g),
                "economies_with_data": with_data,
                "economies_imputed": int((g["imputed"] & used).sum()),
                "population_coverage": g.loc[g["observed"].notna(), "population"].sum()
                / g["population"].sum(),
                "imputed_share": imputed_pv / total_pv if total_pv else 0.0,
                "imputation": imputation.label,
            }
        )
    result = pd.DataFrame(rows).rename(columns={"group": "entity"})
    return result[RESULT_COLUMNS]
