"""Stages 1-2: one asset per manifest source (the verified file) and one per parsed edition.

The reference files that are warehouse tables as parsed (World Bank OGHIST, population) are
named by their table: `income_classifications`, `population`.
"""

import pandas as pd
from dagster import AssetExecutionContext, AssetIn, AssetsDefinition, Output, asset

from ictstats.extract import parse
from ictstats.metadata import resource
from ictstats.settings import Settings
from ictstats.sources.manifest import ResolvedSource, Source, resolve
from pipelines.assets import asset_name, markdown

# Reference layouts whose parsed frame is a warehouse table as it stands.
TABLE_OF_LAYOUT = {"wb_oghist": "income_classifications", "datahub_population_long": "population"}


def raw_name(source: Source) -> str:
    return asset_name("raw_", source.id)


def parsed_name(source: Source) -> str:
    return TABLE_OF_LAYOUT.get(source.layout) or asset_name("parsed_", source.edition)


def source_asset(source: Source, settings: Settings) -> AssetsDefinition:
    @asset(
        name=raw_name(source),
        group_name="sources",
        description=f"{source.title} ({source.publisher}), verified against the manifest.",
        metadata={"edition": source.edition, "layout": source.layout, "url": source.url},
    )
    def _resolve(context: AssetExecutionContext) -> Output[ResolvedSource]:
        resolved = resolve(source, settings.raw_dir, settings.mirror_dir)
        context.log.info(f"{resolved.origin} -> data/raw/{resolved.path.name}, SHA-256 verified")
        metadata = {
            "sha256": resolved.sha256,
            "bytes": resolved.size,
            "origin": resolved.origin,
            "known_copy": resolved.copy_note,
        }
        return Output(resolved, metadata=metadata)

    return _resolve


def parsed_asset(source: Source) -> AssetsDefinition:
    """One edition parsed by its layout's parser (ITU workbook, country values or reference)."""
    table = TABLE_OF_LAYOUT.get(source.layout)

    @asset(
        name=parsed_name(source),
        group_name="parsed",
        ins={"resolved": AssetIn(raw_name(source))},
        description=f"{source.edition} parsed with layout {source.layout}"
        + (f": the warehouse table `{table}`." if table else "."),
    )
    def _parse(context: AssetExecutionContext, resolved: ResolvedSource):
        parsed, frame, extra = _parsed(source, resolved)
        if table:
            parsed = frame = resource(table).conform(frame, where=source.filename)
        context.log.info(f"{len(frame):,} rows")
        return Output(parsed, metadata={"rows": len(frame), "preview": markdown(frame), **extra})

    return _parse


def _parsed(source: Source, resolved: ResolvedSource) -> tuple[object, pd.DataFrame, dict]:
    """The parsed value, the frame to show in the UI, and extra metadata."""
    if parse.is_itu_aggregates(source):
        parsed = parse.parse_edition(resolved)
        extra = {
            "sheet_repeats": len(parsed.duplicate_cells),
            "blocks": markdown(parsed.block_rows, 60),
        }
        return parsed, parsed.observations, extra
    if parse.is_country_observations(source):
        frame = parse.parse_country_source(resolved)
        return frame, frame, {"economies_or_groups": int(frame["entity_name"].nunique())}
    parsed = parse.parse_reference(resolved)
    frame = parsed if isinstance(parsed, pd.DataFrame) else next(iter(parsed.values()))
    return parsed, frame, {}
