"""Stage 4: recomputed aggregates and their reconciliation, revisions, edition changes, claims."""

import pandas as pd
from dagster import AssetExecutionContext, AssetIn, AssetOut, Output, asset, multi_asset

from ictstats.analysis import claims, edition_changes, recompute, reconciliation, revisions
from ictstats.metadata import resource
from ictstats.settings import Settings
from ictstats.sources.manifest import Source
from pipelines.assets import markdown, table_metadata


def _out(table: str) -> AssetOut:
    return AssetOut(group_name="analysis", description=resource(table).description)


def _dates(editions: pd.DataFrame) -> pd.DataFrame:
    """id, dataset, date (a calendar date) of every edition: what the comparisons need."""
    return editions[["id", "dataset"]].assign(date=editions["date"].dt.date)


def recompute_assets(oghist_file: str):
    @multi_asset(
        outs={
            n: _out(n)
            for n in (
                "recomputed_aggregates",
                "recomputed_economy_values",
                "aggregate_reconciliation",
            )
        },
        ins={
            "observations": AssetIn("observations"),
            "editions": AssetIn("editions"),
            "economies": AssetIn("economies"),
            "income_classifications": AssetIn("income_classifications"),
            "population": AssetIn("population"),
        },
    )
    def recomputed_tables(
        context: AssetExecutionContext,
        observations,
        editions,
        economies,
        income_classifications,
        population,
    ):
        dates = dict(_dates(editions)[["id", "date"]].itertuples(index=False))
        result = recompute.recompute_all(
            observations,
            dates,
            economies,
            income_classifications,
            population,
            oghist_file=oghist_file,
        )
        context.log.info(f"{len(result.aggregates):,} recomputed group-years")
        rows = resource("recomputed_aggregates").conform(result.aggregates)
        yield Output(rows, "recomputed_aggregates", metadata=table_metadata(rows))
        cells = resource("recomputed_economy_values").conform(result.economy_values)
        yield Output(cells, "recomputed_economy_values", metadata=table_metadata(cells))
        table = reconciliation.reconciliation(observations, result, dates)
        table = resource("aggregate_reconciliation").conform(table)
        yield Output(table, "aggregate_reconciliation", metadata=table_metadata(table))

    return recomputed_tables


@asset(
    name="revisions",
    group_name="analysis",
    ins={"observations": AssetIn("observations"), "editions": AssetIn("editions")},
    description=resource("revisions").description,
)
def revisions_table(observations, editions) -> Output:
    table = resource("revisions").conform(revisions.revisions(observations, _dates(editions)))
    return Output(table, metadata=table_metadata(table))


@asset(
    name="edition_changes",
    group_name="analysis",
    ins={"observations": AssetIn("observations"), "editions": AssetIn("editions")},
    description=resource("edition_changes").description,
)
def edition_changes_table(context: AssetExecutionContext, observations, editions) -> Output:
    table = edition_changes.edition_changes(observations, _dates(editions))
    context.log.info(f"{len(table):,} changes between editions to confirm")
    table = resource("edition_changes").conform(table)
    return Output(table, metadata=table_metadata(table))


def claim_checks_asset(settings: Settings, manifest: dict[str, Source]):
    secondary = {s.edition for s in manifest.values() if s.secondary}

    @asset(
        name="claim_checks",
        group_name="analysis",
        ins={
            "observations": AssetIn("observations"),
            "economies": AssetIn("economies"),
            "recomputed": AssetIn("recomputed_aggregates"),
        },
        description=resource("claim_checks").description,
    )
    def claim_checks_table(context: AssetExecutionContext, observations, economies, recomputed):
        facts = claims.facts_frame(observations, recomputed[recomputed["value"].notna()], secondary)
        register = claims.load_register(settings.claims, claims.editions_from_manifest(manifest))
        checks = claims.check_claims(register, facts, set(economies["code"]))
        summary = claims.summary(checks)
        context.log.info(
            ", ".join(f"{v} {k}" for k, v in summary["verdict"].value_counts().items())
        )
        checks = resource("claim_checks").conform(checks)
        return Output(checks, metadata={"rows": len(checks), "summary": markdown(summary, 30)})

    return claim_checks_table
