"""Units never cross a block boundary: each block has its own, printed or declared.

The Oct 2019 and Jan 2022 workbooks print no unit over their coverage blocks, which sit under
subscription blocks labelled "Per 100 inhabitants"; carried down, that label made coverage
percentages `per_100`, so their repeats on the urban/rural sheet (`percent`) were never
compared. Synthetic sheets pin the rule; the real workbooks are listed block by block.
"""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from ictstats.errors import LayoutError
from ictstats.extract.itu_aggregates import block_units, parse_sheet
from ictstats.extract.itu_vocabulary import LAYOUT_UNIT, load_vocabulary, normalise_label
from ictstats.extract.workbook import read_sheets

SUBSCRIPTIONS = ["millions", "per_100"]
COVERAGE = ["millions", "percent"]
BLOCKS = {"fixed_telephone_subscriptions": SUBSCRIPTIONS, "coverage_2g": COVERAGE}
TELEPHONE = "Fixed-telephone subscriptions"
COVERAGE_2G = "Population covered by a mobile-cellular network"


def units(cells, row: int) -> dict[str, tuple[str, str, str]]:
    """Excel row -> {column letter: (unit, unit_label, unit_source)}."""
    found = cells[cells["source_location"].str.fullmatch(rf"S![A-Z]+{row}")]
    return {
        loc.split("!")[1].rstrip("0123456789"): (unit, label, source)
        for loc, unit, label, source in found[
            ["source_location", "unit", "unit_label", "unit_source"]
        ].itertuples(index=False)
    }


def test_a_block_without_a_label_takes_the_layout_unit_not_the_label_above():
    grid = [
        [TELEPHONE, "Millions", "", "Per 100 inhabitants", ""],
        ["", 2020, 2021, 2020, 2021],
        ["World", 1.0, 2.0, 10.0, 11.0],
        [COVERAGE_2G, "", "", "", ""],  # no label: the block above says per 100 inhabitants
        ["World", 100.0, 200.0, 90.0, 91.0],
    ]
    cells = parse_sheet(grid, BLOCKS, sheet="S")
    assert units(cells, 3) == {
        "B": ("millions", "Millions", "S!B1"),
        "C": ("millions", "Millions", "S!B1"),
        "D": ("per_100", "Per 100 inhabitants", "S!D1"),
        "E": ("per_100", "Per 100 inhabitants", "S!D1"),
    }
    assert units(cells, 5) == {
        "B": ("millions", "", LAYOUT_UNIT),
        "C": ("millions", "", LAYOUT_UNIT),
        "D": ("percent", "", LAYOUT_UNIT),
        "E": ("percent", "", LAYOUT_UNIT),
    }


def test_labels_above_a_title_belong_to_the_block_below():
    """Oct 2019 prints the unit row and the year row above the title; a label row after a
    block's entity rows opens the next block's header, it does not relabel the block above."""
    grid = [
        ["", "Millions", "", "Per 100 inhabitants", ""],
        ["", 2020, 2021, 2020, 2021],
        [TELEPHONE, "", "", "", ""],
        ["World", 1.0, 2.0, 10.0, 11.0],
        ["", "", "", "Percentage", ""],
        [COVERAGE_2G, "", "", "", ""],
        ["World", 100.0, 200.0, 90.0, 91.0],
    ]
    cells = parse_sheet(grid, BLOCKS, sheet="S")
    assert units(cells, 4)["B"] == ("millions", "Millions", "S!B1")
    assert units(cells, 4)["D"] == ("per_100", "Per 100 inhabitants", "S!D1")
    assert units(cells, 7)["B"] == ("millions", "", LAYOUT_UNIT)  # B1 is the telephone block's
    assert units(cells, 7)["D"] == ("percent", "Percentage", "S!D5")


def test_a_title_suffix_is_the_unit_of_the_first_column():
    grid = [  # Nov 2024 `By BDT region`: "/Millions" on the titles, labels on the first block
        [TELEPHONE + "/Millions", "Millions", "", "Per 100 inhabitants", ""],
        ["", 2020, 2021, 2020, 2021],
        ["Africa", 1.0, 2.0, 10.0, 11.0],
        [COVERAGE_2G + "/Millions", "", "", "", ""],
        ["Africa", 100.0, 200.0, 90.0, 91.0],
    ]
    cells = parse_sheet(grid, BLOCKS, sheet="S")
    assert units(cells, 3)["B"] == ("millions", "Millions", "S!B1")  # the label before the title
    assert units(cells, 5)["B"] == ("millions", "/millions", "S!A4")
    assert units(cells, 5)["D"] == ("percent", "", LAYOUT_UNIT)


def test_a_printed_unit_that_contradicts_the_layout_stops_the_parse():
    grid = [
        [COVERAGE_2G, "Millions", "", "Per 100 inhabitants", ""],
        ["", 2020, 2021, 2020, 2021],
        ["World", 100.0, 200.0, 90.0, 91.0],
    ]
    with pytest.raises(LayoutError) as caught:
        parse_sheet(grid, BLOCKS, sheet="S", workbook="book.xlsx")
    error = caught.value
    assert (error.workbook, error.sheet, error.cell) == ("book.xlsx", "S", "D1")
    assert "'Per 100 inhabitants' (per_100)" in error.problem
    assert "declares 'percent'" in error.problem


def test_a_title_suffix_that_contradicts_the_layout_stops_the_parse():
    grid = [
        [COVERAGE_2G + " (%)", "", ""],
        ["", 2020, 2021],
        ["World", 90.0, 91.0],
    ]
    with pytest.raises(LayoutError) as caught:
        parse_sheet(grid, BLOCKS, sheet="S")
    assert caught.value.cell == "A1"
    assert "(percent)" in caught.value.problem and "declares 'millions'" in caught.value.problem


def test_a_unit_column_the_layout_does_not_declare_stops_the_parse():
    grid = [
        [TELEPHONE, "Millions", "", "Per 100 inhabitants", ""],
        ["", 2020, 2021, 2020, 2021],
        ["World", 1.0, 2.0, 10.0, 11.0],
    ]
    with pytest.raises(LayoutError) as caught:
        parse_sheet(grid, {"fixed_telephone_subscriptions": ["millions"]}, sheet="S")
    assert caught.value.cell == "D3"
    assert "unit column 2" in caught.value.problem and "declares 1 unit(s)" in caught.value.problem


def test_a_block_the_layout_does_not_list_stops_at_its_title():
    grid = [
        [TELEPHONE, "Millions", ""],
        ["", 2020, 2021],
        ["World", 1.0, 2.0],
    ]
    with pytest.raises(LayoutError) as caught:
        parse_sheet(grid, {"coverage_2g": COVERAGE}, sheet="S")
    assert caught.value.cell == "A1"
    assert "not part of this layout's sheet" in caught.value.problem


# --- the four real editions -------------------------------------------------------------------

SHEET_ALIAS = {
    "Sheet1": "Sheet1",
    "By dvpmnt status and spec. reg.": "first",
    "By BDT region": "BDT",
    "By urban-rural area": "urban-rural",
    "By gender": "gender",
    "Internet use by age": "age",
    "Internet use by sex & age": "sex & age",
}

# Per edition, each block (sheet | title as printed) and below it its units left to right, each
# with the cells that print it (a block listed twice in Oct 2019 Sheet1 prints it twice) or
# `layout` where the block prints none. Read off the workbooks; coverage is a percentage in
# every edition (Nov 2024 and Nov 2025 print "Percentage" over it).
BLOCK_UNITS = {
    "itu-agg-2019-10": """
        Sheet1 | Fixed-telephone subscriptions
            millions B3 B84 | per_100 Q3 Q84
        Sheet1 | Mobile-cellular telephone subscriptions
            millions layout | per_100 layout
        Sheet1 | Active mobile-broadband subscriptions
            millions layout | per_100 layout
        Sheet1 | Fixed-broadband subscriptions
            millions layout | per_100 layout
        Sheet1 | Population covered by a mobile-cellular network
            millions layout | percent layout
        Sheet1 | Population covered by at least a 3G mobile network
            millions layout | percent layout
        Sheet1 | Population covered by at least an LTE/WiMAX mobile network
            millions layout | percent layout
        Sheet1 | International bandwidth, in Gbit/s
            gbit_s B48 B143 | kbit_s_per_user Q50 Q145
        Sheet1 | Households with a computer
            percent Q58 Q155
        Sheet1 | Households with Internet access at home
            percent layout
        Sheet1 | Individuals using the Internet
            millions layout | percent layout
    """,
    "itu-agg-2022-01": """
        first | Fixed-telephone subscriptions
            millions B3 | per_100 T3
        first | Fixed-broadband subscriptions
            millions layout | per_100 layout
        first | Mobile-cellular telephone subscriptions
            millions layout | per_100 layout
        first | Active mobile-broadband subscriptions
            millions layout | per_100 layout
        first | Population covered by a mobile-cellular network
            millions layout | percent layout
        first | Population covered by at least a 3G mobile network
            millions layout | percent layout
        first | Population covered by at least an LTE/WiMAX mobile network
            millions layout | percent layout
        first | International bandwidth
            tbit_s B66 | kbit_s_per_user T66
        first | Households with Internet access at home
            percent T75
        first | Individuals using the Internet
            millions layout | percent layout
        BDT | Fixed-telephone subscriptions
            millions B3 | per_100 T3
        BDT | Fixed-broadband subscriptions
            millions layout | per_100 layout
        BDT | Mobile-cellular telephone subscriptions
            millions layout | per_100 layout
        BDT | Active mobile-broadband subscriptions
            millions layout | per_100 layout
        BDT | Population covered by a mobile-cellular network
            millions layout | percent layout
        BDT | Population covered by at least a 3G mobile network
            millions layout | percent layout
        BDT | Population covered by at least an LTE/WiMAX mobile network
            millions layout | percent layout
        BDT | International bandwidth
            tbit_s B66 | kbit_s_per_user T66
        BDT | Households with Internet access at home
            percent T75
        BDT | Individuals using the Internet
            millions layout | percent layout
        urban-rural | Population covered by a mobile-cellular network (%)
            percent A3
        urban-rural | Population covered by at least a 3G mobile network (%)
            percent A21
        urban-rural | Population covered by at least an LTE/WiMAX mobile network (%)
            percent A39
        urban-rural | Percentage of individuals using the Internet, by urban/rural area, 2020
            percent layout
        sex & age | Percentage of individuals using the Internet, by sex
            percent layout
        sex & age | Percentage of individuals using the Internet, by age
            percent layout
    """,
    "itu-agg-2024-11": """
        first | Fixed-telephone subscriptions
            millions B3 | per_100 W3
        first | Fixed-broadband subscriptions
            millions layout | per_100 layout
        first | Mobile-cellular telephone subscriptions
            millions layout | per_100 layout
        first | Active mobile-broadband subscriptions
            millions layout | per_100 layout
        first | Population covered by a mobile-cellular network
            millions layout | percent W48
        first | Population covered by at least a 3G mobile network
            millions layout | percent layout
        first | Population covered by at least an LTE/WiMAX mobile network
            millions layout | percent layout
        first | Population covered by at least a 5G mobile network
            millions layout | percent layout
        first | Fixed broadband traffic
            exabytes B92 | gb_per_subscription W92
        first | Mobile broadband traffic
            exabytes layout | gb_per_subscription layout
        first | International bandwidth usage
            tbit_s B114 | kbit_s_per_user W114
        first | Individuals using the Internet
            millions B125 | percent W125
        first | Individuals owning a mobile phone***
            millions layout | percent layout
        BDT | Fixed-telephone subscriptions/Millions
            millions B3 | per_100 W3
        BDT | Fixed-broadband subscriptions/Millions
            millions A13 | per_100 layout
        BDT | Mobile-cellular telephone subscriptions/Millions
            millions A22 | per_100 layout
        BDT | Active mobile-broadband subscriptions/Millions
            millions A31 | per_100 layout
        BDT | Population covered by a mobile-cellular network/Millions
            millions A40 | percent W39
        BDT | Population covered by at least a 3G mobile network/Millions
            millions A49 | percent layout
        BDT | Population covered by at least an LTE/WiMAX mobile network/Millions
            millions A58 | percent layout
        BDT | Population covered by at least a 5G mobile network/Millions
            millions A67 | percent layout
        BDT | Fixed broadband traffic(Exabytes)
            exabytes B75 | gb_per_subscription W75
        BDT | Mobile broadband traffic(Exabytes)
            exabytes A85 | gb_per_subscription layout
        BDT | International bandwidth usage(Tbits/s**)
            tbit_s B93 | kbit_s_per_user W93
        BDT | Individuals using the Internet(Millions)
            millions B102 | percent W102
        BDT | Individuals owning a mobile phone***(Millions)
            millions A112 | percent layout
        urban-rural | Population covered by a mobile-cellular network (%)
            percent A6
        urban-rural | Population covered by at least a 3G mobile network (%)
            percent A24
        urban-rural | Population covered by at least an LTE/WiMAX mobile network (%)
            percent A44
        urban-rural | Population covered by at least a 5G mobile network (%)
            percent A64
        urban-rural | Percentage of individuals using the Internet, by urban/rural area
            percent layout
        gender | Percentage of individuals using the Internet, by gender
            percent layout
        gender | Percentage of individuals owning a mobile phone*, by gender
            percent layout
        age | Percentage of individuals using the Internet, by age
            percent layout
    """,
    "itu-agg-2025-11": """
        first | Fixed-telephone subscriptions
            millions B5 | per_100 X5
        first | Fixed-broadband subscriptions
            millions B15 | per_100 X15
        first | Mobile-cellular telephone subscriptions
            millions B26 | per_100 X26
        first | Active mobile-broadband subscriptions
            millions B37 | per_100 X37
        first | Active subscriptions to 5G/IMT-2020 mobile broadband
            millions B48 | per_100 X48
        first | Population covered by a mobile-cellular network
            millions B59 | percent X59
        first | Population covered by at least a 3G mobile network
            millions B70 | percent X70
        first | Population covered by at least an LTE/WiMAX mobile network
            millions B81 | percent X81
        first | Population covered by at least a 5G mobile network
            millions B92 | percent X92
        first | Fixed broadband traffic
            exabytes B103 | gb_per_subscription X103
        first | Mobile broadband traffic
            exabytes B114 | gb_per_subscription X114
        first | Individuals using the Internet
            millions B125 | percent X125
        first | Individuals owning a mobile phone**
            millions B136 | percent X136
        BDT | Fixed-telephone subscriptions
            millions B5 | per_100 X5
        BDT | Fixed-broadband subscriptions
            millions B13 | per_100 X13
        BDT | Mobile-cellular telephone subscriptions
            millions B22 | per_100 X22
        BDT | Active mobile-broadband subscriptions
            millions B31 | per_100 X31
        BDT | Active subscriptions to 5G/IMT-2020 mobile broadband
            millions B40 | per_100 X40
        BDT | Population covered by a mobile-cellular network
            millions B49 | percent X49
        BDT | Population covered by at least a 3G mobile network
            millions B58 | percent X58
        BDT | Population covered by at least an LTE/WiMAX mobile network
            millions B67 | percent X67
        BDT | Population covered by at least a 5G mobile network
            millions B76 | percent X76
        BDT | Fixed broadband traffic
            exabytes B85 | gb_per_subscription X85
        BDT | Mobile broadband traffic
            exabytes B94 | gb_per_subscription X94
        BDT | Individuals using the Internet
            millions B103 | percent X103
        BDT | Individuals owning a mobile phone**
            millions B112 | percent X112
        urban-rural | Population covered by a mobile-cellular network (%)
            percent A6
        urban-rural | Population covered by at least a 3G mobile network (%)
            percent A24
        urban-rural | Population covered by at least an LTE/WiMAX mobile network (%)
            percent A44
        urban-rural | Population covered by at least a 5G mobile network (%)
            percent A64
        urban-rural | Percentage of individuals using the Internet, by urban/rural area
            percent layout
        gender | Percentage of individuals using the Internet, by gender
            percent layout
        gender | Percentage of individuals owning a mobile phone*, by gender
            percent layout
        age | Percentage of individuals using the Internet, by age
            percent layout
    """,
}


def listing(parsed) -> list[str]:
    table = block_units(parsed)
    lines = []
    for (sheet, title), block in table.groupby(["sheet", "block_title"], sort=False):
        parts = []
        for unit, rows in block.groupby("unit", sort=False):
            where = ["layout" if s == LAYOUT_UNIT else s.split("!")[1] for s in rows["unit_source"]]
            parts.append(" ".join([unit, *where]))
        lines += [f"{SHEET_ALIAS[sheet]} | {title}", "    " + " | ".join(parts)]
    return lines


@pytest.mark.parametrize("edition", sorted(BLOCK_UNITS))
def test_every_block_has_its_own_units(parsed, edition):
    assert listing(parsed[edition]) == textwrap.dedent(BLOCK_UNITS[edition]).strip().splitlines()


def test_no_printed_unit_crosses_a_block_boundary(parsed, itu_editions):
    """Every printed unit stands in its own block's header: after the previous block's last
    entity row and before the block's first one (on the title row, above or below it)."""
    checked = 0
    for edition, result in parsed.items():
        cells = pd.concat([result.observations, result.duplicate_cells], ignore_index=True)
        cells["row"] = _rows(cells["source_location"].str.split("!").str[1])
        grids = read_sheets(itu_editions[edition].path, list(cells["sheet"].unique()))
        for sheet, on_sheet in cells.groupby("sheet"):
            titles, entities = _title_and_entity_rows(grids[sheet], set(on_sheet["block_title"]))
            printed = on_sheet[on_sheet["unit_source"] != LAYOUT_UNIT]
            for (source, block), row in (
                printed.groupby(["unit_source", "block_title"])["row"].min().items()
            ):
                (label_row,) = _rows([source.split("!")[1]])
                title_row = max(r for r in titles if r <= row)  # the title governing the cell
                assert titles[title_row] == " ".join(block.split()), (edition, sheet, row)
                previous = max((r for r in entities if r < title_row), default=0)
                first = min(r for r in entities if r > title_row)
                assert previous < label_row < first, (edition, sheet, source, block)
                checked += 1
    # every printed unit of the listing above was checked: one per cell named there
    named = sum(
        len(part.split()) - 1
        for text in BLOCK_UNITS.values()
        for line in text.splitlines()
        if line.startswith(" " * 12)
        for part in line.split("|")
        if "layout" not in part
    )
    assert checked == named


def _rows(refs) -> list[int]:
    return [int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) for ref in refs]


def _title_and_entity_rows(grid, block_titles: set[str]) -> tuple[dict[int, str], list[int]]:
    """Excel rows whose column A is one of the sheet's block titles (row -> title), and those
    whose column A is an entity label."""
    wanted = {" ".join(t.split()) for t in block_titles}
    entity_labels = load_vocabulary().entity_labels
    titles, entities = {}, []
    for r, row in enumerate(grid, start=1):
        text = row[0] if row and isinstance(row[0], str) else ""
        if " ".join(text.split()) in wanted:
            titles[r] = " ".join(text.split())
        elif normalise_label(text) in entity_labels:
            entities.append(r)
    return titles, entities
