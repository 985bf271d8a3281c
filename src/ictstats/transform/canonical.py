"""The canonical observation table: ITU editions combined, country files harmonised.

Where it sits: the transform stage. Every name and code is resolved to an entity code
(`entities`), every frame put into the declared observation columns (`ictstats.metadata`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from ictstats.extract.itu_aggregates import ParsedWorkbook
from ictstats.metadata import resource
from ictstats.transform import entities

OBSERVATION_COLUMNS = resource("observations").columns


@dataclass
class AggregateEditions:
    """All parsed ITU aggregates editions, in canonical form."""

    observations: pd.DataFrame
    sheet_repeats: pd.DataFrame
    version_notes: dict[str, list[str]]


def combine_editions(parsed: Iterable[ParsedWorkbook]) -> AggregateEditions:
    parsed = list(parsed)
    observations = pd.concat([p.observations for p in parsed], ignore_index=True)
    observations = observations[OBSERVATION_COLUMNS].astype({"year": "int64"})
    repeats = pd.concat([p.duplicate_cells for p in parsed], ignore_index=True)
    notes = {p.observations["edition"].iat[0]: p.version_notes for p in parsed}
    return AggregateEditions(observations, repeats, notes)


@dataclass
class Entities:
    """The economies dimension, the `entities` table and the resolver built from them."""

    economies: pd.DataFrame
    table: pd.DataFrame
    resolver: entities.Resolver


def build_entities(
    m49: pd.DataFrame,
    country_codes: pd.DataFrame,
    wb_class: dict,
    files: Mapping[str, str] | None = None,
) -> Entities:
    """`files`: m49/country_codes/wb_class -> file name, for error messages."""
    entities.check_reference_codes(m49, country_codes, wb_class["economies"], files)
    economies = entities.economies_table(m49, country_codes, wb_class["economies"])
    wb_groups = wb_class["compositions"][["group_code", "group_name"]].drop_duplicates()
    wb_aggregates = pd.DataFrame(
        {
            "code": [entities.wb_aggregate_code(c) for c in wb_groups["group_code"]],
            "name": wb_groups["group_name"].to_list(),
        }
    )
    table = entities.entities_table(economies, wb_aggregates)
    resolver = entities.build_resolver(economies, m49, wb_groups["group_code"])
    return Entities(economies, table, resolver)


def harmonise(frames: Iterable[pd.DataFrame], resolver: entities.Resolver) -> pd.DataFrame:
    """Country-level frames -> canonical observations, every name or code resolved.

    All unresolved names of all files are collected before stopping, so one run lists them all.
    """
    done, problems = [], []
    for frame in frames:
        try:
            entity = resolver.resolve(frame, frame["source_id"].iat[0])
        except entities.EntityError as exc:
            problems.append(str(exc))
            continue
        done.append(frame.assign(entity=entity)[OBSERVATION_COLUMNS])
    if problems:
        raise entities.EntityError("\n".join(problems))
    return pd.concat(done, ignore_index=True).astype({"year": "int64"})
