"""The ictstats Dagster code location.

Assets are grouped by layer:
- `sources`: one verified file per manifest entry;
- `parsed`: one asset per edition (ITU aggregates workbooks, country-level value files,
  reference tables);
- `entities`: the economies dimension and the name/code resolver;
- `validated`: canonical ITU aggregates and country-level observations, with blocking schema
  checks and warning checks;
- `derived`: recomputed aggregates, their reconciliation with ITU's, revisions between editions;
- `claims`: the claims register checked against the data, and its report;
- `warehouse`: the Parquet build and the DuckDB file, staged; then `publish` makes the whole
  build (with its reports and charts) current in one swap;
- `charts`: PNG and SVG charts read from the staged build.
The manifest is read when the code location loads, so `ictstats sources add` adds assets without
a code change.
"""

from pathlib import Path

import duckdb
import pandas as pd
import yaml
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

from ictstats.analysis import claims, edition_changes, recompute, revisions
from ictstats.errors import SourceError, ValidationError
from ictstats.extract import parse
from ictstats.publish import charts, claims_report
from ictstats.settings import Settings
from ictstats.sources.manifest import ResolvedSource, Source, load_manifest, resolve
from ictstats.transform import canonical, schemas, sheet_repeats
from ictstats.warehouse import builds, editions, stage
from ictstats.warehouse.locking import project_lock
from pipelines.run import progress_console


def _asset_name(prefix: str, text: str) -> str:
    return prefix + "".join(ch if ch.isalnum() else "_" for ch in text)


def _raw(source: Source) -> str:
    return _asset_name("raw_", source.id)


def _parsed(source: Source) -> str:
    return _asset_name("parsed_", source.edition)


def _markdown(frame: pd.DataFrame, rows: int = 10) -> MetadataValue:
    return MetadataValue.md(frame.head(rows).to_markdown(index=False) if len(frame) else "(none)")


def _counts(frame: pd.DataFrame, column: str = "edition") -> MetadataValue:
    return MetadataValue.json({str(k): int(v) for k, v in frame.groupby(column).size().items()})


def _observations_metadata(obs: pd.DataFrame) -> dict:
    return {"observations": len(obs), "rows_by_edition": _counts(obs), "preview": _markdown(obs)}


def source_asset(source: Source, settings: Settings) -> AssetsDefinition:
    @asset(
        name=_raw(source),
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

    @asset(
        name=_parsed(source),
        group_name="parsed",
        ins={"resolved": AssetIn(_raw(source))},
        description=f"{source.edition} parsed with layout {source.layout}.",
    )
    def _parse(context: AssetExecutionContext, resolved: ResolvedSource):
        if parse.is_itu_aggregates(source):
            parsed = parse.parse_edition(resolved)
            frame, extra = (
                parsed.observations,
                {
                    "sheet_repeats": len(parsed.duplicate_cells),
                    "blocks": _markdown(parsed.block_rows, 60),
                },
            )
        elif parse.is_country_observations(source):
            parsed = frame = parse.parse_country_source(resolved)
            extra = {"economies_or_groups": int(frame["entity_name"].nunique())}
        else:
            parsed = parse.parse_reference(resolved)
            frame = parsed if isinstance(parsed, pd.DataFrame) else next(iter(parsed.values()))
            extra = {}
        context.log.info(f"{len(frame):,} rows")
        return Output(parsed, metadata={"rows": len(frame), "preview": _markdown(frame), **extra})

    return _parse


def _schema_check(target, name: str, frame_of) -> AssetChecksDefinition:
    """Blocking: the pandera schema of the canonical observations."""

    @asset_check(
        asset=target,
        name=name,
        blocking=True,
        description="pandera schema: types, code lists, ranges by unit, unique key.",
    )
    def _check(value) -> AssetCheckResult:
        try:
            schemas.validate(frame_of(value))
        except ValidationError as exc:
            return AssetCheckResult(
                passed=False,
                severity=AssetCheckSeverity.ERROR,
                metadata={"failures": exc.failures, "report": MetadataValue.md(exc.report)},
            )
        return AssetCheckResult(passed=True)

    return _check


def _warning_check(target, name: str, description: str, find) -> AssetChecksDefinition:
    """Non-blocking: passes when `find` returns no rows, else warns with the table."""

    @asset_check(asset=target, name=name, description=description)
    def _check(value) -> AssetCheckResult:
        found = find(value)
        return AssetCheckResult(
            passed=found.empty,
            severity=AssetCheckSeverity.WARN,
            description=description,  # the terminal prints it beside the count
            metadata={"findings": len(found), "table": _markdown(found, rows=40)},
        )

    return _check


def _sheet_repeats_check(target) -> AssetChecksDefinition:
    """Warning: every breakdown-sheet repeat that differs from the published first-sheet cell,
    with both cells, in the result's description and metadata (no row limit)."""

    @asset_check(
        asset=target,
        name="sheet_repeats_agree",
        description="Warning: a breakdown sheet repeats a published (first-sheet) cell with "
        "another value; lists every pair of cells.",
    )
    def _check(value) -> AssetCheckResult:
        table = sheet_repeats.disagreements(value.sheet_repeats)
        text = sheet_repeats.describe(table)
        return AssetCheckResult(
            passed=table.empty,
            severity=AssetCheckSeverity.WARN,
            description=text,
            metadata={
                "findings": len(table),
                "by_edition": MetadataValue.json(
                    {str(k): int(v) for k, v in table.groupby("edition").size().items()}
                ),
                "table": MetadataValue.md(text),
                "disagreements": MetadataValue.json(sheet_repeats.records(table)),
            },
        )

    return _check


def _edition_changes_check(target) -> AssetChecksDefinition:
    """Warning: each edition against the previous edition of its dataset; the description
    carries the count and the first findings (sheet and cell), printed as it is."""

    @asset_check(
        asset=target,
        name="edition_changes",
        description="Warning: a key gone, a past year revised beyond the plausible bound or a "
        "female-male gap changing sign between an edition and the previous one of its dataset.",
    )
    def _check(table) -> AssetCheckResult:
        counts = table.groupby("change").size() if len(table) else pd.Series(dtype=int)
        return AssetCheckResult(
            passed=table.empty,
            severity=AssetCheckSeverity.WARN,
            description=edition_changes.describe(table),
            metadata={
                "findings": len(table),
                "by_change": MetadataValue.json({str(k): int(v) for k, v in counts.items()}),
                # the terminal prints the first rows: the serious, newest ones
                "table": _markdown(edition_changes.most_serious_first(table), rows=40),
            },
        )

    return _check


def build_definitions(settings: Settings) -> Definitions:
    """All assets and checks for one manifest and one set of folders."""
    manifest = load_manifest(settings.manifest)
    to_parse = parse.parsed_sources(manifest.values(), settings.manifest.name)
    itu = [s for s in to_parse if parse.is_itu_aggregates(s)]
    country = [s for s in to_parse if parse.is_country_observations(s)]
    reference = {s.layout: s for s in to_parse if parse.is_reference(s)}
    missing = sorted(set(parse.REFERENCE_PARSERS) - set(reference))
    if missing:
        raise SourceError(
            f"{settings.manifest.name} lacks sources with layout(s) {missing}; the entities, "
            "country observations and recomputed aggregates need them"
        )
    edition_dates = {s.edition: s.edition_date for s in manifest.values()}
    # every edition with its dataset and date: what revisions and edition changes compare
    editions_by_dataset = pd.DataFrame(
        [
            {
                "id": s.edition,
                "dataset": editions.dataset_of(s.layout),
                "date": s.edition_date,
            }
            for s in manifest.values()
        ]
    )

    def ins(sources: list[Source], prefix: str) -> dict[str, AssetIn]:
        return {_asset_name(prefix, s.id): AssetIn(_parsed(s)) for s in sources}

    def ref(layout: str) -> AssetIn:
        return AssetIn(_parsed(reference[layout]))

    @asset(
        group_name="validated",
        ins=ins(itu, "p_"),
        description="All ITU aggregates editions in the canonical observation schema.",
    )
    def core_itu__aggregate_observations(context: AssetExecutionContext, **parsed):
        combined = canonical.combine_editions(parsed.values())
        obs = combined.observations
        context.log.info(f"{len(obs):,} observations in {obs['edition'].nunique()} editions")
        return Output(combined, metadata=_observations_metadata(obs))

    @asset(
        group_name="entities",
        ins={
            "m49": ref("un_m49_csv"),
            "country_codes": ref("datahub_country_codes"),
            "wb_class": ref("wb_class"),
        },
        description="Economies (ISO3, M49, ITU code, regions, LDC/LLDC/SIDS), groups and World "
        "Bank aggregates; the resolver for every publisher's names and codes.",
    )
    def core_entities(context: AssetExecutionContext, m49, country_codes, wb_class):
        files = {
            "m49": reference["un_m49_csv"].filename,
            "country_codes": reference["datahub_country_codes"].filename,
            "wb_class": reference["wb_class"].filename,
        }
        found = canonical.build_entities(m49, country_codes, wb_class, files)
        kinds = found.table.groupby("kind").size()
        context.log.info(", ".join(f"{v} {k}" for k, v in kinds.items()))
        return Output(
            found, metadata={"entities": len(found.table), "economies": _markdown(found.economies)}
        )

    @asset(
        group_name="validated",
        ins={"found": AssetIn("core_entities"), **ins(country, "c_")},
        description="Country-level values of every source, keyed by ISO3 (or group code).",
    )
    def core_country__observations(context: AssetExecutionContext, found, **frames):
        obs = canonical.harmonise(frames.values(), found.resolver)
        context.log.info(f"{len(obs):,} observations, every name and code resolved")
        return Output(obs, metadata=_observations_metadata(obs))

    @asset(
        group_name="derived",
        ins={
            "obs": AssetIn("core_country__observations"),
            "found": AssetIn("core_entities"),
            "oghist": ref("wb_oghist"),
            "population": ref("datahub_population_long"),
        },
        description="Population-weighted World, income-group and LDC/LLDC/SIDS aggregates "
        "recomputed from country data, with coverage, imputation and the classification used.",
    )
    def out_ictstats__recomputed_aggregates(
        context: AssetExecutionContext, obs, found, oghist, population
    ):
        result = recompute.recompute_all(
            obs,
            edition_dates,
            found.economies,
            oghist,
            population,
            oghist_file=reference["wb_oghist"].filename,
        )
        rows = result.aggregates
        context.log.info(f"{len(rows):,} recomputed group-years")
        return Output(result, metadata={"rows": len(rows), "preview": _markdown(rows)})

    @asset(
        group_name="derived",
        ins={
            "itu_obs": AssetIn("core_itu__aggregate_observations"),
            "recomputed": AssetIn("out_ictstats__recomputed_aggregates"),
        },
        description="Published vs recomputed aggregates, with the coverage behind each.",
    )
    def out_ictstats__aggregate_reconciliation(context: AssetExecutionContext, itu_obs, recomputed):
        table = recompute.reconciliation(itu_obs.observations, recomputed, edition_dates)
        world_4g = table.query(
            "series == 'coverage_4g' and entity == 'WLD' and sex == '_T' "
            "and area == '_T' and year in (2023, 2024)"
        )
        return Output(table, metadata={"rows": len(table), "world_4g": _markdown(world_4g)})

    @asset(
        group_name="derived",
        ins={
            "itu_obs": AssetIn("core_itu__aggregate_observations"),
            "country_obs": AssetIn("core_country__observations"),
        },
        description="Every key present in two or more editions of one dataset, with revisions.",
    )
    def out_ictstats__revisions(context: AssetExecutionContext, itu_obs, country_obs):
        observations = pd.concat([itu_obs.observations, country_obs], ignore_index=True)
        table = revisions.revisions(observations, editions_by_dataset)
        return Output(table, metadata={"rows": len(table), "preview": _markdown(table)})

    @asset(
        group_name="derived",
        ins={
            "itu_obs": AssetIn("core_itu__aggregate_observations"),
            "country_obs": AssetIn("core_country__observations"),
        },
        description="Each edition against the previous edition of its dataset: keys gone, past "
        "years revised beyond the plausible bound, female-male gaps changing sign.",
    )
    def out_ictstats__edition_changes(context: AssetExecutionContext, itu_obs, country_obs):
        observations = pd.concat([itu_obs.observations, country_obs], ignore_index=True)
        table = edition_changes.edition_changes(observations, editions_by_dataset)
        context.log.info(f"{len(table):,} changes between editions to confirm")
        return Output(table, metadata={"rows": len(table), "preview": _markdown(table)})

    secondary = {s.edition for s in manifest.values() if s.secondary}

    @asset(
        group_name="claims",
        ins={
            "itu_obs": AssetIn("core_itu__aggregate_observations"),
            "country_obs": AssetIn("core_country__observations"),
            "found": AssetIn("core_entities"),
            "recomputed": AssetIn("out_ictstats__recomputed_aggregates"),
        },
        description="Every figure of the claims register (data/claims.yaml) judged on the "
        "edition its text relied on, with every other edition or source beside it.",
    )
    def out_ictstats__claim_checks(
        context: AssetExecutionContext, itu_obs, country_obs, found, recomputed
    ):
        observations = pd.concat([itu_obs.observations, country_obs], ignore_index=True)
        rows = recomputed.aggregates
        facts = claims.facts_frame(observations, rows[rows["value"].notna()], secondary)
        economies = set(found.economies["code"])
        register = claims.load_register(settings.claims, claims.editions_from_manifest(manifest))
        checks = claims.check_claims(register, facts, economies)
        verdicts = claims.summary(checks)["verdict"].value_counts()
        context.log.info(", ".join(f"{v} {k}" for k, v in verdicts.items()))
        return Output(
            checks, metadata={"rows": len(checks), "summary": _markdown(claims.summary(checks), 30)}
        )

    @asset(
        group_name="warehouse",
        ins={
            "itu_obs": AssetIn("core_itu__aggregate_observations"),
            "country_obs": AssetIn("core_country__observations"),
            "found": AssetIn("core_entities"),
            "oghist": ref("wb_oghist"),
            "population": ref("datahub_population_long"),
            "recomputed": AssetIn("out_ictstats__recomputed_aggregates"),
            "reconciliation": AssetIn("out_ictstats__aggregate_reconciliation"),
            "revision_table": AssetIn("out_ictstats__revisions"),
            "claim_checks": AssetIn("out_ictstats__claim_checks"),
            "changes": AssetIn("out_ictstats__edition_changes"),
            **{_asset_name("r_", s.id): AssetIn(_raw(s)) for s in manifest.values()},
        },
        description="Parquet (stored truth) and the DuckDB file rebuilt from it, written into a "
        "new build folder that `out_ictstats__publish` makes current.",
    )
    def out_ictstats__warehouse(
        context: AssetExecutionContext,
        itu_obs,
        country_obs,
        found,
        oghist,
        population,
        recomputed,
        reconciliation,
        revision_table,
        claim_checks,
        changes,
        **resolved,
    ):
        observations = pd.concat([itu_obs.observations, country_obs], ignore_index=True)
        tables = {
            "entities": found.table,
            "economies": found.economies,
            "income_classifications": oghist,
            "population": population,
            "sheet_repeats": itu_obs.sheet_repeats,
            "recomputed_aggregates": recomputed.aggregates,
            "recomputed_economy_values": recomputed.economy_values,
            "aggregate_reconciliation": reconciliation,
            "revisions": revision_table,
            "claim_checks": claim_checks,
            "edition_changes": changes,
        }
        by_id = {item.source.id: item for item in resolved.values()}
        staging = builds.start_build(settings.curated_dir)
        summary = stage.stage_warehouse(staging, observations, by_id, itu_obs.version_notes, tables)
        context.log.info(f"Parquet and DuckDB written into {staging.name} (not yet published)")
        return Output(
            str(staging),
            metadata={
                "staging": str(staging),
                "rows_by_edition": MetadataValue.json(summary.rows_by_edition),
            },
        )

    @asset(
        group_name="claims",
        ins={
            "checks": AssetIn("out_ictstats__claim_checks"),
            "changes": AssetIn("out_ictstats__edition_changes"),
            "staging": AssetIn("out_ictstats__warehouse"),
        },
        description="claims.md and claims.html in the build's reports/ folder "
        "(data/curated/reports/ once published).",
    )
    def out_ictstats__claims_report(context: AssetExecutionContext, checks, changes, staging):
        footer = (
            "Built by ictstats from the editions listed in the warehouse table `editions`. "
            + edition_changes.headline(changes)
        )
        with stage.writing_build(Path(staging), "the claims reports"):
            paths = claims_report.write_reports(
                Path(staging) / "reports", claims.summary(checks), checks, footer
            )
        return Output([p.name for p in paths], metadata={"files": [p.name for p in paths]})

    @asset(
        group_name="charts",
        ins={"staging": AssetIn("out_ictstats__warehouse")},
        description="Charts (PNG and SVG) of the cited figures beside the data, read from the "
        "build's DuckDB file; byte-identical on re-run.",
    )
    def out_ictstats__charts(context: AssetExecutionContext, staging):
        register = yaml.safe_load(settings.claims.read_text("utf-8"))["claims"]
        folder = Path(staging)
        with stage.writing_build(folder, "the charts"):
            con = duckdb.connect(str(folder / "ictstats.duckdb"), read_only=True)
            try:
                paths = charts.render_all(con, register, folder / "charts")
            finally:
                con.close()
        context.log.info(f"{len(paths)} chart files")
        return Output([p.name for p in paths], metadata={"files": len(paths)})

    @asset(
        group_name="warehouse",
        ins={
            "staging": AssetIn("out_ictstats__warehouse"),
            "reports": AssetIn("out_ictstats__claims_report"),
            "chart_files": AssetIn("out_ictstats__charts"),
        },
        description="Makes the build current: one atomic swap of data/curated/current to the "
        "build folder, after every output is written and every check passed.",
    )
    def out_ictstats__publish(context: AssetExecutionContext, staging, reports, chart_files):
        with project_lock(settings.curated_dir):  # held already when run by `ictstats run`
            done = builds.promote(settings.curated_dir, Path(staging))
        context.log.info(f"{settings.warehouse} now serves build {done.name}")
        return Output(str(done), metadata={"build": done.name})

    itu_target = core_itu__aggregate_observations
    checks = [
        _schema_check(itu_target, "observations_schema", lambda c: c.observations),
        _schema_check(core_country__observations, "country_observations_schema", lambda f: f),
        _warning_check(
            itu_target,
            "totals_within_breakdown",
            "Warning: a total outside its female/male or urban/rural range.",
            lambda c: schemas.totals_outside_breakdown(c.observations, c.sheet_repeats),
        ),
        _sheet_repeats_check(itu_target),
        _edition_changes_check(out_ictstats__edition_changes),
        _warning_check(
            itu_target,
            "accepted_publisher_values",
            "Warning: publisher values kept as printed although they break a hard rule.",
            lambda c: schemas.accepted_values_in_use(c.observations),
        ),
        _warning_check(
            core_country__observations,
            "country_accepted_publisher_values",
            "Warning: publisher values kept as printed although they break a hard rule.",
            schemas.accepted_values_in_use,
        ),
    ]
    return Definitions(
        assets=[
            *(source_asset(s, settings) for s in manifest.values()),
            *(parsed_asset(s) for s in to_parse),
            core_itu__aggregate_observations,
            core_entities,
            core_country__observations,
            out_ictstats__recomputed_aggregates,
            out_ictstats__aggregate_reconciliation,
            out_ictstats__revisions,
            out_ictstats__edition_changes,
            out_ictstats__claim_checks,
            out_ictstats__claims_report,
            out_ictstats__warehouse,
            out_ictstats__charts,
            out_ictstats__publish,
        ],
        asset_checks=checks,
        executor=in_process_executor,
        loggers={"progress": progress_console},
    )


defs = build_definitions(Settings.from_env())
