"""The `ictstats` command line on a temporary warehouse."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ictstats.cli import main
from tests.conftest import isolated_env


@pytest.fixture(scope="module")
def warehouse_env(tmp_path_factory, mirror):
    folder = tmp_path_factory.mktemp("cli")
    env = isolated_env(folder, mirror)
    result = CliRunner().invoke(main, ["run"], env=env)
    assert result.exit_code == 0, result.output
    return env


WORLD_2005 = (
    "select edition, round(value, 1) as value from observations where series = 'internet_use' "
    "and entity = 'WLD' and sex = '_T' and area = '_T' and age = '_T' and unit = 'percent' "
    "and year = {year} and edition like 'itu-agg-20__-__' order by edition"
)


def test_itu_aggregates_rows(warehouse_env):
    sql = "select count(*) as n from observations where edition like 'itu-agg-20__-__'"
    result = CliRunner().invoke(main, ["query", sql, "--format", "csv"], env=warehouse_env)
    assert result.output == "n\n17152\n"  # 2124 + 3284 + 5680 + 6064


def test_query_formats(warehouse_env):
    runner = CliRunner()
    table = runner.invoke(main, ["query", WORLD_2005.format(year=2005)], env=warehouse_env)
    assert table.exit_code == 0
    assert [line.split() for line in table.output.splitlines()[2:]] == [
        ["itu-agg-2019-10", "16.8"],
        ["itu-agg-2022-01", "15.8"],
        ["itu-agg-2024-11", "15.6"],
        ["itu-agg-2025-11", "15.6"],
    ]
    csv = runner.invoke(
        main, ["query", WORLD_2005.format(year=2025), "--format", "csv"], env=warehouse_env
    )
    assert csv.output == "edition,value\nitu-agg-2025-11,73.6\n"
    as_json = runner.invoke(
        main,
        ["query", "select id, date from editions where id = 'itu-agg-2024-11'", "--format", "json"],
        env=warehouse_env,
    )
    assert json.loads(as_json.output) == [{"id": "itu-agg-2024-11", "date": "2024-11-01"}]


def test_query_cannot_write(warehouse_env):
    result = CliRunner().invoke(main, ["query", "delete from observations"], env=warehouse_env)
    assert result.exit_code != 0
    assert "read-only" in result.output


def test_sources_list_and_verify(warehouse_env):
    runner = CliRunner()
    listed = runner.invoke(main, ["sources", "list"], env=warehouse_env)
    assert listed.exit_code == 0 and listed.output.count(" yes") == 19
    verified = runner.invoke(main, ["sources", "verify"], env=warehouse_env)
    assert verified.exit_code == 0 and verified.output.count("ok ") == 19


def test_query_without_warehouse_says_what_to_do(tmp_path):
    result = CliRunner().invoke(
        main, ["query", "select 1"], env={"ICTSTATS_CURATED": str(tmp_path)}
    )
    assert result.exit_code != 0 and "run `ictstats run` first" in result.output
