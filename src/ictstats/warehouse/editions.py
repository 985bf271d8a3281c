"""The `editions` table: one row per manifest source, with the exact bytes it came from.

Where it sits: the warehouse stage; its rows rank editions for `latest_observations`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ictstats.errors import SourceError
from ictstats.warehouse.latest import PUBLISHER_PRECEDENCE, SAME_DAY_RANK


def editions_table(
    resolved: Mapping[str, object], version_notes: Mapping[str, list[str]], rows: Mapping[str, int]
) -> pd.DataFrame:
    """One row per edition in the warehouse: publisher, date and the exact bytes it came from."""
    records = []
    for item in resolved.values():
        source = item.source  # type: ignore[attr-defined]
        dataset = dataset_of(source.layout)
        records.append(
            {
                "id": source.edition,
                "publisher": source.publisher,
                "dataset": dataset,
                "title": source.title,
                "date": source.edition_date,
                "source_id": source.id,
                "source_file": source.filename,
                "source_sha256": item.sha256,  # type: ignore[attr-defined]
                "source_copy": item.copy_note,  # type: ignore[attr-defined]
                "url": source.url,
                "licence": source.licence,
                "attribution": source.attribution,
                "version_note": " | ".join(version_notes.get(source.edition, [])),
                "observations": rows.get(source.edition, 0),
                "latest_rank": _latest_rank(source, rows.get(source.edition, 0)),
                "same_day_rank": SAME_DAY_RANK.get(dataset, 0),
            }
        )
    table = pd.DataFrame.from_records(records).sort_values("date", ignore_index=True)
    return table.astype({"latest_rank": "Int64", "same_day_rank": "int64"})


def _latest_rank(source: object, observations: int) -> int | None:
    """The publisher's place in `PUBLISHER_PRECEDENCE`; a publisher with values must have one."""
    publisher = source.publisher  # type: ignore[attr-defined]
    if publisher in PUBLISHER_PRECEDENCE:
        return PUBLISHER_PRECEDENCE[publisher]
    if observations:
        raise SourceError(
            f"data/sources.yaml: source {source.id!r} ({source.filename}, "  # type: ignore[attr-defined]
            f"{observations:,} observations) has publisher {publisher!r}, which has no place in "
            "ictstats.warehouse.latest.PUBLISHER_PRECEDENCE, so latest_observations cannot rank "
            "it. "
            "Add the publisher there with its rank, or None to keep its values as cross-checks."
        )
    return None


# Layouts whose editions are vintages of one dataset although the file layout changed.
DATASET_OF_LAYOUT = {"wb_databank_wide": "wb_wdi", "wb_bulk_csv": "wb_wdi"}


def dataset_of(layout: str) -> str:
    """Dataset of an edition: vintages of one dataset are compared for revisions and `latest`.

    Every ITU aggregates edition (layouts itu_aggregates_<year>) is dataset `itu_aggregates`.
    """
    if layout in DATASET_OF_LAYOUT:
        return DATASET_OF_LAYOUT[layout]
    head, _, tail = layout.rpartition("_")
    return head if tail.isdigit() and head else layout
