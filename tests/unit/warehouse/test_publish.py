"""The library's build unit on small synthetic builds (fast): promote, the publish gate, a full
disk, leftovers and the project lock. The same properties through `ictstats run` are in
tests/integration/test_build_unit.py."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ictstats.sources.manifest import ResolvedSource
from ictstats.warehouse import builds, stage, write
from ictstats.warehouse.locking import BuildLocked, project_lock
from tests.unit.warehouse.test_latest import EDITIONS, ROWS, entities, observations, resolved


def sources(folder: Path, rows: list[dict]) -> dict[str, ResolvedSource]:
    """One file per edition with the hash that the rows carry."""
    items = {}
    for edition, spec in EDITIONS.items():
        path = folder / f"{edition}.csv"
        path.write_text(edition, "utf-8")
        item = resolved(edition, *spec)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        items[item.source.id] = ResolvedSource(item.source, path, digest, 1, "raw", "")
        for row in rows:
            if row["edition"] == edition:
                row["source_sha256"], row["source_id"] = digest, item.source.id
                row["source_location"] = f"{edition}!A{row['year']}"  # a cell, as the schema wants
    return items


def publish(curated: Path, rows: list[dict], items: dict) -> stage.WarehouseSummary:
    # the tables stage.publish makes itself (observations, editions, code lists) are not passed
    made = {"observations", "editions", "series", "units", "codes"}
    others = {k: v for k, v in write.empty_tables().items() if k not in made}
    frame = observations(rows)
    return stage.publish(curated, frame, items, {}, others | {"entities": entities(frame)})


def files(curated: Path) -> dict[str, str]:
    current = curated / "current"
    state = {"current": os.readlink(current)}
    for path in sorted(current.resolve().rglob("*")):
        if path.is_file():
            state[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


@pytest.fixture()
def project(tmp_path) -> tuple[Path, list[dict], dict]:
    rows = [dict(r) for r in ROWS]
    items = sources(tmp_path, rows)
    curated = tmp_path / "curated"
    publish(curated, rows, items)
    return curated, rows, items


def test_promote_swaps_one_link_and_keeps_the_previous_build(project):
    curated, rows, items = project
    first = (curated / "current").resolve()
    second = publish(curated, rows, items).database.parent
    assert (curated / "current").resolve() == second and first.is_dir()
    assert (curated / "ictstats.duckdb").resolve() == second / "ictstats.duckdb"
    assert os.readlink(curated / "parquet") == "current/parquet"
    third = publish(curated, rows, items).database.parent
    assert sorted(p.name for p in (curated / "builds").iterdir()) == sorted(
        [second.name, third.name]
    )  # the current one and the one before; the oldest is gone
    # same inputs, same bytes (issue 11 item 9): no time or id inside any file
    assert {p.name: p.read_bytes() for p in (second / "parquet").glob("*.parquet")} == {
        p.name: p.read_bytes() for p in (third / "parquet").glob("*.parquet")
    }


def test_gate_refuses_observations_from_other_bytes(project):
    """An observation stamped with a hash the manifest's file no longer has (a stored output of
    an earlier run of another file) is never published."""
    curated, rows, items = project
    before = files(curated)
    rows[0]["source_sha256"] = "f" * 64
    with pytest.raises(stage.PublishError) as caught:
        publish(curated, rows, items)
    message = str(caught.value)
    assert "publish gate" in message and "itu_agg_2024_11" in message and "ffffffffffff" in message
    assert "ictstats run" in message and "previous build" in message
    assert files(curated) == before
    assert not list((curated / "builds").glob(".staging-*"))


def test_gate_refuses_values_that_break_the_schema(project):
    curated, rows, items = project
    before = files(curated)
    rows[1]["value"] = 1e9  # WLD 2024 Internet use: 1e9 %
    with pytest.raises(stage.PublishError) as caught:
        publish(curated, rows, items)
    assert "break the schema" in str(caught.value) and "1000000000" in str(caught.value)
    assert files(curated) == before


@pytest.mark.parametrize("point", ["parquet-staged", "duckdb-writing"])
def test_a_full_disk_leaves_the_previous_build(project, monkeypatch, point):
    curated, rows, items = project
    before = files(curated)
    monkeypatch.setenv("ICTSTATS_DISK_FULL_AT", point)
    with pytest.raises(stage.PublishError) as caught:
        publish(curated, rows, items)
    message = str(caught.value)
    assert "No space left on device" in message and "Nothing was published" in message
    assert files(curated) == before
    assert [p.name for p in (curated / "builds").iterdir()] == [before["current"].split("/")[1]]


def test_leftovers_are_found_and_removed(tmp_path):
    curated, raw = tmp_path / "curated", tmp_path / "raw"
    (curated / "builds" / ".staging-x" / "parquet").mkdir(parents=True)
    (curated / "builds" / "20260101T000000-kept").mkdir()
    raw.mkdir()
    (raw / ".incoming-abc").write_bytes(b"half")
    (raw / "kept.xlsx").write_bytes(b"whole")
    removed = builds.remove_leftovers(curated, raw)
    assert sorted(p.name for p in removed) == [".incoming-abc", ".staging-x"]
    assert [p.name for p in (curated / "builds").iterdir()] == ["20260101T000000-kept"]
    assert [p.name for p in raw.iterdir()] == ["kept.xlsx"]


def test_a_second_holder_is_told_who_holds_the_lock(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from ictstats.warehouse.locking import "
            "project_lock\nwith project_lock(Path(sys.argv[1])):\n print('held', flush=True); "
            "time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(BuildLocked) as caught, project_lock(tmp_path, wait=False):
            pass
        assert f"pid {holder.pid}" in str(caught.value) and "--no-wait" in str(caught.value)
    finally:
        holder.kill()
        holder.wait()
    # the kernel dropped the dead holder's lock, and one process may nest its own
    with project_lock(tmp_path, wait=False), project_lock(tmp_path, wait=False):
        pass
