"""A build is one unit: staged in its own folder, made current with one symlink swap.

Where it sits: the warehouse stage. Every output of a build (Parquet, the DuckDB file, claims
reports, charts) is written into one new folder `builds/.staging-<id>/`; once all are written
and every check passed, `promote` renames it to `builds/<id>/` and repoints the `current`
symlink with one `os.replace`. The public paths are fixed symlinks through `current`
(`ictstats.duckdb`, `parquet`, `reports`, `charts`), so one swap changes all of them at once:
there is never a state where a reader sees the DuckDB file of one build and the Parquet or
reports of another, and a failure anywhere before the swap leaves the previous build in place,
byte for byte. Readers that opened the previous DuckDB file keep reading it (the previous build
is kept).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

from ictstats.crashpoints import crash_point

BUILDS = "builds"


CURRENT = "current"


STAGING_PREFIX = ".staging-"


# The paths analysts and the contract check open; each a fixed symlink into `current`.
PUBLIC_LINKS = ("ictstats.duckdb", "parquet", "reports", "charts")


# Layout before builds were one unit: removed when the first unit build is promoted.
_OLD_LAYOUT = ("parquet-builds",)


def start_build(curated_dir: Path) -> Path:
    """A new, empty staging folder for one build's outputs (invisible to readers until promoted).

    The name sorts by time; the files inside carry no time or id, so two builds from the same
    inputs are byte-identical.
    """
    builds = curated_dir / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    staging = builds / f"{STAGING_PREFIX}{stamp}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    return staging


def promote(curated_dir: Path, staging: Path) -> Path:
    """Make a complete staged build current with one atomic symlink swap; return its folder.

    Call only after every output is written and every check passed. Keeps the previous build
    (readers mid-query on it are not cut off) and removes older ones.
    """
    builds = curated_dir / BUILDS
    if staging.parent != builds or not staging.name.startswith(STAGING_PREFIX):
        raise ValueError(f"{staging} is not a staging folder of {builds}")
    build = builds / staging.name.removeprefix(STAGING_PREFIX)
    os.replace(staging, build)
    crash_point("build-renamed")
    current = curated_dir / CURRENT
    previous = current.resolve().name if current.is_symlink() else None
    _point_symlink(current, Path(BUILDS) / build.name)
    _ensure_public_links(curated_dir)
    _prune_builds(builds, keep={build.name, previous})
    return build


def current_build(curated_dir: Path) -> Path | None:
    """The folder of the build readers see, or None before the first build."""
    current = curated_dir / CURRENT
    return current.resolve() if current.is_symlink() else None


def remove_leftovers(curated_dir: Path, raw_dir: Path | None = None) -> list[Path]:
    """Delete what interrupted runs left: staging folders, temporary files, half copies.

    Run it only while holding the project lock (`ictstats.warehouse.locking`): another run's staging
    folder looks exactly like a leftover.
    """
    found = [
        (curated_dir / BUILDS, f"{STAGING_PREFIX}*"),  # a build that never finished
        (curated_dir, ".ictstats.duckdb.*.tmp*"),  # DuckDB files of the layout before builds
        (curated_dir, ".fingerprint-*"),
        (curated_dir, ".old-*"),  # a real folder being replaced by its public symlink
        *((curated_dir, f".{name}-*") for name in (CURRENT, *PUBLIC_LINKS)),  # symlinks-to-be
    ]
    if raw_dir is not None:  # half copies and downloads of a killed `sources fetch`
        found += [(raw_dir, ".incoming-*"), (raw_dir, ".download-*")]
    return [path for folder, pattern in found for path in _remove_leftovers(folder, pattern)]


def _remove_leftovers(folder: Path, pattern: str) -> list[Path]:
    found = sorted(folder.glob(pattern)) if folder.is_dir() else []
    for leftover in found:
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
    return found


def _point_symlink(link: Path, target: Path) -> None:
    if link.exists() and not link.is_symlink():
        raise RuntimeError(f"{link} is a real folder; expected the symlink ictstats maintains")
    tmp = link.with_name(f".{link.name}-{uuid.uuid4().hex[:8]}")
    tmp.symlink_to(target, target_is_directory=True)
    os.replace(tmp, link)


def _ensure_public_links(curated_dir: Path) -> None:
    """`ictstats.duckdb`, `parquet`, `reports`, `charts` -> `current/<name>`, made once.

    A project built before builds were one unit has a real DuckDB file and real report and chart
    folders there: each is replaced by its symlink (a reader holding the old file keeps it).
    """
    for name in PUBLIC_LINKS:
        link = curated_dir / name
        target = Path(CURRENT) / name
        if link.is_symlink() and Path(os.readlink(link)) == target:
            continue
        tmp = curated_dir / f".{name}-{uuid.uuid4().hex[:8]}"
        tmp.symlink_to(target)
        if link.is_dir() and not link.is_symlink():  # a real folder cannot be replaced in one step
            old = curated_dir / f".old-{name}-{uuid.uuid4().hex[:8]}"
            os.replace(link, old)
            os.replace(tmp, link)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, link)
    for name in _OLD_LAYOUT:
        shutil.rmtree(curated_dir / name, ignore_errors=True)


def _prune_builds(builds: Path, keep: set[str | None]) -> None:
    """Keep the current and the previous build; a reader mid-query on the previous one goes on."""
    for old in builds.iterdir():
        if old.name not in keep and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
