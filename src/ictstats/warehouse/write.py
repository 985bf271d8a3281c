"""Write a build: Parquet as the stored truth, a DuckDB file rebuilt from it.

Where it sits: the warehouse stage. Every table is declared once (`ictstats.metadata`); here each
frame is put into its declared column order and types, written to Parquet with the declared
Arrow schema, and loaded into a DuckDB table created from the declaration: types, NOT NULL,
primary key (DuckDB enforces both on load) and a comment on every table, view and column, so
`DESCRIBE` and `duckdb_columns()` tell an analyst what a column means and its unit.

Primary keys are checked here, not declared to DuckDB: a PRIMARY KEY (or UNIQUE) index written
in the 1.0.0 storage format by DuckDB 2.0 cannot be read back by DuckDB 1.0 ("Failed to
deserialize ... field id: 103", measured), and 1.x readers are promised. Each table's key is
checked after loading (a duplicate stops the build) and named in its table comment.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow
import pyarrow.parquet as pq

from ictstats.crashpoints import crash_point
from ictstats.errors import ValidationError
from ictstats.metadata import codes, resource, tables, views
from ictstats.warehouse.latest import check_latest, check_latest_views, create_views

# The DuckDB file is written in the storage format of DuckDB 1.0.0, not DuckDB 2.0's own: the
# command-line tool and libraries analysts install (1.x) refuse a 2.0 file ("version number
# 69"); every DuckDB from 1.0.0 on, 2.0 included, reads this one. The oldest reader is tested
# (tests/integration/test_cli.py), installed by `make setup` (keep the Makefile's OLDEST_DUCKDB
# equal).
STORAGE_VERSION = "v1.0.0"
OLDEST_DUCKDB_READER = "1.0.0"
_SHOWN = 20
# Rows of a partition file sorted by the key, so a file reads in a stable, useful order.
_OBSERVATION_ORDER = ["series", "entity", "sex", "area", "age", "unit", "year"]


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


def empty_tables() -> dict[str, pd.DataFrame]:
    """Every declared table with no rows: a base for a build of a few synthetic tables."""
    return {r.name: pd.DataFrame(columns=r.columns) for r in tables()}


def _arrow(name: str, frame: pd.DataFrame, drop: str | None = None) -> pyarrow.Table:
    """A conformed frame as an Arrow table of the declared schema."""
    schema = resource(name).arrow_schema()
    if drop:
        schema = schema.remove(schema.get_field_index(drop))
        frame = frame.drop(columns=drop)
    try:
        return pyarrow.Table.from_pandas(frame, schema=schema, preserve_index=False)
    except (pyarrow.ArrowException, ValueError, TypeError) as exc:  # e.g. a null where required
        raise ValidationError(
            f"table {name} cannot be written as declared: {exc}",
            "Nothing was written. The step that made the table is at fault, or its declaration "
            "(ictstats/metadata/resources.py, fields.py) is wrong.",
            1,
        ) from None


def write_parquet_build(staging: Path, every: Mapping[str, pd.DataFrame]) -> Path:
    """Write every declared table of a build into `staging/parquet`; return that folder.

    `every`: table name -> frame, one for each declared table. Each frame is conformed to its
    declaration first. Refuses (before writing anything) a build whose latest views would not be
    one row per key.
    """
    declared = [r.name for r in tables()]
    missing = sorted(set(declared) - set(every))
    undeclared = sorted(set(every) - set(declared))
    if missing or undeclared:
        raise ValueError(f"tables missing: {missing}; tables not declared: {undeclared}")
    conformed = {name: resource(name).conform(every[name]) for name in declared}
    # checked on the declared types (a date, not a timestamp), as the DuckDB file will hold them
    check_latest(
        _arrow("observations", conformed["observations"]), _arrow("editions", conformed["editions"])
    )
    parquet = staging / "parquet"
    parquet.mkdir(parents=True)
    for name, frame in conformed.items():
        partition = resource(name).partition_by
        if partition:
            _write_partitions(parquet / name, name, frame, partition)
        else:
            pq.write_table(_arrow(name, frame), parquet / f"{name}.parquet")
    crash_point("parquet-staged")
    return parquet


def _write_partitions(folder: Path, name: str, frame: pd.DataFrame, partition: str) -> None:
    for value, part in frame.groupby(partition, sort=True):
        target = folder / f"{partition}={value}"
        target.mkdir(parents=True)
        part = part.sort_values(_OBSERVATION_ORDER)
        pq.write_table(_arrow(name, part, drop=partition), target / "data.parquet")


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
            create_views(con)
            check_latest_views(con)  # blocking: the old file stays if this fails
            check_keys(con)  # likewise
            _comment(con)
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
    """Each declared table created from its declaration, then filled from its Parquet (the
    declared NOT NULL and primary key are enforced by DuckDB as the rows go in)."""
    for table in tables():
        con.execute(table.create_table_sql(primary_key=False))
        columns = ", ".join(f'"{c}"' for c in table.columns)
        if table.partition_by:
            glob = _sql_path(parquet_dir / table.name / "*" / "*.parquet")
            source = (
                f"read_parquet('{glob}', hive_partitioning = true, "
                f"hive_types = {{'{table.partition_by}': VARCHAR}})"
            )
            order = f" order by {table.partition_by}, {', '.join(_OBSERVATION_ORDER)}"
        else:
            source, order = (
                f"read_parquet('{_sql_path(parquet_dir / f'{table.name}.parquet')}')",
                "",
            )
        con.execute(f"insert into {table.name} ({columns}) select {columns} from {source}{order}")


def _sql_path(path: Path) -> str:
    """A path inside a single-quoted SQL string (a project folder may hold a quote)."""
    return str(path).replace("'", "''")


def check_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Stop unless every table holds one row per declared primary key and every declared
    foreign key finds its row; name the first offending keys."""
    found = _duplicate_keys(con) + _dangling_references(con)
    if found:
        raise ValidationError(
            "a warehouse table breaks its declared keys (nothing was published; the previous "
            "warehouse stays)",
            "\n\n".join(found) + "\nThe step that made the table is at fault, or its declared "
            "key (ictstats/metadata/resources.py) is wrong.",
            len(found),
        )


def _duplicate_keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    found = []
    for table in tables():
        key = ", ".join(f'"{c}"' for c in table.primary_key)
        rows = con.execute(
            f"select {key}, count(*) as rows_ from {table.name} group by all "
            f"having count(*) > 1 order by all limit {_SHOWN}"
        ).df()
        if len(rows):
            listing = rows.rename(columns={"rows_": "rows"}).to_markdown(index=False)
            found.append(f"table {table.name}, primary key ({key}) repeated:\n{listing}")
    return found


def _dangling_references(con: duckdb.DuckDBPyConnection) -> list[str]:
    found = []
    for table in tables():
        for fk in table.foreign_keys:
            (column,), ref = fk["fields"], fk["reference"]
            (target,) = ref["fields"]
            missing = con.execute(
                f"select distinct {column} from {table.name} where {column} not in "
                f"(select {target} from {ref['resource']}) order by 1 limit {_SHOWN}"
            ).fetchall()
            if missing:
                values = ", ".join(repr(v) for (v,) in missing)
                found.append(
                    f"table {table.name}: {column} not in {ref['resource']}.{target}: {values}"
                )
    return found


def _comment(con: duckdb.DuckDBPyConnection) -> None:
    for resource_ in [*tables(), *views()]:
        for statement in resource_.comment_sql():
            con.execute(statement)


def connect_read_only(database: Path) -> duckdb.DuckDBPyConnection:
    if not database.is_file():
        raise FileNotFoundError(f"no warehouse at {database}; run `ictstats run` first")
    return duckdb.connect(str(database), read_only=True)
