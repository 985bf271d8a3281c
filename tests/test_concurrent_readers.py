"""Analysts are never blocked or shown half-written data while a materialization runs.

A reader opens the warehouse read-only every 50 ms during a full `ictstats run --force` and
checks that each answer is complete: the row counts of one whole build, never a mixture.
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


def test_reader_every_50ms_during_a_full_run(tmp_path, mirror):
    env = {**os.environ, **isolated_env(tmp_path, mirror)}
    first = subprocess.run([ICTSTATS, "run"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr[-2000:]
    database = tmp_path / "curated" / "ictstats.duckdb"
    complete = duckdb.connect(str(database), read_only=True).execute(STATE).fetchone()

    builder = subprocess.Popen(
        [ICTSTATS, "run", "--force"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    answers, errors, slowest = [], [], 0.0
    while builder.poll() is None:
        started = time.perf_counter()
        try:
            con = duckdb.connect(str(database), read_only=True)
            answers.append(con.execute(STATE).fetchone())
            con.close()
        except Exception as exc:  # any error at all fails the test below
            errors.append(repr(exc))
        slowest = max(slowest, time.perf_counter() - started)
        time.sleep(0.05)
    assert builder.returncode == 0
    assert errors == []
    assert len(answers) >= 20  # the run lasts seconds: the reader really read during it
    assert set(answers) == {complete}  # same data both builds: every answer a whole build
    assert slowest < 0.1, f"a read took {slowest * 1000:.0f} ms"
