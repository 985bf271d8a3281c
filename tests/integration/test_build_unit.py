"""A build is one unit, run as the user runs it (`ictstats run` in a child process):

- a failed blocking check cannot be bypassed by `--select` (issue 11 item 2);
- a full disk anywhere in the write publishes nothing and the next run leaves no leftover
  (item 4);
- two runs at once take turns on the project lock and publish complete builds (item 3), and
  two builds from the same inputs have byte-identical Parquet files (item 9).

The tests share one project (module fixture) and run in file order: each starts from the
published build the previous one left.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import openpyxl
import pytest
import yaml

from tests.conftest import MANIFEST, ROOT, isolated_env

ICTSTATS = str(Path(sys.executable).with_name("ictstats"))
BAD_CELL = ("By dvpmnt status and spec. reg.", "AR127")  # World, Internet use %, 2025


def ictstats(env: dict[str, str], *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ICTSTATS, *args],
        env={**env, **extra},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


def published(curated: Path) -> dict[str, str]:
    """What readers see: where `current` and the public links point, and the SHA-256 of every
    file of the current build."""
    state = {name: os.readlink(curated / name) for name in ("current", "ictstats.duckdb")}
    build = (curated / "current").resolve()
    for path in sorted(build.rglob("*")):
        if path.is_file():
            state[path.relative_to(build).as_posix()] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return state


def leftovers(folder: Path) -> list[str]:
    """Hidden staging folders and temporary files anywhere under the project's data folders."""
    keep = {".build.lock", ".build.lock.json", ".build-fingerprint.json"}
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob(".*")
        if p.name not in keep and not p.name.startswith(".gitkeep")
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory, mirror) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("project")
    env = {**os.environ, **isolated_env(folder, mirror)}
    env.pop("ICTSTATS_CRASH_AT", None)
    env.pop("ICTSTATS_DISK_FULL_AT", None)
    done = ictstats(env, "run", "--force")
    assert done.returncode == 0, done.stderr[-3000:]
    return env


def test_public_paths_are_links_into_one_build(project):
    curated = Path(project["ICTSTATS_CURATED"])
    build = (curated / "current").resolve()
    assert build.parent == curated / "builds"
    for name in ("ictstats.duckdb", "parquet", "reports", "charts"):
        assert os.readlink(curated / name) == f"current/{name}"
        assert (curated / name).resolve() == build / name
    assert {"claims.md", "claims.html"} <= {p.name for p in (build / "reports").iterdir()}
    assert any(p.suffix == ".png" for p in (build / "charts").iterdir())


def _bad_manifest(env: dict[str, str], folder: Path) -> Path:
    """A copy of the manifest whose Nov 2025 workbook says 1e9 % for World 2025."""
    raw = Path(env["ICTSTATS_RAW"])
    entries = yaml.safe_load(MANIFEST.read_text("utf-8"))["sources"]
    entry = next(e for e in entries if e["id"] == "itu_aggregates_nov2025")
    workbook = openpyxl.load_workbook(raw / entry["filename"])
    sheet, cell = BAD_CELL
    workbook[sheet][cell] = 1e9
    bad = raw / "itu_aggregates_nov2025_1e9.xlsx"
    workbook.save(bad)
    entry["filename"] = bad.name
    digest = hashlib.sha256(bad.read_bytes()).hexdigest()
    entry["known_copies"] = [{"sha256": digest, "size": bad.stat().st_size}]
    manifest = folder / "sources-1e9.yaml"
    manifest.write_text(yaml.safe_dump({"sources": entries}, sort_keys=False), "utf-8")
    return manifest


def test_select_cannot_publish_what_failed_its_blocking_check(project, tmp_path):
    """Issue 11 item 2: a full run fails its schema check on 1e9 %; `--select` of the warehouse
    afterwards ran the warehouse alone on the stored unvalidated value and published it."""
    curated = Path(project["ICTSTATS_CURATED"])
    before = published(curated)
    manifest = str(_bad_manifest(project, tmp_path))
    full = ictstats(project, "run", "--force", ICTSTATS_MANIFEST=manifest)
    assert full.returncode != 0
    assert "check observations_schema: FAILED (blocking)" in full.stderr
    selected = ictstats(project, "run", "--select", "warehouse", ICTSTATS_MANIFEST=manifest)
    assert selected.returncode != 0, selected.stderr[-3000:]
    assert (
        "check observations_schema: FAILED (blocking)" in selected.stderr
    )  # the check ran in the selection
    assert published(curated) == before
    con = duckdb.connect(str(curated / "ictstats.duckdb"), read_only=True)
    try:
        assert (
            con.execute("select max(value) from observations where unit = 'percent'").fetchone()[0]
            < 1000
        )
    finally:
        con.close()


@pytest.mark.parametrize(
    "point",
    ["parquet-staged", "duckdb-writing", "report-written", "chart-written"],
)
def test_a_full_disk_publishes_nothing(project, point):
    """Issue 11 item 4: with the disk full after the Parquet, while writing the DuckDB file,
    between claims.md and claims.html or while writing a chart, nothing of the new build is
    visible: `current` and every file of the previous build are unchanged, and the failed run
    removed its own staging folder."""
    curated = Path(project["ICTSTATS_CURATED"])
    before = published(curated)
    done = ictstats(project, "run", "--force", ICTSTATS_DISK_FULL_AT=point)
    assert done.returncode != 0
    assert "FAILED" in done.stderr
    assert published(curated) == before
    assert not list((curated / "builds").glob(".staging-*"))


def test_the_next_run_removes_what_an_interrupted_run_left(project):
    curated, raw = Path(project["ICTSTATS_CURATED"]), Path(project["ICTSTATS_RAW"])
    (curated / "builds" / ".staging-20990101T000000-deadbeef" / "parquet").mkdir(parents=True)
    (raw / ".incoming-abc123").write_bytes(b"half a workbook")
    (curated / ".current-0badc0de").symlink_to("builds/nowhere")
    done = ictstats(project, "run", "--force")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "removed what an interrupted run left" in done.stderr
    assert leftovers(curated) == [] and leftovers(raw) == []


def test_two_runs_at_once_take_turns_and_builds_are_reproducible(project):
    """Issue 11 items 3 and 9: two `run --force` started together: one waits for the other and
    says which run holds the lock; both publish complete builds; the DuckDB file agrees with
    the Parquet of its own build; the two builds' Parquet files are byte-identical."""
    curated = Path(project["ICTSTATS_CURATED"])
    first = subprocess.Popen(
        [ICTSTATS, "run", "--force"], env=project, cwd=ROOT, stderr=subprocess.PIPE, text=True
    )
    while not (curated / ".build.lock.json").is_file() or (
        f'"pid": {first.pid}' not in (curated / ".build.lock.json").read_text()
    ):
        assert first.poll() is None, first.stderr.read()[-3000:]
        time.sleep(0.2)
    refused = ictstats(project, "run", "--force", "--no-wait")
    assert refused.returncode != 0
    assert f"pid {first.pid}" in refused.stderr and "ictstats run --force" in refused.stderr
    second = subprocess.Popen(
        [ICTSTATS, "run", "--force"], env=project, cwd=ROOT, stderr=subprocess.PIPE, text=True
    )
    assert first.wait(timeout=900) == 0, first.stderr.read()[-3000:]
    second_err = second.communicate(timeout=900)[1]
    assert second.returncode == 0, second_err[-3000:]
    assert "waiting for the build lock" in second_err and f"pid {first.pid}" in second_err

    builds = sorted(p for p in (curated / "builds").iterdir() if not p.name.startswith("."))
    assert len(builds) == 2 and (curated / "current").resolve() == builds[-1]
    for build in builds:
        con = duckdb.connect(str(build / "ictstats.duckdb"), read_only=True)
        try:
            in_duckdb = con.execute("select id, source_sha256 from editions order by id").fetchall()
            in_parquet = con.execute(
                "select id, source_sha256 from read_parquet(?) order by id",
                [str(build / "parquet" / "editions.parquet")],
            ).fetchall()
            assert in_duckdb == in_parquet
            orphans = con.execute(
                "select distinct edition from observations "
                "where edition not in (select id from editions)"
            ).fetchall()
            assert orphans == []
            counts = "select edition, count(*) from observations group by 1 order by 1"
            from_parquet = con.execute(
                "select edition, count(*) from read_parquet(?, hive_partitioning = true) "
                "group by 1 order by 1",
                [str(build / "parquet" / "observations" / "*" / "*.parquet")],
            ).fetchall()
            assert con.execute(counts).fetchall() == from_parquet
        finally:
            con.close()

    def parquet_bytes(build: Path) -> dict[str, str]:
        return {
            p.relative_to(build).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((build / "parquet").rglob("*.parquet"))
        }

    older, newer = (parquet_bytes(b) for b in builds)
    assert len(older) > 20 and older == newer
