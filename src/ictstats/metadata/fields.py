"""Every column of every published table, declared once: type, unit, description, constraints.

A field means the same thing wherever it appears; where a table gives it a narrower meaning, the
table's entry in `resources.py` overrides the description (as PUDL's FIELD_METADATA_BY_RESOURCE
does). Types are logical, one per kind of field; `ictstats.metadata.schema` maps them to DuckDB,
Arrow, pandas and Frictionless:

- `year` — a calendar year (INTEGER everywhere);
- `count` — a number of things (BIGINT);
- `number` — a measured or computed value (DOUBLE);
- `string`, `boolean`, `date` (a day, never a timestamp).

`unit` says what a number is measured in. Shares of a population are 0-1 fractions, named
`fraction of 1`; values of a series are in the unit given by the row's `unit` column (`percent`,
`per_100`, ...), named `the row's unit`.
"""

from __future__ import annotations

from ictstats.metadata import codes

ROW_UNIT = "the row's unit (column `unit`)"
FRACTION = "fraction of 1 (0-1; not percent)"
POINTS = "percentage points (when the row's unit is percent), else the row's unit"
PERSONS = "persons"

ENTITY_PATTERN = "|".join(
    [
        "^(" + "|".join(sorted(codes.GROUP_CODES)) + ")$",
        codes.ISO3_PATTERN,
        codes.PUBLISHER_AGGREGATE_PATTERN,
    ]
)
EDITION_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"

FIELDS: dict[str, dict] = {
    # --- the observation key -------------------------------------------------------------------
    "series": {
        "type": "string",
        "description": "Indicator id (table `series`), e.g. internet_use, coverage_4g.",
        "constraints": {"enum": sorted(codes.SERIES_IDS)},
    },
    "entity": {
        "type": "string",
        "description": "Economy (ISO 3166 alpha-3) or group code (WLD, HIC, LDC, ITU_AFR, ...); "
        "other publishers' aggregates are WB_<code> or OWID_<code> (table `entities`).",
        "constraints": {
            "pattern": ENTITY_PATTERN,
            "rule": "group code, ISO3 or WB_/OWID_ aggregate",
        },
    },
    "sex": {
        "type": "string",
        "description": "Sex: _T total, F female, M male (table `codes`).",
        "constraints": {"enum": list(codes.SEX)},
    },
    "area": {
        "type": "string",
        "description": "Urbanisation: _T total, U urban, R rural (table `codes`).",
        "constraints": {"enum": list(codes.AREA)},
    },
    "age": {
        "type": "string",
        "description": "Age: _T all ages, Y15T24 aged 15-24, _O all ages outside 15-24 "
        "(table `codes`).",
        "constraints": {"enum": list(codes.AGE)},
    },
    "year": {
        "type": "year",
        "description": "Reference year of the value.",
        "constraints": {"minimum": 1960, "maximum": 2100},
    },
    "unit": {
        "type": "string",
        "description": "Unit of the value (table `units`): percent, per_100 (per 100 "
        "inhabitants), millions, ...",
        "constraints": {"enum": list(codes.UNITS)},
    },
    "value": {
        "type": "number",
        "unit": ROW_UNIT,
        "description": "The value as published (never rounded or rescaled).",
        "constraints": {"minimum": 0},
    },
    "obs_status": {
        "type": "string",
        "description": "Observation status: `A` normal value, `E` an estimate flagged as such by "
        "the publisher.",
        "constraints": {"enum": list(codes.OBS_STATUS)},
    },
    # --- provenance ------------------------------------------------------------------------------
    "edition": {
        "type": "string",
        "description": "Edition the value was published in (table `editions`, column `id`).",
        "constraints": {"pattern": EDITION_PATTERN},
    },
    "source_id": {
        "type": "string",
        "description": "Manifest entry (data/sources.yaml) of the file the value was read from.",
        "constraints": {"min_length": 1},
    },
    "source_sha256": {
        "type": "string",
        "description": "SHA-256 of the exact file the value was read from.",
        "constraints": {"pattern": SHA256_PATTERN},
    },
    "source_location": {
        "type": "string",
        "description": "Where in the file: `<sheet>!<cell>` for a workbook; `row <n>` for a "
        "CSV (1-based, header = row 1), followed by the column where a row holds several values "
        "(`row 267, 2005`).",
    },
    "publisher": {"type": "string", "description": "Organisation that published the edition."},
    "dataset": {
        "type": "string",
        "description": "Dataset the edition is a vintage of; revisions compare editions of one "
        "dataset.",
    },
    "edition_date": {"type": "date", "description": "Publication date of the edition."},
    # --- editions -------------------------------------------------------------------------------
    "id": {"type": "string", "description": "Identifier."},
    "title": {"type": "string", "description": "Title of the edition as its publisher gives it."},
    "date": {"type": "date", "description": "Publication date."},
    "source_file": {"type": "string", "description": "File name in data/raw/."},
    "source_copy": {
        "type": "string",
        "description": "Which known copy of the file was used, when the manifest lists several.",
    },
    "url": {"type": "string", "description": "Where the publisher offers the file."},
    "licence": {"type": "string", "description": "Terms under which the data may be reused."},
    "attribution": {"type": "string", "description": "Attribution the publisher requires."},
    "version_note": {
        "type": "string",
        "description": "Version notes printed in the file (ITU workbooks' notes sheet).",
    },
    "observations": {"type": "count", "description": "Observations stored from the edition."},
    "latest_rank": {
        "type": "count",
        "description": "Publisher's place in ictstats.warehouse.latest.PUBLISHER_PRECEDENCE "
        "(1 first); null: never used for latest_observations.",
    },
    "same_day_rank": {
        "type": "count",
        "description": "Order between two datasets of one publisher dated the same day (lower "
        "wins).",
    },
    # --- dimensions ------------------------------------------------------------------------------
    "code": {"type": "string", "description": "Code."},
    "name": {"type": "string", "description": "Name."},
    "label": {"type": "string", "description": "Label."},
    "kind": {
        "type": "string",
        "description": "What the entity is: world, income_group, development_status, "
        "special_group, itu_region, wb_aggregate, owid_aggregate or economy.",
    },
    "dimension": {
        "type": "string",
        "description": "Which code list: sex, area, age or obs_status.",
    },
    "definition": {"type": "string", "description": "Definition of the indicator."},
    "itu_name": {"type": "string", "description": "ITU's name of the indicator."},
    "other_units": {
        "type": "string",
        "description": "Other units the series is published in, comma-separated.",
    },
    "maximum": {
        "type": "number",
        "description": "Largest plausible value in this unit; above it a value is refused unless "
        "reviewed (layouts/accepted_publisher_values.yaml).",
    },
    "m49": {"type": "string", "description": "UN M49 numeric code (3 digits)."},
    "iso2": {"type": "string", "description": "ISO 3166 alpha-2 code."},
    "iso3": {"type": "string", "description": "ISO 3166 alpha-3 code as the publisher gives it."},
    "un_region": {"type": "string", "description": "UN M49 region."},
    "un_sub_region": {"type": "string", "description": "UN M49 sub-region."},
    "ldc": {"type": "boolean", "description": "Least developed country (UN M49 list)."},
    "lldc": {"type": "boolean", "description": "Landlocked developing country (UN M49 list)."},
    "sids": {"type": "boolean", "description": "Small island developing state (UN M49 list)."},
    "itu_code": {"type": "string", "description": "ITU's economy code (DataHub)."},
    "is_independent": {"type": "string", "description": "Independence status (DataHub)."},
    "wb_region": {"type": "string", "description": "World Bank region (CLASS)."},
    "note": {"type": "string", "description": "Note."},
    # --- World Bank income groups and population -------------------------------------------------
    "fiscal_year": {
        "type": "string",
        "description": "World Bank fiscal year of the classification, FYyy (July yy-1 to June yy).",
    },
    "gni_year": {"type": "year", "description": "Year of the GNI data behind the classification."},
    "income_group": {
        "type": "string",
        "description": "L, LM, UM or H; null where the World Bank gives none.",
        "constraints": {"enum": ["L", "LM", "UM", "H"]},
    },
    "flag": {"type": "string", "description": "Mark printed beside the group in OGHIST."},
    "former_economy": {"type": "boolean", "description": "Economy that no longer exists."},
    "population": {
        "type": "count",
        "unit": PERSONS,
        "description": "Total population (World Bank SP.POP.TOTL).",
        "constraints": {"minimum": 0},
    },
    # --- sheet repeats ---------------------------------------------------------------------------
    "sheet": {"type": "string", "description": "Workbook sheet of the repeated cell."},
    "block_title": {"type": "string", "description": "Title of the block, as printed."},
    "entity_label": {"type": "string", "description": "Row label, as printed."},
    "breakdown_label": {"type": "string", "description": "Breakdown label, as printed."},
    "unit_label": {"type": "string", "description": "Unit label the unit was read from."},
    "unit_source": {
        "type": "string",
        "description": "Where the unit came from: a cell, or layouts/itu_aggregates.yaml.",
    },
    "value_published": {
        "type": "number",
        "unit": ROW_UNIT,
        "description": "The published (first-sheet) value of the same key.",
    },
    "source_location_published": {
        "type": "string",
        "description": "Cell of the published (first-sheet) value.",
    },
    # --- recomputed aggregates -------------------------------------------------------------------
    "imputation": {
        "type": "string",
        "description": "Imputation method (ictstats.analysis.recompute.IMPUTATIONS); `none` = "
        "reporters only.",
    },
    "input_edition": {
        "type": "string",
        "description": "Edition of the country data the aggregate was recomputed from.",
    },
    "economies_in_group": {"type": "count", "description": "Member economies with a weight."},
    "economies_with_data": {
        "type": "count",
        "description": "Member economies with a reported value that year.",
    },
    "economies_imputed": {"type": "count", "description": "Member economies given a value."},
    "group_population": {
        "type": "number",
        "unit": PERSONS,
        "description": "Sum of the members' population weights.",
    },
    "population_coverage": {
        "type": "number",
        "unit": FRACTION,
        "description": "Share of the group's population with reported values (real data only).",
        "constraints": {"minimum": 0, "maximum": 1},
    },
    "imputed_share": {
        "type": "number",
        "unit": FRACTION,
        "description": "Share of the aggregate's population-weighted value that comes from "
        "imputed economy values: (imputed + filled) / (valued + filled), weights = population. "
        "Not the share of the population imputed.",
        "constraints": {"minimum": 0, "maximum": 1},
    },
    "low_coverage": {
        "type": "boolean",
        "description": "population_coverage below 0.5: kept, never used for a claim verdict.",
    },
    "income_classification": {
        "type": "string",
        "description": "Fiscal year of the World Bank list the income group was taken from "
        "(income groups only).",
    },
    "membership_tag": {
        "type": "string",
        "description": "Short tag of the group list (part of the edition label).",
    },
    "membership": {"type": "string", "description": "Which group list was used, and its date."},
    "imputation_spread": {
        "type": "number",
        "unit": POINTS,
        "description": "Largest minus smallest value across the imputation methods.",
    },
    "method": {
        "type": "string",
        "description": "How the economy value was obtained: observed, interpolated, "
        "carried_forward_with_peer_trend, peer_mean, ...",
    },
    # --- reconciliation --------------------------------------------------------------------------
    "published_edition": {"type": "string", "description": "Edition of the published value."},
    "published_value": {"type": "number", "unit": ROW_UNIT, "description": "Published value."},
    "recomputed_edition": {
        "type": "string",
        "description": "Edition label of the recomputed value (table recomputed_aggregates).",
    },
    "recomputed_value": {
        "type": "number",
        "unit": ROW_UNIT,
        "description": "Recomputed value.",
    },
    "published_group_population": {
        "type": "number",
        "unit": PERSONS,
        "description": "Group population the publisher's own figures imply: its value in "
        "millions / its value in percent x 100 x 10^6; null where either is missing or the "
        "percent is 0.",
    },
    "target_met": {
        "type": "boolean",
        "description": "Headline method only: within 0.5 point of the published value where "
        "coverage is at least 0.9; null elsewhere.",
    },
    "largest_imputed_contributions": {
        "type": "string",
        "description": "For a missed target: the imputed economies that pull the value most.",
    },
    "difference": {"type": "number", "unit": POINTS, "description": "Difference."},
    # --- revisions and edition changes -----------------------------------------------------------
    "previous_edition": {
        "type": "string",
        "description": "The previous edition of the same dataset carrying the key.",
    },
    "previous_value": {
        "type": "number",
        "unit": ROW_UNIT,
        "description": "The value in the previous edition.",
    },
    "previous_source_location": {
        "type": "string",
        "description": "Cell or row of the value in the previous edition.",
    },
    "revision": {
        "type": "number",
        "unit": POINTS,
        "description": "value - previous_value.",
    },
    "editions_with_key": {
        "type": "count",
        "description": "Editions of the dataset that carry the key.",
    },
    "change": {
        "type": "string",
        "description": "What changed: disappeared (a key gone), series_dropped (a whole series "
        "gone), revised (a closed year revised beyond the bound), gap_sign_flip (the female-male "
        "gap changed sign).",
    },
    "detail": {"type": "string", "description": "Details."},
    # --- claims ----------------------------------------------------------------------------------
    "claim": {"type": "string", "description": "Claim id in data/claims.yaml (C1, C2, ...)."},
    "document": {"type": "string", "description": "UN document citing the figure."},
    "adopted": {"type": "date", "description": "Date the document was adopted."},
    "paragraph": {"type": "string", "description": "Paragraph of the document."},
    "wording": {"type": "string", "description": "The document's words around the figure."},
    "comparator": {
        "type": "string",
        "description": "How the cited figure is compared: rounded, about, more_than, "
        "less_than, count_at_least.",
    },
    "cited": {"type": "number", "unit": ROW_UNIT, "description": "The figure as cited."},
    "tolerance": {
        "type": "number",
        "description": "For `about`: allowed difference, in the cited unit.",
    },
    "source_kind": {
        "type": "string",
        "description": "published (an edition's value), recomputed (an aggregate recomputed "
        "here), secondary (a third-party extract) or `not on hand`.",
    },
    "verdict": {
        "type": "string",
        "description": "This row's own result: reproduced, not_reproduced, contradicted, "
        "not_available.",
    },
    "role": {
        "type": "string",
        "description": "What the row is to the claim: judged (the verdict's edition), latest, "
        "nearest_before, nearest_after, earlier, confirmation, revision, no_value, "
        "excluded_low_coverage.",
    },
    "relied_on": {
        "type": "string",
        "description": "Edition the document most plausibly relied on.",
    },
    "relied_on_date": {"type": "date", "description": "Publication date of relied_on."},
    "claim_verdict": {
        "type": "string",
        "description": "The claim's verdict: reproduced, reproduced_then_revised, "
        "not_reproduced, contradicted, not_verifiable.",
    },
    "reason": {"type": "string", "description": "Why the claim got its verdict."},
    "needed_edition": {
        "type": "string",
        "description": "Edition not on hand that the verdict needs.",
    },
    # --- latest views ----------------------------------------------------------------------------
    "latest_publisher": {"type": "string", "description": "Publisher of the latest value."},
    "latest_edition": {"type": "string", "description": "Edition of the latest value."},
    "latest_value": {"type": "number", "unit": ROW_UNIT, "description": "The latest value."},
}
