"""An edition compared with the previous edition of its dataset (ictstats.analysis.edition_changes).

Small synthetic editions pin each kind of change with numbers derived by hand; the real ITU
editions pin the bound's behaviour and the one-line report.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ictstats.analysis import edition_changes
from ictstats.analysis.edition_changes import edition_changes as changes

EDITIONS = pd.DataFrame(
    {
        "id": ["agg-2024", "agg-2025", "other-2025"],
        "dataset": ["agg", "agg", "other"],
        "date": pd.to_datetime(["2024-11-01", "2025-11-13", "2025-01-01"]),
    }
)


def obs(edition: str, rows: list[tuple]) -> pd.DataFrame:
    """rows: (series, entity, sex, year, unit, value, cell)."""
    return pd.DataFrame(
        [
            {
                "edition": edition,
                "series": s,
                "entity": e,
                "sex": sex,
                "area": "_T",
                "age": "_T",
                "year": y,
                "unit": u,
                "value": v,
                "source_location": f"By gender!{cell}",
            }
            for s, e, sex, y, u, v, cell in rows
        ]
    )


GENDER_2024 = [
    ("internet_use", "WLD", "F", 2023, "percent", 65.0, "C8"),
    ("internet_use", "WLD", "M", 2023, "percent", 70.0, "H8"),
]


def test_swapped_female_and_male_is_a_gap_sign_flip_naming_both_cells():
    # 2025 prints the 2024 edition's values under swapped labels: F 70.0, M 65.0.
    # gap F - M: 65.0 - 70.0 = -5.0 before, 70.0 - 65.0 = +5.0 now; difference +10.0
    swapped = [
        ("internet_use", "WLD", "F", 2023, "percent", 70.0, "D8"),
        ("internet_use", "WLD", "M", 2023, "percent", 65.0, "J8"),
    ]
    table = changes(pd.concat([obs("agg-2024", GENDER_2024), obs("agg-2025", swapped)]), EDITIONS)
    flip = table[table["change"] == "gap_sign_flip"]
    assert len(flip) == 1
    row = flip.iloc[0]
    assert (row["previous_value"], row["value"], row["difference"]) == (-5.0, 5.0, 10.0)
    assert row["source_location"] == "By gender!D8"
    assert row["previous_source_location"] == "By gender!C8"
    assert "By gender!D8 and By gender!J8" in row["detail"]
    # 2023 is two years before 2025: 65 -> 70 is 5 points, within the 10-point bound
    assert set(table["change"]) == {"gap_sign_flip"}


def test_a_gap_below_the_floor_may_change_sign():
    # -0.2 -> +0.3: both below the 0.5-point floor, a revision by rounding, not a swap
    before = [("internet_use", "WLD", "F", 2023, "percent", 70.0, "C8"),
              ("internet_use", "WLD", "M", 2023, "percent", 70.2, "H8")]  # fmt: skip
    after = [("internet_use", "WLD", "F", 2023, "percent", 70.3, "C8"),
             ("internet_use", "WLD", "M", 2023, "percent", 70.0, "H8")]  # fmt: skip
    table = changes(pd.concat([obs("agg-2024", before), obs("agg-2025", after)]), EDITIONS)
    assert table.empty


def test_past_year_revised_beyond_the_bound_current_years_are_not():
    before = [
        ("internet_use", "WLD", "_T", 2023, "percent", 60.0, "B8"),  # 2025 - 2023 = 2: closed
        ("internet_use", "WLD", "_T", 2024, "percent", 60.0, "C8"),  # previous year: estimate
        ("internet_use", "WLD", "_T", 2022, "millions", 100.0, "M8"),
        ("internet_use", "WLD", "_T", 2021, "millions", 100.0, "L8"),
    ]
    after = [
        ("internet_use", "WLD", "_T", 2023, "percent", 70.5, "B8"),  # +10.5 points > 10
        ("internet_use", "WLD", "_T", 2024, "percent", 80.0, "C8"),  # +20 but not closed
        ("internet_use", "WLD", "_T", 2022, "millions", 151.0, "M8"),  # +51 % > 50 %
        ("internet_use", "WLD", "_T", 2021, "millions", 149.0, "L8"),  # +49 %: within
    ]
    table = changes(pd.concat([obs("agg-2024", before), obs("agg-2025", after)]), EDITIONS)
    assert table["change"].tolist() == ["revised", "revised"]
    assert table["source_location"].tolist() == ["By gender!M8", "By gender!B8"]
    assert table["difference"].round(6).tolist() == [51.0, 10.5]
    assert "beyond the plausible revision of 10 points" in table["detail"].iloc[1]


def test_a_key_gone_is_named_with_its_previous_cell_a_series_gone_is_one_row():
    before = [
        *GENDER_2024,
        ("internet_use", "EUR", "F", 2023, "percent", 90.0, "C9"),
        ("households_computer", "WLD", "_T", 2023, "percent", 50.0, "B40"),
        ("households_computer", "EUR", "_T", 2023, "percent", 80.0, "B41"),
    ]
    table = changes(pd.concat([obs("agg-2024", before), obs("agg-2025", GENDER_2024)]), EDITIONS)
    gone = table[table["change"] == "disappeared"]
    assert gone["entity"].tolist() == ["EUR"]
    assert gone["previous_source_location"].tolist() == ["By gender!C9"]
    assert gone["source_location"].isna().all()
    dropped = table[table["change"] == "series_dropped"]
    assert dropped["series"].tolist() == ["households_computer"]
    assert "2 key(s)" in dropped["detail"].iloc[0]


def test_only_consecutive_editions_of_one_dataset_are_compared():
    editions = pd.DataFrame(
        {
            "id": ["c", "a", "b"],
            "dataset": ["d", "d", "d"],
            "date": pd.to_datetime(["2025-01-01", "2023-01-01", "2024-01-01"]),
        }
    )
    assert edition_changes.edition_pairs(editions) == [("d", "a", "b"), ("d", "b", "c")]
    # the other dataset's edition has an entity the first one lacks: not compared with it
    other = obs("other-2025", [("internet_use", "XYZ", "_T", 2020, "percent", 1.0, "B2")])
    assert changes(pd.concat([obs("agg-2024", GENDER_2024), other]), EDITIONS).empty


def test_describe_puts_the_newest_gap_flips_first_with_sheet_and_cell():
    swapped = [
        ("internet_use", "WLD", "F", 2023, "percent", 70.0, "D8"),
        ("internet_use", "WLD", "M", 2023, "percent", 65.0, "J8"),
    ]
    table = changes(pd.concat([obs("agg-2024", GENDER_2024), obs("agg-2025", swapped)]), EDITIONS)
    text = edition_changes.describe(table)
    assert text.startswith("1 change(s) between editions")
    assert "agg-2025 vs agg-2024: 1 gap_sign_flip" in text
    assert "gap_sign_flip internet_use WLD F/_T/_T 2023 percent at By gender!D8" in text
    assert edition_changes.describe(table.iloc[0:0]).startswith("No edition")


@pytest.fixture(scope="module")
def real(parsed):
    observations = pd.concat([p.observations for p in parsed.values()], ignore_index=True)
    editions = pd.DataFrame(
        {
            "id": ["itu-agg-2019-10", "itu-agg-2022-01", "itu-agg-2024-11", "itu-agg-2025-11"],
            "dataset": "itu_aggregates",
            "date": pd.to_datetime(["2019-10-28", "2022-01-25", "2024-11-01", "2025-11-13"]),
        }
    )
    return changes(observations, editions)


def test_real_itu_editions(real):
    counts = real.groupby(["edition", "change"]).size().to_dict()
    # measured on the four real editions (see the module docstring for the bound's reasoning)
    assert counts == {
        ("itu-agg-2022-01", "revised"): 3,
        ("itu-agg-2022-01", "series_dropped"): 2,
        ("itu-agg-2024-11", "disappeared"): 627,
        ("itu-agg-2024-11", "gap_sign_flip"): 3,
        ("itu-agg-2024-11", "revised"): 13,
        ("itu-agg-2024-11", "series_dropped"): 1,
        ("itu-agg-2025-11", "disappeared"): 84,
        ("itu-agg-2025-11", "gap_sign_flip"): 3,
        ("itu-agg-2025-11", "revised"): 15,
        ("itu-agg-2025-11", "series_dropped"): 2,
    }
    # the largest real revision of a closed year: urban 5G coverage of lower-middle-income
    # economies in 2022, 11.9 (Nov 2024, T69) -> 46.8 (Nov 2025, U69): +34.9 points
    shares = real[(real["change"] == "revised") & (real["unit"] == "percent")]
    biggest = shares.sort_values("difference").iloc[-1]
    where = ("series", "entity", "area", "year", "previous_source_location", "source_location")
    assert tuple(biggest[list(where)]) == (
        "coverage_5g",
        "LMC",
        "U",
        2022,
        "By urban-rural area!T69",
        "By urban-rural area!U69",
    )
    assert round(biggest["difference"], 1) == 34.9
    assert real["source_location"].dropna().str.match(r"^.+![A-Z]+\d+$").all()
