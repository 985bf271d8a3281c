"""The read-only query path of `ictstats query`: one statement, the warehouse and nothing else.

Where it sits: beside the warehouse, for analysts; the build never uses it.

`read_only=True` alone protects only the database file: `COPY … TO` can still overwrite any file
(the warehouse itself included), `read_text` reads any file on the machine, `SET` changes
settings and `INSTALL` downloads extensions. So the connection is opened with DuckDB's own
sandbox, which holds whatever the SQL says:

- `enable_external_access = false`: no file is read or written besides the opened database
  (COPY, EXPORT, ATTACH, read_text/read_csv/read_parquet, glob all refused). The warehouse keeps
  its data in tables inside the DuckDB file, so no view needs the Parquet folder; no directory is
  allowed (`allowed_directories` would allow writes to it as well as reads);
- `autoinstall_known_extensions` / `autoload_known_extensions = false`: no download, no loading;
- `lock_configuration = true`: no `SET`/`RESET`/`PRAGMA` can undo the above.

On top of the sandbox, only one SELECT-like statement (SELECT, WITH, FROM, VALUES, SHOW,
DESCRIBE, SUMMARIZE, EXPLAIN) is run per call, so no result is silently dropped and a refusal says
why in one line. `timeout` interrupts a query that runs too long.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ictstats.errors import IctstatsError

SANDBOX = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}
# SHOW, DESCRIBE, SUMMARIZE, FROM-first and VALUES parse as SELECT statements.
READING_STATEMENTS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
READ_ONLY = "the query path is read-only"


class QueryRefused(IctstatsError):
    """The SQL asked for something the read-only query path does not do."""


class QueryInterrupted(IctstatsError):
    """The query ran longer than its --timeout."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def connect_sandboxed(database: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only, with file access, extensions and settings locked."""
    if not database.is_file():
        raise FileNotFoundError(f"no warehouse at {database}; run `ictstats run` first")
    return duckdb.connect(str(database), read_only=True, config=dict(SANDBOX))


def single_reading_statement(sql: str) -> str:
    """The one SELECT-like statement in `sql`, or QueryRefused saying what is allowed."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:  # a syntax error: DuckDB says where
        raise IctstatsError(_one_line(exc)) from exc
    if len(statements) != 1:
        raise QueryRefused(
            f"{READ_ONLY} and runs exactly one statement per call; got {len(statements)}. "
            "Run each statement with its own `ictstats query`."
        )
    kind = statements[0].type
    if kind not in READING_STATEMENTS:
        raise QueryRefused(
            f"{READ_ONLY}: {kind.name} statements are refused; only SELECT (WITH, FROM, "
            "VALUES, SHOW, DESCRIBE, SUMMARIZE) and EXPLAIN run. To export, use "
            "`--format csv` or `--format json` and redirect the output."
        )
    return sql


def run_query(database: Path, sql: str, timeout: float | None = None) -> QueryResult:
    """Run one reading statement against the warehouse, interrupted after `timeout` seconds."""
    statement = single_reading_statement(sql)
    con = connect_sandboxed(database)
    timer = threading.Timer(timeout, con.interrupt) if timeout else None
    try:
        if timer:
            timer.start()
        cursor = con.execute(statement)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()  # Python values: dates stay dates, no pandas coercion
    except duckdb.InterruptException as exc:
        raise QueryInterrupted(f"query interrupted after --timeout {timeout:g} s") from exc
    except duckdb.PermissionException as exc:  # the sandbox refused a file or extension
        raise QueryRefused(f"{READ_ONLY} and reads the warehouse only: {_one_line(exc)}") from exc
    except duckdb.Error as exc:  # DuckDB's message already says what is wrong with the SQL
        message = str(exc)
        if "configuration has been locked" in message or "read-only mode" in message:
            raise QueryRefused(f"{READ_ONLY}: {_one_line(exc)}") from exc
        raise IctstatsError(message) from exc
    finally:
        if timer:
            timer.cancel()
        con.close()
    return QueryResult(columns, rows)


def _one_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
