"""The `ictstats` command line on a temporary warehouse."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ictstats.cli import main
from ictstats.warehouse import OLDEST_DUCKDB_READER
from tests.conftest import isolated_env


@pytest.fixture(scope="module")
def warehouse_env(tmp_path_factory, mirror):
    folder = tmp_path_factory.mktemp("cli")
    env = isolated_env(folder, mirror)
    result = CliRunner().invoke(main, ["run"], env=env)
    assert result.exit_code == 0, result.output
    return env


WORLD_2005 = (
    "select edition, round(value, 1) as value from observations where series = 'internet_use' "
    "and entity = 'WLD' and sex = '_T' and area = '_T' and age = '_T' and unit = 'percent' "
    "and year = {year} and edition like 'itu-agg-20__-__' order by edition"
)


def test_itu_aggregates_rows(warehouse_env):
    sql = "select count(*) as n from observations where edition like 'itu-agg-20__-__'"
    result = CliRunner().invoke(main, ["query", sql, "--format", "csv"], env=warehouse_env)
    assert result.output == "n\n17152\n"  # 2124 + 3284 + 5680 + 6064


def test_query_formats(warehouse_env):
    runner = CliRunner()
    table = runner.invoke(main, ["query", WORLD_2005.format(year=2005)], env=warehouse_env)
    assert table.exit_code == 0
    assert [line.split() for line in table.output.splitlines()[2:]] == [
        ["itu-agg-2019-10", "16.8"],
        ["itu-agg-2022-01", "15.8"],
        ["itu-agg-2024-11", "15.6"],
        ["itu-agg-2025-11", "15.6"],
    ]
    csv = runner.invoke(
        main, ["query", WORLD_2005.format(year=2025), "--format", "csv"], env=warehouse_env
    )
    assert csv.output == "edition,value\nitu-agg-2025-11,73.6\n"
    as_json = runner.invoke(
        main,
        ["query", "select id, date from editions where id = 'itu-agg-2024-11'", "--format", "json"],
        env=warehouse_env,
    )
    assert json.loads(as_json.output) == [{"id": "itu-agg-2024-11", "date": "2024-11-01"}]


def test_query_cannot_write(warehouse_env):
    result = CliRunner().invoke(main, ["query", "delete from observations"], env=warehouse_env)
    assert result.exit_code != 0
    assert "read-only" in result.output


def test_sources_list_and_verify(warehouse_env):
    runner = CliRunner()
    listed = runner.invoke(main, ["sources", "list"], env=warehouse_env)
    assert listed.exit_code == 0 and listed.output.count(" yes") == 19
    verified = runner.invoke(main, ["sources", "verify"], env=warehouse_env)
    assert verified.exit_code == 0 and verified.output.count("ok ") == 19


def test_query_without_warehouse_says_what_to_do(tmp_path):
    result = CliRunner().invoke(
        main, ["query", "select 1"], env={"ICTSTATS_CURATED": str(tmp_path)}
    )
    assert result.exit_code != 0 and "run `ictstats run` first" in result.output


# --- the query path reads the warehouse and nothing else ---------------------------------------


def curated_bytes(env: dict[str, str]) -> dict[str, str]:
    """SHA-256 of every file an analyst or the next build reads: the DuckDB file, the current
    Parquet build (through the `parquet` symlink), reports and charts."""
    curated = Path(env["ICTSTATS_CURATED"])
    return {
        str(path.relative_to(curated)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(curated.rglob("*"))
        if path.is_file()
    } | {"parquet ->": os.readlink(curated / "parquet")}


def hostile_queries(env: dict[str, str], outside: Path) -> dict[str, str]:
    curated = Path(env["ICTSTATS_CURATED"])
    warehouse = curated / "ictstats.duckdb"
    units = curated / "parquet" / "units.parquet"
    return {
        "copy_over_the_warehouse": f"copy (select 1 as x) to '{warehouse}'",
        # the reported case: COPY over a Parquet file of the current build doubled values
        "copy_over_build_parquet": (
            f"copy (select * from units union all select * from units) to '{units}' "
            "(format parquet)"
        ),
        "copy_outside": f"copy (select 1 as x) to '{outside / 'out.csv'}'",
        "read_any_file": "select * from read_text('/etc/passwd')",
        "read_csv_any_file": "select * from read_csv('/etc/passwd')",
        "set": "set threads = 1",
        "reset": "reset threads",
        "install": "install httpfs",
        "load": "load httpfs",
        "attach": f"attach '{outside / 'other.duckdb'}' as other",
        "two_statements": "select 1; select 2",
        "pragma_profiling_output": f"pragma profiling_output = '{outside / 'profile.json'}'",
        "pragma_checkpoint": "pragma force_checkpoint",
        "export": f"export database '{outside / 'export'}'",
        "create_temp": "create temp table t as select 1",
    }


HOSTILE = [
    "copy_over_the_warehouse",
    "copy_over_build_parquet",
    "copy_outside",
    "read_any_file",
    "read_csv_any_file",
    "set",
    "reset",
    "install",
    "load",
    "attach",
    "two_statements",
    "pragma_profiling_output",
    "pragma_checkpoint",
    "export",
    "create_temp",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_query_is_refused_and_changes_nothing(warehouse_env, tmp_path, name):
    before = curated_bytes(warehouse_env)
    sql = hostile_queries(warehouse_env, tmp_path)[name]
    result = CliRunner().invoke(main, ["query", sql], env=warehouse_env)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "read-only" in lines[0], result.output
    assert "root:" not in result.output  # nothing of /etc/passwd shown
    assert curated_bytes(warehouse_env) == before
    assert list(tmp_path.iterdir()) == []  # nothing written outside either


def test_every_table_and_view_reads_through_the_query_path(warehouse_env):
    """The query path's sandbox must not break a view (e.g. one that read Parquet by path)."""
    runner = CliRunner()
    listed = runner.invoke(
        main,
        ["query", "select table_name from information_schema.tables order by 1", "--format", "csv"],
        env=warehouse_env,
    )
    names = listed.output.splitlines()[1:]
    assert {"observations", "editions", "latest_observations"} <= set(names)
    for name in names:
        counted = runner.invoke(main, ["query", f"select count(*) from {name}"], env=warehouse_env)
        assert counted.exit_code == 0, (name, counted.output)


def test_query_timeout_interrupts_a_long_query(warehouse_env):
    # 88k observations cross-joined three times: ~10^15 rows, hours of work without the timeout
    endless = "select count(*) from observations a, observations b, observations c"
    result = CliRunner().invoke(main, ["query", endless, "--timeout", "1"], env=warehouse_env)
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert result.output.strip() == "error: query interrupted after --timeout 1 s"


# --- `ictstats run`'s no-change check verifies the outputs too ---------------------------------


def test_second_run_changes_nothing_and_says_so(warehouse_env):
    before = curated_bytes(warehouse_env)
    result = CliRunner().invoke(main, ["run"], env=warehouse_env)
    assert result.exit_code == 0, result.output
    assert "nothing changed" in result.output
    assert curated_bytes(warehouse_env) == before


def test_tampered_output_is_rebuilt_and_named(warehouse_env):
    curated = Path(warehouse_env["ICTSTATS_CURATED"])
    units = curated / "parquet" / "units.parquet"
    good = units.read_bytes()
    units.write_bytes(good + b"tampered")
    result = CliRunner().invoke(main, ["run"], env=warehouse_env)
    assert result.exit_code == 0, result.output
    assert "nothing changed" not in result.output
    assert "parquet/units.parquet differs from the last build" in result.output
    assert units.read_bytes() == good  # the rebuilt build wrote the same bytes again
    again = CliRunner().invoke(main, ["run"], env=warehouse_env)
    assert "nothing changed" in again.output


# --- analysts' tools open the warehouse -------------------------------------------------------

COUNT_EVERY_TABLE = """
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
names = [r[0] for r in con.execute(
    "select table_name from information_schema.tables order by 1").fetchall()]
counts = {n: con.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}
world = con.execute(sys.argv[2]).fetchall()
print(json.dumps({"version": duckdb.__version__, "counts": counts, "world": world}))
"""


def test_oldest_claimed_duckdb_reads_every_table_and_view(warehouse_env):
    """The warehouse is written in a storage format DuckDB 1.0.0 reads (README: Reliability).

    `make setup` installs that release beside the project's packages (.venv/duckdb-1.0.0);
    this test runs it in a child process and compares its answers with the current DuckDB's.
    """
    oldest = Path(sys.prefix) / f"duckdb-{OLDEST_DUCKDB_READER}"
    if not (oldest / "duckdb").is_dir():
        pytest.fail(f"DuckDB {OLDEST_DUCKDB_READER} is not installed at {oldest}: run `make setup`")
    database = str(Path(warehouse_env["ICTSTATS_CURATED"]) / "ictstats.duckdb")
    world = WORLD_2005.format(year=2005)

    def answers(extra_path: str | None) -> dict:
        env = {**os.environ, "PYTHONPATH": extra_path} if extra_path else dict(os.environ)
        child = subprocess.run(
            [sys.executable, "-c", COUNT_EVERY_TABLE, database, world],
            env=env,
            capture_output=True,
            text=True,
        )
        assert child.returncode == 0, child.stderr[-2000:]
        return json.loads(child.stdout)

    old, new = answers(str(oldest)), answers(None)
    assert old["version"] == OLDEST_DUCKDB_READER and new["version"] != OLDEST_DUCKDB_READER
    assert {"observations", "editions", "latest_observations"} <= old["counts"].keys()
    assert old["counts"] == new["counts"]
    assert (
        old["world"]
        == new["world"]
        == [
            ["itu-agg-2019-10", 16.8],
            ["itu-agg-2022-01", 15.8],
            ["itu-agg-2024-11", 15.6],
            ["itu-agg-2025-11", 15.6],
        ]
    )
