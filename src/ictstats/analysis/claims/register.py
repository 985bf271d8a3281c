"""What the claims register holds: claims, the documents that make them, the editions they name.

Where it sits: `data/claims.yaml` -> `loading.load_register` -> **these records** -> the facts,
comparators and verdicts of `ictstats.analysis.claims`. Plain frozen records with the few
checks a record can make on itself; the file's rules (line numbers, dates, vocabularies) are in
`loading`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ictstats.errors import IctstatsError

COMPARATORS = ("rounded", "about", "more_than", "less_than", "count_at_least")
DERIVATIONS = (None, "ratio", "offline_share", "offline_count", "count_below")


class ClaimsError(IctstatsError):
    """The claims register is malformed or breaks a rule; the message names file, claim, field."""


@dataclass(frozen=True)
class Claim:
    """One cited figure: where the text says it, what it cites, the edition the text relied on."""

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
    """A text that cites figures; no edition published after its adoption can back it."""

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
    """The register as loaded: claims in file order, their documents, every edition named."""

    claims: list[Claim]
    documents: dict[str, Document]
    editions: dict[str, Edition]
    path: str = "claims.yaml"
