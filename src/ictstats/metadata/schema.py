"""Fields and resources as objects, and everything derived from them.

From one declaration (`fields.py`, `resources.py`) come: the pandera schema of each table, its
Arrow schema (Parquet column order and types), its DuckDB `CREATE TABLE` (types, NOT NULL,
primary key) and `COMMENT ON COLUMN` statements, and `conform`, which puts a frame into the
declared column order and types before it is validated and written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow

from ictstats.errors import ValidationError
from ictstats.metadata.fields import FIELDS
from ictstats.metadata.resources import RESOURCES


@dataclass(frozen=True)
class LogicalType:
    duckdb: str
    arrow: pyarrow.DataType
    pandas: str  # dtype when the column has no nulls
    pandas_nullable: str  # dtype when it may
    frictionless: str


TYPES: dict[str, LogicalType] = {
    "string": LogicalType("VARCHAR", pyarrow.string(), "object", "object", "string"),
    "year": LogicalType("INTEGER", pyarrow.int32(), "int64", "Int64", "year"),
    "count": LogicalType("BIGINT", pyarrow.int64(), "int64", "Int64", "integer"),
    "number": LogicalType("DOUBLE", pyarrow.float64(), "float64", "float64", "number"),
    "boolean": LogicalType("BOOLEAN", pyarrow.bool_(), "bool", "boolean", "boolean"),
    "date": LogicalType("DATE", pyarrow.date32(), "datetime64[ns]", "datetime64[ns]", "date"),
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    unit: str | None = None
    constraints: dict[str, Any] = field(default_factory=dict)
    nullable: bool = False

    @property
    def logical(self) -> LogicalType:
        return TYPES[self.type]

    @property
    def pandas_dtype(self) -> str:
        return self.logical.pandas_nullable if self.nullable else self.logical.pandas

    def comment(self) -> str:
        """The column comment an analyst sees in DuckDB: meaning, then unit."""
        unit = f" Unit: {self.unit}." if self.unit else ""
        return f"{self.description}{unit}"

    def pandera_checks(self) -> list[pa.Check]:
        c = self.constraints
        checks = []
        if "enum" in c:
            checks.append(pa.Check.isin(c["enum"]))
        if "pattern" in c:  # `rule`: what the pattern means, shown instead of the regex
            named = {"name": c["rule"], "error": c["rule"]} if "rule" in c else {}
            # the whole text must match: `$` alone lets "USA\n" through
            checks.append(pa.Check.str_matches(f"(?:{c['pattern']})\\Z", **named))
        if "min_length" in c:
            checks.append(pa.Check.str_length(min_value=c["min_length"]))
        if "minimum" in c:
            checks.append(pa.Check.ge(c["minimum"]))
        elif self.type == "count":  # a count is never negative
            checks.append(pa.Check.ge(0))
        if "maximum" in c:
            checks.append(pa.Check.le(c["maximum"]))
        return checks

    def pandera_column(self) -> pa.Column:
        dtype = str if self.type == "string" else self.pandas_dtype
        return pa.Column(
            dtype, self.pandera_checks(), nullable=self.nullable, description=self.comment()
        )


@dataclass(frozen=True)
class Resource:
    name: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[dict, ...] = ()
    sources: str = ""
    kind: str = "table"
    partition_by: str | None = None

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def pandera_schema(self, checks: Sequence[pa.Check] = ()) -> pa.DataFrameSchema:
        """Types, code lists, ranges, NOT NULL and the primary key; `checks`: row-wise rules
        the declaration cannot express (e.g. a value within its unit's range)."""
        return pa.DataFrameSchema(
            {f.name: f.pandera_column() for f in self.fields},
            checks=list(checks),
            unique=list(self.primary_key),
            strict=True,
            ordered=False,
            name=self.name,
        )

    def arrow_schema(self) -> pyarrow.Schema:
        return pyarrow.schema(
            [pyarrow.field(f.name, f.logical.arrow, nullable=f.nullable) for f in self.fields]
        )

    def conform(self, frame: pd.DataFrame, where: str = "") -> pd.DataFrame:
        """The frame in the declared column order and types. A column missing or not declared
        is a programming error in the step that made the frame: it stops with both lists."""
        missing = [c for c in self.columns if c not in frame.columns]
        extra = [c for c in frame.columns if c not in self.columns]
        if missing or extra:
            raise ValidationError(
                f"{where or self.name}: the frame does not match the declaration of table "
                f"{self.name!r} (ictstats/metadata/resources.py)",
                f"missing columns: {missing or 'none'}; undeclared columns: {extra or 'none'}. "
                "Declare the column (fields.py, resources.py) or fix the step that made the "
                "frame.",
                len(missing) + len(extra),
            )
        out = frame[self.columns].copy()
        for f in self.fields:
            out[f.name] = _as_type(out[f.name], f, f"{where}: {self.name}" if where else self.name)
        return out.reset_index(drop=True)

    def create_table_sql(self, primary_key: bool = True) -> str:
        """`CREATE TABLE` with the declared types and NOT NULL; `primary_key=False` leaves out
        the PRIMARY KEY clause (an index that DuckDB 1.x cannot read back, see warehouse.write)."""
        columns = [
            f'"{f.name}" {f.logical.duckdb}' + ("" if f.nullable else " NOT NULL")
            for f in self.fields
        ]
        if primary_key:
            key = ", ".join(f'"{c}"' for c in self.primary_key)
            columns.append(f"PRIMARY KEY ({key})")
        return f"CREATE TABLE {self.name} (\n  " + ",\n  ".join(columns) + "\n)"

    def table_comment(self) -> str:
        """The table's description with its primary key, so `duckdb_tables()` shows both."""
        return f"{self.description} Primary key: {', '.join(self.primary_key)}."

    def comment_sql(self) -> list[str]:
        kind = "VIEW" if self.kind == "view" else "TABLE"
        statements = [f"COMMENT ON {kind} {self.name} IS {_sql_text(self.table_comment())}"]
        statements += [
            f"COMMENT ON COLUMN {self.name}.{f.name} IS {_sql_text(f.comment())}"
            for f in self.fields
        ]
        return statements


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _as_type(column: pd.Series, f: Field, table: str) -> pd.Series:
    """The column in the field's type, never changing a value: a cast that would (a year of
    2005.5, a count of 1e20, a missing required flag) is refused, naming table and column;
    a missing value in a required column is left for the schema check to name its rows."""
    if f.type == "string":
        return column.astype(object).where(column.notna(), None)
    if not f.nullable and column.isna().any():
        return column  # left as it is: the schema check names the rows with no value
    try:
        if f.type == "date":
            return pd.to_datetime(column).dt.normalize().astype("datetime64[ns]")
        if f.type in ("year", "count", "boolean"):
            _refuse_lossy(column, f, table)
        return column.astype(f.pandas_dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationError(
            f"{table}.{f.name}: values cannot be stored as {f.logical.duckdb} ({exc})",
            "The step that made the table is at fault (ictstats/metadata/fields.py declares "
            "the column's type).",
            1,
        ) from None


def _refuse_lossy(column: pd.Series, f: Field, table: str) -> None:
    """Stop before a cast that would change a value: a fraction or an out-of-range number made
    an integer, or anything but True/False made a flag."""
    present = column.dropna()
    if f.type == "boolean":
        lossy = ~present.map(lambda v: isinstance(v, bool | np.bool_))
    else:
        numbers = pd.to_numeric(present, errors="coerce")
        lossy = numbers.isna() | (numbers != numbers.round()) | (numbers.abs() >= 2**53)
    if lossy.any():
        shown = ", ".join(repr(v) for v in present[lossy].head(5))
        raise ValidationError(
            f"{table}.{f.name}: {int(lossy.sum())} value(s) would change if stored as "
            f"{f.logical.duckdb}: {shown}",
            "Nothing was written. The step that made the table is at fault, or the column's "
            "declared type (ictstats/metadata/fields.py) is wrong.",
            int(lossy.sum()),
        )


def _field(name: str, overrides: dict | None = None) -> Field:
    spec = {**FIELDS[name], **(overrides or {})}
    return Field(
        name=name,
        type=spec["type"],
        description=spec["description"],
        unit=spec.get("unit"),
        constraints=spec.get("constraints", {}),
        nullable=spec.get("nullable", False),
    )


@cache
def resource(name: str) -> Resource:
    """The declared resource `name` (a KeyError lists the known names)."""
    if name not in RESOURCES:
        raise KeyError(f"no resource {name!r}; declared: {', '.join(sorted(RESOURCES))}")
    spec = RESOURCES[name]
    fields = tuple(
        _field(*entry) if isinstance(entry, tuple) else _field(entry) for entry in spec["fields"]
    )
    return Resource(
        name=name,
        description=spec["description"],
        fields=fields,
        primary_key=tuple(spec["primary_key"]),
        foreign_keys=tuple(spec.get("foreign_keys", ())),
        sources=spec.get("sources", ""),
        kind=spec.get("kind", "table"),
        partition_by=spec.get("partition_by"),
    )


def tables() -> list[Resource]:
    """Every declared table (views excluded), in declaration order."""
    return [resource(n) for n, s in RESOURCES.items() if s.get("kind", "table") == "table"]


def views() -> list[Resource]:
    return [resource(n) for n, s in RESOURCES.items() if s.get("kind") == "view"]


def identifier_ok(name: str) -> bool:
    """Table and column names are plain identifiers (they are written into SQL unquoted)."""
    return re.fullmatch(r"[a-z][a-z0-9_]*", name) is not None
