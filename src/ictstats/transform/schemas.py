"""pandera schemas for the canonical observation table and the raw ITU layouts, plus soft checks.

Where it sits: sources -> parse -> **validate** -> warehouse.

Hard rules (types, code lists, ranges by unit, unique key) stop the build; every failure is
collected (lazy validation) and shown as one table naming file, cell, rule and value. Soft rules
(a total outside its female/male range; a sheet disagreeing with another sheet of the same
workbook) are findings to report, never reasons to refuse a publisher's numbers.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import yaml
from pandera.errors import SchemaErrors
from tabulate import tabulate

from ictstats.errors import ValidationError
from ictstats.extract.itu_vocabulary import load_vocabulary
from ictstats.metadata import KEY, codes, resource

OBSERVATIONS_TABLE = resource("observations")
OBSERVATION_KEY = list(OBSERVATIONS_TABLE.primary_key)
OBSERVATION_COLUMNS = OBSERVATIONS_TABLE.columns


@cache
def accepted_publisher_values() -> pd.DataFrame:
    """Reviewed exceptions to the hard rules (layouts/accepted_publisher_values.yaml)."""
    path = Path(__file__).parents[1] / "layouts" / "accepted_publisher_values.yaml"
    return pd.DataFrame(yaml.safe_load(path.read_text("utf-8")))


def _is_accepted(frame: pd.DataFrame) -> pd.Series:
    accepted = accepted_publisher_values()
    keys = set(zip(accepted["edition"], accepted["location"], accepted["value"], strict=True))
    return pd.Series(
        [
            (e, loc, v) in keys
            for e, loc, v in zip(
                frame["edition"], frame["source_location"], frame["value"], strict=True
            )
        ],
        index=frame.index,
        dtype=bool,
    )


def _within_unit_range(frame: pd.DataFrame) -> pd.Series:
    inside = frame["value"] <= frame["unit"].map(codes.UNIT_MAXIMUM)
    return inside | (~inside & _is_accepted(frame))


def accepted_values_in_use(observations: pd.DataFrame) -> pd.DataFrame:
    """The reviewed exceptions that this build actually contains, with their notes."""
    accepted = accepted_publisher_values()
    found = observations.merge(
        accepted,
        left_on=["edition", "source_location", "value"],
        right_on=["edition", "location", "value"],
    )
    return found[
        ["edition", "source_location", "series", "entity", "year", "value", "rule", "note"]
    ]


# Types, code lists, ranges, NOT NULL and the unique key come from the declaration; the one
# rule it cannot express is row-wise: a value within the plausible range of its own unit.
OBSERVATIONS = OBSERVATIONS_TABLE.pandera_schema(
    checks=[pa.Check(_within_unit_range, name="value within the plausible range of its unit")]
)


def table_schema(name: str) -> pa.DataFrameSchema:
    """The pandera schema of a warehouse table: its declaration, plus the observations' unit
    range rule wherever observations are stored."""
    return OBSERVATIONS if name == "observations" else resource(name).pandera_schema()


def raw_layout_schema(layout: str) -> pa.DataFrameSchema:
    """Schema of the cells one ITU aggregates layout yields, generated from its description."""
    spec = load_vocabulary().layout(layout)
    allowed_pairs = {(sheet, s) for sheet, sh in spec["sheets"].items() for s in sh["blocks"]}

    def block_belongs_to_sheet(frame: pd.DataFrame) -> pd.Series:
        return pd.Series(
            [pair in allowed_pairs for pair in zip(frame["sheet"], frame["series"], strict=True)],
            index=frame.index,
        )

    return pa.DataFrameSchema(
        {
            "sheet": pa.Column(str, pa.Check.isin(list(spec["sheets"]))),
            "block_title": pa.Column(str),
            "entity_label": pa.Column(str),
            "breakdown_label": pa.Column(str),
            "unit_label": pa.Column(str),
            "year": pa.Column("int64", pa.Check.in_range(1990, 2100)),
            "value": pa.Column(float, nullable=False),
        },
        checks=[pa.Check(block_belongs_to_sheet, name=f"block declared for its sheet in {layout}")],
        name=f"raw {layout}",
    )


def failure_table(errors: SchemaErrors, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per failing cell: which file and cell, which rule, which value."""
    cases = errors.failure_cases.copy()
    located = cases["index"].notna() & cases["index"].isin(frame.index)
    location = pd.Series("", index=cases.index, dtype=object)
    file = pd.Series("", index=cases.index, dtype=object)
    if "source_location" in frame:
        location[located] = frame.loc[cases.loc[located, "index"], "source_location"].to_numpy()
    for column in ("source_id", "edition"):
        if column in frame:
            file[located] = frame.loc[cases.loc[located, "index"], column].to_numpy()
            break
    table = pd.DataFrame(
        {
            "file": file,
            "location": location,
            "column": cases["column"].astype(str),
            "rule": cases["check"].astype(str),
            "value": cases["failure_case"].astype(str),
        }
    )
    # a row-wise check fails once per column; keep the `value` column's line for each row
    table["_order"] = (table["column"] != "value").astype(int)
    table = table.sort_values("_order", kind="stable").drop(columns="_order")
    return table.drop_duplicates(["file", "location", "rule"]).sort_index()


def validate(
    frame: pd.DataFrame, schema: pa.DataFrameSchema = OBSERVATIONS, file: str | None = None
) -> pd.DataFrame:
    """Validate lazily; on failure raise one ValidationError listing every failing cell.

    `file` names the source in the message, for frames that carry no edition or source id.
    """
    try:
        return schema.validate(frame, lazy=True)
    except SchemaErrors as errors:
        table = failure_table(errors, frame)
        if file:
            table["file"] = table["file"].where(table["file"] != "", file)
        shown = tabulate(
            table.head(50),
            headers="keys",
            tablefmt="github",
            showindex=False,
            disable_numparse=True,
        )
        more = f"\n... and {len(table) - 50} more" if len(table) > 50 else ""
        title = f"{file + ': ' if file else ''}{schema.name} failed validation"
        raise ValidationError(title, shown + more, len(table)) from None


def totals_outside_breakdown(
    observations: pd.DataFrame, sheet_repeats: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Totals that do not lie between their female/male (or urban/rural) values.

    Rounding and different survey bases make this legitimate now and then (Nov 2024: SIDS
    Internet use 2024 total 64.8, female 64.1, male 64.3), so it is reported, never enforced.
    Totals repeated on breakdown sheets are tested too: the Nov 2025 `By gender` SIDS
    mobile-ownership total lies below both its female and male values.
    """
    totals = observations
    if sheet_repeats is not None and not sheet_repeats.empty:
        totals = pd.concat([observations, sheet_repeats[observations.columns]], ignore_index=True)
    findings = []
    for dimension, parts in (("sex", ["F", "M"]), ("area", ["U", "R"])):
        other = "area" if dimension == "sex" else "sex"
        key = ["edition", "series", "entity", "age", "year", "unit"]
        base = observations[(observations[other] == "_T") & observations[dimension].isin(parts)]
        bounds = base.groupby(key)["value"].agg(lower="min", upper="max", count="size")
        bounds = bounds[bounds["count"] == 2].drop(columns="count").reset_index()
        candidates = totals[(totals[dimension] == "_T") & (totals[other] == "_T")]
        merged = candidates.merge(bounds, on=key)
        outside = merged[
            (merged["value"] < merged["lower"] - 1e-9) | (merged["value"] > merged["upper"] + 1e-9)
        ]
        findings.append(
            outside.assign(breakdown=dimension)[
                [*key, "breakdown", "value", "lower", "upper", "source_location"]
            ].rename(columns={"value": "total"})
        )
    return pd.concat(findings, ignore_index=True)


def repeat_disagreements(duplicate_cells: pd.DataFrame) -> pd.DataFrame:
    """Cells where a breakdown sheet's Total differs from the published (first-sheet) value."""
    if duplicate_cells.empty:
        return duplicate_cells
    differs = (duplicate_cells["value"] - duplicate_cells["value_published"]).abs() > 1e-9
    columns = [
        "edition",
        *KEY,
        "value_published",
        "source_location_published",
        "value",
        "source_location",
    ]
    found = duplicate_cells.loc[differs, [c for c in columns if c in duplicate_cells]].copy()
    found["difference"] = found["value"] - found["value_published"]
    return found.reset_index(drop=True)
