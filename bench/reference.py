"""The aggregate method written the plain way in pandas, to check `aggregate()` on small panels.

A dense grid, as the method is stated in `ictstats.analysis.aggregation`'s docstring: every
breakdown x every (member, target year) with a weight gets its observed value, else the
straight line
between its own reports, else its last value carried forward (moved by its peers' trend),
else the mean of its peers' reports, else (group_mean) the group's reporters' mean; then the
weighted mean, counts, coverage and imputed share per group and year, one loop per economy. It
is slow and holds the whole grid in memory: a reference for 10^5 rows, not an implementation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ictstats.analysis.aggregation import PANEL_KEY, RESULT_COLUMNS, Imputation


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
    peers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    w = weights(membership, population, years)
    weight = {(e, y): p for e, y, p in w.itertuples(index=False)}
    targets = sorted(set(years))
    panels = [tuple(p) for p in values[PANEL_KEY].drop_duplicates().itertuples(index=False)]
    reported = {
        (tuple(k[:4]), k[4]): dict(zip(g["year"], g["value"], strict=True))
        for k, g in values.groupby([*PANEL_KEY, "entity"], sort=False)
    }
    tiers = {}
    if peers is not None:
        for e, t, p in peers.sort_values("tier").itertuples(index=False):
            tiers.setdefault(e, []).append((t, p))
    # peers' means of reported values, per breakdown, target year and (tier, peer)
    sums: dict = {}
    for (panel, e), series in reported.items():
        for y, v in series.items():
            if (e, y) in weight:
                for t, p in tiers.get(e, []):
                    acc = sums.setdefault((panel, y, t, p), [0.0, 0.0])
                    acc[0] += weight[e, y] * v
                    acc[1] += weight[e, y]
    mean = {k: a / b for k, (a, b) in sums.items()}

    peer_members: dict = {}
    for e, ts in tiers.items():
        for t, p in ts:
            peer_members.setdefault((t, p), []).append(e)

    def peer_change(panel, e, a, y, t, p):
        """Weighted mean change a -> y of e's peers (e left out) that reported in both years."""
        num = den = 0.0
        for q in peer_members.get((t, p), []):
            own_q = reported.get((panel, q), {})
            if q != e and a in own_q and y in own_q and (q, y) in weight:
                num += weight[q, y] * (own_q[y] - own_q[a])
                den += weight[q, y]
        return num / den if den else None

    def peer_value(panel, e, y):
        for t, p in tiers.get(e, []):
            if (panel, y, t, p) in mean:
                return mean[panel, y, t, p]
        return None

    def value_of(panel, e, y):
        own = reported.get((panel, e), {})
        if y in own:
            return own[y], "observed"
        before = [a for a in own if a < y]
        after = [b for b in own if b > y]
        if before and after and imputation.interpolate:
            a, b = max(before), min(after)
            return own[a] + (own[b] - own[a]) * (y - a) / (b - a), "interpolated"
        if before and not after and y - max(before) <= imputation.carry_forward:
            a = max(before)
            if not imputation.carry_with_peer_trend:
                return own[a], "carried_forward"
            for t, p in tiers.get(e, []):
                change = peer_change(panel, e, a, y, t, p)
                if change is not None:
                    moved = own[a] + change
                    return min(100.0, max(0.0, moved)), "carried_forward_with_peer_trend"
        if imputation.fill == "peer_mean":
            found = peer_value(panel, e, y)
            if found is not None:
                return found, "peer_mean"
        return None, None

    rows = []
    groups = membership.groupby("group", sort=True)["entity"].apply(list)
    for panel in panels:
        cell = {(e, y): value_of(panel, e, y) for (e, y) in weight}
        for group, entities in groups.items():
            for y in targets:
                members = [e for e in entities if (e, y) in weight]
                if not members:
                    continue
                pop = sum(weight[e, y] for e in members)
                observed = [e for e in members if cell[e, y][1] == "observed"]
                valued = [e for e in members if cell[e, y][0] is not None]
                pop_obs = sum(weight[e, y] for e in observed)
                pv = sum(weight[e, y] * cell[e, y][0] for e in valued)
                pv_imp = sum(weight[e, y] * cell[e, y][0] for e in valued if e not in observed)
                pop_valued = sum(weight[e, y] for e in valued)
                n_imputed = len(valued) - len(observed)
                fill = 0.0
                if observed and imputation.fill == "group_mean":
                    obs_mean = sum(weight[e, y] * cell[e, y][0] for e in observed) / pop_obs
                    fill = (pop - pop_valued) * obs_mean
                    n_imputed += len(members) - len(valued)
                has = bool(observed)
                denominator = pop if imputation.fill == "group_mean" else pop_valued
                coverage = pop_obs / pop
                rows.append(
                    {
                        **dict(zip(PANEL_KEY, panel, strict=True)),
                        "entity": group,
                        "year": y,
                        "value": (pv + fill) / denominator if has else np.nan,
                        "economies_in_group": len(members),
                        "economies_with_data": len(observed),
                        "economies_imputed": n_imputed if has else 0,
                        "group_population": pop,
                        "population_coverage": coverage,
                        "imputed_share": ((pv_imp + fill) / (pv + fill) if pv + fill else 0.0)
                        if has
                        else np.nan,
                        "low_coverage": coverage < 0.5,
                        "note": None,
                        "imputation": imputation.label,
                    }
                )
    return pd.DataFrame(rows)[RESULT_COLUMNS]
