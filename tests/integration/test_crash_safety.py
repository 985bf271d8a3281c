"""Crash safety: a run killed at any point leaves no half-written table or file visible, and the
next run succeeds.

Runs `ictstats run` as a child process. `ICTSTATS_CRASH_AT` (ictstats.crashpoints) makes the
child SIGKILL itself at an exact point of the build's write (Parquet staged, DuckDB written,
build folder renamed but `current` not yet swapped, a chart written); the materialization case
kills it from outside while a step is running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT, isolated_env

ICTSTATS = str(Path(sys.executable).with_name("ictstats"))


@pytest.fixture()
def env(tmp_path, mirror) -> dict[str, str]:
    return {**os.environ, **isolated_env(tmp_path, mirror)}


def run(env: dict[str, str], crash_at: str | None = None) -> subprocess.CompletedProcess:
    child_env = {**env, "ICTSTATS_CRASH_AT": crash_at} if crash_at else env
    return subprocess.run(
        [ICTSTATS, "run", "--force"],
        env=child_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def visible_state(curated: Path) -> dict:
    """What a reader sees: the current build's DuckDB file and Parquet, both consistent."""
    database = curated / "ictstats.duckdb"
    parquet = curated / "parquet"
    state: dict = {"duckdb": None, "parquet": None}
    if (curated / "current").is_symlink():
        assert database.resolve().parent == parquet.resolve().parent  # one build
    if database.exists():
        con = duckdb.connect(str(database), read_only=True)
        try:
            state["duckdb"] = con.execute(
                "select edition, count(*) from observations group by 1 order by 1"
            ).fetchall()
            tables = {
                r[0]
                for r in con.execute("select table_name from information_schema.tables").fetchall()
            }
            assert {"observations", "editions", "claim_checks", "revisions"} <= tables
        finally:
            con.close()
    if parquet.exists():
        target = parquet.resolve()
        assert not target.parent.name.startswith("."), "a staging folder is visible as current"
        state["parquet"] = duckdb.execute(
            "select count(*) from read_parquet(?, hive_partitioning = true)",
            [str(target / "observations" / "*" / "*.parquet")],
        ).fetchone()[0]
    return state


@pytest.mark.parametrize("point", ["parquet-staged", "duckdb-written", "build-renamed"])
def test_killed_while_writing_the_warehouse(env, point):
    curated = Path(env["ICTSTATS_CURATED"])
    assert run(env).returncode == 0
    before = visible_state(curated)
    killed = run(env, crash_at=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    after_crash = visible_state(curated)
    # readers see the previous complete build: same rows in DuckDB and in Parquet
    assert after_crash["duckdb"] == before["duckdb"]
    assert after_crash["parquet"] == sum(n for _, n in before["duckdb"])
    again = run(env)
    assert again.returncode == 0, again.stderr[-2000:]
    assert visible_state(curated) == before
    leftovers = [
        p.name for p in curated.rglob(".*") if p.name.startswith((".staging", ".ictstats"))
    ]
    assert leftovers == []  # the next run cleared what the killed one left
    builds = [p.name for p in (curated / "builds").iterdir()]
    assert len(builds) == 2  # the current build and the one before (a renamed, unswapped one
    # of the killed run is pruned once it is neither)


def test_killed_during_materialization_before_any_warehouse(env):
    """Killed from outside while steps run: nothing half-built is visible, the rerun succeeds."""
    curated = Path(env["ICTSTATS_CURATED"])
    child = subprocess.Popen(
        [ICTSTATS, "run", "--force"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in child.stderr:  # progress lines; kill once the country data is being built
        if "entity_tables" in line or "observation_tables" in line:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert visible_state(curated) == {"duckdb": None, "parquet": None}
    assert run(env).returncode == 0
    assert visible_state(curated)["duckdb"] is not None


def test_killed_while_writing_charts(env):
    curated = Path(env["ICTSTATS_CURATED"])
    assert run(env).returncode == 0
    charts = curated / "charts"
    before = {p.name: p.read_bytes() for p in charts.iterdir()}
    killed = run(env, crash_at="chart-written")
    assert killed.returncode == -signal.SIGKILL
    # every chart a reader can see is a complete one (here: the previous build's, byte for byte)
    visible = {p.name: p.read_bytes() for p in charts.iterdir() if not p.name.startswith(".")}
    assert visible == before
    assert run(env).returncode == 0
    assert sorted(p.name for p in charts.iterdir()) == sorted(before)  # leftovers cleared
