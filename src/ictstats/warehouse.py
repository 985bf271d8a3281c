"""The warehouse: Parquet as the stored truth, a DuckDB file rebuilt from it.

Where it sits: sources -> parse -> validate -> **warehouse**.

Both are published by atomic swaps, so a reader never sees half a build and a failed build
leaves the previous one in place:
- Parquet is written into a new folder under `parquet-builds/`; the `parquet` symlink is then
  repointed with one `os.replace`.
- The DuckDB file is built beside the old one from that Parquet and swapped in with `os.replace`;
  open readers keep the file they opened.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd

from ictstats import codes
from ictstats.crashpoints import crash_point

OBSERVATION_KEY_SQL = "series, entity, sex, area, age, year, unit"
KEEP_BUILDS = 2
# The DuckDB file is written in the storage format of DuckDB 1.0.0, not DuckDB 2.0's own: the
# command-line tool and libraries analysts install (1.x) refuse a 2.0 file ("version number
# 69"); every DuckDB from 1.0.0 on, 2.0 included, reads this one. The oldest reader is tested
# (tests/test_cli.py), installed by `make setup` (keep the Makefile's OLDEST_DUCKDB equal).
STORAGE_VERSION = "v1.0.0"
OLDEST_DUCKDB_READER = "1.0.0"


def dimension_tables() -> dict[str, pd.DataFrame]:
    """The code lists as tables (declared once in `ictstats.codes`)."""
    series = pd.DataFrame(
        [
            {
                "id": s.id,
                "itu_name": s.itu_name,
                "definition": s.definition,
                "unit": s.unit,
                "other_units": ",".join(s.other_units),
            }
            for s in codes.SERIES
        ]
    )
    units = pd.DataFrame(
        [{"id": k, "label": v, "maximum": codes.UNIT_MAXIMUM[k]} for k, v in codes.UNITS.items()]
    )
    breakdowns = pd.DataFrame(
        [
            {"dimension": dim, "code": code, "label": label}
            for dim, table in (
                ("sex", codes.SEX),
                ("area", codes.AREA),
                ("age", codes.AGE),
                ("obs_status", codes.OBS_STATUS),
            )
            for code, label in table.items()
        ]
    )
    return {"series": series, "units": units, "codes": breakdowns}


def write_parquet_build(
    curated_dir: Path,
    observations: pd.DataFrame,
    tables: Mapping[str, pd.DataFrame],
) -> Path:
    """Write a complete Parquet build and make it the current one; return its folder."""
    builds = curated_dir / "parquet-builds"
    _remove_leftovers(builds, ".staging-*")  # from a build that was killed mid-write
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    build = builds / f"{stamp}-{uuid.uuid4().hex[:8]}"
    staging = builds / f".staging-{build.name}"
    staging.mkdir(parents=True)
    try:
        for edition, part in observations.groupby("edition", sort=True):
            folder = staging / "observations" / f"edition={edition}"
            folder.mkdir(parents=True)
            part.drop(columns="edition").sort_values(
                ["series", "entity", "sex", "area", "age", "unit", "year"]
            ).to_parquet(folder / "data.parquet", index=False)
        for name, frame in tables.items():
            frame.to_parquet(staging / f"{name}.parquet", index=False)
        crash_point("parquet-staged")
        os.replace(staging, build)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    crash_point("parquet-built")
    _point_symlink(curated_dir / "parquet", Path("parquet-builds") / build.name)
    _prune_builds(builds, keep=build.name)
    return build


def _remove_leftovers(folder: Path, pattern: str) -> None:
    if folder.is_dir():
        for leftover in folder.glob(pattern):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


def _point_symlink(link: Path, target: Path) -> None:
    if link.exists() and not link.is_symlink():
        raise RuntimeError(f"{link} is a real folder; expected the symlink ictstats maintains")
    tmp = link.with_name(f".{link.name}-{uuid.uuid4().hex[:8]}")
    tmp.symlink_to(target, target_is_directory=True)
    os.replace(tmp, link)


def _prune_builds(builds: Path, keep: str) -> None:
    """Keep the newest few builds so that a reader mid-query on the previous one is not cut off."""
    done = sorted(p for p in builds.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in done[:-KEEP_BUILDS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def build_duckdb(parquet_dir: Path, database: Path) -> None:
    """Rebuild the DuckDB file from a Parquet build and swap it in atomically."""
    parquet_dir = parquet_dir.resolve()
    _remove_leftovers(database.parent, f".{database.name}.*.tmp*")
    tmp = database.with_name(f".{database.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        con = duckdb.connect()
        try:
            quoted = str(tmp).replace("'", "''")
            con.execute(f"attach '{quoted}' as warehouse (storage_version '{STORAGE_VERSION}')")
            con.execute("use warehouse")
            _load_tables(con, parquet_dir)
            _create_views(con)
            con.execute("checkpoint warehouse")
        finally:
            con.close()
        crash_point("duckdb-written")
        os.replace(tmp, database)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)


def _load_tables(con: duckdb.DuckDBPyConnection, parquet_dir: Path) -> None:
    glob = str(parquet_dir / "observations" / "*" / "*.parquet")
    con.execute(
        f"""
        create table observations as
        select edition, source_id, source_sha256, series, entity, sex, area, age,
               cast(year as integer) as year, value, unit, obs_status, source_location
        from read_parquet('{glob}', hive_partitioning = true)
        order by edition, series, entity, sex, area, age, unit, year
        """
    )
    for table in sorted(parquet_dir.glob("*.parquet")):
        con.execute(f"create table {table.stem} as select * from read_parquet('{table}')")


def _create_views(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""
        create view latest_observations as
        select * exclude (dataset, newest_first)
        from (
            select o.*, e.dataset,
                   row_number() over (
                       partition by e.dataset, {OBSERVATION_KEY_SQL}
                       order by e.date desc, e.id desc) as newest_first
            from observations o join editions e on e.id = o.edition
        )
        where newest_first = 1
        """
    )


def editions_table(
    resolved: Mapping[str, object], version_notes: Mapping[str, list[str]], rows: Mapping[str, int]
) -> pd.DataFrame:
    """One row per edition in the warehouse: publisher, date and the exact bytes it came from."""
    records = []
    for item in resolved.values():
        source = item.source  # type: ignore[attr-defined]
        records.append(
            {
                "id": source.edition,
                "publisher": source.publisher,
                "dataset": dataset_of(source.layout),
                "title": source.title,
                "date": source.edition_date,
                "source_id": source.id,
                "source_file": source.filename,
                "source_sha256": item.sha256,  # type: ignore[attr-defined]
                "source_copy": item.copy_note,  # type: ignore[attr-defined]
                "url": source.url,
                "licence": source.licence,
                "attribution": source.attribution,
                "version_note": " | ".join(version_notes.get(source.edition, [])),
                "observations": rows.get(source.edition, 0),
            }
        )
    return pd.DataFrame.from_records(records).sort_values("date", ignore_index=True)


# Layouts whose editions are vintages of one dataset although the file layout changed.
DATASET_OF_LAYOUT = {"wb_databank_wide": "wb_wdi", "wb_bulk_csv": "wb_wdi"}


def dataset_of(layout: str) -> str:
    """Dataset of an edition: vintages of one dataset are compared for revisions and `latest`.

    Every ITU aggregates edition (layouts itu_aggregates_<year>) is dataset `itu_aggregates`.
    """
    if layout in DATASET_OF_LAYOUT:
        return DATASET_OF_LAYOUT[layout]
    head, _, tail = layout.rpartition("_")
    return head if tail.isdigit() and head else layout


def connect_read_only(database: Path) -> duckdb.DuckDBPyConnection:
    if not database.is_file():
        raise FileNotFoundError(f"no warehouse at {database}; run `ictstats run` first")
    return duckdb.connect(str(database), read_only=True)
