"""A CI-sized sample of the fault corpus (tests/faults/corpus.py), through the same runner code.

One good warehouse is built in a temporary folder; each sampled fault then runs the whole
pipeline on a copy and must be caught (one clear message naming file, location and rule) with
the curated folder left byte-for-byte unchanged. The full corpus: ``python -m tests.faults``.
"""

from __future__ import annotations

import pytest

from tests.conftest import mirror_dir
from tests.faults import corpus as faults

SAMPLE = [
    "itu_aggregates_2025:percent_over_100",  # .xlsx, stopped by the blocking schema check
    "itu_aggregates_2024:shifted_column",  # .xlsx, stopped by the layout parser
    "itu_aggregates_2019:text_in_numeric_cell",  # .xls, NUMBER record turned into text
    "itu_aggregates_2019:renamed_sheet",  # .xls, BOUNDSHEET renamed
    "itu_aggregates_2024:year_row_shifted_over_na",  # every value a year early, labels valid
    "itu_aggregates_2025:swapped_female_male",  # published with the edition_changes warning
    "wb_bulk_csv:utf16",  # CSV re-encoded
    "un_sdg_export:negative_value",  # CSV value
    "owid_grapher_csv:checksum_mismatch",
    "un_m49_csv:missing_file",
]


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    with faults.silenced():
        yield faults.build_good(tmp_path_factory.mktemp("faults"), mirror_dir())


@pytest.fixture(scope="module")
def corpus(good) -> dict[str, faults.Fault]:
    return {fault.id: fault for fault in faults.corpus(good.raw_dir)}


def test_corpus_covers_every_layout_of_the_manifest(corpus):
    from ictstats.sources.manifest import load_manifest

    manifest = load_manifest(faults.MANIFEST).values()
    layouts = {s.layout for s in manifest}
    covered = {f.layout for f in corpus.values()}
    assert covered == layouts
    unread = {s.layout for s in manifest if not s.parse}  # registered before its parser
    for layout in unread:
        names = {f.name for f in corpus.values() if f.layout == layout}
        assert names == {"checksum_mismatch", "missing_file"}
    for layout in layouts - unread:
        names = {f.name for f in corpus.values() if f.layout == layout}
        assert {"truncated", "empty", "checksum_mismatch", "missing_file", "oversized"} <= names
        assert {"shifted_row", "shifted_column", "renamed_label", "duplicated_row"} & names or (
            {"duplicated_block"} <= names
        )
    assert set(SAMPLE) <= set(corpus)
    meaning = {"year_row_shifted_over_na", "unit_label_swapped", "formula_without_value",
               "blanked_value", "entity_row_deleted"}  # fmt: skip
    for layout in ("itu_aggregates_2022", "itu_aggregates_2024", "itu_aggregates_2025"):
        names = {f.name for f in corpus.values() if f.layout == layout}
        assert meaning <= names, layout
    warned = [f for f in corpus.values() if f.expect == "warn"]
    assert {f.id for f in warned} == {
        "itu_aggregates_2024:swapped_female_male",
        "itu_aggregates_2025:swapped_female_male",
    }


@pytest.mark.parametrize("fault_id", SAMPLE)
def test_fault_is_caught_and_the_warehouse_is_unchanged(fault_id, good, corpus):
    with faults.silenced():
        outcome = faults.run_fault(corpus[fault_id], good)
    assert outcome.status == "caught", outcome.line()
    assert not outcome.corrupted, outcome.changed
    if corpus[fault_id].expect == "stop":
        assert outcome.changed == [], outcome.changed
    else:  # published with the warning: a new build, and the warning names the cells
        assert any(path.startswith("builds/") for path in outcome.changed), outcome.changed
        assert "Female and Male swapped? cells By gender!" in outcome.message
