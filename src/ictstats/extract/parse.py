"""Which parser reads which source, and each parsed file stamped with its edition and hash.

Where it sits: the extract stage's entry point. `layout` in data/sources.yaml names the parser;
a layout no parser reads stops the build (a typo must not drop a file silently).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from ictstats.errors import SourceError
from ictstats.extract import (
    datahub,
    income_groups,
    income_history,
    itu_coverage,
    itu_extract,
    itu_internet_by_sex_area,
    itu_internet_use,
    owid,
    population,
    un_data,
    wdi,
)
from ictstats.extract.itu_aggregates import ParsedWorkbook, parse_itu_aggregates
from ictstats.extract.itu_vocabulary import layout_names
from ictstats.sources.manifest import ResolvedSource, Source
from ictstats.transform import schemas

ITU_AGGREGATE_LAYOUTS = frozenset(layout_names())


def is_itu_aggregates(source: Source) -> bool:
    return source.layout in ITU_AGGREGATE_LAYOUTS


def parse_edition(resolved: ResolvedSource) -> ParsedWorkbook:
    """Parse one verified workbook and stamp every row with its edition, source and hash."""
    source = resolved.source
    parsed = parse_itu_aggregates(resolved.path, source.layout, workbook_name=source.filename)
    stamp = {"edition": source.edition, "source_id": source.id, "source_sha256": resolved.sha256}
    for frame in (parsed.observations, parsed.duplicate_cells):
        for column, value in reversed(stamp.items()):
            frame.insert(0, column, value)
    schemas.validate(parsed.observations, schemas.raw_layout_schema(source.layout))
    return parsed


OBSERVATION_PARSERS: dict[str, Callable[[Path, str], pd.DataFrame]] = {
    "itu_country_wide_value_notes_source": itu_internet_use.parse_itu_country_internet,
    "itu_country_by_sex_area_text": itu_internet_by_sex_area.parse_itu_country_by_sex_area,
    "itu_datahub_long": itu_coverage.parse_itu_datahub_coverage,
    "un_sdg_export": un_data.parse_un_sdg_mobile_ownership,
    "wb_databank_wide": wdi.parse_wb_databank_wide,
    "wb_bulk_csv": wdi.parse_wb_bulk_csv,
    "owid_grapher_csv": owid.parse_owid_grapher,
    "third_party_urban_rural_extract": itu_extract.parse_nov2025_urban_rural_extract,
}


REFERENCE_PARSERS: dict[str, Callable[[Path, str], Any]] = {
    "un_m49_csv": un_data.parse_un_m49,
    "datahub_country_codes": datahub.parse_datahub_country_codes,
    "wb_class": income_groups.parse_wb_class,
    "wb_oghist": income_history.parse_wb_oghist,
    "datahub_population_long": population.parse_datahub_population,
}


_ITU_ESTIMATE = re.compile(r"^ITU estimate", re.IGNORECASE)


def is_country_observations(source: Source) -> bool:
    return source.layout in OBSERVATION_PARSERS


def is_reference(source: Source) -> bool:
    return source.layout in REFERENCE_PARSERS


def parse_country_source(resolved: ResolvedSource) -> pd.DataFrame:
    """A country-level value file as an observation frame stamped with its edition and file."""
    source = resolved.source
    frame = OBSERVATION_PARSERS[source.layout](resolved.path, source.filename)
    if "source_note" in frame:  # ITU's country file says which values it estimated itself
        estimated = frame["source_note"].str.match(_ITU_ESTIMATE)
        frame.loc[estimated, "obs_status"] = "E"
    frame = frame.drop(columns=[c for c in ("note", "source_note") if c in frame])
    return frame.assign(edition=source.edition, source_id=source.id, source_sha256=resolved.sha256)


def parse_reference(resolved: ResolvedSource) -> Any:
    return REFERENCE_PARSERS[resolved.source.layout](resolved.path, resolved.source.filename)


def parsed_sources(sources: Iterable[Source], manifest_name: str = "sources.yaml") -> list[Source]:
    """The sources the build parses, in manifest order.

    A source with `parse: false` is registered before its parser exists: it is verified and listed
    in `editions`, never read. Any other source whose layout no parser reads stops here (a typo in
    a layout must not drop a file from the warehouse silently).
    """
    sources = list(sources)
    known = ITU_AGGREGATE_LAYOUTS | set(OBSERVATION_PARSERS) | set(REFERENCE_PARSERS)
    unread = [s for s in sources if s.parse and s.layout not in known]
    if unread:
        raise SourceError(
            "; ".join(
                f"{manifest_name}: source {s.id!r} has layout {s.layout!r}, which no parser reads"
                for s in unread
            )
            + f". Known layouts: {', '.join(sorted(known))}. Correct the layout, or set "
            "`parse: false` to register the file (verified, listed in `editions`) without "
            "reading it."
        )
    return [s for s in sources if s.parse]


def parse_with_layout(resolved: ResolvedSource) -> Any:
    """Parse a file with its layout's parser, as the build does (a LayoutError names the cell).
    An unknown layout stops with the known ones listed."""
    source = resolved.source
    known = ITU_AGGREGATE_LAYOUTS | set(OBSERVATION_PARSERS)
    known |= set(REFERENCE_PARSERS)
    if source.layout not in known:
        raise SourceError(
            f"--layout {source.layout!r}: no parser reads this layout. Known layouts: "
            f"{', '.join(sorted(known))}"
        )
    if is_itu_aggregates(source):
        return parse_edition(resolved)
    if is_country_observations(source):
        return parse_country_source(resolved)
    return parse_reference(resolved)
