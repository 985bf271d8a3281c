"""The Dagster UI, bound to loopback, loads the code location and shows the lineage."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import ROOT

QUERY = "{ assetNodes { assetKey { path } groupName dependencyKeys { path } } }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_webserver_shows_asset_lineage(tmp_path):
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(ROOT), "ICTSTATS_DAGSTER_STORAGE": str(tmp_path)}
    webserver = Path(sys.executable).with_name("dagster-webserver")
    command = [str(webserver), "-h", "127.0.0.1", "-p", str(port), "-m", "pipelines.definitions"]
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/server_info", timeout=2).read()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline, "webserver did not answer within 90 s"
                time.sleep(0.5)
        request = urllib.request.Request(
            f"{base}/graphql",
            data=json.dumps({"query": QUERY}).encode(),
            headers={"Content-Type": "application/json"},
        )
        nodes = json.loads(urllib.request.urlopen(request, timeout=30).read())["data"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    by_name = {n["assetKey"]["path"][0]: n for n in nodes["assetNodes"]}
    assert len(by_name) == 19 + 18 + 16  # sources, parsed, then one asset per table and step
    assert {n["groupName"] for n in by_name.values()} == {
        "sources",
        "parsed",
        "transform",
        "analysis",
        "publish",
    }
    parsed = by_name["parsed_itu_agg_2025_11"]["dependencyKeys"]
    assert parsed == [{"path": ["raw_itu_aggregates_nov2025"]}]
    warehouse_inputs = {d["path"][0] for d in by_name["warehouse"]["dependencyKeys"]}
    assert "observations" in warehouse_inputs
    assert "aggregate_reconciliation" in warehouse_inputs
