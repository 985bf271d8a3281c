"""The `ictstats` command line on a temporary warehouse."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ictstats.sources.manifest import sha256_of
from ictstats.warehouse.write import OLDEST_DUCKDB_READER
from pipelines.cli import main
from tests.conftest import MANIFEST, isolated_env

ICTSTATS = Path(sys.executable).with_name("ictstats")  # the installed command, as a user runs it


def ictstats(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """The real `ictstats` command in a child process: what the terminal shows."""
    return subprocess.run(
        [str(ICTSTATS), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=1800,
    )


@pytest.fixture(scope="module")
def full_run(tmp_path_factory, mirror) -> tuple[dict[str, str], subprocess.CompletedProcess]:
    folder = tmp_path_factory.mktemp("cli")
    env = isolated_env(folder, mirror)
    done = ictstats(["run"], env)
    assert done.returncode == 0, done.stderr[-3000:]
    return env, done


@pytest.fixture(scope="module")
def warehouse_env(full_run) -> dict[str, str]:
    return full_run[0]


def test_run_prints_each_warning_with_its_count_and_first_rows(full_run):
    stderr = full_run[1].stderr
    warnings = re.findall(
        r"^ +[\d.]+s  check (\w+): warn, (\d+) finding\(s\): (.+)\n((?: {9}.*\n)*)",
        stderr,
        re.M,
    )
    names = {name for name, *_ in warnings}
    # the three ITU-side warning checks find rows in the real editions (see the README)
    assert {"sheet_repeats_agree", "totals_within_breakdown", "accepted_publisher_values"} <= names
    for name, count, about, body in warnings:
        rows = [line for line in body.splitlines() if line.strip().startswith("|")]
        more = re.search(r"… and (\d+) more", body)
        # header + rule line + min(count, 5) data rows; the rest counted, not hidden
        assert len(rows) == 2 + min(int(count), 5), (name, body)
        assert (int(more.group(1)) if more else 0) == max(int(count) - 5, 0), (name, body)
        assert about.strip() and about != "see the rows below", name
    assert "Traceback" not in stderr


def _source_entry(manifest: dict, sid: str) -> dict:
    return next(e for e in manifest["sources"] if e["id"] == sid)


def test_failed_step_prints_the_ictstats_error_not_a_wrapper(tmp_path, mirror):
    """A value cell of the Nov 2025 extract holds text: the parse step fails, and the terminal
    shows the file, the row and the rule (before: only `<step>: FAILED`)."""
    env = isolated_env(tmp_path, mirror)
    sid = "itu_aggregates_nov2025_urban_rural_extract"
    manifest = yaml.safe_load(MANIFEST.read_text("utf-8"))
    entry = _source_entry(manifest, sid)
    good = mirror / entry["mirror_path"]
    bad = tmp_path / "raw" / entry["filename"]
    bad.parent.mkdir()
    text = good.read_text("utf-8")
    assert "Low-income,2015,21.2" in text
    bad.write_text(text.replace("Low-income,2015,21.2", "Low-income,2015,n.a.", 1), "utf-8")
    # register the faulty bytes, so the fault reaches the parser rather than the checksum gate
    entry["known_copies"] = [{"sha256": sha256_of(bad), "size": bad.stat().st_size}]
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), "utf-8")
    env["ICTSTATS_MANIFEST"] = str(tmp_path / "sources.yaml")
    done = ictstats(
        ["run", "--select", f"raw_{sid}", "--select", "parsed_itu_agg_2025_11_extract"], env
    )
    assert done.returncode == 1
    failed = re.search(r"parsed_itu_agg_2025_11_extract: FAILED:\n {9}(.+)", done.stderr)
    assert failed, done.stderr[-3000:]
    assert entry["filename"] in failed.group(1)
    assert "row 3" in failed.group(1) and "not a number" in failed.group(1)
    assert (
        "Traceback" not in done.stderr and "DagsterExecutionStepExecutionError" not in done.stderr
    )
    assert "the run failed at parsed_itu_agg_2025_11_extract" in done.stderr


def test_select_takes_a_group_and_lists_the_names_on_a_typo(tmp_path, mirror):
    env = isolated_env(tmp_path, mirror)
    typo = ictstats(["run", "--select", "source"], env)
    assert typo.returncode == 1
    assert "Traceback" not in typo.stderr
    assert "unknown asset or group name(s) 'source'" in typo.stderr
    assert re.search(r"^  sources: raw_datahub_country_codes, ", typo.stderr, re.M)
    assert re.search(r"^  publish: .*\bwarehouse\b", typo.stderr, re.M)
    # the group runs its 19 source steps and nothing else
    group = ictstats(["run", "--select", "sources"], env)
    assert group.returncode == 0, group.stderr[-3000:]
    steps = set(re.findall(r"^ +[\d.]+s  (\w+): ", group.stderr, re.M))
    assert len(steps) == 19 and all(s.startswith("raw_") for s in steps), steps


def test_ctrl_c_says_the_last_good_build_is_unchanged(tmp_path, mirror):
    env = isolated_env(tmp_path, mirror)
    child = subprocess.Popen(
        [str(ICTSTATS), "run"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = []
    assert child.stderr is not None
    for line in child.stderr:  # wait until the run is under way, then press Ctrl-C
        seen.append(line)
        if ": " in line and "s  raw_" in line:
            child.send_signal(signal.SIGINT)
            break
    out, err = child.communicate(timeout=600)
    assert child.returncode == 130, "".join(seen) + err
    assert "interrupted: the run was stopped; the last good build is unchanged" in err
    assert "Traceback" not in err
    assert not (tmp_path / "curated" / "ictstats.duckdb").exists()  # nothing half-published


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


def test_query_json_is_valid_json_without_nan_or_infinity(warehouse_env):
    """Computed values can be NaN or ±Infinity, which JSON does not have: written as null
    (before: bare NaN/Infinity, which strict JSON readers refuse)."""
    sql = (
        "select 'nan'::double as nan, 'inf'::double as inf, -'inf'::double as minus_inf, "
        "[1.5, 'nan'::double] as list, 1.5::double as plain"
    )
    done = ictstats(["query", sql, "--format", "json"], warehouse_env)
    assert done.returncode == 0, done.stderr

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    records = json.loads(done.stdout, parse_constant=refuse)
    assert records == [
        {"nan": None, "inf": None, "minus_inf": None, "list": [1.5, None], "plain": 1.5}
    ]
    assert "null" in ictstats(["query", "--help"], warehouse_env).stdout
