"""The groups an aggregate is taken over, as they stood on a date.

Where it sits: stage 4 (analysis), feeding `recompute`. World Bank income groups of the fiscal
year in force on an edition's date (FYyy runs July yy-1 to June yy), LDCs in force on that date
(the UN M49 list with the graduations between applied or undone), LLDC and SIDS from M49, and
the peer tiers imputation borrows from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

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
