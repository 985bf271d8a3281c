"""Shared fixtures: the offline mirror beside the project, a verified copy of each source."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ictstats.extract import parse
from ictstats.settings import Settings
from ictstats.sources.manifest import ResolvedSource, load_manifest, resolve
from ictstats.transform import canonical

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "data" / "sources.yaml"


def mirror_dir() -> Path:
    """The offline mirror; the real-file tests need it and say so instead of skipping."""
    path = Path(os.environ.get("ICTSTATS_MIRROR", ROOT.parent / "shared" / "data"))
    if not path.is_dir():
        pytest.fail(
            f"offline mirror not found at {path}: put ../shared/data beside the project or set "
            "ICTSTATS_MIRROR (the real-file tests read ITU's workbooks from it)"
        )
    return path


@pytest.fixture(scope="session")
def mirror() -> Path:
    return mirror_dir()


@pytest.fixture(scope="session")
def manifest():
    return load_manifest(MANIFEST)


@pytest.fixture(scope="session")
def raw_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("raw")


@pytest.fixture(scope="session")
def itu_editions(manifest, raw_dir, mirror) -> dict[str, ResolvedSource]:
    """Each ITU aggregates edition resolved from the mirror into a temporary data/raw/."""
    return {
        s.edition: resolve(s, raw_dir, mirror, allow_download=False)
        for s in manifest.values()
        if parse.is_itu_aggregates(s)
    }


@pytest.fixture(scope="session")
def parsed(itu_editions):
    return {edition: parse.parse_edition(r) for edition, r in itu_editions.items()}


def isolated_env(folder: Path, mirror: Path) -> dict[str, str]:
    """Environment for a build whose raw, curated and Dagster folders live under `folder`."""
    return {
        "ICTSTATS_RAW": str(folder / "raw"),
        "ICTSTATS_CURATED": str(folder / "curated"),
        "ICTSTATS_MIRROR": str(mirror),
        "ICTSTATS_MANIFEST": str(MANIFEST),
        "DAGSTER_HOME": str(ROOT),
        "ICTSTATS_DAGSTER_STORAGE": str(folder / "dagster"),
    }


@pytest.fixture()
def isolated_settings(tmp_path, mirror, monkeypatch) -> Settings:
    """Settings whose raw, curated and Dagster folders are temporary."""
    for var, value in isolated_env(tmp_path, mirror).items():
        monkeypatch.setenv(var, value)
    return Settings.from_env()


@pytest.fixture(scope="session")
def resolved_all(manifest, raw_dir, mirror) -> dict[str, ResolvedSource]:
    """Every manifest source resolved from the mirror into a temporary data/raw/."""
    return {sid: resolve(s, raw_dir, mirror, allow_download=False) for sid, s in manifest.items()}


@pytest.fixture(scope="session")
def references(resolved_all) -> dict:
    """Reference tables by layout: M49, country codes, CLASS, OGHIST, population."""
    return {
        r.source.layout: parse.parse_reference(r)
        for r in resolved_all.values()
        if parse.is_reference(r.source)
    }


@pytest.fixture(scope="session")
def found_entities(references) -> canonical.Entities:
    return canonical.build_entities(
        references["un_m49_csv"], references["datahub_country_codes"], references["wb_class"]
    )


@pytest.fixture(scope="session")
def country_frames(resolved_all) -> dict[str, object]:
    """Country-level observation frames by edition, before entity resolution."""
    return {
        r.source.edition: parse.parse_country_source(r)
        for r in resolved_all.values()
        if parse.is_country_observations(r.source)
    }


@pytest.fixture(scope="session")
def country_observations(country_frames, found_entities):
    return canonical.harmonise(country_frames.values(), found_entities.resolver)
