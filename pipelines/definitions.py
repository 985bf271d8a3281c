"""The ictstats Dagster code location.

Assets are grouped by layer: `sources` (one verified file per manifest entry) -> `parsed` (one
ITU aggregates edition each) -> `validated` (the canonical observations, with blocking and
warning asset checks) -> `warehouse` (Parquet + DuckDB). The manifest is read when the code
location loads, so `ictstats sources add` adds assets without a code change.
"""

from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetIn,
    AssetsDefinition,
    Definitions,
    MetadataValue,
    Output,
    asset,
    asset_check,
    in_process_executor,
)

from ictstats import build, schemas
from ictstats.errors import ValidationError
from ictstats.settings import Settings
from ictstats.sources import ResolvedSource, Source, load_manifest, resolve
from pipelines.run import progress_console


def _asset_name(prefix: str, text: str) -> str:
    return prefix + "".join(ch if ch.isalnum() else "_" for ch in text)


def _markdown(frame, rows: int = 10) -> MetadataValue:
    return MetadataValue.md(frame.head(rows).to_markdown(index=False) if len(frame) else "(none)")


def source_asset(source: Source, settings: Settings) -> AssetsDefinition:
    @asset(
        name=_asset_name("raw_", source.id),
        group_name="sources",
        description=f"{source.title} ({source.publisher}), verified against the manifest.",
        metadata={"edition": source.edition, "layout": source.layout, "url": source.url},
    )
    def _resolve(context: AssetExecutionContext) -> Output[ResolvedSource]:
        resolved = resolve(source, settings.raw_dir, settings.mirror_dir)
        context.log.info(f"{resolved.origin} -> data/raw/{resolved.path.name}, SHA-256 verified")
        return Output(
            resolved,
            metadata={
                "sha256": resolved.sha256,
                "bytes": resolved.size,
                "origin": resolved.origin,
                "known_copy": resolved.copy_note,
            },
        )

    return _resolve


def parsed_asset(source: Source) -> AssetsDefinition:
    @asset(
        name=_asset_name("parsed_", source.edition),
        group_name="parsed",
        ins={"resolved": AssetIn(_asset_name("raw_", source.id))},
        description=f"Every value of the {source.edition} ITU aggregates workbook, by layout "
        f"{source.layout}; checked against the raw-layout schema.",
    )
    def _parse(context: AssetExecutionContext, resolved: ResolvedSource):
        parsed = build.parse_edition(resolved)
        obs = parsed.observations
        context.log.info(
            f"{len(obs):,} observations, {len(parsed.duplicate_cells):,} sheet repeats"
        )
        return Output(
            parsed,
            metadata={
                "observations": len(obs),
                "sheet_repeats": len(parsed.duplicate_cells),
                "blocks": _markdown(parsed.block_rows, rows=60),
                "version_note": " | ".join(parsed.version_notes),
                "preview": _markdown(obs[schemas.OBSERVATION_COLUMNS]),
            },
        )

    return _parse


def _warning_check(target, name: str, description: str, find) -> AssetChecksDefinition:
    """A non-blocking check: passes when `find` returns no rows, else warns with the table."""

    @asset_check(asset=target, name=name, description=description)
    def _check(core_itu__aggregate_observations) -> AssetCheckResult:
        found = find(core_itu__aggregate_observations)
        return AssetCheckResult(
            passed=found.empty,
            severity=AssetCheckSeverity.WARN,
            metadata={"findings": len(found), "table": _markdown(found, rows=40)},
        )

    return _check


def build_definitions(settings: Settings) -> Definitions:
    """All assets and checks for one manifest and one set of folders."""
    manifest = load_manifest(settings.manifest)
    itu_sources = [s for s in manifest.values() if build.is_itu_aggregates(s)]

    @asset(
        group_name="validated",
        ins={
            _asset_name("p_", s.edition): AssetIn(_asset_name("parsed_", s.edition))
            for s in itu_sources
        },
        description="All ITU aggregates editions in the canonical observation schema.",
    )
    def core_itu__aggregate_observations(context: AssetExecutionContext, **parsed):
        combined = build.combine_editions(parsed.values())
        rows = combined.observations.groupby("edition").size()
        context.log.info(
            "observations per edition: " + ", ".join(f"{k} {v:,}" for k, v in rows.items())
        )
        return Output(
            combined,
            metadata={
                "observations": len(combined.observations),
                "rows_by_edition": MetadataValue.json({k: int(v) for k, v in rows.items()}),
                "preview": _markdown(combined.observations),
            },
        )

    @asset_check(
        asset=core_itu__aggregate_observations,
        blocking=True,
        description="pandera schema: types, code lists, ranges by unit, unique key.",
    )
    def observations_schema(core_itu__aggregate_observations) -> AssetCheckResult:
        try:
            schemas.validate(core_itu__aggregate_observations.observations)
        except ValidationError as exc:
            return AssetCheckResult(
                passed=False,
                severity=AssetCheckSeverity.ERROR,
                metadata={"failures": exc.failures, "report": MetadataValue.md(exc.report)},
            )
        return AssetCheckResult(passed=True)

    warning_checks = [
        _warning_check(
            core_itu__aggregate_observations,
            "totals_within_breakdown",
            "Warning: a total outside its female/male or urban/rural range.",
            lambda c: schemas.totals_outside_breakdown(c.observations, c.sheet_repeats),
        ),
        _warning_check(
            core_itu__aggregate_observations,
            "sheet_repeats_agree",
            "Warning: a breakdown sheet's Total differs from the first sheet's value.",
            lambda c: schemas.repeat_disagreements(c.sheet_repeats),
        ),
        _warning_check(
            core_itu__aggregate_observations,
            "accepted_publisher_values",
            "Warning: publisher values kept as printed although they break a hard rule.",
            lambda c: schemas.accepted_values_in_use(c.observations),
        ),
    ]

    @asset(
        group_name="warehouse",
        ins={
            "aggregates": AssetIn("core_itu__aggregate_observations"),
            **{
                _asset_name("r_", s.id): AssetIn(_asset_name("raw_", s.id))
                for s in manifest.values()
            },
        },
        description="Parquet build (stored truth) and the DuckDB warehouse rebuilt from it.",
    )
    def out_ictstats__warehouse(context: AssetExecutionContext, aggregates, **resolved):
        by_id = {item.source.id: item for item in resolved.values()}
        summary = build.publish(settings.curated_dir, aggregates, by_id)
        context.log.info(f"{summary.database} rebuilt from {summary.parquet_build.name}")
        return Output(
            str(summary.database),
            metadata={
                "database": str(summary.database),
                "parquet_build": str(summary.parquet_build),
                "rows_by_edition": MetadataValue.json(summary.rows_by_edition),
            },
        )

    return Definitions(
        assets=[
            *(source_asset(s, settings) for s in manifest.values()),
            *(parsed_asset(s) for s in itu_sources),
            core_itu__aggregate_observations,
            out_ictstats__warehouse,
        ],
        asset_checks=[observations_schema, *warning_checks],
        executor=in_process_executor,
        loggers={"progress": progress_console},
    )


defs = build_definitions(Settings.from_env())
