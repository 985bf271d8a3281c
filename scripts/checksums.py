"""Checksums of a built warehouse: every table's rows (sorted) and every chart and report file.

Used to show that a reshaping changed no result: run it on a build before and after and compare
(`python scripts/checksums.py CURATED > before.json`, then `--compare before.json after.json`).
Each table gets a checksum of its rows as text, sorted, and one per column, so a difference can be
named down to the column (a type change such as INTEGER -> BIGINT leaves the text unchanged; a
TIMESTAMP -> DATE change or a 0-1 share -> percent does not, and shows up as that column only).
It imports only duckdb and the standard library, so it runs on any version of the package.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import duckdb


def _digest(lines: list[str]) -> str:
    h = hashlib.sha256()
    for line in sorted(lines):
        h.update(line.encode())
        h.update(b"\n")
    return h.hexdigest()


def table_checksums(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    out = {}
    tables = con.sql(
        "select table_name, table_type from information_schema.tables "
        "where table_schema = 'main' order by table_name"
    ).fetchall()
    for name, kind in tables:
        cols = con.sql(
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = 'main' and table_name = '{name}' order by ordinal_position"
        ).fetchall()
        rows = con.sql(f'select * from "{name}"').fetchall()
        text_rows = ["\x1f".join("" if v is None else str(v) for v in r) for r in rows]
        # rows compared by column name, so a reordering of columns is not a difference
        by_name = sorted(range(len(cols)), key=lambda i: cols[i][0])
        named_rows = ["\x1f".join("" if r[i] is None else str(r[i]) for i in by_name) for r in rows]
        out[name] = {
            "kind": kind,
            "rows": len(rows),
            "types": {c: t for c, t in cols},
            "rows_sha256": _digest(named_rows),
            "ordered_rows_sha256": _digest(text_rows),
            "columns_sha256": {
                c: _digest(["" if r[i] is None else str(r[i]) for r in rows])
                for i, (c, _) in enumerate(cols)
            },
        }
    return out


def file_checksums(curated: Path) -> dict:
    out = {}
    for folder in ("charts", "reports"):
        for path in sorted((curated / folder).glob("*")):
            if path.is_file():
                out[f"{folder}/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def compare(before: dict, after: dict) -> list[str]:
    lines = []
    tb, ta = before["tables"], after["tables"]
    for name in sorted(set(tb) | set(ta)):
        if name not in ta:
            lines.append(f"table {name}: gone")
            continue
        if name not in tb:
            lines.append(f"table {name}: new ({ta[name]['rows']} rows)")
            continue
        b, a = tb[name], ta[name]
        if b["rows"] != a["rows"]:
            lines.append(f"table {name}: rows {b['rows']} -> {a['rows']}")
        for col in sorted(set(b["types"]) | set(a["types"])):
            if col not in a["types"]:
                lines.append(f"table {name}.{col}: column gone")
            elif col not in b["types"]:
                lines.append(f"table {name}.{col}: column new ({a['types'][col]})")
            else:
                if b["types"][col] != a["types"][col]:
                    lines.append(f"table {name}.{col}: type {b['types'][col]} -> {a['types'][col]}")
                if b["columns_sha256"][col] != a["columns_sha256"][col]:
                    lines.append(f"table {name}.{col}: values differ")
        if b["rows_sha256"] == a["rows_sha256"]:
            lines.append(f"table {name}: rows identical ({a['rows']})")
    for f in sorted(set(before["files"]) | set(after["files"])):
        same = before["files"].get(f) == after["files"].get(f)
        lines.append(f"file {f}: {'identical' if same else 'DIFFERS'}")
    return lines


def same_values(before: Path, after: Path) -> list[str]:
    """Per table: rows that differ once the old values are cast to the new column types (a type
    change such as TIMESTAMP -> DATE or DOUBLE 2025.0 -> INTEGER 2025 is then no difference);
    columns only one side has are left out."""
    con = duckdb.connect()
    con.execute(f"attach '{before}' as b (read_only)")
    con.execute(f"attach '{after}' as a (read_only)")
    lines = []
    names = con.execute(
        "select table_name from duckdb_tables() where database_name = 'a' "
        "and table_name in (select table_name from duckdb_tables() where database_name = 'b') "
        "order by 1"
    ).fetchall()
    for (table,) in names:
        columns = con.execute(
            "select column_name, data_type from duckdb_columns() where database_name = 'a' "
            f"and table_name = '{table}' and column_name in (select column_name from "
            f"duckdb_columns() where database_name = 'b' and table_name = '{table}')"
        ).fetchall()
        old_types = dict(
            con.execute(
                "select column_name, data_type from duckdb_columns() where database_name = 'b' "
                f"and table_name = '{table}'"
            ).fetchall()
        )
        counts = []
        # both ways: old values cast to the new types, and new values cast to the old types
        # (DuckDB rounds DOUBLE -> INTEGER, so one direction alone could hide a truncation)
        for types in ({c: k for c, k in columns}, {c: old_types[c] for c, _ in columns}):
            cast = ", ".join(f'cast("{c}" as {k}) as "{c}"' for c, k in types.items())
            counts.append(
                [
                    con.execute(
                        f"select count(*) from (select {cast} from {x}.{table} "
                        f"except all select {cast} from {y}.{table})"
                    ).fetchone()[0]
                    for x, y in (("b", "a"), ("a", "b"))
                ]
            )
        (gone, new), (gone_old, new_old) = counts
        lines.append(
            f"table {table}: as new types {gone} row(s) only before, {new} only after; "
            f"as old types {gone_old} only before, {new_old} only after"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("curated", nargs="?", help="a curated folder (holds ictstats.duckdb)")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    parser.add_argument("--same-values", nargs=2, metavar=("BEFORE_DB", "AFTER_DB"))
    args = parser.parse_args()
    if args.same_values:
        print("\n".join(same_values(*(Path(p) for p in args.same_values))))
        return 0
    if args.compare:
        before, after = (json.loads(Path(p).read_text()) for p in args.compare)
        print("\n".join(compare(before, after)))
        return 0
    curated = Path(args.curated)
    json.dump(
        {
            "tables": table_checksums(curated / "ictstats.duckdb"),
            "files": file_checksums(curated),
        },
        sys.stdout,
        indent=1,
        sort_keys=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
