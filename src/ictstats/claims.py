"""The claims register and its check: every cited figure against every edition that carries it.

Where it sits: warehouse observations + recomputed aggregates + `data/claims.yaml` ->
**claim checks** -> `claim_checks` table, Markdown/HTML report, charts.

A verdict follows from data only. A claim whose year or series an edition lacks is
`not_available` there, with the edition that would be needed; the cited number is never written
into a value. Comparators are different tests: a plain figure is ITU's value rounded half up
(70.5 -> 71), "about" allows a stated tolerance, "more than" / "less than" are strict and a value
on the wrong side *contradicts* the text.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

REPRODUCED, NOT_REPRODUCED, CONTRADICTED, NOT_AVAILABLE = (
    "reproduced",
    "not_reproduced",
    "contradicted",
    "not_available",
)
COMPARATORS = ("rounded", "about", "more_than", "less_than", "count_at_least")
DERIVATIONS = (None, "ratio", "offline_share", "offline_count", "count_below")
CHECK_COLUMNS = [
    "claim",
    "document",
    "paragraph",
    "wording",
    "comparator",
    "cited",
    "edition",
    "source_kind",
    "imputation",
    "year",
    "value",
    "difference",
    "verdict",
    "detail",
    "relied_on",
    "needed_edition",
]


@dataclass(frozen=True)
class Claim:
    id: str
    document: str
    paragraph: str
    wording: str
    series: str
    entity: str
    year: int | str
    cited: float
    comparator: str
    relied_on: str
    sex: str = "_T"
    area: str = "_T"
    age: str = "_T"
    unit: str = "percent"
    derive: str | None = None
    denominator_entity: str | None = None
    threshold: float | None = None
    tolerance: float | None = None
    precision: int = 0
    needed_edition: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.comparator not in COMPARATORS:
            raise ValueError(f"{self.id}: unknown comparator {self.comparator!r}")
        if self.derive not in DERIVATIONS:
            raise ValueError(f"{self.id}: unknown derivation {self.derive!r}")
        if self.comparator == "about" and self.tolerance is None:
            raise ValueError(f"{self.id}: an 'about' claim needs a tolerance")


def load_claims(path: Path) -> list[Claim]:
    known = {f.name for f in fields(Claim)}
    claims = []
    for entry in yaml.safe_load(path.read_text("utf-8"))["claims"]:
        unknown = set(entry) - known
        if unknown:
            raise ValueError(f"{path.name}: claim {entry.get('id')} has unknown keys {unknown}")
        claims.append(Claim(**entry))
    return claims


def round_half_up(value: float, precision: int = 0) -> float:
    """ITU's rounding: 70.5 -> 71 (Python's round() gives 70); precision -2 rounds to hundreds."""
    quantum = Decimal(1).scaleb(-precision)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def judge(claim: Claim, value: float) -> str:
    """The verdict of one value against the claim's comparator (data only decides)."""
    cited = claim.cited
    if claim.comparator == "rounded":
        return REPRODUCED if round_half_up(value, claim.precision) == cited else NOT_REPRODUCED
    if claim.comparator == "about":
        return REPRODUCED if abs(value - cited) <= claim.tolerance + 1e-9 else NOT_REPRODUCED
    if claim.comparator == "more_than":
        return REPRODUCED if value > cited else CONTRADICTED
    if claim.comparator == "less_than":
        return REPRODUCED if value < cited else CONTRADICTED
    return REPRODUCED if value >= cited else NOT_REPRODUCED  # count_at_least


def _series_rows(facts: pd.DataFrame, claim: Claim, entity: str, unit: str) -> pd.DataFrame:
    return facts[
        (facts["series"] == claim.series)
        & (facts["entity"] == entity)
        & (facts["sex"] == claim.sex)
        & (facts["area"] == claim.area)
        & (facts["age"] == claim.age)
        & (facts["unit"] == unit)
    ]


VERSION = ["edition", "source_kind", "imputation"]


def candidates(claim: Claim, facts: pd.DataFrame, economies: set[str]) -> pd.DataFrame:
    """One row per edition (and imputation) that carries the claim's series: year, value, detail.

    `value` is NaN when the edition carries the series but not the claim's year.
    """
    if claim.derive == "count_below":
        return _count_below(claim, facts, economies)
    # an offline count is derived from the share (percent) and the users (millions)
    unit = "percent" if claim.derive == "offline_count" else claim.unit
    rows = _series_rows(facts, claim, claim.entity, unit)
    if claim.derive == "ratio":
        low = _series_rows(facts, claim, claim.denominator_entity, claim.unit)
        rows = rows.merge(low, on=[*VERSION, "year"], suffixes=("", "_den"))
        rows = rows.assign(
            value=rows["value"] / rows["value_den"],
            source_location=rows["source_location"] + " / " + rows["source_location_den"],
        )
    elif claim.derive == "offline_share":
        rows = rows.assign(value=100 - rows["value"])
    elif claim.derive == "offline_count":
        users = _series_rows(facts, claim, claim.entity, "millions")
        rows = rows.merge(users, on=[*VERSION, "year"], suffixes=("_share", ""))
        population = rows["value"] / rows["value_share"] * 100
        rows = rows.assign(
            value=population - rows["value"],
            source_location=rows["source_location"] + " and " + rows["source_location_share"],
        )
    rows = rows.rename(columns={"source_location": "detail"})
    carrying = rows[VERSION].drop_duplicates()
    at_year = rows[rows["year"] == claim.year][[*VERSION, "year", "value", "detail"]]
    return carrying.merge(at_year, on=VERSION, how="left")


def _count_below(claim: Claim, facts: pd.DataFrame, economies: set[str]) -> pd.DataFrame:
    """Economies below the threshold in each edition's latest well-reported year."""
    rows = facts[
        (facts["series"] == claim.series)
        & facts["entity"].isin(economies)
        & (facts["sex"] == "_T")
        & (facts["area"] == "_T")
        & (facts["unit"] == claim.unit)
    ]
    found = []
    for version, part in rows.groupby(VERSION, dropna=False):
        per_year = part.groupby("year")["entity"].nunique()
        # the latest year reported by at least half as many economies as the best year:
        # WDI's 2025 column holds 10 economies, its 2024 column 182
        year = int(per_year[per_year >= per_year.max() / 2].index.max())
        below = part[(part["year"] == year) & (part["value"] < claim.threshold)]
        listed = ", ".join(
            f"{e} {v:.1f}" for e, v in sorted(zip(below["entity"], below["value"], strict=True))
        )
        found.append(
            dict(zip(VERSION, version, strict=True))
            | {
                "year": year,
                "value": float(len(below)),
                "detail": f"{len(below)} of {per_year[year]} economies below "
                f"{claim.threshold:g} % in {year}: {listed}",
            }
        )
    return pd.DataFrame(found, columns=[*VERSION, "year", "value", "detail"])


def check_claims(claims: list[Claim], facts: pd.DataFrame, economies: set[str]) -> pd.DataFrame:
    """Every claim against every edition or source that carries its series."""
    records: list[dict[str, Any]] = []
    for claim in claims:
        head = {
            "claim": claim.id,
            "document": claim.document,
            "paragraph": claim.paragraph,
            "wording": claim.wording,
            "comparator": claim.comparator,
            "cited": claim.cited,
            "relied_on": claim.relied_on,
        }
        found = candidates(claim, facts, economies)
        needed = claim.needed_edition or claim.relied_on
        if found.empty:
            records.append(
                head
                | {
                    "verdict": NOT_AVAILABLE,
                    "needed_edition": needed,
                    "detail": "no edition on hand carries this series",
                }
            )
            continue
        for row in found.itertuples(index=False):
            base = head | {
                "edition": row.edition,
                "source_kind": row.source_kind,
                "imputation": row.imputation,
            }
            if pd.isna(row.value):
                records.append(
                    base
                    | {
                        "year": None,
                        "verdict": NOT_AVAILABLE,
                        "needed_edition": needed,
                        "detail": f"this edition has no {claim.year} value",
                    }
                )
                continue
            verdict = judge(claim, float(row.value))
            records.append(
                base
                | {
                    "year": int(row.year),
                    "value": float(row.value),
                    "difference": float(row.value) - claim.cited,
                    "verdict": verdict,
                    "detail": row.detail,
                    "needed_edition": needed
                    if verdict == NOT_REPRODUCED and claim.needed_edition
                    else None,
                }
            )
    return pd.DataFrame.from_records(records, columns=CHECK_COLUMNS)


SOURCE_KIND_ORDER = {"published": 0, "secondary": 1, "recomputed": 2}


def summary(checks: pd.DataFrame) -> pd.DataFrame:
    """One line per claim: the value of the edition the text relied on if on hand, else the best
    published value (a reproducing one first), with its verdict."""
    lines = []
    for claim, rows in checks.groupby("claim", sort=False):
        has_value = rows[rows["value"].notna()]
        relied = has_value[has_value["edition"] == rows["relied_on"].iat[0]]
        if not relied.empty:
            best = relied.iloc[0]
        elif not has_value.empty:
            ranked = has_value.assign(
                kind=has_value["source_kind"].map(SOURCE_KIND_ORDER),
                miss=(has_value["verdict"] != REPRODUCED).astype(int),
            ).sort_values(["kind", "miss", "edition"], ascending=[True, True, False])
            best = ranked.iloc[0]
        else:
            best = rows.iloc[0]
        lines.append(
            {
                "claim": claim,
                "wording": best["wording"],
                "cited": best["cited"],
                "comparator": best["comparator"],
                "best_value": best["value"],
                "year": best["year"],
                "source": best["edition"],
                "source_kind": best["source_kind"],
                "verdict": best["verdict"],
                "needed_edition": None
                if best["verdict"] in (REPRODUCED, CONTRADICTED)
                else rows["needed_edition"].dropna().iat[0]
                if rows["needed_edition"].notna().any()
                else None,
            }
        )
    return pd.DataFrame(lines)


def facts_frame(
    observations: pd.DataFrame, recomputed: pd.DataFrame, secondary_editions: set[str]
) -> pd.DataFrame:
    """Published, secondary and recomputed values in one frame, each labelled with its kind."""
    published = observations.assign(
        source_kind=observations["edition"].map(
            lambda e: "secondary" if e in secondary_editions else "published"
        ),
        imputation="",
    )
    columns = [
        *VERSION,
        "series",
        "entity",
        "sex",
        "area",
        "age",
        "year",
        "value",
        "unit",
        "source_location",
    ]
    if recomputed is None or recomputed.empty:
        return published[columns]
    detail = (
        "recomputed: "
        + recomputed["economies_with_data"].astype(str)
        + " of "
        + recomputed["economies_in_group"].astype(str)
        + " economies with data, population "
        "coverage "
        + (recomputed["population_coverage"] * 100).round(1).astype(str)
        + " %, imputed share "
        + (recomputed["imputed_share"] * 100).round(1).astype(str)
        + " %"
    )
    recomputed_rows = recomputed.assign(
        source_kind="recomputed", unit="percent", source_location=detail
    )
    return pd.concat([published[columns], recomputed_rows[columns]], ignore_index=True)
