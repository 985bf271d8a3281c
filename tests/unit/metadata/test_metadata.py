"""The one declaration of every table, and what is derived from it (no mirror needed)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ictstats.errors import ValidationError
from ictstats.metadata import KEY, resource, tables, views
from ictstats.metadata.dictionary import data_dictionary
from ictstats.metadata.resources import RESOURCES
from ictstats.metadata.schema import TYPES, identifier_ok
from ictstats.transform import schemas

ROOT = Path(__file__).resolve().parents[3]


def test_the_data_dictionary_in_the_repository_is_current():
    written = (ROOT / "docs" / "data-dictionary.md").read_text("utf-8")
    assert written == data_dictionary(), "run `make dictionary` and commit docs/data-dictionary.md"


def test_every_declared_field_has_a_type_and_a_description():
    for res in [*tables(), *views()]:
        assert identifier_ok(res.name)
        assert set(res.primary_key) <= set(res.columns), res.name
        for f in res.fields:
            assert identifier_ok(f.name) and f.type in TYPES and f.description, (res.name, f)
            # a primary key column is never null (DuckDB could not hold it)
            assert not (f.name in res.primary_key and f.nullable), (res.name, f.name)


def test_one_type_per_kind_of_field():
    """A field name means one thing: the same DuckDB type in every table it appears in."""
    seen: dict[str, set[str]] = {}
    for res in [*tables(), *views()]:
        for f in res.fields:
            seen.setdefault(f.name, set()).add(f.logical.duckdb)
    assert {name: types for name, types in seen.items() if len(types) > 1} == {}
    assert seen["year"] == {"INTEGER"}
    assert seen["edition_date"] == {"DATE"}


def test_every_share_names_its_unit():
    for res in tables():
        for f in res.fields:
            if "share" in f.name or "coverage" in f.name and f.type == "number":
                assert f.unit and "fraction" in f.unit, (res.name, f.name)


def test_the_observation_key_is_declared_once_and_used_by_the_tables():
    assert resource("observations").primary_key == ("edition", *KEY)
    assert resource("revisions").primary_key[-len(KEY) :] == tuple(KEY)
    assert resource("latest_observations").primary_key == tuple(KEY)
    assert list(schemas.OBSERVATION_KEY) == ["edition", *KEY]


def test_conform_puts_columns_in_declared_order_and_types():
    row = {
        "code": "AAA",
        "name": "A",
        "year": 2005.0,
        "population": 10.0,
        "source_location": "row 2",
    }
    frame = pd.DataFrame([row])[["year", "code", "population", "name", "source_location"]]
    out = resource("population").conform(frame)
    assert list(out.columns) == resource("population").columns
    assert out["year"].dtype == "int64" and out["population"].dtype == "int64"


def test_conform_names_missing_and_undeclared_columns():
    with pytest.raises(ValidationError) as caught:
        resource("units").conform(pd.DataFrame({"id": ["x"], "label": ["y"], "extra": [1]}))
    text = str(caught.value)
    assert "missing columns: ['maximum']" in text and "undeclared columns: ['extra']" in text


def test_the_generated_schema_refuses_a_repeated_key_and_a_null_required_column():
    frame = pd.DataFrame(
        {"id": ["percent", "percent"], "label": ["Percent", None], "maximum": [100.0, 100.0]}
    )
    with pytest.raises(ValidationError) as caught:
        schemas.validate(frame, schemas.table_schema("units"))
    report = caught.value.report
    assert "not_nullable" in report and "label" in report  # label is required
    assert "id" in report  # the primary key repeats


def test_duckdb_tables_are_created_with_declared_types_not_null_and_comments():
    con = duckdb.connect()
    res = resource("recomputed_aggregates")
    con.execute(res.create_table_sql(primary_key=False))
    for statement in res.comment_sql():
        con.execute(statement)
    described = con.execute(
        "select column_name, data_type, is_nullable, comment from duckdb_columns() "
        "where table_name = 'recomputed_aggregates'"
    ).fetchall()
    by_name = {name: (kind, nullable, comment) for name, kind, nullable, comment in described}
    assert [name for name, *_ in described] == res.columns
    assert by_name["year"][:2] == ("INTEGER", False)
    assert by_name["value"][:2] == ("DOUBLE", True)  # null where no member reported
    assert "fraction of 1" in by_name["population_coverage"][2]
    table_comment = con.execute(
        "select comment from duckdb_tables() where table_name = 'recomputed_aggregates'"
    ).fetchall()[0][0]
    assert "Primary key: edition, imputation, series" in table_comment


def test_arrow_schema_follows_the_declaration():
    schema = resource("revisions").arrow_schema()
    assert schema.names == resource("revisions").columns
    assert str(schema.field("year").type) == "int32"
    assert str(schema.field("edition_date").type) == "date32[day]"


def test_resources_list_every_table_once():
    assert len(RESOURCES) == len(tables()) + len(views()) == 18


@pytest.mark.parametrize(
    "column, values, shown",
    [
        ("year", [2005.5], "2005.5"),  # a fraction would be truncated to 2005
        ("population", [1e20], "1e+20"),  # would wrap round in int64
    ],
)
def test_conform_refuses_a_cast_that_would_change_a_value(column, values, shown):
    row = {
        "code": "AAA",
        "name": "A",
        "year": 2005.0,
        "population": 10.0,
        "source_location": "row 2",
    }
    frame = pd.DataFrame([row])
    frame[column] = values
    with pytest.raises(ValidationError) as caught:
        resource("population").conform(frame)
    text = str(caught.value)
    assert f"population.{column}" in text and shown in text and "would change" in text


def test_a_missing_required_flag_is_not_made_true_or_false():
    """NaN would become True (and None False) in a plain bool cast; the schema check names it."""
    frame = pd.DataFrame(
        {"code": ["AAA"], "name": ["A"], "m49": [None], "iso2": [None], "un_region": [None],
         "un_sub_region": [None], "ldc": [float("nan")], "lldc": [False], "sids": [False],
         "itu_code": [None], "is_independent": [None], "wb_region": [None], "note": [None],
         "kind": ["economy"]}
    )  # fmt: skip
    conformed = resource("economies").conform(frame)
    assert conformed["ldc"].isna().all()
    with pytest.raises(ValidationError) as caught:
        schemas.validate(conformed, schemas.table_schema("economies"))
    assert "ldc" in caught.value.report and "not_nullable" in caught.value.report


def test_a_code_must_match_whole_not_up_to_a_line_break():
    """`$` alone matches before a final newline: "USA\n" passed a `^[A-Z]{3}$` check."""
    obs = {
        "edition": "itu-agg-2025-11", "source_id": "x", "source_sha256": "0" * 64,
        "series": "internet_use", "entity": "USA\n", "sex": "_T", "area": "_T", "age": "_T",
        "year": 2024, "value": 50.0, "unit": "percent", "obs_status": "A",
        "source_location": "row 2, 2024",
    }  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        schemas.validate(pd.DataFrame([obs]), schemas.OBSERVATIONS)
    assert "group code, ISO3 or WB_/OWID_ aggregate" in caught.value.report
