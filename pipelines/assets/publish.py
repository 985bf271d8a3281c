"""Stages 5-6: the build written into its staging folder, its reports and charts, then published
(made current) in one swap once every part is written and every check passed."""

from pathlib import Path

import duckdb
import yaml
from dagster import AssetExecutionContext, AssetIn, MetadataValue, Output, asset

from ictstats.analysis import claims, edition_changes
from ictstats.metadata import tables
from ictstats.publish import charts, claims_report
from ictstats.settings import Settings
from ictstats.sources.manifest import Source
from ictstats.warehouse import builds, stage
from ictstats.warehouse.locking import project_lock
from pipelines.assets import asset_name
from pipelines.assets.sources import raw_name

# Tables made in the warehouse step itself, from the code lists declared in ictstats.metadata.
MADE_BY_WAREHOUSE = {"series", "units", "codes"}


def warehouse_asset(settings: Settings, manifest: dict[str, Source]):
    table_names = [t.name for t in tables() if t.name not in MADE_BY_WAREHOUSE]

    @asset(
        name="warehouse",
        group_name="publish",
        ins={
            **{name: AssetIn(name) for name in table_names},
            **{asset_name("r_", s.id): AssetIn(raw_name(s)) for s in manifest.values()},
        },
        description="Parquet (stored truth) and the DuckDB file rebuilt from it, written into a "
        "new build folder that `publish` makes current.",
    )
    def _warehouse(context: AssetExecutionContext, **inputs):
        every = {name: inputs[name] for name in table_names}
        resolved = {v.source.id: v for k, v in inputs.items() if k.startswith("r_")}
        staging = builds.start_build(settings.curated_dir)
        summary = stage.stage_warehouse(staging, every, resolved)
        context.log.info(f"Parquet and DuckDB written into {staging.name} (not yet published)")
        return Output(
            str(staging),
            metadata={
                "staging": str(staging),
                "rows_by_edition": MetadataValue.json(summary.rows_by_edition),
            },
        )

    return _warehouse


@asset(
    name="claims_report",
    group_name="publish",
    ins={
        "checks": AssetIn("claim_checks"),
        "changes": AssetIn("edition_changes"),
        "staging": AssetIn("warehouse"),
    },
    description="claims.md and claims.html in the build's reports/ folder "
    "(data/curated/reports/ once published).",
)
def claims_report_asset(checks, changes, staging) -> Output:
    footer = (
        "Built by ictstats from the editions listed in the warehouse table `editions`. "
        + edition_changes.headline(changes)
    )
    with stage.writing_build(Path(staging), "the claims reports"):
        paths = claims_report.write_reports(
            Path(staging) / "reports", claims.summary(checks), checks, footer
        )
    return Output([p.name for p in paths], metadata={"files": [p.name for p in paths]})


def charts_asset(settings: Settings):
    @asset(
        name="charts",
        group_name="publish",
        ins={"staging": AssetIn("warehouse")},
        description="Charts (PNG and SVG) of the cited figures beside the data, read from the "
        "build's DuckDB file; byte-identical on re-run.",
    )
    def _charts(context: AssetExecutionContext, staging) -> Output:
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

    return _charts


def publish_asset(settings: Settings):
    @asset(
        name="publish",
        group_name="publish",
        ins={
            "staging": AssetIn("warehouse"),
            "reports": AssetIn("claims_report"),
            "chart_files": AssetIn("charts"),
        },
        description="Makes the build current: one atomic swap of data/curated/current to the "
        "build folder, after every output is written and every check passed.",
    )
    def _publish(context: AssetExecutionContext, staging, reports, chart_files) -> Output:
        with project_lock(settings.curated_dir):  # held already when run by `ictstats run`
            done = builds.promote(settings.curated_dir, Path(staging))
        context.log.info(f"{settings.warehouse} now serves build {done.name}")
        return Output(str(done), metadata={"build": done.name})

    return _publish
