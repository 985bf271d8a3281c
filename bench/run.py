"""Benchmarks of ictstats: build times, Excel readers and the aggregate step at scale.

    .venv/bin/python bench/run.py [--quick] [--no-builds] [--sizes 5,6,7,8] [--timeout 120]
                                  [--memory-limit 6GB] [--keep]

Prints one table and writes it to bench/results.json. Every target is marked `met` or `MISSED`.

1. cold full build: `ictstats run` on empty temporary raw, curated and Dagster folders (sources
   copied from the offline mirror ../shared/data): wall time and peak RSS of the process tree;
2. no-change rebuild: the same command again on the same folders;
   readers during a full run: `ictstats run --force` on those folders while a reader opens the
   warehouse read-only every 50 ms (connect, four counts, close): p50/p95/max latency of a read,
   the figure tests/integration/test_concurrent_readers.py no longer asserts (it measures the
   machine);
3. Excel: openpyxl vs python-calamine on the four ITU aggregates workbooks (bench/excel.py);
4. `ictstats.analysis.aggregation.aggregate` on synthetic panels of 10^5..10^8 observations
   (bench/panel.py), with the headline imputation (interpolate, carry forward with peer
   trend, peer mean) and
   Imputation(), each in a fresh process (bench/worker.py) so its peak RSS is its own; DuckDB
   threads=2, memory_limit='6GB' (--memory-limit: a lower one shows the step spilling to disk
   instead of failing), temp_directory in the temporary folder (capped at 20 GiB).
   A plain pandas groupby is the baseline up to 10^7; at 10^5 the results are checked against
   it and against a dense pandas version of the whole method (bench/reference.py).

--quick skips the 10^8 panel and both builds; --no-builds skips only the builds. A measurement
still running after --timeout seconds is stopped and reported as such.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import excel
import pandas as pd
import panel
from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
MIRROR = "../shared/data"  # relative to the project root, as the Makefile's users have it
AGGREGATES_FOLDER = ROOT / MIRROR / "itu" / "aggregates"
RESULTS = BENCH / "results.json"
GIB = 1024**3
IMPUTATIONS = ("headline", "none")  # the headline imputation and Imputation(), see worker.py

TARGETS = {
    "cold_s": 15.0,
    "cold_rss": 1.5 * GIB,
    "rebuild_s": 3.0,
    "reader_max_s": 0.1,
    "scale_s": 90.0,
    "scale_rss": 6 * GIB,
    "pandas_ratio": 5.0,
    "equal_abs": 1e-9,
}


# ---------------------------------------------------------------------------------------------
# running and measuring a child process


def run_child(cmd: list[str], log: Path, timeout: float | None = None, **kwargs) -> dict:
    """Run cmd; wall time, peak RSS (its own and its reaped children's) and exit code.

    os.wait4 returns the resource usage of exactly this child, so the many children a benchmark
    starts do not mix their high-water marks (RUSAGE_CHILDREN would keep the largest of all).
    """
    busy_before, ours_before = cpu_seconds()
    with open(log, "w", encoding="utf-8") as out:
        started = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, **kwargs)
    stopped = threading.Event()

    def stop() -> None:
        stopped.set()
        child.kill()

    timer = threading.Timer(timeout, stop) if timeout else None
    if timer:
        timer.start()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if timer:
        timer.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    busy_after, ours_after = cpu_seconds()
    others = max(0.0, (busy_after - busy_before) - (ours_after - ours_before))
    return {
        "wall_s": wall,
        "others_cpu_share": others / (wall * (os.cpu_count() or 1)),
        "peak_rss_bytes": usage.ru_maxrss * 1024,  # Linux reports KiB
        "returncode": child.returncode,
        "timed_out": stopped.is_set(),
        "log": str(log),
    }


def cpu_seconds() -> tuple[float, float]:
    """(busy CPU-seconds of the whole machine, CPU-seconds of this process and its children).

    The difference between two readings is what other processes used meanwhile: a benchmark
    that shares the machine says so instead of reporting slow numbers as its own.
    """
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    busy = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    ours = sum(
        getattr(resource.getrusage(who), f)
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        for f in ("ru_utime", "ru_stime")
    )
    return busy, ours


def tail(path: str | Path, lines: int = 15) -> str:
    text = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join("    " + line for line in text[-lines:])


MEMORY_LIMIT = "6GB"  # DuckDB's, in every worker; --memory-limit


def run_worker(spec: dict, tmp: Path, name: str, timeout: float | None) -> dict:
    spec = {
        **spec,
        "out": str(tmp / f"{name}.json"),
        "spill": str(tmp / f"spill-{name}"),
        "memory_limit": MEMORY_LIMIT,
    }
    child = run_child(
        [sys.executable, str(BENCH / "worker.py"), json.dumps(spec)],
        tmp / f"{name}.log",
        timeout=timeout,
        cwd=ROOT,
    )
    shutil.rmtree(spec["spill"], ignore_errors=True)
    if Path(spec["out"]).is_file():
        child.update(json.loads(Path(spec["out"]).read_text(encoding="utf-8")))
    if "error" in child:
        print(f"  {name}: {child['error']}", flush=True)
    elif child["returncode"] != 0 and not child["timed_out"]:
        print(f"  {name} failed (exit {child['returncode']}):\n{tail(child['log'])}", flush=True)
    return child


# ---------------------------------------------------------------------------------------------
# formatting


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def fmt_bytes(size: float | None) -> str:
    if size is None:
        return ""
    return f"{size / GIB:.2f} GiB" if size >= GIB else f"{size / 1024**2:.0f} MiB"


def fmt_rate(rows: int, seconds: float | None) -> str:
    if not seconds:
        return ""
    rate = rows / seconds
    return f"{rate / 1e6:.1f} M" if rate >= 1e6 else f"{rate / 1e3:.0f} k"


def shared(result: dict) -> str:
    """A note when other processes took more than 5% of the CPUs during a measurement."""
    share = result.get("others_cpu_share", 0.0)
    return f"other processes took {share:.0%} of the CPUs" if share > 0.05 else ""


def join_notes(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def row(part: str, case: str, **fields) -> dict:
    base = {
        "part": part,
        "case": case,
        "time": "",
        "peak RSS": "",
        "rows/s": "",
        "pandas/duckdb": "",
        "target": "",
        "status": "",
        "note": "",
    }
    base.update(fields)
    return base


# ---------------------------------------------------------------------------------------------
# 1-2: builds


def bench_builds(tmp: Path, raw: dict) -> list[dict]:
    folders = {name: tmp / "build" / name for name in ("raw", "curated", "dagster")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    env = {
        **os.environ,
        "ICTSTATS_RAW": str(folders["raw"]),
        "ICTSTATS_CURATED": str(folders["curated"]),
        "ICTSTATS_DAGSTER_STORAGE": str(folders["dagster"]),
        "DAGSTER_HOME": str(ROOT),
        "ICTSTATS_MIRROR": MIRROR,
    }
    command = [str(Path(sys.executable).parent / "ictstats"), "run"]
    rows = []
    print("cold full build ...", flush=True)
    cold = run_child(command, tmp / "cold-build.log", timeout=900, cwd=ROOT, env=env)
    raw["cold_build"] = cold
    cold["output"] = Path(cold["log"]).read_text(encoding="utf-8", errors="replace")[-20000:]
    target = f"≤ {TARGETS['cold_s']:.0f} s, ≤ {fmt_bytes(TARGETS['cold_rss'])}"
    if cold["returncode"] != 0:
        print(f"  the cold build failed:\n{tail(cold['log'])}", flush=True)
        return [row("build", "cold full build", target=target, status="FAILED", note=cold["log"])]
    ok = cold["wall_s"] <= TARGETS["cold_s"] and cold["peak_rss_bytes"] <= TARGETS["cold_rss"]
    rows.append(
        row(
            "build",
            "cold full build (`ictstats run`, empty folders)",
            time=fmt_s(cold["wall_s"]),
            **{"peak RSS": fmt_bytes(cold["peak_rss_bytes"])},
            target=target,
            status=verdict(ok),
            note=join_notes("sources copied from the mirror and hashed", shared(cold)),
        )
    )
    print("no-change rebuild ...", flush=True)
    again = run_child(command, tmp / "rebuild.log", timeout=900, cwd=ROOT, env=env)
    raw["rebuild"] = again
    output = Path(again["log"]).read_text(encoding="utf-8", errors="replace")
    how = "fast path: nothing changed" if "nothing changed" in output else "full run"
    target = f"≤ {TARGETS['rebuild_s']:.0f} s"
    if again["returncode"] != 0:
        print(f"  the rebuild failed:\n{tail(again['log'])}", flush=True)
        rows.append(row("build", "no-change rebuild", target=target, status="FAILED"))
    else:
        rows.append(
            row(
                "build",
                "no-change rebuild (same command, same folders)",
                time=fmt_s(again["wall_s"]),
                **{"peak RSS": fmt_bytes(again["peak_rss_bytes"])},
                target=target,
                status=verdict(again["wall_s"] <= TARGETS["rebuild_s"]),
                note=join_notes(how, shared(again)),
            )
        )
    rows.append(bench_readers(command, tmp, env, raw))
    return rows


READER_STATE = """select (select count(*) from observations), (select count(*) from editions),
                         (select count(*) from claim_checks), (select count(*) from revisions)"""


def bench_readers(command: list[str], tmp: Path, env: dict, raw: dict) -> dict:
    """Latency of a read-only reader every 50 ms while `ictstats run --force` rebuilds."""
    print("readers during a full run ...", flush=True)
    database = Path(env["ICTSTATS_CURATED"]) / "ictstats.duckdb"
    case = "read-only reader every 50 ms during `ictstats run --force`"
    target = f"max ≤ {fmt_s(TARGETS['reader_max_s'])}"
    with open(tmp / "readers-build.log", "w", encoding="utf-8") as log:
        busy_before, ours_before = cpu_seconds()
        started = time.perf_counter()
        builder = subprocess.Popen(
            [*command, "--force"], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env
        )
        latencies, errors, answers = [], [], set()
        while builder.poll() is None:
            began = time.perf_counter()
            try:
                con = duckdb.connect(str(database), read_only=True)
                answers.add(con.execute(READER_STATE).fetchone())
                con.close()
                latencies.append(time.perf_counter() - began)
            except Exception as exc:  # counted and shown; the test suite asserts there are none
                errors.append(repr(exc))
            time.sleep(0.05)
        wall = time.perf_counter() - started
    busy_after, ours_after = cpu_seconds()
    others = max(0.0, (busy_after - busy_before) - (ours_after - ours_before))
    shared_note = shared({"others_cpu_share": others / (wall * (os.cpu_count() or 1))})
    raw["readers"] = {"latencies_s": latencies, "errors": errors, "answers": len(answers)}
    if builder.returncode != 0 or not latencies:
        return row("build", case, target=target, status="FAILED", note=f"{len(errors)} errors")
    ordered = sorted(latencies)

    def pick(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return row(
        "build",
        case,
        time=f"p50 {fmt_s(pick(0.5))} / p95 {fmt_s(pick(0.95))} / max {fmt_s(ordered[-1])}",
        target=target,
        status=verdict(ordered[-1] <= TARGETS["reader_max_s"] and not errors),
        note=join_notes(
            f"{len(latencies)} reads, {len(errors)} errors, {len(answers)} distinct answer(s)",
            shared_note,
        ),
    )


# ---------------------------------------------------------------------------------------------
# 3: Excel


def edition_label(filename: str) -> str:
    """'ITU_…_Nov_2024.xlsx' -> 'Nov 2024 .xlsx'."""
    found = re.search(r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)_?(\d{4})", filename)
    when = f"{found.group(1)} {found.group(2)}" if found else filename
    return f"ITU aggregates {when} {Path(filename).suffix}"


def bench_excel(raw: dict) -> list[dict]:
    print("Excel readers ...", flush=True)
    results = excel.compare(AGGREGATES_FOLDER, runs=5)
    raw["excel"] = results
    rows = []
    for entry in results:
        calamine = f"calamine {entry['calamine_ms']:.1f} ms"
        if entry["openpyxl_ms"] is None:
            other, ratio = f"xlrd {entry['xlrd_ms']:.1f} ms", entry["xlrd_ms"]
            note = "openpyxl cannot read .xls; xlrd/calamine"
        else:
            other, ratio = f"openpyxl {entry['openpyxl_ms']:.1f} ms", entry["openpyxl_ms"]
            note = "openpyxl/calamine"
        rows.append(
            row(
                "excel",
                edition_label(entry["file"]),
                time=f"{other} / {calamine}",
                note=f"{note} {ratio / entry['calamine_ms']:.1f}×, best of 5",
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------
# 4: aggregate at scale


def generate_panels(sizes: list[int], tmp: Path, raw: dict) -> dict[int, Path]:
    con = duckdb.connect()
    for setting in ("threads = 2", "memory_limit = '6GB'", f"temp_directory = '{tmp / 'spill'}'"):
        con.execute(f"set {setting}").fetchall()
    paths = {}
    for n in sizes:
        path = tmp / f"panel_1e{n}.parquet"
        started = time.perf_counter()
        rows = panel.write_panel(n, path, con)
        seconds = time.perf_counter() - started
        raw.setdefault("panels", {})[n] = {
            "rows": rows,
            "seconds": seconds,
            "parquet_bytes": path.stat().st_size,
            "editions": panel.editions_for(n),
        }
        print(f"panel 10^{n}: {rows:,} rows in {seconds:.1f} s", flush=True)
        paths[n] = path
    con.close()
    return paths


def bench_verify(path: Path, tmp: Path, raw: dict) -> tuple[list[dict], list[str]]:
    result = run_worker({"task": "verify", "path": str(path)}, tmp, "verify-1e5", None)
    raw["verify_1e5"] = result
    if "checks" not in result:
        return [row("correctness 10^5", "verification", status="FAILED")], []
    rows, lines = [], []
    for name, check in result["checks"].items():
        worst = max(v for k, v in check.items() if k not in ("rows_left", "rows_right"))
        worst = max(worst, float("inf") if check["unmatched"] else 0.0)
        ok = worst < TARGETS["equal_abs"]
        if name == "pandas_baseline":
            case = "aggregate() none vs pandas baseline: value"
        else:
            case = f"aggregate() {name.split('/')[1]} vs dense reference: all columns"
        note = f"{check['rows_left']} rows, {check['unmatched']} unmatched, max |diff| {worst:.1e}"
        rows.append(row("correctness 10^5", case, target="|diff| < 1e-9", status=verdict(ok)))
        rows[-1]["note"] = note
        lines.append(f"correctness 10^5: {case}: {note} -> {verdict(ok)}")
    return rows, lines


def bench_scale(paths: dict[int, Path], tmp: Path, raw: dict, timeout: float) -> list[dict]:
    rows = []
    for n, path in paths.items():
        nrows = raw["panels"][n]["rows"]
        part = f"aggregate 10^{n}"
        info = raw["panels"][n]
        rows.append(
            row(
                part,
                f"panel generation, {nrows:,} rows",
                time=fmt_s(info["seconds"]),
                note=f"{info['editions']} edition(s), {info['parquet_bytes'] / 1e6:.0f} MB Parquet",
            )
        )
        measured: dict[str, dict] = {}
        if n <= 7:
            print(f"10^{n} pandas baseline ...", flush=True)
            measured["pandas"] = run_worker(
                {"task": "pandas", "path": str(path)}, tmp, f"pandas-1e{n}", timeout
            )
        for imputation in IMPUTATIONS:
            print(f"10^{n} aggregate() {imputation} ...", flush=True)
            spec = {"task": "aggregate", "imputation": imputation, "path": str(path)}
            measured[imputation] = run_worker(spec, tmp, f"aggregate-{imputation}-1e{n}", timeout)
        raw.setdefault("scale", {})[n] = measured
        pandas_s = measured.get("pandas", {}).get("seconds")
        for imputation in IMPUTATIONS:
            result = measured[imputation]
            rows.append(scale_row(part, imputation, result, nrows, n, timeout, pandas_s))
        if "pandas" in measured:
            result = measured["pandas"]
            seconds = result.get("seconds")
            rows.append(
                row(
                    part,
                    "pandas baseline, none",
                    time=fmt_s(seconds) if seconds else stopped_or_failed(result, timeout),
                    **{
                        "peak RSS": fmt_bytes(result["peak_rss_bytes"]),
                        "rows/s": fmt_rate(nrows, seconds),
                    },
                    note=join_notes(
                        f"+ {fmt_s(result['load_s'])} read_parquet, not in the time"
                        if seconds
                        else "",
                        shared(result),
                    ),
                )
            )
        else:
            rows.append(
                row(
                    part,
                    "pandas baseline",
                    status="skipped",
                    note=pandas_skip_note(raw),
                )
            )
    return rows


def stopped_or_failed(result: dict, timeout: float) -> str:
    if result["timed_out"]:
        return f"> {timeout:.0f} s (stopped)"
    return f"failed after {result['wall_s']:.0f} s"


def pandas_skip_note(raw: dict) -> str:
    at_1e7 = raw.get("scale", {}).get(7, {}).get("pandas", {}).get("peak_rss_bytes")
    grown = f" (10^7 peaked at {fmt_bytes(at_1e7)}: ~10× that)" if at_1e7 else ""
    return f"not run: does not fit in 24 GiB{grown}"


def scale_row(
    part: str,
    label: str,
    result: dict,
    nrows: int,
    n: int,
    timeout: float,
    pandas_s: float | None,
) -> dict:
    seconds = result.get("seconds")
    rss = result.get("peak_rss_bytes")
    fields = {
        "time": fmt_s(seconds) if seconds is not None else stopped_or_failed(result, timeout),
        "peak RSS": fmt_bytes(rss) + (" (at stop)" if result["timed_out"] else ""),
        "rows/s": fmt_rate(nrows, seconds),
    }
    targets, oks = [], []
    if n == 8:
        targets.append(f"≤ {TARGETS['scale_s']:.0f} s, ≤ {fmt_bytes(TARGETS['scale_rss'])}")
        oks.append(
            seconds is not None
            and seconds <= TARGETS["scale_s"]
            and (rss or 0) <= TARGETS["scale_rss"]
        )
    if label == "none" and pandas_s:
        if seconds:
            fields["pandas/duckdb"] = f"{pandas_s / seconds:.1f}×"
        if n == 7:
            targets.append(f"≥ {TARGETS['pandas_ratio']:.0f}× pandas")
            oks.append(seconds is not None and pandas_s / seconds >= TARGETS["pandas_ratio"])
    if targets:
        fields["target"] = "; ".join(targets)
        fields["status"] = verdict(all(oks))
    error = result.get("error", "")
    if "failed to offload" in error:  # DuckDB could neither keep it in memory nor spill it
        spilled = re.search(r"\(([\d.]+ GiB)/([\d.]+ GiB) used\)", error)
        error = "out of memory and of spill space" + (
            f": {spilled.group(1)} of the {spilled.group(2)} temp cap on disk" if spilled else ""
        )
    output = (
        f"result {result['result_rows']:,} rows, {fmt_bytes(result['result_bytes'])} in pandas"
        if "result_bytes" in result
        else ""
    )
    fields["note"] = join_notes(error[:90], output, shared(result))
    return row(part, f"aggregate(), {label}", **fields)


# ---------------------------------------------------------------------------------------------


def main() -> None:
    global MEMORY_LIMIT  # set once from the command line, read by run_worker
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip 10^8 and both builds")
    parser.add_argument("--sizes", default="5,6,7,8", help="panel sizes as powers of ten")
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="stop one aggregate run after this long"
    )
    parser.add_argument("--no-builds", action="store_true", help="skip both builds")
    parser.add_argument(
        "--memory-limit", default=MEMORY_LIMIT, help="DuckDB memory_limit of the aggregate runs"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    MEMORY_LIMIT = args.memory_limit
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if any(s < 5 or s > 9 for s in sizes):
        parser.error("--sizes takes powers of ten from 5 to 9")
    if args.quick:
        sizes = [s for s in sizes if s < 8]

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    if load_before > 0.5:
        print(f"warning: load average {load_before:.1f} before the benchmark; timings suffer")
    busy_before, ours_before = cpu_seconds()
    tmp = Path(tempfile.mkdtemp(prefix="ictstats-bench-"))
    raw: dict = {}
    rows: list[dict] = []
    lines: list[str] = []
    try:
        if args.quick or args.no_builds:
            why = "--quick" if args.quick else "--no-builds"
            rows.append(row("build", "cold full build", status="skipped", note=why))
            rows.append(row("build", "no-change rebuild", status="skipped", note=why))
            rows.append(row("build", "readers during a full run", status="skipped", note=why))
        else:
            rows += bench_builds(tmp, raw)
        rows += bench_excel(raw)
        paths = generate_panels(sorted(set(sizes) | {5}), tmp, raw)
        print("correctness at 10^5 ...", flush=True)
        verify_rows, lines = bench_verify(paths[5], tmp, raw)
        rows += verify_rows
        rows += bench_scale({n: paths[n] for n in sizes}, tmp, raw, args.timeout)
    finally:
        if args.keep:
            print(f"temporary folder kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    total = time.perf_counter() - started
    busy_after, ours_after = cpu_seconds()
    others = max(0.0, (busy_after - busy_before) - (ours_after - ours_before))
    others_share = others / (total * (os.cpu_count() or 1))
    print()
    print(tabulate(pd.DataFrame(rows), headers="keys", tablefmt="simple", showindex=False))
    print(
        "headline = interpolate + carry forward 5 with peer trend + peer mean; "
        "none = Imputation();\n"
        "time of aggregate() includes reading the Parquet; pandas/duckdb = pandas compute "
        f"time / DuckDB time; DuckDB threads=2, memory_limit='{MEMORY_LIMIT}' in the aggregate "
        "runs"
    )
    print()
    for line in lines:
        print(line)
    missed = [f"{r['part']}: {r['case']}" for r in rows if r["status"] in ("MISSED", "FAILED")]
    print(f"targets missed or failed: {len(missed)}" + "".join(f"\n  - {m}" for m in missed))
    print(
        f"benchmark wall time: {total:.0f} s; other processes used {others:.0f} CPU-s "
        f"({others_share:.0%} of the machine){' - timings inflated' if others_share > 0.05 else ''}"
        f"; results: {RESULTS.relative_to(ROOT)}"
    )
    meta = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "duckdb": duckdb.__version__,
        "pandas": pd.__version__,
        "sizes": sizes,
        "quick": args.quick,
        "timeout_s": args.timeout,
        "duckdb_settings": {"threads": 2, "memory_limit": MEMORY_LIMIT},
        "wall_s": total,
        "load_average_1min_before": load_before,
        "other_processes_cpu_s": others,
        "other_processes_share": others_share,
    }
    RESULTS.write_text(
        json.dumps({"meta": meta, "table": rows, "raw": raw}, indent=1, default=str) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
