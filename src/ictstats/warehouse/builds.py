"""The warehouse: Parquet as the stored truth, a DuckDB file rebuilt from it.

Where it sits: sources -> parse -> validate -> **warehouse**.

A build is one unit. Every output of a build (Parquet, the DuckDB file, claims reports, charts)
is written into one new folder `builds/.staging-<id>/`; once all are written and every check
passed, `promote` renames it to `builds/<id>/` and repoints the `current` symlink with one
`os.replace`. The public paths are fixed symlinks through `current` (`ictstats.duckdb`,
`parquet`, `reports`, `charts`), so one swap changes all of them at once: there is never a state
where a reader sees the DuckDB file of one build and the Parquet or reports of another, and a
failure anywhere before the swap leaves the previous build in place, byte for byte. Readers that
opened the previous DuckDB file keep reading it (the previous build is kept).

`latest_observations` holds one row per key (series, entity, sex, area, age, year, unit): the
value of the first publisher in `PUBLISHER_PRECEDENCE` that carries the key, from that publisher's
newest edition (by edition date) carrying it. Other publishers' newest values of the same keys
are in `latest_observations_other_publishers`. Both are checked to be one row per key before
anything is published (`check_latest_views`): a violation stops the build with the previous
warehouse in place.
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

from ictstats.crashpoints import crash_point
from ictstats.errors import SourceError, ValidationError
from ictstats.metadata import codes

# Unit is part of the key: ITU publishes one indicator in two units (Internet users in percent
# and in millions, coverage in percent and in millions of people); both are values of their own.
OBSERVATION_KEY_SQL = "series, entity, sex, area, age, year, unit"
# The DuckDB file is written in the storage format of DuckDB 1.0.0, not DuckDB 2.0's own: the
# command-line tool and libraries analysts install (1.x) refuse a 2.0 file ("version number
# 69"); every DuckDB from 1.0.0 on, 2.0 included, reads this one. The oldest reader is tested
# (tests/test_cli.py), installed by `make setup` (keep the Makefile's OLDEST_DUCKDB equal).
STORAGE_VERSION = "v1.0.0"
OLDEST_DUCKDB_READER = "1.0.0"

# Which publisher's value is `latest` for a key: the first in this order that carries the key.
# ITU is the originator of the ICT indicators; the others republish ITU's numbers (the closer to
# ITU, the earlier). All ITU files (aggregates, country files, DataHub) are one publisher: they
# are releases of one database, so among them the newest edition date wins. None: a cross-check
# only, never `latest` (its values stay in `latest_observations_other_publishers`). A publisher
# with observations that is not listed stops the build: its place must be decided, not guessed.
PUBLISHER_PRECEDENCE: dict[str, int | None] = {
    "ITU": 1,
    # the global SDG database: the values ITU reports as custodian agency, unchanged
    "UN Statistics Division": 2,
    # WDI: ITU's series and World Bank aggregates of them
    "World Bank": 3,
    # grapher files built from WDI: a second-hand copy
    "Our World in Data": 4,
    # extracts made by others from a publisher's file
    "third party": None,
}
# Two datasets of one publisher dated the same day that carry the same key: the lower rank wins
# (default 0). ITU's Feb 2022 by-sex/area table repeats the totals of its Internet-use file as
# text rounded to one decimal (117 keys, 108 differ by up to 0.05), so the full-precision file wins.
# An undeclared tie is not broken arbitrarily: it duplicates the key and stops the build.
SAME_DAY_RANK: dict[str, int] = {"itu_country_by_sex_area_text": 1}


def dimension_tables() -> dict[str, pd.DataFrame]:
    """The code lists as tables (declared once in `ictstats.metadata.codes`)."""
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


BUILDS = "builds"
CURRENT = "current"
STAGING_PREFIX = ".staging-"
# The paths analysts and the contract check open; each a fixed symlink into `current`.
PUBLIC_LINKS = ("ictstats.duckdb", "parquet", "reports", "charts")
# Layout before builds were one unit: removed when the first unit build is promoted.
_OLD_LAYOUT = ("parquet-builds",)


def start_build(curated_dir: Path) -> Path:
    """A new, empty staging folder for one build's outputs (invisible to readers until promoted).

    The name sorts by time; the files inside carry no time or id, so two builds from the same
    inputs are byte-identical.
    """
    builds = curated_dir / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    staging = builds / f"{STAGING_PREFIX}{stamp}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    return staging


def write_parquet_build(
    staging: Path,
    observations: pd.DataFrame,
    tables: Mapping[str, pd.DataFrame],
) -> Path:
    """Write the Parquet files of a build into `staging/parquet`; return that folder.

    Refuses (before writing anything) a build whose latest views would not be one row per key.
    """
    check_latest(observations, tables["editions"])
    parquet = staging / "parquet"
    parquet.mkdir(parents=True)
    for edition, part in observations.groupby("edition", sort=True):
        folder = parquet / "observations" / f"edition={edition}"
        folder.mkdir(parents=True)
        part.drop(columns="edition").sort_values(
            ["series", "entity", "sex", "area", "age", "unit", "year"]
        ).to_parquet(folder / "data.parquet", index=False)
    for name, frame in tables.items():
        frame.to_parquet(parquet / f"{name}.parquet", index=False)
    crash_point("parquet-staged")
    return parquet


def promote(curated_dir: Path, staging: Path) -> Path:
    """Make a complete staged build current with one atomic symlink swap; return its folder.

    Call only after every output is written and every check passed. Keeps the previous build
    (readers mid-query on it are not cut off) and removes older ones.
    """
    builds = curated_dir / BUILDS
    if staging.parent != builds or not staging.name.startswith(STAGING_PREFIX):
        raise ValueError(f"{staging} is not a staging folder of {builds}")
    build = builds / staging.name.removeprefix(STAGING_PREFIX)
    os.replace(staging, build)
    crash_point("build-renamed")
    current = curated_dir / CURRENT
    previous = current.resolve().name if current.is_symlink() else None
    _point_symlink(current, Path(BUILDS) / build.name)
    _ensure_public_links(curated_dir)
    _prune_builds(builds, keep={build.name, previous})
    return build


def current_build(curated_dir: Path) -> Path | None:
    """The folder of the build readers see, or None before the first build."""
    current = curated_dir / CURRENT
    return current.resolve() if current.is_symlink() else None


def remove_leftovers(curated_dir: Path, raw_dir: Path | None = None) -> list[Path]:
    """Delete what interrupted runs left: staging folders, temporary files, half copies.

    Run it only while holding the project lock (`ictstats.warehouse.locking`): another run's staging
    folder looks exactly like a leftover.
    """
    found = [
        (curated_dir / BUILDS, f"{STAGING_PREFIX}*"),  # a build that never finished
        (curated_dir, ".ictstats.duckdb.*.tmp*"),  # DuckDB files of the layout before builds
        (curated_dir, ".fingerprint-*"),
        (curated_dir, ".old-*"),  # a real folder being replaced by its public symlink
        *((curated_dir, f".{name}-*") for name in (CURRENT, *PUBLIC_LINKS)),  # symlinks-to-be
    ]
    if raw_dir is not None:  # half copies and downloads of a killed `sources fetch`
        found += [(raw_dir, ".incoming-*"), (raw_dir, ".download-*")]
    return [path for folder, pattern in found for path in _remove_leftovers(folder, pattern)]


def _remove_leftovers(folder: Path, pattern: str) -> list[Path]:
    found = sorted(folder.glob(pattern)) if folder.is_dir() else []
    for leftover in found:
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
    return found


def _point_symlink(link: Path, target: Path) -> None:
    if link.exists() and not link.is_symlink():
        raise RuntimeError(f"{link} is a real folder; expected the symlink ictstats maintains")
    tmp = link.with_name(f".{link.name}-{uuid.uuid4().hex[:8]}")
    tmp.symlink_to(target, target_is_directory=True)
    os.replace(tmp, link)


def _ensure_public_links(curated_dir: Path) -> None:
    """`ictstats.duckdb`, `parquet`, `reports`, `charts` -> `current/<name>`, made once.

    A project built before builds were one unit has a real DuckDB file and real report and chart
    folders there: each is replaced by its symlink (a reader holding the old file keeps it).
    """
    for name in PUBLIC_LINKS:
        link = curated_dir / name
        target = Path(CURRENT) / name
        if link.is_symlink() and Path(os.readlink(link)) == target:
            continue
        tmp = curated_dir / f".{name}-{uuid.uuid4().hex[:8]}"
        tmp.symlink_to(target)
        if link.is_dir() and not link.is_symlink():  # a real folder cannot be replaced in one step
            old = curated_dir / f".old-{name}-{uuid.uuid4().hex[:8]}"
            os.replace(link, old)
            os.replace(tmp, link)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, link)
    for name in _OLD_LAYOUT:
        shutil.rmtree(curated_dir / name, ignore_errors=True)


def _prune_builds(builds: Path, keep: set[str | None]) -> None:
    """Keep the current and the previous build; a reader mid-query on the previous one goes on."""
    for old in builds.iterdir():
        if old.name not in keep and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)


def build_duckdb(parquet_dir: Path, database: Path) -> None:
    """Rebuild the DuckDB file from a Parquet build and swap it in atomically."""
    parquet_dir = parquet_dir.resolve()
    tmp = database.with_name(f".{database.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        con = duckdb.connect()
        try:
            quoted = str(tmp).replace("'", "''")
            con.execute(f"attach '{quoted}' as warehouse (storage_version '{STORAGE_VERSION}')")
            con.execute("use warehouse")
            _load_tables(con, parquet_dir)
            _create_views(con)
            check_latest_views(con)  # blocking: the old file stays if this fails
            crash_point("duckdb-writing")
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


def _ranked_sql(partition: str, order: str, where: str = "") -> str:
    """Observations with their edition's publisher, dataset and date, ranked within `partition`.

    `rank()`, not `row_number()`: two editions that tie both keep rank 1, so a tie shows up as a
    duplicate key (and stops the build) instead of being broken by chance.
    """
    return f"""
        select o.*, e.publisher, e.dataset, e.date as edition_date,
               rank() over (partition by {partition} order by {order}) as pick
        from observations o join editions e on e.id = o.edition
        {where}
    """


# Newest edition first by its date (never by its label); same-day datasets by SAME_DAY_RANK.
_NEWEST_FIRST = "e.date desc, e.same_day_rank"


def _create_views(con: duckdb.DuckDBPyConnection) -> None:
    latest = _ranked_sql(
        OBSERVATION_KEY_SQL,
        f"e.latest_rank, {_NEWEST_FIRST}",
        "where e.latest_rank is not null",
    )
    con.execute(
        f"create view latest_observations as select * exclude (pick) from ({latest}) where pick = 1"
    )
    newest = _ranked_sql(f"e.publisher, {OBSERVATION_KEY_SQL}", _NEWEST_FIRST)
    same_key = " and ".join(f"l.{c} = n.{c}" for c in OBSERVATION_KEY_SQL.split(", "))
    con.execute(
        f"""
        create view latest_observations_other_publishers as
        select n.* exclude (pick), l.publisher as latest_publisher,
               l.edition as latest_edition, l.value as latest_value
        from ({newest}) n left join latest_observations l on {same_key}
        where n.pick = 1 and n.publisher is distinct from l.publisher
        """
    )


# The key each latest view must not repeat.
LATEST_VIEW_KEYS = {
    "latest_observations": OBSERVATION_KEY_SQL,
    "latest_observations_other_publishers": f"publisher, {OBSERVATION_KEY_SQL}",
}
_SHOWN = 20


def check_latest_views(con: duckdb.DuckDBPyConnection) -> None:
    """Stop unless each latest view holds one row per key; name the keys and their editions."""
    found = []
    for view, key in LATEST_VIEW_KEYS.items():
        columns = ", ".join(f"v.{column}" for column in key.split(", "))
        found.append(
            con.execute(
                f"""
                select '{view}' as view, {columns}, count(*) as rows_,
                       string_agg(v.edition || ' (' || v.publisher || ', ' || v.edition_date
                                  || ', ' || e.source_file || ' ' || v.source_location || ')',
                                  '; ' order by v.edition) as editions
                from {view} v join editions e on e.id = v.edition
                group by {columns} having count(*) > 1
                order by {columns}
                """
            ).df()
        )
    duplicates = pd.concat(found, ignore_index=True)
    if duplicates.empty:
        return
    table = duplicates.head(_SHOWN).rename(columns={"rows_": "rows"}).to_markdown(index=False)
    more = f"\n... and {len(duplicates) - _SHOWN} more" if len(duplicates) > _SHOWN else ""
    raise ValidationError(
        "latest views are not one row per key (nothing was published; the previous warehouse "
        "stays)",
        f"{table}{more}\nEach key must come from one edition. Where two editions of one "
        "publisher carry a key with the same edition date, set which dataset wins on the same "
        "day in ictstats.warehouse.builds.SAME_DAY_RANK, or correct an edition_date in "
        "data/sources.yaml; otherwise the view definition "
        "(ictstats.warehouse.builds._create_views) "
        "is at fault.",
        len(duplicates),
    )


def check_latest(observations: pd.DataFrame, editions: pd.DataFrame) -> None:
    """`check_latest_views` on in-memory frames, before any file is written."""
    con = duckdb.connect()
    try:
        con.register("observations", observations)
        con.register("editions", editions)
        _create_views(con)
        check_latest_views(con)
    finally:
        con.close()


def editions_table(
    resolved: Mapping[str, object], version_notes: Mapping[str, list[str]], rows: Mapping[str, int]
) -> pd.DataFrame:
    """One row per edition in the warehouse: publisher, date and the exact bytes it came from."""
    records = []
    for item in resolved.values():
        source = item.source  # type: ignore[attr-defined]
        dataset = dataset_of(source.layout)
        records.append(
            {
                "id": source.edition,
                "publisher": source.publisher,
                "dataset": dataset,
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
                "latest_rank": _latest_rank(source, rows.get(source.edition, 0)),
                "same_day_rank": SAME_DAY_RANK.get(dataset, 0),
            }
        )
    table = pd.DataFrame.from_records(records).sort_values("date", ignore_index=True)
    return table.astype({"latest_rank": "Int64", "same_day_rank": "int64"})


def _latest_rank(source: object, observations: int) -> int | None:
    """The publisher's place in `PUBLISHER_PRECEDENCE`; a publisher with values must have one."""
    publisher = source.publisher  # type: ignore[attr-defined]
    if publisher in PUBLISHER_PRECEDENCE:
        return PUBLISHER_PRECEDENCE[publisher]
    if observations:
        raise SourceError(
            f"data/sources.yaml: source {source.id!r} ({source.filename}, "  # type: ignore[attr-defined]
            f"{observations:,} observations) has publisher {publisher!r}, which has no place in "
            "ictstats.warehouse.builds.PUBLISHER_PRECEDENCE, so latest_observations cannot rank "
            "it. "
            "Add the publisher there with its rank, or None to keep its values as cross-checks."
        )
    return None


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
