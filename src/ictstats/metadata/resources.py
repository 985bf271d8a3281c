"""Every table and view of the warehouse, declared once: its fields in order, keys, sources.

A resource lists its fields by name (declared in `fields.py`); an entry may be a pair
`(name, {overrides})` where the table gives the field a narrower meaning or makes it optional.
Fields are required (NOT NULL) unless marked `"nullable": True`. Parquet and DuckDB column order,
types, primary and foreign keys, column comments, the pandera schemas, the Dagster schema checks
and docs/data-dictionary.md are all derived from these entries.
"""

from __future__ import annotations

from ictstats.metadata.fields import FIELDS

# The observation key: one value per key within an edition. Unit is part of it: ITU publishes
# one indicator in two units (Internet users in percent and in millions).
KEY = ["series", "entity", "sex", "area", "age", "year", "unit"]
# The key of a group-level series without its unit (recomputed aggregates are all in percent).
BREAKDOWN = ["series", "entity", "sex", "area", "age", "year"]

NULLABLE = {"nullable": True}
OBSERVATION_FIELDS = [
    "edition",
    "source_id",
    "source_sha256",
    *KEY[:-1],
    "value",
    "unit",
    "obs_status",
    # a workbook cell (`<sheet>!<cell>`) or a CSV row (`row <n>`, possibly with more detail)
    ("source_location", {"constraints": {"pattern": r"^.+![A-Z]+[0-9]+$|^row [0-9]+(, .+)?$"}}),
]
_EDITION_FK = {"fields": ["edition"], "reference": {"resource": "editions", "fields": ["id"]}}
_SERIES_FK = {"fields": ["series"], "reference": {"resource": "series", "fields": ["id"]}}
_UNIT_FK = {"fields": ["unit"], "reference": {"resource": "units", "fields": ["id"]}}
_INPUT_EDITION_FK = {
    "fields": ["input_edition"],
    "reference": {"resource": "editions", "fields": ["id"]},
}
_ENTITY_FK = {"fields": ["entity"], "reference": {"resource": "entities", "fields": ["code"]}}
# A `series_dropped` row of edition_changes stands for a whole series: its entity and breakdowns
# are '' and its year 0 (a primary key cannot hold nulls).
_WHOLE_SERIES = " '' on a series_dropped row (the whole series)."


def _whole_series(name: str) -> tuple[str, dict]:
    spec = FIELDS[name]
    constraints = dict(spec.get("constraints", {}))
    if "enum" in constraints:
        constraints["enum"] = [*constraints["enum"], ""]
    if "pattern" in constraints:
        constraints["pattern"] = constraints["pattern"] + "|^$"
        constraints["rule"] = constraints.get("rule", "pattern") + ", or '' (whole series)"
    if name == "year":
        constraints["minimum"] = 0
        return name, {
            "constraints": constraints,
            "description": spec["description"] + " 0 on a series_dropped row (the whole series).",
        }
    return name, {"constraints": constraints, "description": spec["description"] + _WHOLE_SERIES}


_LATEST = "Latest view: one row per key (series, entity, sex, area, age, year, unit)."

RESOURCES: dict[str, dict] = {
    "observations": {
        "description": "One row per published value, every source, stored as published. "
        "Parquet: parquet/observations/edition=<edition>/data.parquet.",
        "fields": OBSERVATION_FIELDS,
        "primary_key": ["edition", *KEY],
        "foreign_keys": [_EDITION_FK, _SERIES_FK, _UNIT_FK, _ENTITY_FK],
        "sources": "every manifest source with observations (ITU, UN Statistics Division, "
        "World Bank, Our World in Data, third-party extract)",
        "partition_by": "edition",
    },
    "sheet_repeats": {
        "description": "ITU workbook cells repeated on a breakdown sheet, beside the published "
        "(first-sheet) cell of the same key: the cross-check of sheet_repeats_agree.",
        "fields": [
            *OBSERVATION_FIELDS,
            "sheet",
            "block_title",
            "entity_label",
            "breakdown_label",
            "unit_label",
            "unit_source",
            "value_published",
            "source_location_published",
        ],
        "primary_key": ["edition", "source_location"],
        "foreign_keys": [_EDITION_FK, _SERIES_FK, _UNIT_FK, _ENTITY_FK],
        "sources": "ITU Key ICT indicator aggregates workbooks",
    },
    "editions": {
        "description": "One row per manifest source: publisher, date and the exact bytes used.",
        "fields": [
            ("id", {"description": "Edition label (e.g. itu-agg-2025-11)."}),
            "publisher",
            "dataset",
            "title",
            ("date", {"description": "Publication date of the edition."}),
            "source_id",
            "source_file",
            "source_sha256",
            ("source_copy", NULLABLE),
            "url",
            "licence",
            "attribution",
            "version_note",
            "observations",
            ("latest_rank", NULLABLE),
            "same_day_rank",
        ],
        "primary_key": ["id"],
        "sources": "data/sources.yaml and the files it names",
    },
    "series": {
        "description": "The indicators (declared in ictstats.metadata.codes).",
        "fields": [
            ("id", {"description": "Series id."}),
            "itu_name",
            "definition",
            ("unit", {"description": "Headline unit of the series."}),
            "other_units",
        ],
        "primary_key": ["id"],
        "sources": "ictstats.metadata.codes",
    },
    "units": {
        "description": "Units of observation values.",
        "fields": [
            ("id", {"description": "Unit id."}),
            ("label", {"description": "What the unit means."}),
            "maximum",
        ],
        "primary_key": ["id"],
        "sources": "ictstats.metadata.codes",
    },
    "codes": {
        "description": "Code lists of the breakdown dimensions and of obs_status.",
        "fields": ["dimension", "code", ("label", {"description": "What the code means."})],
        "primary_key": ["dimension", "code"],
        "sources": "ictstats.metadata.codes",
    },
    "entities": {
        "description": "Every code that may appear in `entity`: economies, groups, other "
        "publishers' aggregates.",
        "fields": [
            ("code", {"description": "Entity code (as in observations.entity)."}),
            ("name", {"description": "Name."}),
            "kind",
        ],
        "primary_key": ["code"],
        "sources": "UN M49, DataHub country codes, World Bank CLASS, ictstats.metadata.codes",
    },
    "economies": {
        "description": "The economies dimension: codes, UN regions, LDC/LLDC/SIDS, World Bank "
        "region.",
        "fields": [
            ("code", {"description": "ISO 3166 alpha-3 code (or XKX, CHI, ASC, ANT)."}),
            ("name", {"description": "Name (UN M49, else World Bank)."}),
            ("m49", NULLABLE),
            ("iso2", NULLABLE),
            ("un_region", NULLABLE),
            ("un_sub_region", NULLABLE),
            "ldc",
            "lldc",
            "sids",
            ("itu_code", NULLABLE),
            ("is_independent", NULLABLE),
            ("wb_region", NULLABLE),
            ("note", {"nullable": True, "description": "Why a non-ISO code is kept."}),
            ("kind", {"description": "Always `economy`."}),
        ],
        "primary_key": ["code"],
        "sources": "UN M49, DataHub country codes, World Bank CLASS",
    },
    "income_classifications": {
        "description": "World Bank historical income classifications (OGHIST), one row per "
        "economy and fiscal year.",
        "fields": [
            "iso3",
            ("name", {"description": "Economy name as OGHIST prints it."}),
            "fiscal_year",
            "gni_year",
            ("income_group", NULLABLE),
            "flag",
            "former_economy",
            "source_location",
        ],
        "primary_key": ["iso3", "fiscal_year"],
        "sources": "World Bank OGHIST workbook",
    },
    "population": {
        "description": "Total population by economy and year, the weights of recomputed "
        "aggregates.",
        "fields": [
            ("code", {"description": "Economy or World Bank aggregate code, as published."}),
            ("name", {"description": "Name as published."}),
            "year",
            "population",
            "source_location",
        ],
        "primary_key": ["code", "year"],
        "sources": "World Bank SP.POP.TOTL (DataHub copy)",
    },
    "recomputed_aggregates": {
        "description": "World, income-group and LDC/LLDC/SIDS aggregates recomputed from "
        "country data, population-weighted, with coverage, imputation and the group list used.",
        "fields": [
            ("edition", {"description": "Label recomputed-<input>[-fy26|-ldc-2024-12]."}),
            "imputation",
            *BREAKDOWN,
            (
                "value",
                {
                    "nullable": True,
                    "description": "Recomputed value; null when no member reported (see note).",
                },
            ),
            ("unit", {"description": "Unit of value (that of the country values)."}),
            "economies_in_group",
            "economies_with_data",
            "economies_imputed",
            "group_population",
            "population_coverage",
            ("imputed_share", NULLABLE),
            "low_coverage",
            ("note", {"nullable": True, "description": "Why the value is null."}),
            "input_edition",
            ("income_classification", NULLABLE),
            "membership_tag",
            "membership",
            ("imputation_spread", NULLABLE),
        ],
        "primary_key": ["edition", "imputation", *BREAKDOWN],
        "foreign_keys": [_SERIES_FK, _ENTITY_FK, _INPUT_EDITION_FK],
        "sources": "observations (country values), population, income_classifications, economies",
    },
    "recomputed_economy_values": {
        "description": "Every economy value behind the recomputed aggregates and how it was "
        "obtained.",
        "fields": [
            "input_edition",
            "imputation",
            *BREAKDOWN,
            "value",
            "method",
            ("population", {"description": "Population weight of the economy that year."}),
        ],
        "primary_key": ["input_edition", "imputation", *BREAKDOWN],
        "foreign_keys": [_SERIES_FK, _ENTITY_FK, _INPUT_EDITION_FK],
        "sources": "observations (country values), population",
    },
    "aggregate_reconciliation": {
        "description": "Published aggregates against the recomputed ones, groups as they "
        "stood at each edition's date.",
        "fields": [
            *BREAKDOWN,
            "published_edition",
            "published_value",
            "recomputed_edition",
            "input_edition",
            ("recomputed_value", NULLABLE),
            (
                "difference",
                {"nullable": True, "description": "recomputed_value - published_value."},
            ),
            "population_coverage",
            "economies_with_data",
            "economies_in_group",
            "imputation",
            ("imputation_spread", NULLABLE),
            "low_coverage",
            ("note", {"nullable": True, "description": "Why the recomputed value is null."}),
            ("income_classification", NULLABLE),
            "membership",
            "group_population",
            ("published_group_population", NULLABLE),
            ("target_met", NULLABLE),
            ("largest_imputed_contributions", NULLABLE),
        ],
        "primary_key": ["published_edition", "recomputed_edition", "imputation", *BREAKDOWN],
        "foreign_keys": [
            {
                "fields": ["published_edition"],
                "reference": {"resource": "editions", "fields": ["id"]},
            },
            _INPUT_EDITION_FK,
            _SERIES_FK,
            _ENTITY_FK,
        ],
        "sources": "observations (ITU aggregates), recomputed_aggregates",
    },
    "revisions": {
        "description": "Every key in two or more editions of one dataset, one row per edition, "
        "with the revision against the previous edition carrying it.",
        "fields": [
            "dataset",
            *KEY,
            "edition",
            "edition_date",
            "value",
            ("previous_edition", NULLABLE),
            ("previous_value", NULLABLE),
            ("revision", NULLABLE),
            "editions_with_key",
            "source_location",
        ],
        "primary_key": ["dataset", "edition", *KEY],
        "foreign_keys": [_EDITION_FK],
        "sources": "observations, editions",
    },
    "edition_changes": {
        "description": "Each edition against the previous one of its dataset: changes to "
        "confirm before citing.",
        "fields": [
            "dataset",
            "edition",
            "edition_date",
            "previous_edition",
            "change",
            *(_whole_series(n) for n in KEY[:-1]),
            "unit",
            (
                "value",
                {
                    "nullable": True,
                    "description": "Value in the edition (null: gone); on a gap_sign_flip row "
                    "the female minus male gap, which may be negative.",
                    "constraints": {},
                },
            ),
            ("previous_value", NULLABLE),
            ("difference", {"nullable": True, "description": "value - previous_value."}),
            ("source_location", NULLABLE),
            "previous_source_location",
            "detail",
        ],
        "primary_key": ["edition", "change", *KEY],
        "foreign_keys": [_EDITION_FK],
        "sources": "observations, editions",
    },
    "claim_checks": {
        "description": "Every figure of the claims register (data/claims.yaml) against every "
        "edition or source carrying it; claim_verdict is judged on the relied-on edition.",
        "fields": [
            "claim",
            "document",
            "adopted",
            "paragraph",
            "wording",
            "comparator",
            "cited",
            ("tolerance", NULLABLE),
            (
                "unit",
                {
                    "description": "Unit of the cited figure and of value: an observation "
                    "unit, or times (a ratio), economies (a count).",
                    "constraints": {},
                },
            ),
            ("edition", {"description": "Edition or recomputation the row's value is from."}),
            "edition_date",
            "source_kind",
            "imputation",
            ("year", NULLABLE),
            ("value", NULLABLE),
            ("difference", {"nullable": True, "description": "value - cited."}),
            "verdict",
            "role",
            ("detail", NULLABLE),
            "relied_on",
            "relied_on_date",
            "claim_verdict",
            "reason",
            ("needed_edition", NULLABLE),
        ],
        "primary_key": ["claim", "edition", "imputation"],
        "sources": "data/claims.yaml, observations, recomputed_aggregates",
    },
    "latest_observations": {
        "kind": "view",
        "description": f"{_LATEST} The value of the first publisher in "
        "PUBLISHER_PRECEDENCE carrying the key, from its newest edition by date.",
        "fields": [*OBSERVATION_FIELDS, "publisher", "dataset", "edition_date"],
        "primary_key": KEY,
        "sources": "observations, editions",
    },
    "latest_observations_other_publishers": {
        "kind": "view",
        "description": "Every other publisher's newest value per key, beside the latest one.",
        "fields": [
            *OBSERVATION_FIELDS,
            "publisher",
            "dataset",
            "edition_date",
            ("latest_publisher", NULLABLE),
            ("latest_edition", NULLABLE),
            ("latest_value", NULLABLE),
        ],
        "primary_key": ["publisher", *KEY],
        "sources": "observations, editions",
    },
}
