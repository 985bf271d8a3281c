"""Each claim judged on the edition its text relied on; every other edition shown beside it.

Where it sits: the `Register` (`loading.load_register`) + the facts (`facts.facts_frame`) ->
**check_claims** -> the `claim_checks` table (one row per edition carrying the claim), which
`summary_table.summary` and the reports read.

A claim is judged on one edition only: the one its text relied on (`relied_on`), which must have
been published on or before the document's adoption date (checked when the register is loaded).
Later editions and other publishers are shown beside it as confirmation or revision, never as the
verdict, so no verdict depends on which other editions are on hand or on how labels sort.

Claim verdicts:
- `reproduced` — the relied-on edition matches the cited figure (and the latest edition of the
  same dataset still does, or none is later);
- `reproduced_then_revised` — the relied-on edition matches, the latest edition of the same
  dataset does not (the reason says by how much);
- `not_reproduced` / `contradicted` — the relied-on edition does not match ("more than" /
  "less than" on the wrong side contradict the text);
- `not_verifiable` — the relied-on edition is not on hand (or lacks the value): the nearest
  editions before and after its date are shown.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ictstats.analysis.claims.comparators import (
    NOT_AVAILABLE,
    NOT_VERIFIABLE,
    REPRODUCED,
    REPRODUCED_THEN_REVISED,
    cited_text,
    judge,
)
from ictstats.analysis.claims.facts import candidates, values
from ictstats.analysis.claims.loading import field_error
from ictstats.analysis.claims.register import Claim, ClaimsError, Document, Edition, Register
from ictstats.metadata import resource

# what a row is to its claim's verdict
JUDGED, LATEST, NEAREST_BEFORE, NEAREST_AFTER = (
    "judged",
    "latest",
    "nearest_before",
    "nearest_after",
)
CONFIRMATION, REVISION, EARLIER, NO_VALUE = "confirmation", "revision", "earlier", "no_value"
LOW_COVERAGE = "excluded_low_coverage"

CHECK_COLUMNS = resource("claim_checks").columns


def check_claims(register: Register, facts: pd.DataFrame, economies: set[str]) -> pd.DataFrame:
    """Every claim judged on its relied-on edition; every other edition carrying it beside it."""
    dates = _edition_dates(register, facts)
    frames = [_check_one(register, claim, facts, economies, dates) for claim in register.claims]
    checks = pd.concat(frames, ignore_index=True)[CHECK_COLUMNS]
    for column in ("adopted", "edition_date", "relied_on_date"):  # dates or None, never NaN
        checks[column] = checks[column].astype(object).where(checks[column].notna(), None)
    return checks


def _edition_dates(register: Register, facts: pd.DataFrame) -> dict[str, dt.date]:
    """Publication date of every edition label, recomputed ones dated by their input edition."""
    dates = {label: e.date for label, e in register.editions.items()}
    if "input_edition" in facts:
        pairs = facts[["edition", "input_edition"]].drop_duplicates().itertuples(index=False)
        for edition, source in pairs:
            if edition not in dates and source in dates:
                dates[edition] = dates[source]
    return dates


def _check_one(
    register: Register,
    claim: Claim,
    facts: pd.DataFrame,
    economies: set[str],
    dates: Mapping[str, dt.date],
) -> pd.DataFrame:
    """The claim's rows: every edition carrying it, each row judged, its role, the verdict."""
    relied = register.editions[claim.relied_on]
    document = register.documents[claim.document]
    if claim.present and relied.on_hand and isinstance(claim.year, int):
        _check_present_year(register, claim, values(claim, facts, economies))
    rows = _editions_carrying(claim, relied, facts, economies, dates)
    has_value = rows["value"].notna()
    rows["verdict"] = [
        judge(claim, float(v)) if ok else NOT_AVAILABLE
        for v, ok in zip(rows["value"], has_value, strict=True)
    ]
    rows["difference"] = rows["value"] - claim.cited
    rows["role"] = _roles(rows, relied, has_value)
    verdict, reason = _verdict(claim, relied, rows, register.editions, dates)
    if verdict == NOT_VERIFIABLE:
        no_year = rows["role"].eq(JUDGED) & rows["value"].isna() & relied.on_hand
        rows.loc[no_year, "detail"] = f"this edition has no {claim.year} value"
    return _with_claim(rows, claim, document, relied, verdict, reason)


def _editions_carrying(
    claim: Claim,
    relied: Edition,
    facts: pd.DataFrame,
    economies: set[str],
    dates: Mapping[str, dt.date],
) -> pd.DataFrame:
    """One dated row per edition carrying the claim; the relied-on edition always among them."""
    rows = candidates(claim, facts, economies)
    rows = rows.assign(
        edition_date=rows["edition"].map(dates),
        low_coverage=rows["low_coverage"].astype("boolean").fillna(False).astype(bool),
    )
    if not (rows["edition"] == relied.id).any():
        # not on hand, or on hand without the series: a row that says so, to be judged
        placeholder = {
            "edition": relied.id,
            "source_kind": "not on hand" if not relied.on_hand else "published",
            "imputation": "",
            "year": claim.year if isinstance(claim.year, int) else None,
            "value": math.nan,
            "detail": f"not on hand: {relied.title}"
            if not relied.on_hand
            else f"this edition does not carry {claim.series} for {claim.entity}",
            "low_coverage": False,
            "edition_date": relied.date,
        }
        rows = pd.concat([pd.DataFrame([placeholder]), rows], ignore_index=True)
    return rows


def _with_claim(
    rows: pd.DataFrame,
    claim: Claim,
    document: Document,
    relied: Edition,
    verdict: str,
    reason: str,
) -> pd.DataFrame:
    """The claim's own columns on each of its rows (the same on every row)."""
    return rows.assign(
        claim=claim.id,
        document=claim.document,
        adopted=document.adopted,
        paragraph=claim.paragraph,
        wording=claim.wording,
        comparator=claim.comparator,
        cited=claim.cited,
        tolerance=claim.tolerance,
        unit=claim.cited_unit,
        year=rows["year"].astype("float"),
        relied_on=relied.id,
        relied_on_date=relied.date,
        claim_verdict=verdict,
        reason=reason,
        needed_edition=relied.title if verdict == NOT_VERIFIABLE else None,
    )


def _check_present_year(register: Register, claim: Claim, rows: pd.DataFrame) -> None:
    """A statement about the present is judged at the latest year its relied-on edition holds."""
    held = rows[
        (rows["edition"] == claim.relied_on) & rows["value"].notna() & ~rows["low_coverage"]
    ]
    if held.empty:
        return  # the edition lacks the series: not_verifiable says so
    latest = int(held["year"].max())
    if latest != claim.year:
        raise field_error(
            lambda _name: register.path,
            claim.id,
            "year",
            f"a statement about the present is judged at the latest year its relied-on edition "
            f"holds; {claim.relied_on} holds {claim.series} up to {latest}, the claim says "
            f"{claim.year}",
            f"Set year: {latest}",
        )


def _roles(rows: pd.DataFrame, relied: Edition, has_value: pd.Series) -> list[str]:
    roles = []
    for row, ok in zip(rows.itertuples(index=False), has_value, strict=True):
        if row.edition == relied.id:
            roles.append(JUDGED)
        elif not ok:
            roles.append(NO_VALUE)
        elif row.low_coverage:
            roles.append(LOW_COVERAGE)  # a low-coverage recomputed value never counts
        elif pd.notna(row.edition_date) and row.edition_date < relied.date:
            roles.append(EARLIER)
        else:
            roles.append(CONFIRMATION if row.verdict == REPRODUCED else REVISION)
    return roles


def _verdict(
    claim: Claim,
    relied: Edition,
    rows: pd.DataFrame,
    editions: Mapping[str, Edition],
    dates: Mapping[str, dt.date],
) -> tuple[str, str]:
    """The claim's verdict from its judged row; sets the roles of the latest / nearest rows."""
    judged = rows[(rows["role"] == JUDGED) & rows["value"].notna() & ~rows["low_coverage"]]
    if len(judged) > 1:
        raise ClaimsError(f"claim {claim.id}: edition {relied.id} gives {len(judged)} values")
    if judged.empty:
        return NOT_VERIFIABLE, _nearest(claim, relied, rows, editions)
    row = judged.iloc[0]
    said = f"{relied.id} ({relied.date}) gives {_fmt(row['value'], claim)} for {_year(row['year'])}"
    if row["verdict"] != REPRODUCED:
        return row["verdict"], f"{said}; cited {_cited_text(claim)}"
    later = rows[
        rows["value"].notna()
        & ~rows["low_coverage"]
        & (rows["source_kind"] != "recomputed")
        & rows["edition"].map(lambda e: e in editions and editions[e].dataset == relied.dataset)
        & rows["edition_date"].map(lambda d: pd.notna(d) and d > relied.date)
    ]
    if later.empty:
        return REPRODUCED, f"{said}; no later edition of {relied.dataset} carries it"
    newest = later[later["edition_date"] == later["edition_date"].max()]
    rows.loc[newest.index, "role"] = LATEST
    revised = newest[newest["verdict"] != REPRODUCED]
    if revised.empty:
        latest = newest.iloc[0]
        return REPRODUCED, (
            f"{said}; the latest edition {latest['edition']} ({latest['edition_date']}) still "
            f"gives {_fmt(latest['value'], claim)}"
        )
    changes = "; ".join(
        f"the latest edition {r['edition']} ({r['edition_date']}) gives "
        f"{_fmt(r['value'], claim)}, revised by {r['value'] - row['value']:+.{_digits(claim)}f} "
        f"({r['verdict']} there)"
        for _, r in revised.iterrows()
    )
    return REPRODUCED_THEN_REVISED, f"{said}; {changes}"


def _nearest(
    claim: Claim, relied: Edition, rows: pd.DataFrame, editions: Mapping[str, Edition]
) -> str:
    """Mark and describe the nearest editions on hand before and after the relied-on date."""
    usable = rows[
        rows["value"].notna()
        & ~rows["low_coverage"]
        & (rows["source_kind"] != "recomputed")
        & rows["edition_date"].notna()
    ]
    before = usable[usable["edition_date"] <= relied.date]
    after = usable[usable["edition_date"] > relied.date]
    parts = [
        _nearest_on_one_side(claim, rows, label, part, role, pick)
        for label, part, role, pick in (
            ("before", before, NEAREST_BEFORE, "max"),
            ("after", after, NEAREST_AFTER, "min"),
        )
    ]
    latest = _latest_on_hand(claim, relied, rows, after, editions)
    if latest:
        parts.append(latest)
    missing = "is not on hand" if not relied.on_hand else f"has no {claim.year} value"
    return f"{relied.id} ({relied.date}) {missing}; " + "; ".join(parts)


def _nearest_on_one_side(
    claim: Claim, rows: pd.DataFrame, label: str, part: pd.DataFrame, role: str, pick: str
) -> str:
    """Mark the edition(s) of `part` dated nearest the relied-on date (`pick` max or min)."""
    if part.empty:
        return f"nearest {label}: no edition on hand dated {label} it gives this value"
    chosen = part[part["edition_date"] == getattr(part["edition_date"], pick)()]
    rows.loc[chosen.index, "role"] = role
    said = ", ".join(
        f"{r['edition']} ({r['edition_date']}, {r['source_kind']}) {_fmt(r['value'], claim)} "
        f"for {_year(r['year'])}: {r['verdict']}"
        for _, r in chosen.iterrows()
    )
    return f"nearest {label}: {said}"


def _latest_on_hand(
    claim: Claim,
    relied: Edition,
    rows: pd.DataFrame,
    after: pd.DataFrame,
    editions: Mapping[str, Edition],
) -> str | None:
    """The revisions since: mark and describe the latest edition of the same dataset on hand.

    Runs after the nearest editions are marked: one that is already the nearest after keeps
    that role and is not repeated.
    """
    same = after[
        after["edition"].map(lambda e: e in editions and editions[e].dataset == relied.dataset)
    ]
    newest = same[same["edition_date"] == same["edition_date"].max()] if len(same) else same
    newest = newest[rows.loc[newest.index, "role"] != NEAREST_AFTER]
    if newest.empty:
        return None
    rows.loc[newest.index, "role"] = LATEST
    return "latest on hand: " + ", ".join(
        f"{r['edition']} ({r['edition_date']}) {_fmt(r['value'], claim)}: {r['verdict']}"
        for _, r in newest.iterrows()
    )


def _digits(claim: Claim) -> int:
    """Decimals a value of the claim's unit is written with: counts none, ratios two."""
    if claim.cited_unit == "economies":
        return 0
    return 2 if claim.cited_unit == "times" else 1


def _fmt(value: float, claim: Claim) -> str:
    """A value in the claim's unit, as the reason text writes it."""
    suffix = {"percent": " %", "millions": " M", "times": "x", "economies": " economies"}
    return f"{value:,.{_digits(claim)}f}{suffix.get(claim.cited_unit, ' ' + claim.cited_unit)}"


def _year(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(int(value))


def _cited_text(claim: Claim) -> str:
    """The cited figure with its comparator, tolerance and unit, as the report prints it."""
    return cited_text(claim.comparator, claim.cited, claim.tolerance, claim.cited_unit)
