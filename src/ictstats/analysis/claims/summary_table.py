"""One line per claim: its verdict, the edition it was judged on and that edition's value.

Where it sits: `claim_checks` (`verdicts.check_claims`) -> **summary** -> the verdict table of
the claims report, `ictstats claims` and the build's log.
"""

from __future__ import annotations

import pandas as pd

from ictstats.analysis.claims.verdicts import JUDGED

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
