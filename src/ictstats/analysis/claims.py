"""The claims register and its check: each cited figure judged on the edition its text relied on.

Where it sits: warehouse observations + recomputed aggregates + `data/claims.yaml` ->
**claim checks** -> `claim_checks` table, Markdown/HTML report, charts.

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

Comparators are different tests: a plain figure is ITU's value rounded half up (70.5 -> 71),
"about" allows a stated tolerance, "more than" / "less than" are strict. The cited number is never
written into a value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from ictstats.errors import IctstatsError
from ictstats.metadata import codes

# claim verdicts
REPRODUCED = "reproduced"
REPRODUCED_THEN_REVISED = "reproduced_then_revised"
NOT_REPRODUCED = "not_reproduced"
CONTRADICTED = "contradicted"
NOT_VERIFIABLE = "not_verifiable"
VERDICTS = (REPRODUCED, REPRODUCED_THEN_REVISED, NOT_REPRODUCED, CONTRADICTED, NOT_VERIFIABLE)
# a row (one edition) that carries the series but not the value
NOT_AVAILABLE = "not_available"

# what a row is to its claim's verdict
JUDGED, LATEST, NEAREST_BEFORE, NEAREST_AFTER = (
    "judged",
    "latest",
    "nearest_before",
    "nearest_after",
)
CONFIRMATION, REVISION, EARLIER, NO_VALUE = "confirmation", "revision", "earlier", "no_value"
LOW_COVERAGE = "excluded_low_coverage"

COMPARATORS = ("rounded", "about", "more_than", "less_than", "count_at_least")
DERIVATIONS = (None, "ratio", "offline_share", "offline_count", "count_below")
CHECK_COLUMNS = [
    "claim",
    "document",
    "adopted",
    "paragraph",
    "wording",
    "comparator",
    "cited",
    "tolerance",
    "unit",
    "edition",
    "edition_date",
    "source_kind",
    "imputation",
    "year",
    "value",
    "difference",
    "verdict",
    "role",
    "detail",
    "relied_on",
    "relied_on_date",
    "claim_verdict",
    "reason",
    "needed_edition",
]


class ClaimsError(IctstatsError):
    """The claims register is malformed or breaks a rule; the message names file, claim, field."""


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
    present: bool = False
    note: str = ""

    def __post_init__(self) -> None:
        if self.comparator not in COMPARATORS:
            raise ValueError(f"{self.id}: unknown comparator {self.comparator!r}")
        if self.derive not in DERIVATIONS:
            raise ValueError(f"{self.id}: unknown derivation {self.derive!r}")
        if self.comparator == "about" and self.tolerance is None:
            raise ValueError(f"{self.id}: an 'about' claim needs a tolerance")

    @property
    def cited_unit(self) -> str:
        """The unit of the cited number (not always the series' unit: C8 counts economies)."""
        return {"count_below": "economies", "ratio": "times"}.get(self.derive or "", self.unit)


@dataclass(frozen=True)
class Document:
    id: str
    adopted: dt.date
    title: str = ""
    note: str = ""


@dataclass(frozen=True)
class Edition:
    """An edition a claim can name: from the manifest (on hand) or listed as not on hand."""

    id: str
    date: dt.date
    dataset: str
    title: str = ""
    on_hand: bool = True
    latest_year: int | None = None
    note: str = ""


@dataclass
class Register:
    claims: list[Claim]
    documents: dict[str, Document]
    editions: dict[str, Edition]
    path: str = "claims.yaml"


# --- loading and validating the register ---------------------------------------------------

TOP_LEVEL = {"documents", "editions_not_on_hand", "claims"}
REQUIRED = ("id", "document", "paragraph", "wording", "series", "entity", "year", "cited")
REQUIRED += ("comparator", "relied_on")
DOCUMENT_FIELDS = {"title", "adopted", "note"}
NOT_ON_HAND_FIELDS = {"title", "date", "dataset", "latest_year", "note"}


def editions_from_manifest(manifest: Mapping[str, Any]) -> dict[str, Edition]:
    """Every edition of the source manifest with its publication date and dataset."""
    from ictstats.warehouse.editions import dataset_of

    return {
        s.edition: Edition(s.edition, s.edition_date, dataset_of(s.layout), s.title)
        for s in manifest.values()
    }


def load_register(path: Path, editions: Mapping[str, Edition]) -> Register:
    """Read and check `data/claims.yaml`; every error names the file, the claim and the field.

    `editions` are the manifest's (on hand); the register lists the editions its texts relied on
    that are not on hand. A relied-on edition published after its document's adoption stops here.
    """
    from ictstats.yamlfile import read

    where = str(path)
    document, lines = read(Path(path), ClaimsError)
    if not isinstance(document, dict) or not isinstance(document.get("claims"), list):
        raise ClaimsError(f"{where}: expected a mapping with a `claims:` list; found none")
    unknown = sorted(set(document) - TOP_LEVEL)
    if unknown:
        raise ClaimsError(
            f"{where}, line {lines.get((unknown[0],), 0)}: unknown top-level key(s) {unknown}; "
            f"expected {sorted(TOP_LEVEL)}"
        )
    documents = _documents(where, document.get("documents") or {}, lines)
    not_on_hand = _not_on_hand(where, document.get("editions_not_on_hand") or {}, lines)
    # an edition that has since arrived is judged from the data: the manifest's entry wins
    known = {**not_on_hand, **editions}
    claims: list[Claim] = []
    for number, entry in enumerate(document["claims"], start=1):
        at = _lines_of(where, lines, ("claims", number - 1))
        claim = _claim(at, number, entry, documents, known)
        if any(c.id == claim.id for c in claims):
            raise ClaimsError(f"{at('id')}: claim {claim.id}, field 'id': the id appears twice")
        claims.append(claim)
    return Register(claims, documents, known, where)


def _lines_of(where: str, lines: Mapping[tuple, int], entry: tuple) -> Callable[[str], str]:
    """`file, line N` of a field of one entry (the entry's own line when the field is absent)."""

    def at(name: str) -> str:
        return f"{where}, line {lines.get(entry + (name,), lines.get(entry, 0))}"

    return at


def _fail(at: Callable[[str], str], claim: str, name: str, problem: str, fix: str) -> ClaimsError:
    return ClaimsError(f"{at(name)}: claim {claim}, field '{name}': {problem}. {fix}")


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _documents(where: str, entries: Any, lines: Mapping[tuple, int]) -> dict[str, Document]:
    if not isinstance(entries, dict):
        raise ClaimsError(f"{where}: `documents` must map a document id to its adoption date")
    documents = {}
    for name, entry in entries.items():
        entry = entry or {}
        at = _lines_of(where, lines, ("documents", name))
        unknown = sorted(set(entry) - DOCUMENT_FIELDS)
        if unknown:
            raise ClaimsError(
                f"{at(unknown[0])}: document {name}, unknown field(s) {unknown}; "
                f"expected {sorted(DOCUMENT_FIELDS)}"
            )
        adopted = _date(entry.get("adopted"))
        if adopted is None:
            raise ClaimsError(
                f"{at('adopted')}: document {name}, field 'adopted': "
                f"{entry.get('adopted')!r} is not a date. Give the adoption date as YYYY-MM-DD"
            )
        documents[name] = Document(name, adopted, entry.get("title", ""), entry.get("note", ""))
    return documents


def _not_on_hand(where: str, entries: Any, lines: Mapping[tuple, int]) -> dict[str, Edition]:
    if not isinstance(entries, dict):
        raise ClaimsError(f"{where}: `editions_not_on_hand` must map an edition label to its date")
    editions = {}
    for label, entry in entries.items():
        entry = entry or {}
        at = _lines_of(where, lines, ("editions_not_on_hand", label))
        unknown = sorted(set(entry) - NOT_ON_HAND_FIELDS)
        if unknown:
            raise ClaimsError(
                f"{at(unknown[0])}: edition {label} (not on hand), unknown field(s) {unknown}; "
                f"expected {sorted(NOT_ON_HAND_FIELDS)}"
            )
        date = _date(entry.get("date"))
        if date is None or not entry.get("title") or not entry.get("dataset"):
            raise ClaimsError(
                f"{at('date')}: edition {label} (not on hand) needs a `title`, a `dataset` and a "
                f"publication `date` (YYYY-MM-DD); found {entry}"
            )
        year = entry.get("latest_year")
        editions[label] = Edition(
            label,
            date,
            entry["dataset"],
            entry["title"],
            on_hand=False,
            latest_year=int(year) if year is not None else None,
            note=entry.get("note", ""),
        )
    return editions


def _claim(
    at: Callable[[str], str],
    number: int,
    entry: Any,
    documents: Mapping[str, Document],
    editions: Mapping[str, Edition],
) -> Claim:
    if not isinstance(entry, dict):
        raise ClaimsError(f"{at('id')}: claim #{number} is not a mapping of fields")
    cid = str(entry.get("id") or f"#{number}")
    known = {f.name for f in fields(Claim)}
    for name in sorted(set(entry) - known):
        raise _fail(at, cid, name, "unknown field", f"Known fields: {', '.join(sorted(known))}")
    for name in REQUIRED:
        if entry.get(name) is None:
            raise _fail(at, cid, name, "missing", "Every claim needs " + ", ".join(REQUIRED))
    _check_choices(at, cid, entry)
    _check_numbers(at, cid, entry)
    document = documents.get(entry["document"])
    if document is None:
        raise _fail(
            at,
            cid,
            "document",
            f"unknown document {entry['document']!r}",
            f"List it under `documents:` with its adoption date (known: {sorted(documents)})",
        )
    edition = editions.get(entry["relied_on"])
    if edition is None:
        raise _fail(
            at,
            cid,
            "relied_on",
            f"edition {entry['relied_on']!r} is neither in data/sources.yaml nor under "
            "`editions_not_on_hand`",
            "Name an edition of the manifest, or list the edition the text used under "
            "`editions_not_on_hand` with its title, dataset and publication date",
        )
    if edition.date > document.adopted:
        raise _fail(
            at,
            cid,
            "relied_on",
            f"edition {edition.id} was published on {edition.date}, after {document.id} was "
            f"adopted on {document.adopted}, so the text cannot have relied on it",
            f"Name the edition the text used (published on or before {document.adopted}; list it "
            "under `editions_not_on_hand` if it is not in data/sources.yaml). Later editions "
            "still appear in `ictstats claims --all` as confirmation or revision",
        )
    present = bool(entry.get("present", False))
    if present and not edition.on_hand and edition.latest_year != entry["year"]:
        raise _fail(
            at,
            cid,
            "year",
            f"a statement about the present is judged at the latest year its relied-on edition "
            f"holds; {edition.id} holds {edition.latest_year}, the claim says {entry['year']}",
            f"Set year: {edition.latest_year} (or correct `latest_year` of {edition.id})",
        )
    return Claim(**entry)


def _check_choices(at: Callable[[str], str], cid: str, entry: dict) -> None:
    choices = {
        "comparator": COMPARATORS,
        "derive": DERIVATIONS,
        "series": tuple(sorted(codes.SERIES_IDS)),
        "sex": tuple(codes.SEX),
        "area": tuple(codes.AREA),
        "age": tuple(codes.AGE),
        "unit": tuple(codes.UNITS),
    }
    for name, allowed in choices.items():
        if name in entry and entry[name] not in allowed:
            raise _fail(
                at,
                cid,
                name,
                f"unknown value {entry[name]!r}",
                f"Use one of {[a for a in allowed if a is not None]}",
            )
    entities = {"economies"} if entry.get("derive") == "count_below" else codes.GROUP_CODES
    for name in ("entity", "denominator_entity"):
        if entry.get(name) is not None and entry[name] not in entities:
            raise _fail(
                at,
                cid,
                name,
                f"unknown entity {entry[name]!r}",
                f"Use one of {sorted(entities)}",
            )


def _check_numbers(at: Callable[[str], str], cid: str, entry: dict) -> None:
    year = entry["year"]
    if not (isinstance(year, int) or (year == "latest" and entry.get("derive") == "count_below")):
        raise _fail(
            at,
            cid,
            "year",
            f"{year!r} is not a year",
            "Give a year (`latest` only for a count of economies, derive: count_below)",
        )
    for name in ("cited", "tolerance", "threshold"):
        value = entry.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise _fail(at, cid, name, f"{value!r} is not a number", "Give a number")
    if entry["comparator"] == "about" and entry.get("tolerance") is None:
        raise _fail(at, cid, "tolerance", "missing", "An 'about' claim needs a tolerance")
    if entry.get("derive") == "count_below" and entry.get("threshold") is None:
        raise _fail(at, cid, "threshold", "missing", "A count of economies needs a threshold")
    if entry.get("derive") == "ratio" and entry.get("denominator_entity") is None:
        raise _fail(at, cid, "denominator_entity", "missing", "A ratio needs a denominator")


# --- comparing one value ---------------------------------------------------------------------


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


# --- the values each edition gives -----------------------------------------------------------

VERSION = ["edition", "source_kind", "imputation"]
VALUE_COLUMNS = [*VERSION, "year", "value", "detail", "low_coverage"]


def _low(frame: pd.DataFrame) -> pd.Series:
    """The `low_coverage` flag of recomputed rows; False where the column does not exist (yet)."""
    if "low_coverage" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["low_coverage"].astype("boolean").fillna(False).astype(bool)


def _series_rows(facts: pd.DataFrame, claim: Claim, entity: str, unit: str) -> pd.DataFrame:
    rows = facts[
        (facts["series"] == claim.series)
        & (facts["entity"] == entity)
        & (facts["sex"] == claim.sex)
        & (facts["area"] == claim.area)
        & (facts["age"] == claim.age)
        & (facts["unit"] == unit)
    ]
    return rows.assign(low_coverage=_low(rows))


def values(claim: Claim, facts: pd.DataFrame, economies: set[str]) -> pd.DataFrame:
    """Every year's compared value in every edition (and imputation) carrying the claim's series."""
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
            low_coverage=rows["low_coverage"] | rows["low_coverage_den"],
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
            low_coverage=rows["low_coverage"] | rows["low_coverage_share"],
        )
    return rows.rename(columns={"source_location": "detail"})[VALUE_COLUMNS]


def candidates(claim: Claim, facts: pd.DataFrame, economies: set[str]) -> pd.DataFrame:
    """One row per edition (and imputation) that carries the claim's series: year, value, detail.

    `value` is NaN when the edition carries the series but not the claim's year.
    """
    rows = values(claim, facts, economies)
    if claim.derive == "count_below":
        return rows  # one row per edition already, at its latest well-reported year
    carrying = rows[VERSION].drop_duplicates()
    at_year = rows[rows["year"] == claim.year]
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
                "low_coverage": False,
            }
        )
    return pd.DataFrame(found, columns=VALUE_COLUMNS)


# --- judging a claim on its relied-on edition ------------------------------------------------


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
    relied = register.editions[claim.relied_on]
    document = register.documents[claim.document]
    if claim.present and relied.on_hand and isinstance(claim.year, int):
        _check_present_year(register, claim, values(claim, facts, economies))
    rows = candidates(claim, facts, economies)
    rows = rows.assign(
        edition_date=rows["edition"].map(dates),
        low_coverage=rows["low_coverage"].astype("boolean").fillna(False).astype(bool),
    )
    if not (rows["edition"] == relied.id).any():
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
        raise _fail(
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
    parts = []
    for label, part, role, pick in (
        ("before", before, NEAREST_BEFORE, "max"),
        ("after", after, NEAREST_AFTER, "min"),
    ):
        if part.empty:
            parts.append(f"nearest {label}: no edition on hand dated {label} it gives this value")
            continue
        chosen = part[part["edition_date"] == getattr(part["edition_date"], pick)()]
        rows.loc[chosen.index, "role"] = role
        said = ", ".join(
            f"{r['edition']} ({r['edition_date']}, {r['source_kind']}) {_fmt(r['value'], claim)} "
            f"for {_year(r['year'])}: {r['verdict']}"
            for _, r in chosen.iterrows()
        )
        parts.append(f"nearest {label}: {said}")
    # the revisions since: what the latest edition of the same dataset on hand says
    same = after[
        after["edition"].map(lambda e: e in editions and editions[e].dataset == relied.dataset)
    ]
    newest = same[same["edition_date"] == same["edition_date"].max()] if len(same) else same
    newest = newest[rows.loc[newest.index, "role"] != NEAREST_AFTER]
    if not newest.empty:
        rows.loc[newest.index, "role"] = LATEST
        parts.append(
            "latest on hand: "
            + ", ".join(
                f"{r['edition']} ({r['edition_date']}) {_fmt(r['value'], claim)}: {r['verdict']}"
                for _, r in newest.iterrows()
            )
        )
    missing = "is not on hand" if not relied.on_hand else f"has no {claim.year} value"
    return f"{relied.id} ({relied.date}) {missing}; " + "; ".join(parts)


def _digits(claim: Claim) -> int:
    if claim.cited_unit == "economies":
        return 0
    return 2 if claim.cited_unit == "times" else 1


def _fmt(value: float, claim: Claim) -> str:
    suffix = {"percent": " %", "millions": " M", "times": "x", "economies": " economies"}
    return f"{value:,.{_digits(claim)}f}{suffix.get(claim.cited_unit, ' ' + claim.cited_unit)}"


def _year(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(int(value))


def _cited_text(claim: Claim) -> str:
    """The cited figure with its comparator, tolerance and unit, as the report prints it."""
    return cited_text(claim.comparator, claim.cited, claim.tolerance, claim.cited_unit)


def cited_text(comparator: str, cited: float, tolerance: float | None, unit: str) -> str:
    number = {"percent": f"{cited:g} %", "millions": f"{cited:,.0f} M", "times": f"{cited:g}x"}
    amount = number.get(unit, f"{cited:g} {unit}")
    if comparator == "about":
        return f"about {amount} (± {tolerance:g})"
    if comparator == "more_than":
        return f"more than {amount}"
    if comparator == "less_than":
        return f"less than {amount}"
    if comparator == "count_at_least":
        return f"at least {amount}"
    return f"{amount} (rounded half up)"


# --- one line per claim ----------------------------------------------------------------------

SUMMARY_COLUMNS = [
    "claim",
    "document",
    "adopted",
    "wording",
    "comparator",
    "cited",
    "tolerance",
    "unit",
    "verdict",
    "judged_on",
    "judged_on_date",
    "year",
    "value",
    "reason",
    "needed_edition",
]


def summary(checks: pd.DataFrame) -> pd.DataFrame:
    """One line per claim: its verdict, the edition it was judged on and that edition's value."""
    lines = []
    for claim, rows in checks.groupby("claim", sort=False):
        judged = rows[rows["role"] == JUDGED].iloc[0]
        lines.append(
            {
                "claim": claim,
                "document": judged["document"],
                "adopted": judged["adopted"],
                "wording": judged["wording"],
                "comparator": judged["comparator"],
                "cited": judged["cited"],
                "tolerance": judged["tolerance"],
                "unit": judged["unit"],
                "verdict": judged["claim_verdict"],
                "judged_on": judged["relied_on"],
                "judged_on_date": judged["relied_on_date"],
                "year": judged["year"],
                "value": judged["value"],
                "reason": judged["reason"],
                "needed_edition": judged["needed_edition"],
            }
        )
    return pd.DataFrame(lines, columns=SUMMARY_COLUMNS)


def facts_frame(
    observations: pd.DataFrame, recomputed: pd.DataFrame | None, secondary_editions: set[str]
) -> pd.DataFrame:
    """Published, secondary and recomputed values in one frame, each labelled with its kind.

    A recomputed row keeps its `low_coverage` flag when the recomputed table has one (population
    coverage below 50 %): such a row is shown but never judges a claim.
    """
    published = observations.assign(
        source_kind=observations["edition"].map(
            lambda e: "secondary" if e in secondary_editions else "published"
        ),
        imputation="",
        input_edition=observations["edition"],
        low_coverage=False,
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
        "input_edition",
        "low_coverage",
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
        source_kind="recomputed",
        unit="percent",
        source_location=detail,
        low_coverage=_low(recomputed),
    )
    if "input_edition" not in recomputed_rows:
        recomputed_rows = recomputed_rows.assign(input_edition=recomputed_rows["edition"])
    return pd.concat([published[columns], recomputed_rows[columns]], ignore_index=True)
