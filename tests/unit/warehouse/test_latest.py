"""`latest_observations`: one row per key, from one publisher's newest edition; and the gate.

Small synthetic warehouses built with the real functions (`editions_table`, `write_parquet_build`,
`build_duckdb`); every expected value is read off the frames below by hand.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ictstats.errors import SourceError, ValidationError
from ictstats.sources.manifest import KnownCopy, ResolvedSource, Source
from ictstats.warehouse import editions as edition_rows
from ictstats.warehouse import latest, write

KEY = ["series", "entity", "sex", "area", "age", "year", "unit"]

# edition -> (publisher, layout, edition date)
EDITIONS = {
    "itu-agg-2024-11": ("ITU", "itu_aggregates_2024", "2024-11-01"),
    "itu-agg-2025-11": ("ITU", "itu_aggregates_2025", "2025-11-13"),
    "itu-country-2022-02": ("ITU", "itu_country_wide_value_notes_source", "2022-02-04"),
    "itu-country-sex-area-2022-02": ("ITU", "itu_country_by_sex_area_text", "2022-02-04"),
    "wb-wdi-2026-07": ("World Bank", "wb_bulk_csv", "2026-07-13"),
    "itu-agg-2025-11-extract": ("third party", "third_party_urban_rural_extract", "2025-11-13"),
}


def resolved(edition: str, publisher: str, layout: str, date: str) -> ResolvedSource:
    source = Source(
        id=edition.replace("-", "_"),
        publisher=publisher,
        title=edition,
        edition=edition,
        edition_date=dt.date.fromisoformat(date),
        url="https://example.org/",
        url_verified=False,
        licence="test",
        attribution="test",
        layout=layout,
        filename=f"{edition}.csv",
        mirror_path=f"{edition}.csv",
        known_copies=(KnownCopy("0" * 64, 1),),
    )
    return ResolvedSource(source, Path(source.filename), "0" * 64, 1, "raw", "")


def editions_frame(editions: dict, observations: pd.DataFrame) -> pd.DataFrame:
    rows = observations.groupby("edition").size().to_dict()
    items = {e: resolved(e, *spec) for e, spec in editions.items()}
    return edition_rows.editions_table(items, {}, rows)


def obs(edition: str, value: float, year: int = 2024, **key: str) -> dict:
    row = {"series": "internet_use", "entity": "WLD", "sex": "_T", "area": "_T", "age": "_T"}
    row |= {"unit": "percent", **key, "year": year, "value": value, "edition": edition}
    return row | {"source_id": edition, "source_sha256": "0" * 64, "obs_status": "A",
                  "source_location": f"{edition}!row {year}"}  # fmt: skip


def observations(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).astype({"year": "int64"})


# WLD 2024 %: ITU Nov 2024 67.6, revised to 71.2 in Nov 2025; WDI (newer, July 2026) and the
# third-party extract repeat 71.2. Latest: ITU (first publisher) Nov 2025 (its newest) = 71.2.
# HIC-urban-like key (area U, 2021) only in Nov 2024 -> Nov 2024's 91.7.
# WLD 2024 in millions only in Nov 2025 -> its own row (unit is part of the key).
# Fixed broadband per 100, WLD 2004: only WDI -> WDI's 2.9 (World Bank is next after ITU).
# Economy AAA 2019: the Feb 2022 Internet-use file 53.04, its by-sex/area table (same day) 53.0
# -> 53.04 (SAME_DAY_RANK puts the by-sex/area table second).
# WLD 2026: only the third-party extract -> not latest at all.
ROWS = [
    obs("itu-agg-2024-11", 67.6),
    obs("itu-agg-2025-11", 71.2),
    obs("wb-wdi-2026-07", 71.2),
    obs("itu-agg-2025-11-extract", 71.2),
    obs("itu-agg-2024-11", 91.7, year=2021, area="U"),
    obs("itu-agg-2025-11", 5804.8, unit="millions"),
    obs("wb-wdi-2026-07", 2.9, year=2004, series="fixed_broadband_subscriptions", unit="per_100"),
    obs("itu-country-2022-02", 53.04, year=2019, entity="AAA"),
    obs("itu-country-sex-area-2022-02", 53.0, year=2019, entity="AAA"),
    obs("itu-agg-2025-11-extract", 74.0, year=2026),
]


def entities(frame: pd.DataFrame) -> pd.DataFrame:
    """The entities the synthetic observations name (the warehouse checks its foreign keys)."""
    codes = sorted(frame["entity"].unique())
    return pd.DataFrame({"code": codes, "name": codes, "kind": "economy"})


def build(folder: Path, rows: list[dict], editions: dict = EDITIONS) -> Path:
    frame = observations(rows)
    tables = {"editions": editions_frame(editions, frame), "entities": entities(frame)}
    parquet = write.write_parquet_build(
        folder,
        {**write.empty_tables(), **write.dimension_tables(), **tables, "observations": frame},
    )
    database = folder / "ictstats.duckdb"
    write.build_duckdb(parquet, database)
    return database


def query(database: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("latest"), ROWS)


def test_latest_is_one_row_per_key_from_the_first_publisher_newest_edition(synthetic):
    got = query(
        synthetic,
        """select series, entity, area, year, unit, value, publisher, edition,
                  cast(edition_date as varchar), dataset
           from latest_observations order by series, entity, area, year, unit""",
    )
    assert got == [
        ("fixed_broadband_subscriptions", "WLD", "_T", 2004, "per_100", 2.9, "World Bank",
         "wb-wdi-2026-07", "2026-07-13", "wb_wdi"),
        ("internet_use", "AAA", "_T", 2019, "percent", 53.04, "ITU", "itu-country-2022-02",
         "2022-02-04", "itu_country_wide_value_notes_source"),
        ("internet_use", "WLD", "U", 2021, "percent", 91.7, "ITU", "itu-agg-2024-11",
         "2024-11-01", "itu_aggregates"),
        ("internet_use", "WLD", "_T", 2024, "millions", 5804.8, "ITU", "itu-agg-2025-11",
         "2025-11-13", "itu_aggregates"),
        ("internet_use", "WLD", "_T", 2024, "percent", 71.2, "ITU", "itu-agg-2025-11",
         "2025-11-13", "itu_aggregates"),
    ]  # fmt: skip


def test_other_publishers_view_holds_the_rest_with_the_latest_value_beside(synthetic):
    got = query(
        synthetic,
        """select year, publisher, edition, value, latest_publisher, latest_edition, latest_value
           from latest_observations_other_publishers order by year, publisher""",
    )
    assert got == [
        (2024, "World Bank", "wb-wdi-2026-07", 71.2, "ITU", "itu-agg-2025-11", 71.2),
        (2024, "third party", "itu-agg-2025-11-extract", 71.2, "ITU", "itu-agg-2025-11", 71.2),
        # a key only a cross-check carries: shown here, never in latest_observations
        (2026, "third party", "itu-agg-2025-11-extract", 74.0, None, None, None),
    ]


def test_newest_is_decided_by_edition_date_not_by_label(tmp_path):
    # "itu-agg-b" sorts after "itu-agg-a" but was issued a year earlier: a's 71.2 is latest.
    editions = {
        "itu-agg-a": ("ITU", "itu_aggregates_2025", "2025-11-13"),
        "itu-agg-b": ("ITU", "itu_aggregates_2024", "2024-11-01"),
    }
    database = build(tmp_path, [obs("itu-agg-a", 71.2), obs("itu-agg-b", 67.6)], editions)
    assert query(database, "select edition, value from latest_observations") == [
        ("itu-agg-a", 71.2)
    ]


def test_editions_carry_each_publisher_rank():
    frame = observations(ROWS)
    table = editions_frame(EDITIONS, frame).set_index("id")
    assert table.loc["itu-agg-2025-11", "latest_rank"] == 1
    assert table.loc["wb-wdi-2026-07", "latest_rank"] == 3
    assert pd.isna(table.loc["itu-agg-2025-11-extract", "latest_rank"])  # cross-check only
    assert table.loc["itu-country-sex-area-2022-02", "same_day_rank"] == 1


def test_publisher_without_a_rank_stops_the_build():
    editions = {"x-2025": ("Statistics Nowhere", "wb_bulk_csv", "2025-01-01")}
    with pytest.raises(SourceError) as caught:
        editions_frame(editions, observations([obs("x-2025", 50.0)]))
    message = str(caught.value)
    assert "'Statistics Nowhere'" in message and "x-2025.csv" in message
    assert "PUBLISHER_PRECEDENCE" in message


def test_an_undeclared_tie_is_refused_before_anything_is_written(tmp_path):
    """Two ITU datasets issued the same day with one key and no declared order: both would be
    rank 1, so the key is duplicated; the build stops before the Parquet folder is created."""
    editions = {
        "itu-agg-2025-11": ("ITU", "itu_aggregates_2025", "2025-11-13"),
        "itu-datahub-2025-11": ("ITU", "itu_datahub_long", "2025-11-13"),
    }
    rows = [obs("itu-agg-2025-11", 71.2), obs("itu-datahub-2025-11", 71.3)]
    with pytest.raises(ValidationError) as caught:
        build(tmp_path, rows, editions)
    message = str(caught.value)
    assert "latest_observations" in message and "1 failure(s)" in message
    assert "itu-agg-2025-11 (ITU, 2025-11-13, itu-agg-2025-11.csv itu-agg-2025-11!row 2024)" in (
        message
    )
    assert "itu-datahub-2025-11.csv" in message and "SAME_DAY_RANK" in message
    assert not (tmp_path / "parquet").exists() and not (tmp_path / "parquet-builds").exists()


def _per_dataset_views(con: duckdb.DuckDBPyConnection) -> None:
    """The definition this issue replaced: the newest edition per *dataset*."""
    con.execute(
        f"""
        create view latest_observations as
        select * exclude (newest_first) from (
            select o.*, e.publisher, e.dataset, e.date as edition_date,
                   row_number() over (partition by e.dataset, {latest.OBSERVATION_KEY_SQL}
                                      order by e.date desc) as newest_first
            from observations o join editions e on e.id = o.edition)
        where newest_first = 1
        """
    )
    con.execute(
        "create view latest_observations_other_publishers as "
        "select *, 'x' as latest_publisher from latest_observations where false"
    )


def test_the_gate_in_the_duckdb_build_keeps_the_published_file(synthetic, tmp_path, monkeypatch):
    """A view definition that repeats keys (the old per-dataset one) never replaces the file."""
    database = tmp_path / "ictstats.duckdb"
    database.write_bytes(synthetic.read_bytes())
    before = database.read_bytes()
    monkeypatch.setattr(write, "create_views", _per_dataset_views)
    with pytest.raises(ValidationError) as caught:
        write.build_duckdb(synthetic.parent / "parquet", database)
    # per dataset, two keys repeat: WLD 2024 % (datasets itu_aggregates, wb_wdi and the
    # extract: 3 rows) and AAA 2019 (the two Feb 2022 ITU files: 2 rows)
    message = str(caught.value)
    assert "2 failure(s)" in message
    assert "wb-wdi-2026-07 (World Bank, 2026-07-13, wb-wdi-2026-07.csv" in message
    assert "itu-country-sex-area-2022-02 (ITU, 2022-02-04" in message
    assert database.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [database.name]  # no temporary file left
