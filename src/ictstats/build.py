"""The build steps as plain functions; Dagster assets in `pipelines/` call them one by one.

Where it sits: joins sources, parsers, schemas and warehouse without knowing about Dagster.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ictstats.errors import IctstatsError, SourceError, ValidationError
from ictstats.extract import datahub, itu_country, itu_extract, owid, un_data, worldbank
from ictstats.extract.itu_aggregates import ParsedWorkbook, layout_names, parse_itu_aggregates
from ictstats.sources.manifest import ResolvedSource, Source, sha256_of
from ictstats.transform import entities, schemas
from ictstats.warehouse import builds as warehouse

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


class PublishError(IctstatsError):
    """A build could not be written or did not pass the publish gate; nothing was published."""


NOTHING_PUBLISHED = (
    "Nothing was published: data/curated/current still points to the previous build, unchanged."
)


@contextmanager
def writing_build(staging: Path, what: str) -> Iterator[None]:
    """Write one part of a staged build. On any failure drop the whole staging folder (a build is
    published whole or not at all); a write error (disk full, ...) becomes a message naming the
    part and the file system error."""
    if not staging.is_dir():
        # another part failed and dropped the folder: writing now would recreate half a build
        raise PublishError(
            f"not writing {what}: the build's staging folder {staging.name} is gone because "
            f"another step of this build failed (its error is printed above). {NOTHING_PUBLISHED}"
        )
    try:
        yield
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise PublishError(
            f"could not write {what} into {staging}: {exc.strerror or exc} "
            f"({exc.filename or 'no file name'}). {NOTHING_PUBLISHED} Free disk space (or fix "
            "the folder's permissions) and run `ictstats run` again."
        ) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def publish_gate(observations: pd.DataFrame, resolved: Mapping[str, ResolvedSource]) -> None:
    """Refuse to publish observations that did not come, validated, from today's source files.

    The blocking checks run on the assets upstream of the warehouse; this repeats the cheap part
    here because a Dagster re-execution or selection (e.g. in the UI, whose storage keeps every
    step's output) can hand the warehouse step a value that never passed them, or one parsed
    from an earlier version of a file.
    """
    try:
        schemas.validate(observations)
    except ValidationError as exc:
        raise PublishError(
            "publish gate: the observations handed to the warehouse step break the schema "
            f"({exc.failures} failure(s)); they did not pass the blocking checks of this build. "
            f"{NOTHING_PUBLISHED} Run the full build (`ictstats run`) so that every check "
            f"runs on the same inputs.\n{exc.report}"
        ) from exc
    hashes = {sid: sha256_of(item.path) for sid, item in resolved.items()}
    used = observations.groupby("source_id")["source_sha256"].unique()
    stale = [
        f"{sid}: observations from sha256 {', '.join(h[:12] for h in found)}, "
        + (
            f"the file the manifest resolves to ({resolved[sid].path}) has {hashes[sid][:12]}"
            if sid in hashes
            else "a source id the manifest does not list"
        )
        for sid, found in used.items()
        if sid not in hashes or list(found) != [hashes[sid]]
    ]
    if stale:
        raise PublishError(
            "publish gate: observations were parsed from other bytes than the current source "
            "files (a stored output of an earlier run?): "
            + "; ".join(stale)
            + f". {NOTHING_PUBLISHED} Run the full build (`ictstats run`)."
        )


def stage_warehouse(
    staging: Path,
    observations: pd.DataFrame,
    resolved: Mapping[str, ResolvedSource],
    version_notes: Mapping[str, list[str]],
    tables: Mapping[str, pd.DataFrame],
) -> WarehouseSummary:
    """Write Parquet (the stored truth) and the DuckDB file built from it into a staged build.

    `tables`: every table besides `observations`, the code lists and `editions`. Nothing is
    visible to readers until `warehouse.promote`.
    """
    with writing_build(staging, "the warehouse"):
        publish_gate(observations, resolved)
        rows = observations.groupby("edition").size().to_dict()
        every = dict(warehouse.dimension_tables())
        every["editions"] = warehouse.editions_table(resolved, version_notes, rows)
        every.update(tables)
    with writing_build(staging, "the Parquet files"):
        parquet = warehouse.write_parquet_build(staging, observations, every)
    database = staging / "ictstats.duckdb"
    with writing_build(staging, "the DuckDB file"):
        warehouse.build_duckdb(parquet, database)
    return WarehouseSummary(database, parquet, {str(k): int(v) for k, v in rows.items()})


def publish(
    curated_dir: Path,
    observations: pd.DataFrame,
    resolved: Mapping[str, ResolvedSource],
    version_notes: Mapping[str, list[str]],
    tables: Mapping[str, pd.DataFrame],
) -> WarehouseSummary:
    """Stage and promote a build with Parquet and DuckDB only (no reports or charts)."""
    staging = warehouse.start_build(curated_dir)
    summary = stage_warehouse(staging, observations, resolved, version_notes, tables)
    build = warehouse.promote(curated_dir, staging)
    return WarehouseSummary(build / "ictstats.duckdb", build / "parquet", summary.rows_by_edition)


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
