"""The build steps as plain functions; Dagster assets in `pipelines/` call them one by one.

Where it sits: joins sources, parsers, schemas and warehouse without knowing about Dagster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ictstats import schemas, warehouse
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
    aggregates: AggregateEditions,
    resolved: Mapping[str, ResolvedSource],
) -> WarehouseSummary:
    """Write Parquet (the stored truth) and rebuild DuckDB from it. Input must be validated."""
    rows = aggregates.observations.groupby("edition").size().to_dict()
    tables = dict(warehouse.dimension_tables())
    tables["editions"] = warehouse.editions_table(resolved, aggregates.version_notes, rows)
    tables["sheet_repeats"] = aggregates.sheet_repeats
    curated_dir.mkdir(parents=True, exist_ok=True)
    build = warehouse.write_parquet_build(curated_dir, aggregates.observations, tables)
    database = curated_dir / "ictstats.duckdb"
    warehouse.build_duckdb(build, database)
    return WarehouseSummary(database, build, {str(k): int(v) for k, v in rows.items()})
