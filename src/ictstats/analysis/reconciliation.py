"""Published aggregates against the recomputed ones: `aggregate_reconciliation`.

Where it sits: stage 4 (analysis), after `recompute`. Each published edition is paired with the
recomputations that use the groups as they stood at its publication; for the headline
imputation, a miss of the target names the imputed economies that move the value most.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from ictstats.analysis.groups import membership_tags
from ictstats.analysis.recompute import HEADLINE, RECOMPUTATIONS, Recomputation, Recomputed
from ictstats.analysis.revisions import reconcile

# The target of the method review: recomputed within half a point of ITU's published value
# wherever reporters hold at least 90 % of the group's population.
TARGET_POINTS = 0.5


TARGET_COVERAGE = 0.9


def reconciliation(
    published: pd.DataFrame,
    recomputed: Recomputed,
    edition_dates: Mapping[str, dt.date],
    recomputations: tuple[Recomputation, ...] = RECOMPUTATIONS,
) -> pd.DataFrame:
    """Published vs recomputed, each published edition paired with the recomputations that use
    the groups as they stood at its publication; for the headline imputation, misses of the
    target name the imputed economies that move the value most."""
    frames = []
    aggregates = recomputed.aggregates
    for recipe in recomputations:
        for edition in recipe.compare_with:
            if edition not in edition_dates or aggregates.empty:
                continue
            tags = membership_tags(edition_dates[edition])
            pub = published[(published["edition"] == edition)]
            rec = aggregates[
                (aggregates["input_edition"] == recipe.input_edition)
                & aggregates["membership_tag"].isin(tags)
            ]
            if not pub.empty and not rec.empty:
                frames.append(reconcile(pub, rec))
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames, ignore_index=True)
    table["target_met"] = _target_met(table)
    table["largest_imputed_contributions"] = _contributions(table, recomputed)
    return table


def _target_met(table: pd.DataFrame) -> pd.Series:
    """True/False where the target applies (headline imputation, coverage >= 90 %), else NA."""
    applies = (table["imputation"] == HEADLINE.label) & (
        table["population_coverage"] >= TARGET_COVERAGE
    )
    met = table["difference"].abs() <= TARGET_POINTS
    return met.where(applies).astype("boolean")


def _contributions(table: pd.DataFrame, recomputed: Recomputed, top: int = 3) -> pd.Series:
    """For headline rows off by more than the target: the imputed economies with the largest
    pull towards the difference, weight x (imputed value - published value), in points."""
    out = pd.Series(None, index=table.index, dtype="object")
    misses = table[
        (table["imputation"] == HEADLINE.label)
        & (table["difference"].abs() > TARGET_POINTS)
        & table["recomputed_value"].notna()
    ]
    if misses.empty or recomputed.economy_values.empty:
        return out
    cells = recomputed.economy_values
    cells = cells[cells["method"] != "observed"]
    members = recomputed.memberships
    panel = ["series", "sex", "area", "age", "year"]
    for idx, row in misses.iterrows():
        tag = row["recomputed_edition"].removeprefix(f"recomputed-{row['input_edition']}")
        in_group = members[
            (members["input_edition"] == row["input_edition"])
            & (members["group"] == row["entity"])
            & (members["membership_tag"] == tag.removeprefix("-"))
        ]["entity"]
        mask = (cells["input_edition"] == row["input_edition"]) & cells["entity"].isin(in_group)
        for column in panel:
            mask &= cells[column] == row[column]
        imputed = cells[mask]
        group_pop = row["group_population"]
        pull = imputed["population"] / group_pop * (imputed["value"] - row["published_value"])
        order = pull.abs().sort_values(ascending=False).index[:top]
        # when the imputed economies together pull little, the difference is in reported data
        out[idx] = f"imputed economies together {pull.sum():+.2f} pt of {row['difference']:+.2f}: "
        out[idx] += "; ".join(
            f"{imputed.at[i, 'entity']} {pull[i]:+.2f} pt ({imputed.at[i, 'method']} "
            f"{imputed.at[i, 'value']:.1f} %, {imputed.at[i, 'population'] / group_pop:.1%} "
            "of the population)"
            for i in order
        )
    return out
