"""ITU's country-level parsers under their former module name, until the importers move.

Where it sits: sources (verified file) -> **parse** -> validate -> warehouse. The parsers now
live in modules named after what they read; this module only re-exports them so that
`ictstats.build` (OBSERVATION_PARSERS) keeps working unchanged. New code imports from the homes
below; once no importer is left, delete this module.

- `itu_country_wide_value_notes_source`: `parse_itu_country_internet` in `itu_internet_use`
- `itu_country_by_sex_area_text`: `parse_itu_country_by_sex_area` and
  `parse_itu_in_scope_population` in `itu_internet_by_sex_area`
- `itu_datahub_long`: `parse_itu_datahub_coverage` in `itu_coverage`
"""

from __future__ import annotations

from ictstats.extract.itu_coverage import parse_itu_datahub_coverage
from ictstats.extract.itu_internet_by_sex_area import (
    BY_SEX_SHEET,
    parse_itu_country_by_sex_area,
    parse_itu_in_scope_population,
)
from ictstats.extract.itu_internet_use import parse_itu_country_internet

__all__ = [
    "BY_SEX_SHEET",
    "parse_itu_country_by_sex_area",
    "parse_itu_country_internet",
    "parse_itu_datahub_coverage",
    "parse_itu_in_scope_population",
]
