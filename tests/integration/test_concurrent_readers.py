"""Analysts are never blocked or shown half-written data while a materialization runs.

A reader opens the warehouse read-only every 50 ms during a full `ictstats run --force` and
checks the two properties the warehouse's atomic swaps promise, with no clock involved:

- never blocked: DuckDB does not wait for a file lock, it fails at once ("Could not set lock"),
  so a read that never raised never met the builder's lock;
- never partial: every answer is the row counts of one whole build, the DuckDB file's and the
  Parquet build's behind the `parquet` symlink alike.

The reads must straddle the swap (some on the old DuckDB file, some on the new one), or the run
would not have been observed at all. How long a read takes is a figure for `make bench`
(bench/run.py, "readers during a full run"): it measures the machine as much as the code.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from tests.conftest import ROOT, isolated_env

ICTSTATS = str(Path(sys.executable).with_name("ictstats"))
STATE = """select (select count(*) from observations), (select count(*) from editions),
                  (select count(*) from claim_checks), (select count(*) from revisions)"""


def read_once(curated: Path) -> tuple[int, tuple, int]:
    """(inode of the DuckDB file read, its row counts, the current Parquet build's rows)."""
    database = curated / "ictstats.duckdb"
    before = os.stat(database).st_ino
    con = duckdb.connect(str(database), read_only=True)
    try:
        opened = os.stat(database).st_ino
        state = con.execute(STATE).fetchone()
    finally:
        con.close()
    # equal inodes around the open: no swap in between, so this is the file that was opened
    inode = opened if opened == before else -1
    parquet = duckdb.execute(
        "select count(*) from read_parquet(?, hive_partitioning = true)",
        [str((curated / "parquet").resolve() / "observations" / "*" / "*.parquet")],
    ).fetchone()[0]
    return inode, state, parquet


def test_readers_are_never_blocked_nor_shown_a_partial_build(tmp_path, mirror):
    env = {**os.environ, **isolated_env(tmp_path, mirror)}
    first = subprocess.run([ICTSTATS, "run"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr[-2000:]
    curated = tmp_path / "curated"
    old_inode, complete, parquet_rows = read_once(curated)
    assert complete[0] == parquet_rows

    builder = subprocess.Popen(
        [ICTSTATS, "run", "--force"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    answers, errors = [], []
    while builder.poll() is None:
        try:
            answers.append(read_once(curated))
        except Exception as exc:  # a lock met, a file missing: any error at all fails below
            errors.append(repr(exc))
        time.sleep(0.05)
    assert builder.returncode == 0
    assert errors == []
    # same sources both builds: every answer is the whole of one build, DuckDB and Parquet
    assert {(state, parquet) for _, state, parquet in answers} == {(complete, parquet_rows)}
    new_inode = os.stat(curated / "ictstats.duckdb").st_ino
    inodes = {inode for inode, _, _ in answers}
    assert new_inode != old_inode  # the run swapped a new file in
    assert {old_inode, new_inode} <= inodes, "the reads did not straddle the swap"
