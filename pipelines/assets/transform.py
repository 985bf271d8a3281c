"""Stage 3: the entities, and the canonical observations of every source with their editions."""

import pandas as pd
from dagster import AssetExecutionContext, AssetIn, AssetOut, Output, multi_asset

from ictstats.metadata import resource
from ictstats.sources.manifest import Source
from ictstats.transform import canonical
from ictstats.warehouse.editions import editions_table
from pipelines.assets import asset_name, counts, markdown, table_metadata
from pipelines.assets.sources import parsed_name, raw_name


def _out(table: str) -> AssetOut:
    return AssetOut(group_name="transform", description=resource(table).description)


def entity_assets(reference: dict[str, Source]):
    @multi_asset(
        outs={
            "entities": _out("entities"),
            "economies": _out("economies"),
            "entity_resolver": AssetOut(
                group_name="transform",
                description="Resolves every publisher's names and codes to entity codes.",
            ),
        },
        ins={
            "m49": AssetIn(parsed_name(reference["un_m49_csv"])),
            "country_codes": AssetIn(parsed_name(reference["datahub_country_codes"])),
            "wb_class": AssetIn(parsed_name(reference["wb_class"])),
        },
    )
    def entity_tables(context: AssetExecutionContext, m49, country_codes, wb_class):
        files = {k: reference[layout].filename for k, layout in _REFERENCE_FILES.items()}
        found = canonical.build_entities(m49, country_codes, wb_class, files)
        kinds = found.table.groupby("kind").size()
        context.log.info(", ".join(f"{v} {k}" for k, v in kinds.items()))
        yield Output(resource("entities").conform(found.table), "entities")
        economies = resource("economies").conform(found.economies)
        yield Output(economies, "economies", metadata=table_metadata(economies))
        yield Output(found.resolver, "entity_resolver")

    return entity_tables


_REFERENCE_FILES = {
    "m49": "un_m49_csv",
    "country_codes": "datahub_country_codes",
    "wb_class": "wb_class",
}


def observation_assets(itu: list[Source], country: list[Source], every: list[Source]):
    """`observations`, `sheet_repeats` and `editions` in one step: all three come from the
    same parsed files, and `editions` counts the observations of each."""

    @multi_asset(
        outs={n: _out(n) for n in ("observations", "sheet_repeats", "editions")},
        ins={
            "resolver": AssetIn("entity_resolver"),
            **{asset_name("p_", s.id): AssetIn(parsed_name(s)) for s in itu},
            **{asset_name("c_", s.id): AssetIn(parsed_name(s)) for s in country},
            **{asset_name("r_", s.id): AssetIn(raw_name(s)) for s in every},
        },
    )
    def observation_tables(context: AssetExecutionContext, resolver, **inputs):
        parsed = [v for k, v in inputs.items() if k.startswith("p_")]
        combined = canonical.combine_editions(parsed)
        country_frames = [v for k, v in inputs.items() if k.startswith("c_")]
        observations = pd.concat(
            [combined.observations, canonical.harmonise(country_frames, resolver)],
            ignore_index=True,
        )
        observations = resource("observations").conform(observations)
        context.log.info(f"{len(observations):,} observations, every name and code resolved")
        yield Output(
            observations,
            "observations",
            metadata={"rows": len(observations), "rows_by_edition": counts(observations)},
        )
        yield Output(resource("sheet_repeats").conform(combined.sheet_repeats), "sheet_repeats")
        resolved = {v.source.id: v for k, v in inputs.items() if k.startswith("r_")}
        rows = observations.groupby("edition").size().to_dict()
        editions = editions_table(resolved, combined.version_notes, rows)
        editions = resource("editions").conform(editions)
        yield Output(editions, "editions", metadata={"preview": markdown(editions, 30)})

    return observation_tables
