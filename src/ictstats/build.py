"""The build steps as plain functions; Dagster assets in `pipelines/` call them one by one.

Where it sits: joins sources, parsers, schemas and warehouse without knowing about Dagster.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ictstats import (
    datahub,
    entities,
    itu_country,
    itu_extract,
    owid,
    schemas,
    un_data,
    warehouse,
    worldbank,
)
from ictstats.errors import SourceError
from ictstats.itu_aggregates import ParsedWorkbook, layout_names, parse_itu_aggregates
from ictstats.sources import ResolvedSource, Source

ITU_AGGREGATE_LAYOUTS = frozenset(layout_names())


def is_itu_aggregates(source: Source) -> bool:
    return source.layout in ITU_AGGREGATE_LAYOUTS


def parse_edition(resolved: ResolvedSource) -> ParsedWorkbook:
    """Parse one verified workbook and stamp every row with its edition, source and hash."""
    source = resolved.source
    parsed = parse_itu_aggregates(resolved.path, source.layout, workbook_name=source.filename)
    stamp = {"edition": source.edition, "source_id": source.id, "source_sha256": resolved.sha256}
    for frame in (parsed.observations, parsed.duplicate_cells):
        for column, value in reversed(stamp.items()):
            frame.insert(0, column, value)
    schemas.validate(parsed.observations, schemas.raw_layout_schema(source.layout))
    return parsed


@dataclass
class AggregateEditions:
    """All parsed ITU aggregates editions, in canonical form."""

    observations: pd.DataFrame
    sheet_repeats: pd.DataFrame
    version_notes: dict[str, list[str]]


def combine_editions(parsed: Iterable[ParsedWorkbook]) -> AggregateEditions:
    parsed = list(parsed)
    observations = pd.concat([p.observations for p in parsed], ignore_index=True)
    observations = observations[schemas.OBSERVATION_COLUMNS].astype({"year": "int64"})
    repeats = pd.concat([p.duplicate_cells for p in parsed], ignore_index=True)
    notes = {p.observations["edition"].iat[0]: p.version_notes for p in parsed}
    return AggregateEditions(observations, repeats, notes)


@dataclass(frozen=True)
class WarehouseSummary:
    database: Path
    parquet_build: Path
    rows_by_edition: dict[str, int]


def publish(
    curated_dir: Path,
    observations: pd.DataFrame,
    resolved: Mapping[str, ResolvedSource],
    version_notes: Mapping[str, list[str]],
    tables: Mapping[str, pd.DataFrame],
) -> WarehouseSummary:
    """Write Parquet (the stored truth) and rebuild DuckDB from it. Input must be validated.

    `tables`: every table besides `observations`, the code lists and `editions`.
    """
    rows = observations.groupby("edition").size().to_dict()
    every = dict(warehouse.dimension_tables())
    every["editions"] = warehouse.editions_table(resolved, version_notes, rows)
    every.update(tables)
    curated_dir.mkdir(parents=True, exist_ok=True)
    build = warehouse.write_parquet_build(curated_dir, observations, every)
    database = curated_dir / "ictstats.duckdb"
    warehouse.build_duckdb(build, database)
    return WarehouseSummary(database, build, {str(k): int(v) for k, v in rows.items()})


# --- country-level sources --------------------------------------------------------------------

OBSERVATION_PARSERS: dict[str, Callable[[Path, str], pd.DataFrame]] = {
    "itu_country_wide_value_notes_source": itu_country.parse_itu_country_internet,
    "itu_country_by_sex_area_text": itu_country.parse_itu_country_by_sex_area,
    "itu_datahub_long": itu_country.parse_itu_datahub_coverage,
    "un_sdg_export": un_data.parse_un_sdg_mobile_ownership,
    "wb_databank_wide": worldbank.parse_wb_databank_wide,
    "wb_bulk_csv": worldbank.parse_wb_bulk_csv,
    "owid_grapher_csv": owid.parse_owid_grapher,
    "third_party_urban_rural_extract": itu_extract.parse_nov2025_urban_rural_extract,
}
REFERENCE_PARSERS: dict[str, Callable[[Path, str], Any]] = {
    "un_m49_csv": un_data.parse_un_m49,
    "datahub_country_codes": datahub.parse_datahub_country_codes,
    "wb_class": worldbank.parse_wb_class,
    "wb_oghist": worldbank.parse_wb_oghist,
    "datahub_population_long": worldbank.parse_datahub_population,
}
_ITU_ESTIMATE = re.compile(r"^ITU estimate", re.IGNORECASE)


def is_country_observations(source: Source) -> bool:
    return source.layout in OBSERVATION_PARSERS


def is_reference(source: Source) -> bool:
    return source.layout in REFERENCE_PARSERS


def parse_country_source(resolved: ResolvedSource) -> pd.DataFrame:
    """A country-level value file as an observation frame stamped with its edition and file."""
    source = resolved.source
    frame = OBSERVATION_PARSERS[source.layout](resolved.path, source.filename)
    if "source_note" in frame:  # ITU's country file says which values it estimated itself
        estimated = frame["source_note"].str.match(_ITU_ESTIMATE)
        frame.loc[estimated, "obs_status"] = "E"
    frame = frame.drop(columns=[c for c in ("note", "source_note") if c in frame])
    return frame.assign(edition=source.edition, source_id=source.id, source_sha256=resolved.sha256)


def parse_reference(resolved: ResolvedSource) -> Any:
    return REFERENCE_PARSERS[resolved.source.layout](resolved.path, resolved.source.filename)


def parsed_sources(sources: Iterable[Source], manifest_name: str = "sources.yaml") -> list[Source]:
    """The sources the build parses, in manifest order.

    A source with `parse: false` is registered before its parser exists: it is verified and listed
    in `editions`, never read. Any other source whose layout no parser reads stops here (a typo in
    a layout must not drop a file from the warehouse silently).
    """
    sources = list(sources)
    known = ITU_AGGREGATE_LAYOUTS | set(OBSERVATION_PARSERS) | set(REFERENCE_PARSERS)
    unread = [s for s in sources if s.parse and s.layout not in known]
    if unread:
        raise SourceError(
            "; ".join(
                f"{manifest_name}: source {s.id!r} has layout {s.layout!r}, which no parser reads"
                for s in unread
            )
            + f". Known layouts: {', '.join(sorted(known))}. Correct the layout, or set "
            "`parse: false` to register the file (verified, listed in `editions`) without "
            "reading it."
        )
    return [s for s in sources if s.parse]


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
        done.append(frame.assign(entity=entity)[schemas.OBSERVATION_COLUMNS])
    if problems:
        raise entities.EntityError("\n".join(problems))
    return pd.concat(done, ignore_index=True).astype({"year": "int64"})
