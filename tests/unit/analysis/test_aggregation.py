"""Weighting, coverage and imputation on frames small enough to check by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from ictstats.analysis.aggregation import Imputation, aggregate, economy_values

# Group G: A (pop 100, 50 %), B (pop 300, 10 %), C (pop 100, no 2024 value, 30 % in 2023).
MEMBERS = pd.DataFrame({"group": ["G", "G", "G"], "entity": ["A", "B", "C"]})
POPULATION = pd.DataFrame(
    {"entity": ["A", "B", "C"], "year": [2020, 2020, 2020], "population": [100.0, 300.0, 100.0]}
)


def values(rows):
    frame = pd.DataFrame(rows, columns=["entity", "year", "value"])
    return frame.assign(series="internet_use", sex="_T", area="_T", age="_T")


PANEL = values([("A", 2024, 50.0), ("B", 2024, 10.0), ("C", 2023, 30.0)])
CARRY_1 = Imputation(carry_forward=1)
HEADLINE = Imputation(interpolate=True, carry_forward=3, fill="peer_mean")


def one(result: pd.DataFrame, year: int = 2024, entity: str = "G") -> pd.Series:
    rows = result[(result["year"] == year) & (result["entity"] == entity)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_no_imputation_weights_reporters_only():
    row = one(aggregate(PANEL, MEMBERS, POPULATION, [2024]))
    # (100*50 + 300*10) / (100 + 300) = 8000 / 400 = 20
    assert row["value"] == pytest.approx(20.0)
    assert (row["economies_in_group"], row["economies_with_data"]) == (3, 2)
    assert row["population_coverage"] == pytest.approx(400 / 500)
    assert (row["economies_imputed"], row["imputed_share"], row["imputation"]) == (0, 0, "none")
    assert not row["low_coverage"] and row["note"] is None


def test_last_value_carried_forward_within_k():
    row = one(aggregate(PANEL, MEMBERS, POPULATION, [2024], CARRY_1))
    # C carries its 2023 value: (5000 + 3000 + 100*30) / 500 = 11000 / 500 = 22
    assert row["value"] == pytest.approx(22.0)
    assert row["economies_imputed"] == 1
    assert row["imputed_share"] == pytest.approx(3000 / 11000)
    assert row["population_coverage"] == pytest.approx(0.8)  # coverage counts real data only
    assert row["imputation"] == "carry_forward_1"


def test_last_value_older_than_k_is_not_carried():
    panel = values([("A", 2024, 50.0), ("B", 2024, 10.0), ("C", 2021, 30.0)])
    row = one(aggregate(panel, MEMBERS, POPULATION, [2024], Imputation(carry_forward=2)))
    assert row["value"] == pytest.approx(20.0) and row["economies_imputed"] == 0


def test_no_value_is_ever_taken_from_a_later_year():
    # C first reports in 2025 (80 %): in 2024 it has no value of its own, whatever the method.
    panel = values([("A", 2024, 50.0), ("B", 2024, 10.0), ("C", 2025, 80.0)])
    imputation = Imputation(interpolate=True, carry_forward=3)
    row = one(aggregate(panel, MEMBERS, POPULATION, [2024], imputation))
    assert row["value"] == pytest.approx(20.0) and row["economies_imputed"] == 0
    cells = economy_values(panel, MEMBERS, POPULATION, [2024], imputation)
    assert set(cells["entity"]) == {"A", "B"}


def test_linear_interpolation_between_own_reported_years():
    # C: 30 % in 2021, 60 % in 2025 -> 2024 is 30 + (60 - 30) * 3/4 = 52.5
    panel = values([("A", 2024, 50.0), ("B", 2024, 10.0), ("C", 2021, 30.0), ("C", 2025, 60.0)])
    imputation = Imputation(interpolate=True)
    row = one(aggregate(panel, MEMBERS, POPULATION, [2024], imputation))
    # (5000 + 3000 + 100 * 52.5) / 500 = 13250 / 500 = 26.5
    assert row["value"] == pytest.approx(26.5)
    assert row["imputation"] == "interpolate"
    cells = economy_values(panel, MEMBERS, POPULATION, [2024], imputation).set_index("entity")
    assert cells.loc["C", "method"] == "interpolated"
    assert cells.loc["C", "value"] == pytest.approx(52.5)


def test_interpolation_wins_over_carry_forward_inside_a_gap():
    # C 2021 = 30, 2025 = 60: 2024 lies between two reports, so it is interpolated (52.5),
    # never the 2021 value carried forward (30)
    panel = values([("C", 2021, 30.0), ("C", 2025, 60.0), ("A", 2024, 50.0)])
    cells = economy_values(panel, MEMBERS, POPULATION, [2024], HEADLINE, peers=peers_of())
    assert cells.set_index("entity").loc["C", "value"] == pytest.approx(52.5)


def test_group_mean_fills_the_rest_with_the_reporters_mean():
    imputation = Imputation(fill="group_mean")
    row = one(aggregate(PANEL, MEMBERS, POPULATION, [2024], imputation))
    # C gets the reporters' mean 20: (5000 + 3000 + 2000) / 500 = 20; imputed 2000 / 10000
    assert row["value"] == pytest.approx(20.0)
    assert row["imputed_share"] == pytest.approx(0.2)
    assert row["imputation"] == "group_mean"


def test_group_mean_is_over_reporters_only_not_over_carried_values():
    # D (pop 100) has no value; C carries 30 from 2023. The mean that fills D is the reporters'
    # (A, B): 20, not the mean with C's carried value (22).
    members = pd.concat([MEMBERS, pd.DataFrame({"group": ["G"], "entity": ["D"]})])
    population = pd.concat(
        [POPULATION, pd.DataFrame({"entity": ["D"], "year": [2020], "population": [100.0]})]
    )
    imputation = Imputation(carry_forward=1, fill="group_mean")
    row = one(aggregate(PANEL, members, population, [2024], imputation))
    # (5000 + 3000 + 100*30 + 100*20) / 600 = 13000 / 600
    assert row["value"] == pytest.approx(13000 / 600)
    assert row["economies_imputed"] == 2


def peers_of(mapping: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """peers frame from {entity: [tier-1 peer, tier-2 peer, ...]}."""
    mapping = mapping or {e: ["all"] for e in ("A", "B", "C", "D")}
    rows = [(e, t + 1, p) for e, ps in mapping.items() for t, p in enumerate(ps)]
    return pd.DataFrame(rows, columns=["entity", "tier", "peer"])


def test_peer_mean_fills_from_the_finest_tier_with_a_reporter():
    # Two groups over A, B, C, D. Peers: A and C are "low", B and D are "high" (tier 1);
    # everyone is "all" (tier 2). In 2024 only A (low, 50 %) and B (high, 10 %) report.
    # C takes the "low" mean 50, D the "high" mean 10, whatever group they are summed into.
    members = pd.DataFrame({"group": ["G1", "G1", "G2", "G2"], "entity": ["A", "C", "B", "D"]})
    population = pd.DataFrame(
        {"entity": list("ABCD"), "year": [2024] * 4, "population": [100.0, 300.0, 100.0, 100.0]}
    )
    peers = peers_of({"A": ["low", "all"], "C": ["low", "all"], "B": ["high", "all"],
                      "D": ["high", "all"]})  # fmt: skip
    panel = values([("A", 2024, 50.0), ("B", 2024, 10.0)])
    imputation = Imputation(fill="peer_mean")
    result = aggregate(panel, members, population, [2024], imputation, peers=peers)
    assert one(result, entity="G1")["value"] == pytest.approx(50.0)  # (100*50 + 100*50) / 200
    assert one(result, entity="G2")["value"] == pytest.approx(10.0)  # (300*10 + 100*10) / 400
    # with no "high" reporter, D falls back to tier 2 ("all": (100*50) / 100 = 50)
    only_a = values([("A", 2024, 50.0)])
    result = aggregate(only_a, members, population, [2024], imputation, peers=peers)
    cells = economy_values(only_a, members, population, [2024], imputation, peers=peers)
    assert cells.set_index("entity").loc["D", "value"] == pytest.approx(50.0)
    # G2 has no reporter at all: its row says so instead of a value built only from imputations
    g2 = one(result, entity="G2")
    assert pd.isna(g2["value"]) and g2["economies_with_data"] == 0
    assert g2["note"] == "no member economy reported a value for this year"


def test_peer_mean_needs_peers():
    with pytest.raises(ValueError, match="peers"):
        aggregate(PANEL, MEMBERS, POPULATION, [2024], Imputation(fill="peer_mean"))


def test_low_coverage_is_flagged_and_kept():
    # only B reports... no: only A reports (pop 100 of 500 = 20 % < 50 %)
    panel = values([("A", 2024, 50.0)])
    row = one(aggregate(panel, MEMBERS, POPULATION, [2024]))
    assert row["value"] == pytest.approx(50.0)
    assert row["population_coverage"] == pytest.approx(0.2)
    assert row["low_coverage"]
    assert row["note"] == "reporters hold less than 50 % of the group's population"


def test_coverage_of_exactly_half_is_not_low():
    members = MEMBERS[MEMBERS["entity"] != "C"]  # A (100) and B (300)
    panel = values([("A", 2024, 50.0), ("B", 2023, 10.0)])
    half = POPULATION.assign(population=[100.0, 100.0, 100.0])
    row = one(aggregate(panel, members, half, [2024]))
    assert row["population_coverage"] == pytest.approx(0.5) and not row["low_coverage"]


def test_population_is_carried_forward_to_later_years():
    panel = values([("A", 2025, 60.0), ("B", 2025, 20.0)])
    row = one(aggregate(panel, MEMBERS, POPULATION, [2025]), year=2025)
    # 2025 weights are the 2020 populations: (100*60 + 300*20) / 400 = 30
    assert row["value"] == pytest.approx(30.0)


def test_breakdowns_are_aggregated_separately():
    panel = pd.concat(
        [PANEL, values([("A", 2024, 40.0), ("B", 2024, 20.0)]).assign(sex="F")], ignore_index=True
    )
    result = aggregate(panel, MEMBERS, POPULATION, [2024]).set_index("sex")
    assert result.loc["F", "value"] == pytest.approx((100 * 40 + 300 * 20) / 400)
    assert result.loc["_T", "value"] == pytest.approx(20.0)


def test_group_without_any_reporter_has_a_null_row_with_the_reason():
    panel = values([("C", 2023, 30.0)])
    result = aggregate(panel, MEMBERS, POPULATION, [2024], CARRY_1)
    row = one(result)
    # C's carried value alone is not an aggregate: no member reported in 2024
    assert pd.isna(row["value"]) and row["economies_with_data"] == 0
    assert row["population_coverage"] == 0 and row["low_coverage"]
    assert row["note"] == "no member economy reported a value for this year"


def test_unknown_fill_is_refused():
    with pytest.raises(ValueError, match="fill"):
        Imputation(fill="nearest")


def test_peer_trend_is_the_change_of_the_same_peers_not_of_two_reporter_sets():
    # A reports 10 in 2020 only; B and C (same peer group, equal populations) report 50 in 2020
    # and 60 / 70 in 2021: their own change is +10 and +20, mean +15, so A's 2021 value is
    # 10 + 15 = 25. A itself is left out of the change (including it would make the 2020 mean
    # (10 + 50 + 50) / 3 = 36.7 and the "trend" 65 - 36.7 = +28.3).
    members = pd.DataFrame({"group": ["G"] * 3, "entity": ["A", "B", "C"]})
    population = pd.DataFrame({"entity": list("ABC"), "year": [2020] * 3, "population": [1.0] * 3})
    panel = values([("A", 2020, 10.0), ("B", 2020, 50.0), ("C", 2020, 50.0),
                    ("B", 2021, 60.0), ("C", 2021, 70.0)])  # fmt: skip
    peers = peers_of({e: ["p"] for e in "ABC"})
    imputation = Imputation(carry_forward=5, carry_with_peer_trend=True)
    cells = economy_values(panel, members, population, [2021], imputation, peers=peers)
    a = cells.set_index("entity").loc["A"]
    assert a["method"] == "carried_forward_with_peer_trend"
    assert a["value"] == pytest.approx(25.0)
    # peers that do not change give no trend, whoever else reports (B alone in 2021, at 50)
    steady = values([("A", 2020, 10.0), ("B", 2020, 50.0), ("C", 2020, 50.0), ("B", 2021, 50.0)])
    cells = economy_values(steady, members, population, [2021], imputation, peers=peers)
    assert cells.set_index("entity").loc["A", "value"] == pytest.approx(10.0)


def test_peer_trend_does_not_depend_on_which_years_are_asked_for():
    # A's last report (2019) is not a target year: its value in 2021 is still 20 + B's change
    members = pd.DataFrame({"group": ["G"] * 2, "entity": ["A", "B"]})
    population = pd.DataFrame({"entity": ["A", "B"], "year": [2019] * 2, "population": [1.0] * 2})
    panel = values([("A", 2019, 20.0), ("B", 2019, 40.0), ("B", 2021, 65.0)])
    peers = peers_of({"A": ["p"], "B": ["p"]})
    imputation = Imputation(carry_forward=5, carry_with_peer_trend=True, fill="peer_mean")
    for years in ([2021], [2019, 2021]):
        cells = economy_values(panel, members, population, years, imputation, peers=peers)
        a = cells[(cells["entity"] == "A") & (cells["year"] == 2021)].iloc[0]
        assert (a["method"], a["value"]) == ("carried_forward_with_peer_trend", pytest.approx(45.0))
