"""One measurement in a fresh process, so that its peak RSS is its own: `worker.py SPEC_JSON`.

bench/run.py starts this script once per measurement and reads the JSON it writes to
spec["out"]. Tasks:

- `aggregate`: `ictstats.analysis.aggregation.aggregate` on a DuckDB relation over the Parquet
  panel;
- `pandas`: the plain pandas baseline (no imputation): merge, groupby, weighted mean;
- `verify`, on one small panel: aggregate() without imputation vs the pandas baseline, and
  aggregate() vs the dense pandas reference of the method (bench/reference.py), every column,
  for both imputations.

The timed section is the call itself: reading the Parquet is inside it for DuckDB (the relation
is lazy) and outside it for pandas (timed separately as `load_s`).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import panel
import reference

from ictstats.analysis import aggregation
from ictstats.analysis.aggregation import Imputation

IMPUTATIONS = {
    "none": Imputation(),
    "headline": Imputation(
        interpolate=True, carry_forward=5, carry_with_peer_trend=True, fill="peer_mean"
    ),
}
GROUP_KEY = ["entity", "series", "sex", "area", "age", "year"]


SPILL_CAP = "20GiB"  # the old aggregate SQL spills ~6 GB per 30 s at 10^8: keep the disk safe


def connect(spill: str, memory_limit: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    settings = (
        "threads = 2",
        f"memory_limit = '{memory_limit}'",
        f"temp_directory = '{spill}'",
        f"max_temp_directory_size = '{SPILL_CAP}'",
    )
    for setting in settings:
        con.execute(f"set {setting}").fetchall()  # DuckDB 2.0: fetch, or the connection blocks
    return con


def run_aggregate(spec: dict, con: duckdb.DuckDBPyConnection, imputation: Imputation):
    relation = con.read_parquet(spec["path"])
    return aggregation.aggregate(
        relation,
        panel.membership(),
        panel.population(),
        panel.target_years(),
        imputation,
        con,
        panel.peers(),
    )


def pandas_baseline(values: pd.DataFrame) -> pd.DataFrame:
    """Weighted mean of reporters only: what aggregate() does with Imputation()."""
    frame = values.merge(panel.population(), on=["entity", "year"])
    frame = frame.merge(panel.membership(), on="entity")
    frame["weighted"] = frame["population"] * frame["value"]
    sums = frame.groupby(["group", "series", "sex", "area", "age", "year"], sort=False)[
        ["weighted", "population"]
    ].sum()
    result = (sums["weighted"] / sums["population"]).rename("value").reset_index()
    return result.rename(columns={"group": "entity"})


def max_abs_diff(left: pd.DataFrame, right: pd.DataFrame, columns: list[str]) -> dict:
    """Rows of both, matched on the key; max |difference| per column (inf if keys differ)."""
    merged = left.merge(right, on=GROUP_KEY, how="outer", suffixes=("_l", "_r"), indicator=True)
    unmatched = int((merged["_merge"] != "both").sum())
    diffs = {}
    for column in columns:
        a, b = merged[f"{column}_l"].astype(float), merged[f"{column}_r"].astype(float)
        if ((a.isna() != b.isna()) & (merged["_merge"] == "both")).any():
            diffs[column] = float("inf")
        else:
            diffs[column] = float(np.nanmax(np.abs(a - b))) if len(merged) else 0.0
    return {"rows_left": len(left), "rows_right": len(right), "unmatched": unmatched, **diffs}


def main() -> None:
    spec = json.loads(sys.argv[1])
    result: dict = {"task": spec["task"]}
    try:
        measure(spec, result)
    except duckdb.Error as exc:  # e.g. out of memory or of temp space: a result, not a crash
        result["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    result["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    Path(spec["out"]).write_text(json.dumps(result), encoding="utf-8")


def measure(spec: dict, result: dict) -> None:
    task = spec["task"]
    if task == "aggregate":
        con = connect(spec["spill"], spec["memory_limit"])
        started = time.perf_counter()
        frame = run_aggregate(spec, con, IMPUTATIONS[spec["imputation"]])
        seconds = time.perf_counter() - started
        # the result is a pandas frame: in memory whatever DuckDB's memory_limit says
        result_bytes = int(frame.memory_usage(deep=True).sum())
        result.update(seconds=seconds, result_rows=len(frame), result_bytes=result_bytes)
    elif task == "pandas":
        started = time.perf_counter()
        values = pd.read_parquet(spec["path"])
        loaded = time.perf_counter()
        frame = pandas_baseline(values)
        result.update(
            seconds=time.perf_counter() - loaded, load_s=loaded - started, result_rows=len(frame)
        )
    elif task == "verify":
        con = connect(spec["spill"], spec["memory_limit"])
        values = pd.read_parquet(spec["path"])
        skip = (*GROUP_KEY, "imputation", "note")
        numeric = [c for c in aggregation.RESULT_COLUMNS if c not in skip]
        checks = {}
        for label, imputation in IMPUTATIONS.items():
            frame = run_aggregate(spec, con, imputation)
            if label == "none":
                reported = frame[frame["value"].notna()]  # the baseline has no null rows
                checks["pandas_baseline"] = max_abs_diff(
                    reported, pandas_baseline(values), ["value"]
                )
            expected = reference.aggregate(
                values,
                panel.membership(),
                panel.population(),
                panel.target_years(),
                imputation,
                panel.peers(),
            )
            checks[f"reference/{label}"] = max_abs_diff(frame, expected, numeric)
        result["checks"] = checks
    else:
        raise SystemExit(f"unknown task {task!r}")


if __name__ == "__main__":
    main()
