"""Validation: hard rules stop with a readable table; soft rules are findings."""

from __future__ import annotations

import pandas as pd
import pytest

from ictstats.errors import ValidationError
from ictstats.transform import canonical, schemas


@pytest.fixture(scope="module")
def observations(parsed):
    return canonical.combine_editions(parsed.values()).observations


def one_row(**changes) -> pd.DataFrame:
    row = {
        "edition": "itu-agg-2099-01",
        "source_id": "test",
        "source_sha256": "a" * 64,
        "series": "internet_use",
        "entity": "WLD",
        "sex": "_T",
        "area": "_T",
        "age": "_T",
        "year": 2024,
        "value": 50.0,
        "unit": "percent",
        "obs_status": "A",
        "source_location": "Sheet!B2",
    }
    row.update(changes)
    return pd.DataFrame([row])


def test_real_editions_pass(observations):
    schemas.validate(observations)


@pytest.mark.parametrize(
    ("change", "column", "rule"),
    [
        ({"value": 150.0}, "value", "value within the plausible range of its unit"),
        ({"value": -1.0}, "value", "greater_than_or_equal_to(0)"),
        ({"sex": "W"}, "sex", "isin"),
        ({"entity": "World"}, "entity", "group code, ISO3 or WB_/OWID_ aggregate"),
        ({"series": "internet_users"}, "series", "isin"),
        ({"obs_status": "X"}, "obs_status", "isin"),
    ],
)
def test_each_hard_rule_names_cell_rule_and_value(change, column, rule):
    with pytest.raises(ValidationError) as caught:
        schemas.validate(one_row(**change))
    report = caught.value.report
    assert caught.value.failures == 1
    assert "Sheet!B2" in report and column in report and rule.split("(")[0] in report
    assert str(next(iter(change.values()))) in report


def test_all_failures_are_collected_at_once():
    frame = pd.concat([one_row(sex="W"), one_row(year=2023, value=101.0, source_location="S!C3")])
    with pytest.raises(ValidationError) as caught:
        schemas.validate(frame.reset_index(drop=True))
    assert caught.value.failures == 2
    assert "Sheet!B2" in caught.value.report and "S!C3" in caught.value.report


def test_duplicate_key_is_a_hard_error():
    frame = pd.concat([one_row(), one_row(source_location="Sheet!B3")], ignore_index=True)
    with pytest.raises(ValidationError, match="observations failed validation"):
        schemas.validate(frame)


def test_accepted_publisher_value_passes_only_as_listed(observations):
    accepted = observations.query(
        "edition == 'itu-agg-2022-01' and source_location == 'By urban-rural area!M28'"
    )
    assert accepted["value"].tolist() == [100.4]
    schemas.validate(accepted)
    with pytest.raises(ValidationError):  # same cell, another value: not the reviewed one
        schemas.validate(accepted.assign(value=100.5))
    assert len(schemas.accepted_values_in_use(observations)) == 1


def test_totals_outside_female_male_range_by_hand():
    frame = pd.concat(
        [
            one_row(value=64.8, source_location="S!B2"),
            one_row(sex="F", value=64.1, source_location="S!C2"),
            one_row(sex="M", value=64.3, source_location="S!D2"),
            one_row(year=2023, value=64.0),
            one_row(year=2023, sex="F", value=63.0),
            one_row(year=2023, sex="M", value=65.0),
        ],
        ignore_index=True,
    )
    found = schemas.totals_outside_breakdown(frame)
    assert found[["year", "total", "lower", "upper", "source_location"]].values.tolist() == [
        [2024, 64.8, 64.1, 64.3, "S!B2"]
    ]


def test_nov2025_sids_ownership_publisher_error_is_a_warning(parsed, observations):
    repeats = canonical.combine_editions(parsed.values()).sheet_repeats
    found = schemas.totals_outside_breakdown(observations, repeats)
    sids = found.query(
        "edition == 'itu-agg-2025-11' and entity == 'SIDS' and series == 'mobile_phone_ownership'"
    )
    assert sorted(sids["source_location"]) == [
        "By gender!B35",
        "By gender!C35",
        "By gender!D35",
        "By gender!E35",
    ]
    disagreements = schemas.repeat_disagreements(repeats)
    e35 = disagreements.set_index("source_location").loc["By gender!E35"]
    assert (e35["value"], e35["value_published"]) == (65.7, 74.3)


def test_raw_layout_schema_rejects_a_block_on_the_wrong_sheet(parsed):
    cells = parsed["itu-agg-2024-11"].observations.head(3).copy()
    cells["sheet"] = "Internet use by age"
    cells["series"] = "coverage_5g"
    with pytest.raises(ValidationError, match="raw itu_aggregates_2024"):
        schemas.validate(cells, schemas.raw_layout_schema("itu_aggregates_2024"))
