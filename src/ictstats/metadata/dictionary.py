"""docs/data-dictionary.md, written from the declarations (never edited by hand).

`python -m ictstats.metadata.dictionary` prints it; `make dictionary` writes it; a unit test
fails when the file in the repository differs from what the declarations give.
"""

from __future__ import annotations

import sys

from ictstats.metadata.schema import Field, Resource, tables, views

HEADER = """# Data dictionary

Every table and view of the warehouse (`data/curated/ictstats.duckdb`, and the Parquet files
beside it), generated from `src/ictstats/metadata/` by `make dictionary`; do not edit by hand.
The same descriptions are the column comments in DuckDB:
`select column_name, data_type, comment from duckdb_columns() where table_name = 'observations'`.

Types: `VARCHAR` text, `INTEGER` a year, `BIGINT` a count, `DOUBLE` a measured or computed
number, `BOOLEAN`, `DATE` a day. *Required*: the column is never null (declared `NOT NULL`).
Primary keys are checked when the warehouse is built (one row per key) and named in each
table's comment.
"""


def _constraints(field: Field) -> str:
    c = field.constraints
    parts = []
    if "enum" in c:
        parts.append("one of " + ", ".join(f"`{v}`" if v else "`''`" for v in c["enum"]))
    if "rule" in c:
        parts.append(c["rule"])
    elif "pattern" in c:
        parts.append(f"matches `{c['pattern']}`")
    if "minimum" in c:
        parts.append(f"≥ {c['minimum']}")
    if "maximum" in c:
        parts.append(f"≤ {c['maximum']}")
    return "; ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _resource(resource: Resource) -> list[str]:
    kind = "view" if resource.kind == "view" else "table"
    lines = [f"## `{resource.name}` ({kind})", "", resource.description, ""]
    lines.append(f"- Primary key: {', '.join(f'`{c}`' for c in resource.primary_key)}")
    for fk in resource.foreign_keys:
        ref = fk["reference"]
        lines.append(
            f"- Foreign key: {', '.join(fk['fields'])} → `{ref['resource']}`"
            f"({', '.join(ref['fields'])})"
        )
    if resource.sources:
        lines.append(f"- Sources: {resource.sources}")
    lines += [
        "",
        "| column | type | required | unit | description | allowed |",
        "|---|---|---|---|---|---|",
    ]
    for f in resource.fields:
        lines.append(
            f"| `{f.name}` | {f.logical.duckdb} | {'' if f.nullable else 'yes'} | "
            f"{_cell(f.unit or '')} | {_cell(f.description)} | {_cell(_constraints(f))} |"
        )
    return [*lines, ""]


def data_dictionary() -> str:
    lines = [HEADER]
    for resource in [*tables(), *views()]:
        lines += _resource(resource)
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    sys.stdout.write(data_dictionary())
