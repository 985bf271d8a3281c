"""The Dagster code location, run in process on a temporary warehouse."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest
import yaml
from dagster import DagsterInstance

from ictstats.metadata import tables
from pipelines.assets.publish import MADE_BY_WAREHOUSE
from pipelines.definitions import build_definitions
from tests.conftest import ROOT, isolated_env

CONTRACT = ROOT.parent / "shared" / "checks" / "warehouse_contract.py"


def run_all(settings):
    job = build_definitions(settings).resolve_implicit_global_asset_job_def()
    with DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(instance=instance, raise_on_error=False)


def snapshot(curated: Path) -> dict[str, bytes | str]:
    """Everything a reader can see: the DuckDB bytes and the build `current` points to."""
    return {
        "duckdb": (curated / "ictstats.duckdb").read_bytes(),
        "current": os.readlink(curated / "current"),
        "parquet": os.readlink(curated / "parquet"),
    }


def test_asset_graph_snapshot(isolated_settings):
    defs = build_definitions(isolated_settings)
    graph = defs.resolve_asset_graph()
    keys = sorted(k.to_user_string() for k in graph.get_all_asset_keys())
    # 19 sources verified, 18 parsed (two of them named by the table they are: OGHIST's
    # income_classifications and population): the P2C register is registered before its parser
    assert len(keys) == 19 + 16 + 2 + 16
    assert "raw_itu_p2c_headline_totals" in keys
    assert not [k for k in keys if k.startswith("parsed_p2c")]
    # every other asset is named by the table it produces (or is the build's publish step)
    assert [k for k in keys if not k.startswith(("raw_", "parsed_"))] == [
        "aggregate_reconciliation",
        "charts",
        "claim_checks",
        "claims_report",
        "economies",
        "edition_changes",
        "editions",
        "entities",
        "entity_resolver",
        "income_classifications",
        "observations",
        "population",
        "publish",
        "recomputed_aggregates",
        "recomputed_economy_values",
        "revisions",
        "sheet_repeats",
        "warehouse",
    ]
    checks = sorted(c.name for c in graph.asset_check_keys)
    # a blocking schema check per table, generated from ictstats.metadata (the code lists
    # series/units/codes are made and checked inside the warehouse step), and the warnings
    schema_checks = sorted(f"{t.name}_schema" for t in tables() if t.name not in MADE_BY_WAREHOUSE)
    warnings = ["accepted_publisher_values", "edition_changes", "sheet_repeats_agree",
                "totals_within_breakdown"]  # fmt: skip
    assert checks == sorted(schema_checks + warnings)
    assert len(schema_checks) == 13


@pytest.fixture(scope="module")
def built(tmp_path_factory, mirror):
    """One full run into a temporary folder, shared by the tests that read its warehouse."""
    folder = tmp_path_factory.mktemp("build")
    with pytest.MonkeyPatch.context() as patch:
        for var, value in isolated_env(folder, mirror).items():
            patch.setenv(var, value)
        from ictstats.settings import Settings

        settings = Settings.from_env()
        result = run_all(settings)
    return settings, result


def test_full_run_succeeds_with_expected_check_results(built):
    _settings, result = built
    assert result.success
    verdicts = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    schemas = {name: passed for name, passed in verdicts.items() if name.endswith("_schema")}
    assert len(schemas) == 13 and all(schemas.values()), schemas  # every table's schema holds
    assert {name: passed for name, passed in verdicts.items() if name not in schemas} == {
        "totals_within_breakdown": False,  # warnings: publisher totals outside F/M
        "sheet_repeats_agree": False,  # e.g. Nov 2025 SIDS ownership in `By gender`
        # the Jan 2022 100.4 % cell and four SDG ownership values above 100 %
        "accepted_publisher_values": False,
        "edition_changes": False,  # e.g. Nov 2025 vs Nov 2024: Americas Internet-use gap flips
    }


def test_warehouse_passes_the_public_contract(built):
    settings, _ = built
    if not CONTRACT.is_file():
        pytest.fail(f"{CONTRACT} not found: ../shared must be beside the project")
    done = subprocess.run(
        [sys.executable, str(CONTRACT), str(settings.warehouse)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout
    assert "27/27 checks pass" in done.stdout


def test_derived_tables(built):
    settings, _ = built
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    lte = con.execute(
        """select published_edition, published_value, round(recomputed_value, 1),
                  round(population_coverage, 3), economies_with_data, recomputed_edition
           from aggregate_reconciliation where series = 'coverage_4g' and entity = 'WLD'
           and sex = '_T' and area = '_T' and year = 2023 and imputation = 'none'
           order by published_edition"""
    ).fetchall()
    assert [row[:2] for row in lte] == [("itu-agg-2024-11", 91.4), ("itu-agg-2025-11", 91.4)]
    # World does not depend on the income classification: one recomputation serves both
    assert [row[5] for row in lte] == ["recomputed-itu-datahub-coverage-2025-12"] * 2
    lic = con.execute(
        """select published_edition, income_classification from aggregate_reconciliation
           where series = 'coverage_4g' and entity = 'LIC' and sex = '_T' and area = '_T'
           and year = 2023 and imputation = 'none' order by published_edition"""
    ).fetchall()
    assert lic == [("itu-agg-2024-11", "FY25"), ("itu-agg-2025-11", "FY26")]
    revision = con.execute(
        """select list(round(value, 1) order by edition_date) from revisions
           where dataset = 'itu_aggregates' and series = 'internet_use' and entity = 'WLD'
           and sex = '_T' and area = '_T' and age = '_T' and unit = 'percent' and year = 2005"""
    ).fetchone()[0]
    assert revision == [16.8, 15.8, 15.6, 15.6]
    unmixed = con.execute(
        "select count(*) from observations where edition like 'recomputed-%'"
    ).fetchone()[0]
    assert unmixed == 0


def test_edition_changes_table_and_warning(built):
    settings, result = built
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    # Americas women 81.3 vs men 82.3 in Nov 2024 (gap -1.0), 81.1 vs 78.7 in Nov 2025 (+2.4)
    flip = con.execute(
        """select previous_value, value, source_location from edition_changes
           where change = 'gap_sign_flip' and edition = 'itu-agg-2025-11'
           and series = 'internet_use' and entity = 'ITU_AMS' and year = 2020"""
    ).fetchall()
    assert [(round(p, 1), round(v, 1), loc) for p, v, loc in flip] == [(-1.0, 2.4, "By gender!K19")]
    (check,) = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "edition_changes"
    ]
    assert check.description.startswith(
        f"{con.execute('select count(*) from edition_changes').fetchone()[0]} change(s)"
    )
    assert (
        "gap_sign_flip internet_use ITU_AMS F/_T/_T 2020 percent at By gender!K19"
        in check.description
    )


def test_warehouse_queries(built):
    settings, _ = built
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    world = """select edition, round(value, 1) from {table} where series = 'internet_use'
               and entity = 'WLD' and sex = '_T' and area = '_T' and age = '_T'
               and unit = 'percent' and year = {year} and edition like 'itu-agg-20__-__'
               order by edition"""
    assert con.execute(world.format(table="observations", year=2005)).fetchall() == [
        ("itu-agg-2019-10", 16.8),
        ("itu-agg-2022-01", 15.8),
        ("itu-agg-2024-11", 15.6),
        ("itu-agg-2025-11", 15.6),
    ]
    editions = dict(con.execute("select id, source_sha256 from editions").fetchall())
    assert editions["itu-agg-2025-11"].startswith("fd9070eb")
    assert len(editions) == 19
    assert editions["p2c-headline-totals-2026-03"].startswith("fb4fa09f")  # verified, not parsed
    rows = dict(con.execute("select edition, count(*) from observations group by 1").fetchall())
    itu = {k: v for k, v in rows.items() if k.startswith("itu-agg-20") and len(k) == 15}
    assert itu == {
        "itu-agg-2019-10": 2124,
        "itu-agg-2022-01": 3284,  # 252 urban/rural coverage totals are sheet repeats
        "itu-agg-2024-11": 5680,
        "itu-agg-2025-11": 6064,
    }
    assert len(rows) == 13  # and 9 country-level or secondary editions
    parquet = con.execute(
        "select count(*) from read_parquet(?, hive_partitioning = true)",
        [str(settings.parquet_dir / "observations" / "*" / "*.parquet")],
    ).fetchone()[0]
    assert parquet == sum(rows.values())


KEY = "series, entity, sex, area, age, year, unit"


def test_latest_is_one_row_per_key_in_the_real_warehouse(built):
    settings, _ = built
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    for view, key in [
        ("latest_observations", KEY),
        ("latest_observations_other_publishers", f"publisher, {KEY}"),
    ]:
        repeated = f"select count(*) from (select 1 from {view} group by {key} having count(*) > 1)"
        assert con.execute(repeated).fetchone() == (0,), view
    # the analyst's question has one answer: ITU's, with its edition (Nov 2025 workbook, World
    # row 127, 2024 column AQ: 71.2; the Nov 2024 edition said 67.6, WDI and the extract 71.2)
    world = con.execute(
        """select value, publisher, edition, cast(edition_date as varchar), source_location
           from latest_observations where entity = 'WLD' and series = 'internet_use'
           and year = 2024 and sex = '_T' and area = '_T' and age = '_T' and unit = 'percent'"""
    ).fetchall()
    assert world == [
        (71.2, "ITU", "itu-agg-2025-11", "2025-11-13", "By dvpmnt status and spec. reg.!AQ127")
    ]
    others = con.execute(
        """select publisher, edition, value from latest_observations_other_publishers
           where entity = 'WLD' and series = 'internet_use' and year = 2024 and sex = '_T'
           and area = '_T' and age = '_T' and unit = 'percent' order by publisher"""
    ).fetchall()
    assert others == [
        ("World Bank", "wb-wdi-2026-07", 71.2),
        ("third party", "itu-agg-2025-11-extract", 71.2),
    ]
    # World fixed broadband per 100: ITU's Nov 2025 values wherever ITU has the year (2005-2025),
    # WDI only for the years before ITU's series starts
    broadband = con.execute(
        """select publisher, edition, min(year), max(year), count(*) from latest_observations
           where entity = 'WLD' and series = 'fixed_broadband_subscriptions'
           and unit = 'per_100' group by all order by 3"""
    ).fetchall()
    assert broadband == [
        ("World Bank", "wb-wdi-2022-05", 2001, 2004, 4),
        ("ITU", "itu-agg-2025-11", 2005, 2025, 21),
    ]
    # high-income urban Internet use: one row a year; 2021 is only in Nov 2024, so it says so
    urban = con.execute(
        """select year, edition from latest_observations where entity = 'HIC'
           and series = 'internet_use' and sex = '_T' and area = 'U' and age = '_T'
           and unit = 'percent' order by year"""
    ).fetchall()
    assert urban == [(2021, "itu-agg-2024-11")] + [
        (y, "itu-agg-2025-11") for y in range(2022, 2026)
    ]
    cross_check = "select count(*) from latest_observations where publisher = 'third party'"
    assert con.execute(cross_check).fetchone() == (0,)


def test_rebuild_from_parquet_alone(built, tmp_path):
    from ictstats.warehouse.write import build_duckdb

    settings, _ = built
    rebuilt = tmp_path / "rebuilt.duckdb"
    build_duckdb(settings.parquet_dir, rebuilt)
    tables = "select table_name from information_schema.tables order by 1"
    original = duckdb.connect(str(settings.warehouse), read_only=True)
    copy = duckdb.connect(str(rebuilt), read_only=True)
    assert copy.execute(tables).fetchall() == original.execute(tables).fetchall()
    for (table,) in original.execute(tables).fetchall():
        count = f"select count(*) from {table}"
        assert copy.execute(count).fetchone() == original.execute(count).fetchone(), table


def test_checksum_mismatch_stops_the_run_and_keeps_the_warehouse(isolated_settings):
    assert run_all(isolated_settings).success
    before = snapshot(isolated_settings.curated_dir)
    raw = (
        isolated_settings.raw_dir / "ITU_regional_global_Key_ICT_indicator_aggregates_Nov_2025.xlsx"
    )
    raw.write_bytes(raw.read_bytes() + b"tampered")
    result = run_all(isolated_settings)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "checksum mismatch" in str(failure.event_specific_data.error)
    assert snapshot(isolated_settings.curated_dir) == before


def test_value_out_of_range_is_blocked_before_the_warehouse(isolated_settings, manifest, tmp_path):
    """A workbook that parses but says 150 % is stopped by the blocking schema check."""
    assert run_all(isolated_settings).success
    before = snapshot(isolated_settings.curated_dir)
    source = manifest["itu_aggregates_nov2025"]
    workbook = openpyxl.load_workbook(isolated_settings.raw_dir / source.filename)
    workbook["By dvpmnt status and spec. reg."]["AR127"] = 150.0
    bad = tmp_path / "bad.xlsx"
    workbook.save(bad)
    from ictstats.sources.manifest import sha256_of

    entries = yaml.safe_load((ROOT / "data" / "sources.yaml").read_text())["sources"]
    entry = next(e for e in entries if e["id"] == source.id)
    entry["filename"] = bad.name
    entry["known_copies"] = [{"sha256": sha256_of(bad), "size": bad.stat().st_size}]
    test_manifest = tmp_path / "sources.yaml"
    test_manifest.write_text(yaml.safe_dump({"sources": entries}))
    (isolated_settings.raw_dir / bad.name).write_bytes(bad.read_bytes())
    settings = dataclasses.replace(isolated_settings, manifest=test_manifest)

    result = run_all(settings)
    evaluation = next(
        e for e in result.get_asset_check_evaluations() if e.check_name == "observations_schema"
    )
    assert not evaluation.passed
    report = evaluation.metadata["report"].value
    assert "By dvpmnt status and spec. reg.!AR127" in report and "150.0" in report
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "warehouse" not in materialized
    assert snapshot(isolated_settings.curated_dir) == before


def test_every_asset_and_group_name_selects_a_runnable_partial_build(isolated_settings):
    """`--select NAME` for every asset and group builds a job: a multi-asset step's other
    outputs and everything upstream of them come along (selecting `observations` alone once
    failed with a Dagster traceback: its step also makes `sheet_repeats` and `editions`)."""
    from pipelines.run import resolve_selection, upstream_selection

    defs = build_definitions(isolated_settings)
    job = defs.resolve_implicit_global_asset_job_def()
    graph = defs.resolve_asset_graph()
    names = [k.to_user_string() for k in graph.get_all_asset_keys()]
    groups = sorted({spec.group_name for spec in defs.resolve_all_asset_specs()})
    for name in [*names, *groups]:
        keys = [k.to_user_string() for k in resolve_selection(defs, [name])]
        selection = upstream_selection(defs, keys)
        job.get_subset(asset_selection=selection)  # raises on a selection Dagster cannot run
        picked = {k.to_user_string() for k in selection}
        if name == "observations":
            assert {"sheet_repeats", "editions", "entity_resolver"} <= picked
            assert "warehouse" not in picked
        if name == "charts":  # a part of the published build stands for the whole build
            assert "publish" in picked and "claims_report" in picked
