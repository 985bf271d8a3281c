"""Population-weighted group aggregates of country-level percentages, with coverage and imputation.

Where it sits: country-level observations + group membership + population -> **recomputed
aggregates** -> reconciliation with published aggregates.

For each series, breakdown, group and year the result says not only the value but how much of
it rests on data: how many member economies reported, the share of the group's population they
hold (`population_coverage`), which imputation filled the rest, the share of the weighted value
that is imputed (`imputed_share`), and whether the coverage rule flags it (`low_coverage`). The
arithmetic runs in DuckDB so the same code scales from the 200-economy panels here to synthetic
panels of 10^8 rows.

Method, for economy m (a member with a population figure) and target year y, in this order:
1. observed: m's own value in year y;
2. interpolated (`interpolate`): y lies between two years m reported, a < y < b: the straight
   line between m's own values, v_a + (v_b - v_a) (y - a) / (b - a);
3. carried forward (`carry_forward` = k > 0): y is after m's last report L and y - L <= k:
   m's value of year L, or, with `carry_with_peer_trend`, that value plus the population-weighted
   mean change from L to y of m's peers that reported in both years (m itself left out; the
   finest tier with such peers; kept within 0-100, the series being percentages). Nothing is
   ever taken from a *later* year: before its first report an economy has no value of its own
   (a series that is still growing would otherwise be filled before it existed: 5G coverage in
   2018);
4. fill of last resort (`fill`):
   - `peer_mean`: the population-weighted mean of the economies *like m* that reported in year
     y, at the finest tier of m's peers that has a reporter (tiers are an input: in ictstats,
     1 income group x World Bank region, 2 income group, 3 region, 4 every economy). This is
     economy-level imputation, so m gets the same value in every aggregate it is summed into;
   - `group_mean`: the population-weighted mean of the group's reporters in year y (the classic
     "missing members are like the average member" fill; kept as a sensitivity variant because
     for World it fills the least connected economies with the World mean);
   - `None`: m is left out and the value is the mean of the members that have one.
Means used for filling are over *reporters only* (step 1), never over values imputed in steps
2-3, so no imputed value is ever used to impute another.
value = sum(pop * v) / sum(pop) over members with a value.

Coverage rule: `population_coverage` counts reported values only (step 1). An aggregate whose
reporters hold less than `MIN_POPULATION_COVERAGE` (50 %) of the group's population is kept but
flagged `low_coverage`; a group with no reporter in a year has a row with a null value and the
reason in `note`. 50 % is the population half of the SDG tier criterion (IAEG-SDGs: data for
at least 50 % of countries and of the population in every region where the indicator is
relevant): below it, most of a group's value is a model rather than data. It is applied as
"keep but flag" so that a reader sees what a value rests on rather than a hole.

Weights are total population (World Bank SP.POP.TOTL); for female/male or urban/rural values a
sub-population weight would be better and is not available in the sources on hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

PANEL_KEY = ["series", "sex", "area", "age"]
RESULT_COLUMNS = [
    "series", "sex", "area", "age", "entity", "year", "value", "economies_in_group",
    "economies_with_data", "economies_imputed", "group_population", "population_coverage",
    "imputed_share", "low_coverage", "note", "imputation",
]  # fmt: skip
ECONOMY_COLUMNS = [*PANEL_KEY, "entity", "year", "value", "method", "population"]
FILLS = (None, "group_mean", "peer_mean")

# Below this share of the group's population with reported values an aggregate is flagged
# `low_coverage` (kept, never used for a claim verdict, drawn hollow). See the module docstring.
MIN_POPULATION_COVERAGE = 0.5
NO_REPORTER = "no member economy reported a value for this year"
LOW_COVERAGE = "reporters hold less than 50 % of the group's population"


@dataclass(frozen=True)
class Imputation:
    """How members without a reported value in the year are treated (module docstring, 2-4)."""

    interpolate: bool = False
    carry_forward: int = 0
    carry_with_peer_trend: bool = False
    fill: str | None = None

    def __post_init__(self) -> None:
        if self.carry_forward < 0:
            raise ValueError("carry_forward must be 0 (off) or a positive number of years")
        if self.carry_with_peer_trend and not self.carry_forward:
            raise ValueError("carry_with_peer_trend needs carry_forward > 0")
        if self.fill not in FILLS:
            raise ValueError(f"fill must be one of {FILLS}, not {self.fill!r}")

    @property
    def label(self) -> str:
        parts = []
        if self.interpolate:
            parts.append("interpolate")
        if self.carry_forward:
            trend = "_with_peer_trend" if self.carry_with_peer_trend else ""
            parts.append(f"carry_forward_{self.carry_forward}{trend}")
        if self.fill:
            parts.append(self.fill)
        return "+".join(parts) or "none"


def aggregate(
    values: pd.DataFrame | duckdb.DuckDBPyRelation,
    membership: pd.DataFrame,
    population: pd.DataFrame,
    years: list[int],
    imputation: Imputation = Imputation(),
    con: duckdb.DuckDBPyConnection | None = None,
    peers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Weighted group aggregates: one row per breakdown, group and target year.

    values: series, sex, area, age, entity, year, value (one unit: percent);
    membership: group, entity; population: entity, year, population;
    peers (needed by `fill="peer_mean"`): entity, tier (1 = finest), peer.
    Population for a year after the last published one is carried forward from that year
    (the sources on hand stop at 2024 while ITU estimates 2025).
    """
    sql = _cells_sql(imputation) + _AGGREGATE_SQL.format(
        fill_group_mean="true" if imputation.fill == "group_mean" else "false",
        label=imputation.label,
        min_coverage=MIN_POPULATION_COVERAGE,
        no_reporter=_sql_text(NO_REPORTER),
        low_coverage=_sql_text(LOW_COVERAGE),
    )
    frame = _run(sql, values, membership, population, years, peers, imputation, con)
    return frame[RESULT_COLUMNS]


def economy_values(
    values: pd.DataFrame | duckdb.DuckDBPyRelation,
    membership: pd.DataFrame,
    population: pd.DataFrame,
    years: list[int],
    imputation: Imputation,
    con: duckdb.DuckDBPyConnection | None = None,
    peers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The economy-level values an aggregate is made of: each member's value and how it was
    obtained (`observed`, `interpolated`, `carried_forward`, `peer_mean`), with its weight.
    The `group_mean` fill depends on the group and is not an economy value: it is not listed."""
    sql = _cells_sql(imputation) + _ECONOMY_SQL
    frame = _run(sql, values, membership, population, years, peers, imputation, con)
    return frame[ECONOMY_COLUMNS]


def _run(sql, values, membership, population, years, peers, imputation, con) -> pd.DataFrame:
    if (imputation.fill == "peer_mean" or imputation.carry_with_peer_trend) and peers is None:
        raise ValueError(
            "peer_mean and carry_with_peer_trend need a peers frame (entity, tier, peer)"
        )
    con = con or duckdb.connect()
    inputs = {
        "country_values": values,
        "membership": membership[["group", "entity"]],
        "population_raw": population[["entity", "year", "population"]],
        "target_years": pd.DataFrame({"year": sorted(set(years))}),
        "peers": (
            peers[["entity", "tier", "peer"]]
            if peers is not None
            else pd.DataFrame({"entity": [], "tier": [], "peer": []}).astype(
                {"entity": "object", "tier": "int64", "peer": "object"}
            )
        ),
    }
    for name, frame in inputs.items():
        con.register(name, frame)
    try:
        return con.execute(sql).fetchdf()
    finally:
        for name in inputs:
            con.unregister(name)


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def _cells_sql(imputation: Imputation) -> str:
    trend = imputation.carry_with_peer_trend
    return _CELLS_SQL.format(
        interpolate="true" if imputation.interpolate else "false",
        k=imputation.carry_forward,
        flat="false" if trend else "true",
        trend="true" if trend else "false",
        peers="true" if imputation.fill == "peer_mean" or trend else "false",
        peer_mean="true" if imputation.fill == "peer_mean" else "false",
    )


# How the work is laid out:
# - economy level first: each member's value (observed, interpolated, carried forward, peer
#   mean) is found once and fanned out to groups only in the final sum, so an economy in WLD,
#   an income group and a special group gets one value and is not joined three times;
# - `group_mean` members are never materialized: their count and population come from
#   per-(group, year) totals (`group_totals`), so the fill is (group pop - pop with a value) x
#   the reporters' mean;
# - interpolation and carry-forward: one window pass over each economy's reported years finds
#   the gaps, and only the gap years are joined with the target years;
# - integer keys: the breakdown becomes a 64-bit hash (a collision stops the query) and the
#   economy a small integer before the large joins, windows and group-bys.
_CELLS_SQL = """
with panels as (
    select series, sex, area, age, hash(series, sex, area, age) as panel_id
    from (select distinct series, sex, area, age from country_values)
),
member_entities as (
    select entity, (row_number() over (order by entity))::integer as entity_id
    from (select distinct entity from membership)
),
-- each member economy's weight in each target year: that year's population, else the latest
-- earlier one (the same for every group the economy belongs to)
entity_years as (
    select me.entity_id, t.year::integer as year, arg_max(p.population, p.year) as population
    from member_entities me
    cross join target_years t
    join population_raw p on p.entity = me.entity and p.year <= t.year and p.population > 0
    group by all
),
reported as (
    select hash(c.series, c.sex, c.area, c.age) as panel_id, me.entity_id,
           c.year::integer as year, c.value
    from country_values c join member_entities me using (entity)
    where c.value is not null
),
observed_cells as (
    select r.panel_id, r.entity_id, r.year, r.value, 'observed' as method
    from reported r semi join entity_years ey using (entity_id, year)
),
-- each reported year with the next one; only those followed by a gap can fill a year
gaps as (
    select * from (
        select panel_id, entity_id, year, value,
               lead(year) over w as next_year, lead(value) over w as next_value
        from reported
        where {interpolate} or {k} > 0
        window w as (partition by panel_id, entity_id order by year)
    )
    where next_year is null or next_year > year + 1
),
own_cells as (
    select * from observed_cells
    union all
    select g.panel_id, g.entity_id, t.year::integer as year,
           case when g.next_year is null then g.value
                else g.value + (g.next_value - g.value) * (t.year - g.year)
                               / (g.next_year - g.year)
           end as value,
           case when g.next_year is null then 'carried_forward' else 'interpolated' end
    from gaps g join target_years t
      on t.year > g.year
     and ((g.next_year is not null and t.year < g.next_year and {interpolate})
          or (g.next_year is null and t.year <= g.year + {k} and {flat}))
    semi join entity_years ey on ey.entity_id = g.entity_id and ey.year = t.year
),
peer_entities as (
    select me.entity_id, p.tier::integer as tier, p.peer
    from peers p join member_entities me using (entity)
    where {peers}
),
peer_means as (
    select o.panel_id, o.year, pe.tier, pe.peer,
           sum(ey.population * o.value) / sum(ey.population) as mean
    from observed_cells o
    join entity_years ey using (entity_id, year)
    join peer_entities pe using (entity_id)
    group by all
),
-- after the last report: the last value moved by the peers' own change since that year,
-- over the peers (the economy itself left out) that reported in both years, at the finest tier
-- that has such peers (kept within 0-100). A change of means over two different sets of
-- reporters would measure who reported, not a trend.
peer_changes as (
    select g.panel_id, g.entity_id, t.year::integer as year, g.value as last_value, pe.tier,
           sum(ey.population * (now.value - before.value)) / sum(ey.population) as change
    from gaps g
    join target_years t on g.next_year is null and t.year > g.year and t.year <= g.year + {k}
    join peer_entities pe on pe.entity_id = g.entity_id
    join peer_entities other
      on other.tier = pe.tier and other.peer = pe.peer and other.entity_id <> g.entity_id
    join reported before
      on before.panel_id = g.panel_id and before.entity_id = other.entity_id
     and before.year = g.year
    join reported now
      on now.panel_id = g.panel_id and now.entity_id = other.entity_id and now.year = t.year
    join entity_years ey on ey.entity_id = other.entity_id and ey.year = t.year
    where {trend}
    group by g.panel_id, g.entity_id, t.year, g.value, pe.tier
),
trend_cells as (
    select c.panel_id, c.entity_id, c.year,
           greatest(0, least(100, c.last_value + arg_min(c.change, c.tier))) as value,
           'carried_forward_with_peer_trend' as method
    from peer_changes c
    semi join entity_years ey on ey.entity_id = c.entity_id and ey.year = c.year
    group by c.panel_id, c.entity_id, c.year, c.last_value
),
own_and_trend as (
    select * from own_cells
    union all
    select * from trend_cells
),
peer_cells as (
    select m.panel_id, m.entity_id, m.year, arg_min(pm.mean, pe.tier) as value,
           'peer_mean' as method
    from (
        select p.panel_id, ey.entity_id, ey.year
        from panels p cross join entity_years ey
        anti join own_and_trend c
          on c.panel_id = p.panel_id and c.entity_id = ey.entity_id and c.year = ey.year
        where {peer_mean}
    ) m
    join peer_entities pe using (entity_id)
    join peer_means pm using (panel_id, year, tier, peer)
    group by m.panel_id, m.entity_id, m.year
),
cells as (
    select * from own_and_trend
    union all
    select * from peer_cells
)
"""

_ECONOMY_SQL = """
select pn.series, pn.sex, pn.area, pn.age, me.entity, c.year, c.value, c.method, ey.population
from cells c
join panels pn using (panel_id)
join member_entities me using (entity_id)
join entity_years ey using (entity_id, year)
order by pn.series, pn.sex, pn.area, pn.age, me.entity, c.year
"""

_AGGREGATE_SQL = """,
members as (
    select m."group", me.entity_id from membership m join member_entities me using (entity)
),
group_totals as (
    select m."group", ey.year, count(*) as members, sum(ey.population) as population
    from members m join entity_years ey using (entity_id)
    group by all
),
sums as (
    select c.panel_id, m."group", c.year,
           count(*) filter (where c.method = 'observed') as n_observed,
           coalesce(sum(ey.population) filter (where c.method = 'observed'), 0) as pop_observed,
           sum(ey.population * c.value) filter (where c.method = 'observed') as pv_observed,
           count(*) as n_valued,
           sum(ey.population) as pop_valued,
           sum(ey.population * c.value) as pv_valued,
           coalesce(sum(ey.population * c.value) filter (where c.method <> 'observed'), 0)
               as pv_imputed
    from cells c
    join entity_years ey using (entity_id, year)
    join members m using (entity_id)
    group by all
),
-- every breakdown x group x year with members, so that a group with no reporter in a year
-- appears (null value and the reason) instead of silently missing
grid as (
    select pn.series, pn.sex, pn.area, pn.age, pn.panel_id, gt.*
    from panels pn cross join group_totals gt
),
joined as (
    select g.*, coalesce(s.n_observed, 0) as n_observed, coalesce(s.pop_observed, 0)
               as pop_observed, s.pv_observed, coalesce(s.n_valued, 0) as n_valued,
           s.pop_valued, s.pv_valued, s.pv_imputed,
           case when {fill_group_mean} and s.n_observed > 0
                then (g.population - s.pop_valued) * s.pv_observed / s.pop_observed else 0
           end as pv_mean_fill
    from grid g
    left join sums s on s.panel_id = g.panel_id and s."group" = g."group" and s.year = g.year
)
select series, sex, area, age, "group" as entity, year,
       case when n_observed = 0 then null
            when {fill_group_mean} then (pv_valued + pv_mean_fill) / population
            else pv_valued / pop_valued end as value,
       members as economies_in_group,
       n_observed as economies_with_data,
       population as group_population,
       case when n_observed = 0 then 0
            else n_valued - n_observed
                 + case when {fill_group_mean} then members - n_valued else 0 end
       end as economies_imputed,
       pop_observed / population as population_coverage,
       case when n_observed = 0 then null
            else coalesce((pv_imputed + pv_mean_fill) / nullif(pv_valued + pv_mean_fill, 0), 0)
       end as imputed_share,
       pop_observed / population < {min_coverage} as low_coverage,
       case when n_observed = 0 then '{no_reporter}'
            when pop_observed / population < {min_coverage} then '{low_coverage}'
       end as note,
       '{label}' as imputation
from joined
where (select count(distinct panel_id) = count(*) from panels)
   or error('aggregate: two breakdowns share a 64-bit key hash')
order by series, sex, area, age, entity, year
"""
