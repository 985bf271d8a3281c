"""Reading and checking `data/claims.yaml`: every error names the file, line, claim and field.

Where it sits: `data/claims.yaml` + the source manifest's editions -> **load_register** ->
a `Register` of records (`register.py`) that `verdicts.check_claims` judges.

The rules a text's claim must keep: known fields and vocabularies (series, breakdowns, entities,
units from `ictstats.metadata.codes`), numbers where numbers belong, a listed document, and a
relied-on edition that exists and was published on or before the document's adoption date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from ictstats.analysis.claims.register import (
    COMPARATORS,
    DERIVATIONS,
    Claim,
    ClaimsError,
    Document,
    Edition,
    Register,
)
from ictstats.metadata import codes

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


def field_error(
    at: Callable[[str], str], claim: str, name: str, problem: str, fix: str
) -> ClaimsError:
    """The error for one field of one claim: where, which claim and field, what, how to fix."""
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
    """One entry of `claims:` checked field by field, in the order a reader would fix them."""
    if not isinstance(entry, dict):
        raise ClaimsError(f"{at('id')}: claim #{number} is not a mapping of fields")
    cid = str(entry.get("id") or f"#{number}")
    _check_fields(at, cid, entry)
    _check_choices(at, cid, entry)
    _check_numbers(at, cid, entry)
    document = _document_of(at, cid, entry, documents)
    edition = _relied_on(at, cid, entry, editions)
    _check_relied_on_date(at, cid, edition, document)
    _check_present_year_not_on_hand(at, cid, entry, edition)
    return Claim(**entry)


def _check_fields(at: Callable[[str], str], cid: str, entry: dict) -> None:
    """No field the Claim record does not know; every required field present."""
    known = {f.name for f in fields(Claim)}
    for name in sorted(set(entry) - known):
        raise field_error(
            at, cid, name, "unknown field", f"Known fields: {', '.join(sorted(known))}"
        )
    for name in REQUIRED:
        if entry.get(name) is None:
            raise field_error(at, cid, name, "missing", "Every claim needs " + ", ".join(REQUIRED))


def _document_of(
    at: Callable[[str], str], cid: str, entry: dict, documents: Mapping[str, Document]
) -> Document:
    """The document the claim is in, which `documents:` must list with its adoption date."""
    document = documents.get(entry["document"])
    if document is None:
        raise field_error(
            at,
            cid,
            "document",
            f"unknown document {entry['document']!r}",
            f"List it under `documents:` with its adoption date (known: {sorted(documents)})",
        )
    return document


def _relied_on(
    at: Callable[[str], str], cid: str, entry: dict, editions: Mapping[str, Edition]
) -> Edition:
    """The edition the text relied on: in the manifest, or listed as not on hand."""
    edition = editions.get(entry["relied_on"])
    if edition is None:
        raise field_error(
            at,
            cid,
            "relied_on",
            f"edition {entry['relied_on']!r} is neither in data/sources.yaml nor under "
            "`editions_not_on_hand`",
            "Name an edition of the manifest, or list the edition the text used under "
            "`editions_not_on_hand` with its title, dataset and publication date",
        )
    return edition


def _check_relied_on_date(
    at: Callable[[str], str], cid: str, edition: Edition, document: Document
) -> None:
    """A text cannot rely on an edition published after it was adopted."""
    if edition.date > document.adopted:
        raise field_error(
            at,
            cid,
            "relied_on",
            f"edition {edition.id} was published on {edition.date}, after {document.id} was "
            f"adopted on {document.adopted}, so the text cannot have relied on it",
            f"Name the edition the text used (published on or before {document.adopted}; list it "
            "under `editions_not_on_hand` if it is not in data/sources.yaml). Later editions "
            "still appear in `ictstats claims --all` as confirmation or revision",
        )


def _check_present_year_not_on_hand(
    at: Callable[[str], str], cid: str, entry: dict, edition: Edition
) -> None:
    """A statement about the present names the latest year its edition holds.

    Only checkable here for an edition not on hand (its `latest_year` is in the register); an
    edition on hand is checked against its data when the claim is judged.
    """
    present = bool(entry.get("present", False))
    if present and not edition.on_hand and edition.latest_year != entry["year"]:
        raise field_error(
            at,
            cid,
            "year",
            f"a statement about the present is judged at the latest year its relied-on edition "
            f"holds; {edition.id} holds {edition.latest_year}, the claim says {entry['year']}",
            f"Set year: {edition.latest_year} (or correct `latest_year` of {edition.id})",
        )


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
            raise field_error(
                at,
                cid,
                name,
                f"unknown value {entry[name]!r}",
                f"Use one of {[a for a in allowed if a is not None]}",
            )
    entities = {"economies"} if entry.get("derive") == "count_below" else codes.GROUP_CODES
    for name in ("entity", "denominator_entity"):
        if entry.get(name) is not None and entry[name] not in entities:
            raise field_error(
                at,
                cid,
                name,
                f"unknown entity {entry[name]!r}",
                f"Use one of {sorted(entities)}",
            )


def _check_numbers(at: Callable[[str], str], cid: str, entry: dict) -> None:
    year = entry["year"]
    if not (isinstance(year, int) or (year == "latest" and entry.get("derive") == "count_below")):
        raise field_error(
            at,
            cid,
            "year",
            f"{year!r} is not a year",
            "Give a year (`latest` only for a count of economies, derive: count_below)",
        )
    for name in ("cited", "tolerance", "threshold"):
        value = entry.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise field_error(at, cid, name, f"{value!r} is not a number", "Give a number")
    if entry["comparator"] == "about" and entry.get("tolerance") is None:
        raise field_error(at, cid, "tolerance", "missing", "An 'about' claim needs a tolerance")
    if entry.get("derive") == "count_below" and entry.get("threshold") is None:
        raise field_error(at, cid, "threshold", "missing", "A count of economies needs a threshold")
    if entry.get("derive") == "ratio" and entry.get("denominator_entity") is None:
        raise field_error(at, cid, "denominator_entity", "missing", "A ratio needs a denominator")
