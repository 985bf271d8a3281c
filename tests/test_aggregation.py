"""Weighting, coverage and imputation on frames small enough to check by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from ictstats.aggregation import Imputation, aggregate

# Group G: A (pop 100, 50 %), B (pop 300, 10 %), C (pop 100, no 2024 value, 30 % in 2023).
MEMBERS = pd.DataFrame({"group": ["G", "G", "G"], "entity": ["A", "B", "C"]})
POPULATION = pd.DataFrame(
    {"entity": ["A", "B", "C"], "year": [2024, 2024, 2024], "population": [100.0, 300.0, 100.0]}
)


def values(rows):
    frame = pd.DataFrame(rows, columns=["entity", "year", "value"])
    return frame.assign(series="internet_use", sex="_T", area="_T", age="_T")


PANEL = values([("A", 2024, 50.0), ("B", 2024, 10.0), ("C", 2023, 30.0)])


def one(result: pd.DataFrame, year: int = 2024) -> pd.Series:
    rows = result[result["year"] == year]
    assert len(rows) == 1
    return rows.iloc[0]


def test_no_imputation_weights_reporters_only():
    row = one(aggregate(PANEL, MEMBERS, POPULATION, [2024]))
    # (100*50 + 300*10) / (100 + 300) = 8000 / 400 = 20
    assert row["value"] == pytest.approx(20.0)
    assert (row["economies_in_group"], row["economies_with_data"]) == (3, 2)
    assert row["population_coverage"] == pytest.approx(400 / 500)
    assert (row["economies_imputed"], row["imputed_share"], row["imputation"]) == (0, 0, "none")


def test_nearest_year_within_k():
    row = one(aggregate(PANEL, MEMBERS, POPULATION, [2024], Imputation(nearest_year_within=1)))
    # C takes its 2023 value: (5000 + 3000 + 100*30) / 500 = 11000 / 500 = 22
    assert row["value"] == pytest.approx(22.0)
    assert row["economies_imputed"] == 1
    assert row["imputed_share"] == pytest.approx(3000 / 11000)
    assert row["population_coverage"] == pytest.approx(0.8)  # coverage counts real data only
    assert row["imputation"] == "nearest_year_within_1"


def test_nearest_year_outside_k_is_not_used():
    panel = values([("A", 2024, 50.0), ("B", 2024, 10.0), ("C", 2021, 30.0)])
    row = one(aggregate(panel, MEMBERS, POPULATION, [2024], Imputation(nearest_year_within=2)))
    assert row["value"] == pytest.approx(20.0) and row["economies_imputed"] == 0


def test_nearest_year_tie_prefers_the_earlier_year():
    panel = values([("A", 2024, 50.0), ("B", 2024, 10.0), ("C", 2023, 30.0), ("C", 2025, 80.0)])
    row = one(aggregate(panel, MEMBERS, POPULATION, [2024], Imputation(nearest_year_within=1)))
    assert row["value"] == pytest.approx(22.0)  # 30 from 2023, not 80 from 2025


def test_group_mean_fills_the_rest():
    row = one(aggregate(PANEL, MEMBERS, POPULATION, [2024], Imputation(fill_with_group_mean=True)))
    # C gets the reporters' mean 20: (5000 + 3000 + 2000) / 500 = 20; imputed 2000 / 10000
    assert row["value"] == pytest.approx(20.0)
    assert row["imputed_share"] == pytest.approx(0.2)
    assert row["imputation"] == "group_mean"


def test_population_is_carried_forward_to_later_years():
    panel = values([("A", 2025, 60.0), ("B", 2025, 20.0)])
    row = one(aggregate(panel, MEMBERS, POPULATION, [2025]), year=2025)
    # 2025 weights are the 2024 populations: (100*60 + 300*20) / 400 = 30
    assert row["value"] == pytest.approx(30.0)


def test_breakdowns_are_aggregated_separately():
    panel = pd.concat(
        [PANEL, values([("A", 2024, 40.0), ("B", 2024, 20.0)]).assign(sex="F")], ignore_index=True
    )
    result = aggregate(panel, MEMBERS, POPULATION, [2024]).set_index("sex")
    assert result.loc["F", "value"] == pytest.approx((100 * 40 + 300 * 20) / 400)
    assert result.loc["_T", "value"] == pytest.approx(20.0)


def test_group_without_any_real_data_is_not_emitted():
    panel = values([("C", 2023, 30.0)])
    result = aggregate(panel, MEMBERS, POPULATION, [2024], Imputation(nearest_year_within=1))
    assert result.empty
