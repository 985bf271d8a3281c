"""The Nov 2025 urban/rural extract: its documented year correction, checked on the workbook."""

from __future__ import annotations

import pandas as pd
import pytest

from ictstats.errors import LayoutError
from ictstats.extract.itu_extract import parse_nov2025_urban_rural_extract

KEY = ["entity", "area", "year"]


@pytest.fixture(scope="module")
def extract(manifest, mirror):
    source = manifest["itu_aggregates_nov2025_urban_rural_extract"]
    return parse_nov2025_urban_rural_extract(mirror / source.mirror_path, source.filename)


def workbook_block(parsed) -> pd.DataFrame:
    """Every cell of the workbook's urban/rural Internet block, published or repeated."""
    nov2025 = parsed["itu-agg-2025-11"]
    cells = pd.concat([nov2025.observations, nov2025.duplicate_cells], ignore_index=True)
    block = cells[(cells["sheet"] == "By urban-rural area") & (cells["series"] == "internet_use")]
    return block.rename(columns={"entity": "entity_code"})


def test_corrected_values_equal_the_workbook_value_for_value(extract, parsed):
    block = workbook_block(parsed)
    merged = extract.merge(block, on=["entity_code", "area", "year"], suffixes=("", "_workbook"))
    assert len(extract) == 154 and len(merged) == 154
    assert (merged["value"] == merged["value_workbook"]).all()
    # the only workbook cells the extract lacks: rural 2023, dropped by the extracting script
    missing = block.merge(extract, on=["entity_code", "area", "year"], how="left", indicator=True)
    lacking = missing[missing["_merge"] == "left_only"]
    assert (
        set(zip(lacking["area"], lacking["year"], strict=True)) == {("R", 2023)}
        and len(lacking) == 14
    )


def test_provenance_checks(extract):
    value = extract.set_index(["entity_code", "area", "year"])["value"]
    assert [value[("WLD", "_T", y)] for y in (2022, 2023, 2024, 2025)] == [67.0, 69.2, 71.2, 73.6]
    assert (value[("WLD", "U", 2025)], value[("WLD", "R", 2025)]) == (85.4, 58.2)
    assert round(value[("WLD", "U", 2022)] / value[("WLD", "R", 2022)], 2) == 1.60
    assert round(value[("ITU_AFR", "U", 2025)] / value[("ITU_AFR", "R", 2025)], 2) == 2.62
    assert value[("LIC", "R", 2025)] == 13.7
    assert (value[("HIC", "_T", 2025)], value[("LIC", "_T", 2025)]) == (94.2, 23.4)


def test_correction_refuses_a_file_of_another_shape(manifest, mirror, tmp_path):
    source = manifest["itu_aggregates_nov2025_urban_rural_extract"]
    lines = (mirror / source.mirror_path).read_text().splitlines()
    lines[30] = lines[30].replace(",2017,", ",2019,")  # block 3 now says 2019
    altered = tmp_path / "extract.csv"
    altered.write_text("\n".join(lines) + "\n")
    with pytest.raises(LayoutError) as caught:
        parse_nov2025_urban_rural_extract(altered)
    assert "extract.csv" in str(caught.value) and "row 30" in str(caught.value)
    assert "documented correction does not apply" in str(caught.value)
