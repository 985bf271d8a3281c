"""Published against recomputed aggregates on a hand-made pair of rows."""

from __future__ import annotations

import math

import pandas as pd

from ictstats.analysis.revisions import reconcile

KEY = {"series": "coverage_5g", "sex": "_T", "area": "_T", "age": "_T"}


def published(entity: str, percent: float, millions: float) -> list[dict]:
    base = {"edition": "itu-agg-2025-11", "entity": entity, "year": 2021, **KEY}
    return [
        base | {"unit": "percent", "value": percent},
        base | {"unit": "millions", "value": millions},
    ]


def recomputed(entity: str) -> dict:
    return {
        "edition": "recomputed-x", "input_edition": "x", "entity": entity, "year": 2021, **KEY,
        "value": 1.0, "unit": "percent", "population_coverage": 1.0, "economies_with_data": 1,
        "economies_in_group": 1, "imputation": "none", "imputation_spread": 0.0,
        "low_coverage": False, "note": None, "income_classification": None, "membership": "m",
        "group_population": 1e9,
    }  # fmt: skip


def test_the_population_a_publisher_implies_is_millions_over_percent_and_none_at_zero():
    rows = pd.DataFrame(published("WLD", 50.0, 4000.0) + published("LIC", 0.0, 0.0))
    table = reconcile(rows, pd.DataFrame([recomputed("WLD"), recomputed("LIC")]))
    implied = dict(zip(table["entity"], table["published_group_population"], strict=True))
    assert implied["WLD"] == 4000.0 / 50.0 * 100 * 1e6  # 8,000 million people
    # 0 million at 0 %: no population implied (it was reported as infinite)
    assert math.isnan(implied["LIC"])
