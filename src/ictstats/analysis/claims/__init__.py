"""The claims register and its check: each cited figure judged on the edition its text relied on.

Where it sits: warehouse observations + recomputed aggregates + `data/claims.yaml` ->
**claim checks** -> `claim_checks` table, Markdown/HTML report, charts.

One module per step, in the order of the flow:
- `register`: the records a register holds (`Claim`, `Document`, `Edition`, `Register`);
- `loading`: reading and checking `data/claims.yaml` (`load_register`, `editions_from_manifest`);
- `facts`: every edition's values in one frame (`facts_frame`) and a claim's values in it;
- `comparators`: one value against the cited figure (`judge`, ITU's `round_half_up`);
- `verdicts`: each claim judged on its relied-on edition (`check_claims`), the rules of which
  are in that module's docstring;
- `summary_table`: one line per claim (`summary`).
The names below stay importable from `ictstats.analysis.claims`, where callers have them from.
"""

from __future__ import annotations

from ictstats.analysis.claims.comparators import (
    CONTRADICTED,
    NOT_AVAILABLE,
    NOT_REPRODUCED,
    NOT_VERIFIABLE,
    REPRODUCED,
    REPRODUCED_THEN_REVISED,
    VERDICTS,
    cited_text,
    judge,
    round_half_up,
)
from ictstats.analysis.claims.facts import VALUE_COLUMNS, VERSION, candidates, facts_frame, values
from ictstats.analysis.claims.loading import editions_from_manifest, load_register
from ictstats.analysis.claims.register import (
    COMPARATORS,
    DERIVATIONS,
    Claim,
    ClaimsError,
    Document,
    Edition,
    Register,
)
from ictstats.analysis.claims.summary_table import SUMMARY_COLUMNS, summary
from ictstats.analysis.claims.verdicts import (
    CHECK_COLUMNS,
    CONFIRMATION,
    EARLIER,
    JUDGED,
    LATEST,
    LOW_COVERAGE,
    NEAREST_AFTER,
    NEAREST_BEFORE,
    NO_VALUE,
    REVISION,
    check_claims,
)

__all__ = [
    "CHECK_COLUMNS",
    "COMPARATORS",
    "CONFIRMATION",
    "CONTRADICTED",
    "DERIVATIONS",
    "EARLIER",
    "JUDGED",
    "LATEST",
    "LOW_COVERAGE",
    "NEAREST_AFTER",
    "NEAREST_BEFORE",
    "NOT_AVAILABLE",
    "NOT_REPRODUCED",
    "NOT_VERIFIABLE",
    "NO_VALUE",
    "REPRODUCED",
    "REPRODUCED_THEN_REVISED",
    "REVISION",
    "SUMMARY_COLUMNS",
    "VALUE_COLUMNS",
    "VERDICTS",
    "VERSION",
    "Claim",
    "ClaimsError",
    "Document",
    "Edition",
    "Register",
    "candidates",
    "check_claims",
    "cited_text",
    "editions_from_manifest",
    "facts_frame",
    "judge",
    "load_register",
    "round_half_up",
    "summary",
    "values",
]
