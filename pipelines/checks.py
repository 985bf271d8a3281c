"""Asset checks. Every table gets a blocking schema check generated from its declaration
(`ictstats.metadata`); the warning checks report findings without stopping the build."""

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetIn,
    MetadataValue,
    asset_check,
)

from ictstats.analysis import edition_changes
from ictstats.errors import ValidationError
from ictstats.transform import schemas, sheet_repeats
from pipelines.assets import markdown


def schema_check(table: str) -> AssetChecksDefinition:
    """Blocking: the table's pandera schema, generated from its declaration."""

    @asset_check(
        asset=table,
        name=f"{table}_schema",
        blocking=True,
        description=f"pandera schema of `{table}` from ictstats.metadata: types, NOT NULL, code "
        "lists, ranges, primary key.",
    )
    def _check(frame: pd.DataFrame) -> AssetCheckResult:
        try:
            schemas.validate(frame, schemas.table_schema(table))
        except ValidationError as exc:
            return AssetCheckResult(
                passed=False,
                severity=AssetCheckSeverity.ERROR,
                metadata={"failures": exc.failures, "report": MetadataValue.md(exc.report)},
            )
        return AssetCheckResult(passed=True)

    return _check


def _warning(found: pd.DataFrame, description: str) -> AssetCheckResult:
    """Passes when there are no findings, else warns with their table."""
    return AssetCheckResult(
        passed=found.empty,
        severity=AssetCheckSeverity.WARN,
        description=description,  # the terminal prints it beside the count
        metadata={"findings": len(found), "table": markdown(found, rows=40)},
    )


_OUTSIDE = "Warning: a total outside its female/male or urban/rural range."


@asset_check(
    asset="observations",
    name="totals_within_breakdown",
    description=_OUTSIDE,
    additional_ins={"repeats": AssetIn("sheet_repeats")},
)
def totals_within_breakdown(observations: pd.DataFrame, repeats: pd.DataFrame) -> AssetCheckResult:
    return _warning(schemas.totals_outside_breakdown(observations, repeats), _OUTSIDE)


_ACCEPTED = "Warning: publisher values kept as printed although they break a hard rule."


@asset_check(asset="observations", name="accepted_publisher_values", description=_ACCEPTED)
def accepted_publisher_values(observations: pd.DataFrame) -> AssetCheckResult:
    return _warning(schemas.accepted_values_in_use(observations), _ACCEPTED)


@asset_check(
    asset="sheet_repeats",
    name="sheet_repeats_agree",
    description="Warning: a breakdown sheet repeats a published (first-sheet) cell with another "
    "value; lists every pair of cells.",
)
def sheet_repeats_agree(repeats: pd.DataFrame) -> AssetCheckResult:
    """Every repeat that differs from the published cell, with both cells (no row limit)."""
    table = sheet_repeats.disagreements(repeats)
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


@asset_check(
    asset="edition_changes",
    name="edition_changes",
    description="Warning: a key gone, a past year revised beyond the plausible bound or a "
    "female-male gap changing sign between an edition and the previous one of its dataset.",
)
def edition_changes_to_confirm(table: pd.DataFrame) -> AssetCheckResult:
    counts = table.groupby("change").size() if len(table) else pd.Series(dtype=int)
    return AssetCheckResult(
        passed=table.empty,
        severity=AssetCheckSeverity.WARN,
        description=edition_changes.describe(table),
        metadata={
            "findings": len(table),
            "by_change": MetadataValue.json({str(k): int(v) for k, v in counts.items()}),
            # the terminal prints the first rows: the serious, newest ones
            "table": markdown(edition_changes.most_serious_first(table), rows=40),
        },
    )


def warning_checks() -> list[AssetChecksDefinition]:
    return [
        totals_within_breakdown,
        sheet_repeats_agree,
        edition_changes_to_confirm,
        accepted_publisher_values,
    ]
