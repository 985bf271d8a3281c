"""The World Bank parsers under their former module name, until the importers move.

Where it sits: sources (verified file) -> **parse** -> validate -> warehouse. The parsers now
live in modules named after what they read; this module only re-exports them so that
`ictstats.build` (OBSERVATION_PARSERS, REFERENCE_PARSERS) keeps working unchanged. New code
imports from the homes below; once no importer is left, delete this module.

| layout                    | function                    | home              |
|---------------------------|-----------------------------|-------------------|
| `wb_databank_wide`        | `parse_wb_databank_wide`    | `wdi`             |
| `wb_bulk_csv`             | `parse_wb_bulk_csv`         | `wdi`             |
| `wb_class`                | `parse_wb_class`            | `income_groups`   |
| `wb_oghist`               | `parse_wb_oghist`           | `income_history`  |
| `datahub_population_long` | `parse_datahub_population`  | `population`      |

What the World Bank files share (codes, headers, footers, CSV lines) is `wb_conventions`.
"""

from __future__ import annotations

from ictstats.extract.income_groups import parse_wb_class
from ictstats.extract.income_history import parse_wb_oghist
from ictstats.extract.population import parse_datahub_population
from ictstats.extract.wdi import (
    WB_DATABANK,
    WB_DATABANK_SKIPPED_SERIES,
    parse_wb_bulk_csv,
    parse_wb_databank_wide,
    wb_bulk_last_updated,
)

__all__ = [
    "WB_DATABANK",
    "WB_DATABANK_SKIPPED_SERIES",
    "parse_datahub_population",
    "parse_wb_bulk_csv",
    "parse_wb_class",
    "parse_wb_databank_wide",
    "parse_wb_oghist",
    "wb_bulk_last_updated",
]
