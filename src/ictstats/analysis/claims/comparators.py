"""How a value is held against a cited figure: ITU rounding, 'about', 'more than', 'less than'.

Where it sits: the values of each edition (`facts.candidates`) -> **judge** -> the verdict of each
row, which `verdicts.check_claims` turns into the claim's verdict.

Comparators are different tests: a plain figure is ITU's value rounded half up (70.5 -> 71),
"about" allows a stated tolerance, "more than" / "less than" are strict, a count is "at least".
The cited number is never written into a value.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ictstats.analysis.claims.register import Claim

# claim verdicts
REPRODUCED = "reproduced"
REPRODUCED_THEN_REVISED = "reproduced_then_revised"
NOT_REPRODUCED = "not_reproduced"
CONTRADICTED = "contradicted"
NOT_VERIFIABLE = "not_verifiable"
VERDICTS = (REPRODUCED, REPRODUCED_THEN_REVISED, NOT_REPRODUCED, CONTRADICTED, NOT_VERIFIABLE)
# a row (one edition) that carries the series but not the value
NOT_AVAILABLE = "not_available"


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


def cited_text(comparator: str, cited: float, tolerance: float | None, unit: str) -> str:
    """The cited figure in words, with its comparator, tolerance and unit, as reports print it."""
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
