"""The claims check: comparators on tiny hand-made cases, real verdicts, a new edition arriving."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from dagster import DagsterInstance

from ictstats import build, claims
from ictstats.claims import CONTRADICTED, NOT_AVAILABLE, NOT_REPRODUCED, REPRODUCED, Claim
from ictstats.itu_aggregates import load_vocabulary, normalise_label
from ictstats.sources import add_source
from tests.conftest import ROOT

REGISTER = ROOT / "data" / "claims.yaml"


def claim(**changes) -> Claim:
    base = {
        "id": "T",
        "document": "doc",
        "paragraph": "1",
        "wording": "w",
        "series": "internet_use",
        "entity": "WLD",
        "year": 2025,
        "cited": 71,
        "comparator": "rounded",
        "relied_on": "itu-agg-2025-11",
    }
    return Claim(**(base | changes))


# --- comparators -------------------------------------------------------------------------------


def test_plain_figures_round_half_up_like_itu():
    assert round(70.5) == 70  # Python's banker's rounding would miss the cited 71
    assert claims.round_half_up(70.5) == 71
    assert claims.judge(claim(cited=71), 70.5) == REPRODUCED
    assert claims.judge(claim(cited=71), 70.4) == NOT_REPRODUCED
    assert claims.judge(claim(cited=74), 73.6) == REPRODUCED
    assert claims.judge(claim(cited=74), 74.5) == NOT_REPRODUCED  # [73.5, 74.5)


def test_rounding_to_hundreds_for_billions():
    offline = claim(cited=2900, precision=-2, unit="millions")
    assert claims.judge(offline, 2850.0) == REPRODUCED
    assert claims.judge(offline, 2849.9) == NOT_REPRODUCED
    assert claims.judge(offline, 2906.6) == REPRODUCED


def test_about_uses_the_stated_tolerance():
    about = claim(comparator="about", cited=85, tolerance=1)
    assert claims.judge(about, 85.4) == REPRODUCED
    assert claims.judge(about, 86.0) == REPRODUCED
    assert claims.judge(about, 86.1) == NOT_REPRODUCED
    with pytest.raises(ValueError, match="tolerance"):
        claim(comparator="about", cited=85)


def test_more_than_and_less_than_are_strict_and_contradicted_on_the_wrong_side():
    more = claim(comparator="more_than", cited=93)
    assert claims.judge(more, 92.7) == CONTRADICTED
    assert claims.judge(more, 93.0) == CONTRADICTED
    assert claims.judge(more, 93.1) == REPRODUCED
    less = claim(comparator="less_than", cited=15)
    assert claims.judge(less, 15.6) == CONTRADICTED
    assert claims.judge(less, 14.9) == REPRODUCED


def facts(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["edition", "entity", "year", "value", "unit"])
    return frame.assign(
        source_kind="published",
        imputation="",
        series="internet_use",
        sex="_T",
        area="_T",
        age="_T",
        source_location="S!B2",
    )


def test_ratio_offline_share_and_offline_count_by_hand():
    data = facts(
        [
            ("e1", "HIC", 2025, 94.2, "percent"),
            ("e1", "LIC", 2025, 23.4, "percent"),
            ("e1", "WLD", 2022, 63.7, "percent"),
            ("e1", "WLD", 2022, 5100.5, "millions"),
        ]
    )
    ratio = claims.candidates(
        claim(
            entity="HIC", denominator_entity="LIC", derive="ratio", comparator="more_than", cited=4
        ),
        data,
        set(),
    )
    assert ratio["value"].iat[0] == pytest.approx(94.2 / 23.4)  # 4.03
    share = claims.candidates(claim(derive="offline_share", year=2022), data, set())
    assert share["value"].iat[0] == pytest.approx(36.3)
    count = claims.candidates(
        claim(derive="offline_count", year=2022, unit="millions"), data, set()
    )
    # 5100.5 / 0.637 = 8007.06 million people, 2906.56 million of them offline
    assert count["value"].iat[0] == pytest.approx(5100.5 / 0.637 - 5100.5)


def test_count_below_uses_the_latest_well_reported_year_and_names_the_economies():
    rows = [
        ("e1", c, 2024, v, "percent")
        for c, v in [("AAA", 10.0), ("BBB", 19.9), ("CCC", 20.0), ("DDD", 55.0)]
    ]
    rows.append(("e1", "AAA", 2025, 12.0, "percent"))  # 2025: one economy only
    found = claims.candidates(
        claim(
            entity="economies",
            derive="count_below",
            threshold=20,
            comparator="count_at_least",
            cited=2,
            year="latest",
        ),
        facts(rows),
        {"AAA", "BBB", "CCC", "DDD"},
    )
    assert (found["year"].iat[0], found["value"].iat[0]) == (2024, 2.0)
    assert "AAA 10.0, BBB 19.9" in found["detail"].iat[0]


def test_missing_year_is_not_available_and_never_filled_with_the_cited_value():
    data = facts([("e1", "WLD", 2024, 67.6, "percent")])
    checks = claims.check_claims([claim(cited=74, needed_edition="the 2025 edition")], data, set())
    row = checks.iloc[0]
    assert row["verdict"] == NOT_AVAILABLE and pd.isna(row["value"])
    assert row["needed_edition"] == "the 2025 edition"


# --- the real register against the data on hand ------------------------------------------------


@pytest.fixture(scope="module")
def checks(parsed, country_observations, found_entities, manifest):
    """Published and secondary values only: recomputed ones are tested in test_recompute."""
    observations = pd.concat(
        [build.combine_editions(parsed.values()).observations, country_observations],
        ignore_index=True,
    )
    secondary = {s.edition for s in manifest.values() if s.secondary}
    facts_frame = claims.facts_frame(observations, None, secondary)
    economies = set(found_entities.economies["code"])
    return claims.check_claims(claims.load_claims(REGISTER), facts_frame, economies)


def verdict(checks, claim_id, edition):
    row = checks[(checks["claim"] == claim_id) & (checks["edition"] == edition)].iloc[0]
    return row["verdict"], round(row["value"], 2)


@pytest.mark.parametrize(
    ("claim_id", "edition", "expected"),
    [
        ("C1", "itu-agg-2025-11", (CONTRADICTED, 92.7)),
        ("C3", "itu-agg-2019-10", (CONTRADICTED, 16.82)),
        ("C3", "itu-agg-2022-01", (CONTRADICTED, 15.8)),
        ("C3", "itu-agg-2024-11", (CONTRADICTED, 15.6)),
        ("C3", "itu-agg-2025-11", (CONTRADICTED, 15.6)),
        ("C4", "itu-agg-2025-11", (REPRODUCED, 73.6)),
        ("C4", "wb-wdi-2026-07", (REPRODUCED, 73.6)),
        ("C5", "itu-agg-2025-11", (REPRODUCED, 94.2)),
        ("C6", "itu-agg-2025-11", (REPRODUCED, 23.4)),
        ("C13", "itu-agg-2025-11", (REPRODUCED, 70.5)),
        ("C15", "itu-agg-2022-01", (REPRODUCED, 90.3)),
        ("C16", "itu-agg-2022-01", (REPRODUCED, 57.1)),
        ("C23", "itu-agg-2024-11", (REPRODUCED, 2906.56)),
        ("C17", "itu-agg-2025-11", (NOT_REPRODUCED, 69.8)),
    ],
)
def test_real_verdicts(checks, claim_id, edition, expected):
    assert verdict(checks, claim_id, edition) == expected


def test_secondary_sources_are_labelled(checks):
    extract = checks[checks["edition"] == "itu-agg-2025-11-extract"]
    assert set(extract["source_kind"]) == {"secondary"}
    assert verdict(checks, "C9", "itu-agg-2025-11-extract") == (REPRODUCED, 85.4)


def test_claims_needing_the_nov_2022_edition_say_so(checks):
    summary = claims.summary(checks).set_index("claim")
    for claim_id in ("C17", "C18", "C19", "C20"):
        assert summary.loc[claim_id, "verdict"] == NOT_REPRODUCED
        assert "November 2022" in summary.loc[claim_id, "needed_edition"]
    assert summary.loc["C1", "verdict"] == CONTRADICTED
    assert summary.loc["C8", "best_value"] == 11  # WDI July 2026: 11 economies below 20 % in 2024


# --- a new edition arrives ---------------------------------------------------------------------


def synthetic_next_edition(nov2025: Path, target: Path) -> None:
    """The Nov 2025 workbook one year on: every year header +1 (so a 2026 column), values x 0.99."""
    entities = load_vocabulary().entity_labels
    workbook = openpyxl.load_workbook(nov2025)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            label = row[0].value
            data_row = isinstance(label, str) and normalise_label(label) in entities
            for cell in row[1:]:
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    if data_row:
                        cell.value = round(cell.value * 0.99, 1)
                    elif 1990 <= cell.value <= 2100:
                        cell.value = int(cell.value) + 1
    workbook.save(target)


def test_a_new_edition_gains_claim_rows_without_code_change(isolated_settings, manifest, tmp_path):
    from pipelines.definitions import build_definitions

    test_manifest = tmp_path / "sources.yaml"
    test_manifest.write_text((ROOT / "data" / "sources.yaml").read_text())
    nov2025 = Path(isolated_settings.mirror_dir) / manifest["itu_aggregates_nov2025"].mirror_path
    new_file = tmp_path / "incoming" / "ITU_aggregates_Nov_2026.xlsx"
    new_file.parent.mkdir()
    synthetic_next_edition(nov2025, new_file)
    add_source(
        test_manifest,
        isolated_settings.raw_dir,
        new_file,
        layout="itu_aggregates_2025",
        edition="itu-agg-2026-11",
        publisher="ITU",
    )
    settings = dataclasses.replace(isolated_settings, manifest=test_manifest)
    job = build_definitions(settings).resolve_implicit_global_asset_job_def()
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert result.success
    checks = result.output_for_node("out_ictstats__claim_checks")
    new = checks[checks["edition"] == "itu-agg-2026-11"]
    assert len(new) > 0
    c4 = new[new["claim"] == "C4"].iloc[0]
    # its 2025 column holds the Nov 2025 edition's 2024 value x 0.99: 71.2 x 0.99 = 70.5
    assert (c4["year"], c4["value"], c4["verdict"]) == (2025, 70.5, NOT_REPRODUCED)
    # the synthetic file never entered the project's data/
    assert not any((ROOT / "data").rglob("ITU_aggregates_Nov_2026.xlsx"))
    assert "itu-agg-2026-11" not in (ROOT / "data" / "sources.yaml").read_text()
