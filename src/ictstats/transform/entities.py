"""Economies, groups and the harmonisation of every publisher's names and codes.

Where it sits: reference tables (UN M49, DataHub country codes, World Bank CLASS/OGHIST) ->
**entities** -> country-level observations keyed by ISO 3166 alpha-3.

Codes are translated by rule (M49 -> ISO3 via UN M49; World Bank aggregate codes -> group codes;
a short, explicit table of publisher codes that are not ISO). Names, which some publishers give
instead of codes, are translated only through the explicit alias table
`reference/entity_aliases.csv`: every spelling seen in a name-only source is listed there with its
code, so a new spelling stops the build instead of being guessed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from ictstats.errors import IctstatsError
from ictstats.metadata import codes

ALIASES_PATH = Path(__file__).parents[1] / "reference" / "entity_aliases.csv"

# Economy codes that are not ISO 3166-1 alpha-3 but are used by publishers, with their meaning.
EXTRA_ECONOMIES: dict[str, tuple[str, str]] = {
    "XKX": ("Kosovo", "code used by the World Bank and the EU; Kosovo has no ISO 3166 code"),
    "CHI": ("Channel Islands", "World Bank code for Guernsey and Jersey together"),
    "ASC": ("Ascension", "ISO 3166 exceptionally reserved code; ITU reports it separately"),
    "ANT": ("Netherlands Antilles", "ISO 3166-3 code of a former economy (dissolved 2010)"),
}

# Publisher codes -> economy code, per code system; anything unlisted must already be an economy.
CODE_ALIASES: dict[str, dict[str, str]] = {
    "iso3": {"AAA": "GGY", "GBJ": "JEY", "KSO": "XKX"},  # ITU DataHub's own codes
    "wb": {"SCG": "SRB"},  # CLASS lists Serbia under its former code
    "owid": {"OWID_WRL": "WLD", "OWID_KOS": "XKX", "OWID_CIS": "CHI"},  # CIS = Channel Islands
}

# World Bank aggregates that match a group of the warehouse; other WB aggregates become WB_<code>.
WB_GROUPS = {"WLD": "WLD", "HIC": "HIC", "UMC": "UMC", "LMC": "LMC", "LIC": "LIC", "LDC": "LDC"}


class EntityError(IctstatsError):
    """Names or codes that no rule or alias resolves; lists every one with its file."""


@dataclass(frozen=True)
class Alias:
    name: str
    code: str
    basis: str  # why this spelling means this code


@cache
def load_aliases(path: Path = ALIASES_PATH) -> dict[str, Alias]:
    """The explicit alias table, keyed by the spelling exactly as publishers write it."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    aliases: dict[str, Alias] = {}
    for row in rows:
        if row["name"] in aliases:
            raise EntityError(f"{path.name}: the spelling {row['name']!r} is listed twice")
        aliases[row["name"]] = Alias(row["name"], row["code"], row["basis"])
    return aliases


def _unknown(frame: pd.DataFrame, codes_known: set[str], file: str, rule: str) -> list[str]:
    rows = frame[frame["iso3"].notna() & ~frame["iso3"].isin(codes_known)]
    return [
        f"  {file}, {where}: {code!r} ({name}); expected {rule}"
        for code, name, where in zip(
            rows["iso3"], rows["name"], rows["source_location"], strict=True
        )
    ]


REFERENCE_FILES = {"m49": "UN M49", "country_codes": "DataHub country codes", "wb_class": "CLASS"}


def check_reference_codes(
    m49: pd.DataFrame,
    country_codes: pd.DataFrame,
    wb_economies: pd.DataFrame,
    files: Mapping[str, str] | None = None,
) -> None:
    """The code lists must agree: a code in one and not the others is a changed or damaged file.

    UN M49 and DataHub's country codes list the same ISO3 codes; every World Bank economy is an
    ISO3 economy or one of the known non-ISO codes. `files` names the three files in errors.
    """
    names = {**REFERENCE_FILES, **(files or {})}
    in_m49 = set(m49["iso3"].dropna())
    in_cc = set(country_codes["iso3"].dropna())
    wb = wb_economies.assign(iso3=wb_economies["iso3"].replace(CODE_ALIASES["wb"]))
    problems = (
        _unknown(m49, in_cc, names["m49"], f"every ISO3 code also in {names['country_codes']}")
        + _unknown(
            country_codes.rename(columns={"official_name_en": "name"}),
            in_m49,
            names["country_codes"],
            f"every ISO3 code also in {names['m49']}",
        )
        + _unknown(
            wb,
            in_m49 | set(EXTRA_ECONOMIES),
            names["wb_class"],
            f"an ISO3 code of {names['m49']} or one of {sorted(EXTRA_ECONOMIES)}",
        )
    )
    if problems:
        raise EntityError(
            f"reference code lists disagree ({len(problems)} code(s)); a changed or damaged "
            "file:\n" + "\n".join(problems)
        )


def economies_table(
    m49: pd.DataFrame, country_codes: pd.DataFrame, wb_economies: pd.DataFrame
) -> pd.DataFrame:
    """One row per economy: ISO3, name, M49, ITU code, regions and LDC/LLDC/SIDS flags."""
    base = m49[m49["iso3"].notna()].set_index("iso3")
    cc = country_codes.set_index("iso3")
    wb = wb_economies.assign(iso3=wb_economies["iso3"].replace(CODE_ALIASES["wb"])).set_index(
        "iso3"
    )
    frame = pd.DataFrame(
        {
            "name": base["name"],
            "m49": base["m49"],
            "iso2": base["iso2"],
            "un_region": base["region"],
            "un_sub_region": base["sub_region"],
            "ldc": base["ldc"],
            "lldc": base["lldc"],
            "sids": base["sids"],
        }
    )
    frame["itu_code"] = cc["itu_code"].reindex(frame.index)
    frame["is_independent"] = cc["is_independent"].reindex(frame.index)
    frame["wb_region"] = wb["region"].reindex(frame.index)
    extras = pd.DataFrame(
        [
            {"name": name, "note": note, "wb_region": wb["region"].get(code)}
            for code, (name, note) in EXTRA_ECONOMIES.items()
        ],
        index=list(EXTRA_ECONOMIES),
    )
    frame = pd.concat([frame, extras])
    for flag in ("ldc", "lldc", "sids"):
        frame[flag] = frame[flag].eq(True)  # extras carry no M49 flags
    frame["kind"] = "economy"
    return frame.rename_axis("code").reset_index().sort_values("code", ignore_index=True)


def entities_table(economies: pd.DataFrame, wb_aggregates: pd.DataFrame) -> pd.DataFrame:
    """The `entities` dimension: groups, World Bank and OWID aggregates, and economies."""
    groups = pd.DataFrame([vars(e) for e in codes.GROUPS])
    wb = wb_aggregates.assign(kind="wb_aggregate")[["code", "name", "kind"]]
    owid = pd.DataFrame(
        [
            {"code": a.code, "name": a.name, "kind": "owid_aggregate"}
            for a in load_aliases().values()
            if a.code.startswith("OWID_")
        ],
        columns=["code", "name", "kind"],
    )
    return pd.concat(
        [groups, wb, owid, economies[["code", "name", "kind"]]], ignore_index=True
    ).drop_duplicates("code")


def wb_aggregate_code(code: str) -> str:
    return WB_GROUPS.get(code, f"WB_{code}")


@dataclass(frozen=True)
class Resolver:
    """Maps (code system, code or name) to an entity code, collecting what it cannot map."""

    economies: frozenset[str]
    m49_to_iso3: dict[str, str]
    wb_aggregates: frozenset[str]
    aliases: dict[str, Alias]

    def resolve(self, frame: pd.DataFrame, file: str) -> pd.Series:
        """Entity code for each row of an observation frame; EntityError lists every miss."""
        resolved = [
            self._one(system, code, name)
            for system, code, name in zip(
                frame["code_system"], frame["entity_code"], frame["entity_name"], strict=True
            )
        ]
        missed = frame[[got is None for got in resolved]]
        if not missed.empty:
            firsts = missed.drop_duplicates(["code_system", "entity_code", "entity_name"])
            lines = [
                f"  {row.code_system} code {row.entity_code!r} / name {row.entity_name!r} "
                f"(first at {row.source_location})"
                for row in firsts.itertuples()
            ]
            raise EntityError(
                f"{file}: {len(firsts)} entity name(s) or code(s) do not resolve to an economy "
                f"or group; add them to {ALIASES_PATH.name} (names) or entities.CODE_ALIASES "
                "(codes) after checking what they mean:\n" + "\n".join(lines)
            )
        return pd.Series(resolved, index=frame.index, dtype=object)

    def _one(self, system: str, code: str | None, name: str) -> str | None:
        if system == "group":
            return code if code in codes.GROUP_CODES else None
        if system == "m49":
            return self.m49_to_iso3.get(code or "")
        if system == "name" or (system == "owid" and not code):
            alias = self.aliases.get(name)
            return alias.code if alias else None
        code = CODE_ALIASES.get(system, {}).get(code or "", code)
        if code in self.economies or code in codes.GROUP_CODES:
            return code
        if system == "wb" and code in self.wb_aggregates:
            return wb_aggregate_code(code)
        return None


def build_resolver(
    economies: pd.DataFrame, m49: pd.DataFrame, wb_aggregates: Iterable[str]
) -> Resolver:
    return Resolver(
        economies=frozenset(economies["code"]),
        m49_to_iso3=dict(m49.dropna(subset=["iso3"])[["m49", "iso3"]].itertuples(index=False)),
        wb_aggregates=frozenset(wb_aggregates),
        aliases=load_aliases(),
    )
