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

import duckdb
import pandas as pd

from ictstats.analysis.aggregation import Imputation, aggregate, economy_values
from ictstats.analysis.revisions import reconcile
from ictstats.metadata import resource
from ictstats.transform.entities import CODE_ALIASES, EXTRA_ECONOMIES, EntityError

INCOME_GROUPS = {"L": "LIC", "LM": "LMC", "UM": "UMC", "H": "HIC"}
SPECIAL_GROUPS = {"LDC": "ldc", "LLDC": "lldc", "SIDS": "sids"}

# The M49 file on hand lists the LDCs as of its date; the list in force on another date is that
# list with the graduations in between undone or applied. Source: UN DESA, Committee for
# Development Policy, "Graduation from the LDC category" (the General Assembly resolutions on
# each graduation). LLDC and SIDS lists did not change over the editions on hand.
M49_LIST_DATE = dt.date(2024, 9, 25)  # the `un-m49-2024-09` manifest entry
LDC_GRADUATIONS: tuple[tuple[str, dt.date], ...] = (
    ("GNQ", dt.date(2017, 6, 4)),  # Equatorial Guinea
    ("VUT", dt.date(2020, 12, 4)),  # Vanuatu
    ("BTN", dt.date(2023, 12, 13)),  # Bhutan
    ("STP", dt.date(2024, 12, 13)),  # Sao Tome and Principe
    ("BGD", dt.date(2026, 11, 24)),  # Bangladesh
    ("LAO", dt.date(2026, 11, 24)),  # Lao PDR
    ("NPL", dt.date(2026, 11, 24)),  # Nepal
)


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


def fiscal_year_in_force(published: dt.date) -> str:
    """World Bank fiscal year whose classification applied on a date (FY26: Jul 2025-Jun 2026)."""
    year = published.year + 1 if published.month >= 7 else published.year
    return f"FY{year % 100:02d}"


def _fiscal_year_start(fiscal_year: str) -> int:
    yy = int(fiscal_year[2:])
    return 1900 + yy if yy >= 80 else 2000 + yy  # OGHIST runs FY89..FY26


def latest_fiscal_year_on_hand(oghist: pd.DataFrame, wanted: str) -> str:
    """`wanted`, or the newest classification on hand when the file stops before it."""
    on_hand = sorted(set(oghist["fiscal_year"]), key=_fiscal_year_start)
    return wanted if wanted in on_hand else on_hand[-1]


@dataclass(frozen=True)
class GroupList:
    """One list of members of one group, as it stood on a date."""

    group: str
    tag: str  # '' when the list does not change between the editions compared
    basis: str  # what a reader is told: which list, as of when
    entities: tuple[str, ...]


def ldc_list(economies: pd.DataFrame, on: dt.date) -> GroupList:
    """The LDCs in force on a date: the M49 list, graduations before/after it applied."""
    members = set(economies.loc[economies["ldc"], "code"])
    for code, graduated in LDC_GRADUATIONS:
        if M49_LIST_DATE < graduated <= on:
            members.discard(code)
        elif on < graduated <= M49_LIST_DATE:
            members.add(code)
    changed = _last_ldc_change(on)
    known = set(economies["code"])
    return GroupList(
        "LDC",
        ldc_tag(on),
        f"UN LDC list in force on {on.isoformat()} (last change {changed.isoformat()}; "
        f"UN M49 list of {M49_LIST_DATE.isoformat()} with the graduations between applied)",
        tuple(sorted(members & known)),
    )


def _last_ldc_change(on: dt.date) -> dt.date:
    # the category's creation (GA res. 2768 (XXVI), 18 Nov 1971) when no graduation precedes
    return max((d for _, d in LDC_GRADUATIONS if d <= on), default=dt.date(1971, 11, 18))


def ldc_tag(on: dt.date) -> str:
    """Names the LDC list in force on a date by its last change: `ldc-2024-12`."""
    return f"ldc-{_last_ldc_change(on):%Y-%m}"


def membership_tags(on: dt.date) -> set[str]:
    """The list tags whose rows are the groups as they stood on a date."""
    return {"", fiscal_year_in_force(on).lower(), ldc_tag(on)}


def group_lists(
    economies: pd.DataFrame,
    oghist: pd.DataFrame,
    on: dt.date,
    oghist_file: str = "OGHIST",
) -> list[GroupList]:
    """Every group's members as of a date: World, the income groups of the World Bank
    classification in force, the LDCs in force, LLDC and SIDS."""
    fiscal_year = fiscal_year_in_force(on)
    known = sorted(economies["code"])
    lists = [
        GroupList("WLD", "", "every economy with a World Bank population figure", tuple(known))
    ]
    income = group_membership(economies, oghist, fiscal_year, oghist_file)
    income = income[income["group"].isin(INCOME_GROUPS.values())]
    for group, part in income.groupby("group", sort=True):
        lists.append(
            GroupList(
                group,
                fiscal_year.lower(),
                f"World Bank classification {fiscal_year}",
                tuple(sorted(part["entity"])),
            )
        )
    lists.append(ldc_list(economies, on))
    for group in ("LLDC", "SIDS"):
        flag = SPECIAL_GROUPS[group]
        lists.append(
            GroupList(
                group,
                "",
                f"UN M49 list of {M49_LIST_DATE.isoformat()} (unchanged over the editions on hand)",
                tuple(sorted(economies.loc[economies[flag], "code"])),
            )
        )
    return lists


def peer_tiers(economies: pd.DataFrame, oghist: pd.DataFrame, fiscal_year: str) -> pd.DataFrame:
    """entity, tier, peer: whom an economy without data is like, finest first.

    1 income group x World Bank region, 2 income group, 3 region, 4 every economy. The income
    group is the classification in force when the input data were published; an economy the
    World Bank does not classify (e.g. Venezuela since FY22) starts at its region."""
    income = group_membership(economies, oghist, fiscal_year)
    income = income[income["group"].isin(INCOME_GROUPS.values())].set_index("entity")["group"]
    rows = []
    for code, region in zip(economies["code"], economies["wb_region"], strict=True):
        group = income.get(code)
        region = region if isinstance(region, str) else None
        if group and region:
            rows.append((code, 1, f"{group} x {region}"))
        if group:
            rows.append((code, 2, group))
        if region:
            rows.append((code, 3, region))
        rows.append((code, 4, "all economies"))
    return pd.DataFrame(rows, columns=["entity", "tier", "peer"])


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
    economy_codes = set(economies["code"])
    aggregates, cells, memberships = [], [], []
    # one thread: DuckDB's parallel sums of doubles differ in the last bits from run to run,
    # and releases need byte-identical builds (the panels here are small)
    con = duckdb.connect(config={"threads": 1})
    for recipe in recomputations:
        values = observations[
            (observations["edition"] == recipe.input_edition)
            & observations["series"].isin(recipe.series)
            & observations["entity"].isin(economy_codes)
            & (observations["unit"] == RECOMPUTED_UNIT)
        ][["series", "sex", "area", "age", "entity", "year", "value"]]
        dates = [edition_dates[e] for e in recipe.compare_with if e in edition_dates]
        if values.empty or not dates:
            continue  # the input edition (or every compared edition) is not in this build
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
        for imputation in imputations:
            result = aggregate(values, membership, weights, years, imputation, con, peers)
            aggregates.append(_label(result, recipe.input_edition, lists))
        headline = economy_values(values, membership, weights, years, HEADLINE, con, peers)
        cells.append(headline.assign(input_edition=recipe.input_edition, imputation=HEADLINE.label))
        memberships.append(
            pd.DataFrame(
                [(recipe.input_edition, gl.group, gl.tag, e) for gl in lists for e in gl.entities],
                columns=["input_edition", "group", "membership_tag", "entity"],
            )
        )
    if not aggregates:
        return Recomputed(
            pd.DataFrame(columns=resource("recomputed_aggregates").columns),
            pd.DataFrame(columns=resource("recomputed_economy_values").columns),
            pd.DataFrame(columns=["input_edition", "group", "membership_tag", "entity"]),
        )
    return Recomputed(
        _with_spread(pd.concat(aggregates, ignore_index=True)).assign(unit=RECOMPUTED_UNIT),
        pd.concat(cells, ignore_index=True),
        pd.concat(memberships, ignore_index=True),
    )


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
