"""The ictstats Dagster code location: the assets of `pipelines.assets`, the checks of
`pipelines.checks`, for one manifest and one set of folders.

Groups follow the stages: `sources` (one verified file per manifest entry), `parsed` (one asset
per parsed edition; the reference tables `income_classifications` and `population`),
`transform` (entities, observations, sheet repeats, editions), `analysis` (recomputed
aggregates and their reconciliation, revisions, edition changes, claim checks), `publish` (the
staged warehouse, its reports and charts, and the one swap that makes them current). The
manifest is read when the code location loads, so `ictstats sources add` adds assets without a
code change.
"""

from dagster import Definitions, in_process_executor

from ictstats.errors import SourceError
from ictstats.extract import parse
from ictstats.metadata import tables
from ictstats.settings import Settings
from ictstats.sources.manifest import load_manifest
from pipelines import checks
from pipelines.assets import analysis, publish, sources, transform
from pipelines.terminal import progress_console


def build_definitions(settings: Settings) -> Definitions:
    """All assets and checks for one manifest and one set of folders."""
    manifest = load_manifest(settings.manifest)
    to_parse = parse.parsed_sources(manifest.values(), settings.manifest.name)
    reference = {s.layout: s for s in to_parse if parse.is_reference(s)}
    missing = sorted(set(parse.REFERENCE_PARSERS) - set(reference))
    if missing:
        raise SourceError(
            f"{settings.manifest.name} lacks sources with layout(s) {missing}; the entities, "
            "country observations and recomputed aggregates need them"
        )
    itu = [s for s in to_parse if parse.is_itu_aggregates(s)]
    country = [s for s in to_parse if parse.is_country_observations(s)]
    assets = [
        *(sources.source_asset(s, settings) for s in manifest.values()),
        *(sources.parsed_asset(s) for s in to_parse),
        transform.entity_assets(reference),
        transform.observation_assets(itu, country, list(manifest.values())),
        analysis.recompute_assets(reference["wb_oghist"].filename),
        analysis.revisions_table,
        analysis.edition_changes_table,
        analysis.claim_checks_asset(settings, manifest),
        publish.warehouse_asset(settings, manifest),
        publish.claims_report_asset,
        publish.charts_asset(settings),
        publish.publish_asset(settings),
    ]
    made_here = publish.MADE_BY_WAREHOUSE
    return Definitions(
        assets=assets,
        asset_checks=[
            *(checks.schema_check(t.name) for t in tables() if t.name not in made_here),
            *checks.warning_checks(),
        ],
        executor=in_process_executor,
        loggers={"progress": progress_console},
    )


defs = build_definitions(Settings.from_env())
