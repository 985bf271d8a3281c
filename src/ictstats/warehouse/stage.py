"""Stage a build's warehouse: the publish gate, then Parquet and DuckDB into the staging folder.

Where it sits: the warehouse stage, between the validated tables and `builds.promote`. Nothing
written here is visible to readers until the whole build (with its reports and charts) is
promoted.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ictstats.errors import IctstatsError, ValidationError
from ictstats.metadata import resource
from ictstats.sources.manifest import ResolvedSource, sha256_of
from ictstats.transform import schemas
from ictstats.warehouse import builds, write
from ictstats.warehouse.editions import editions_table


@dataclass(frozen=True)
class WarehouseSummary:
    database: Path
    parquet_build: Path
    rows_by_edition: dict[str, int]


class PublishError(IctstatsError):
    """A build could not be written or did not pass the publish gate; nothing was published."""


NOTHING_PUBLISHED = (
    "Nothing was published: data/curated/current still points to the previous build, unchanged."
)


@contextmanager
def writing_build(staging: Path, what: str) -> Iterator[None]:
    """Write one part of a staged build. On any failure drop the whole staging folder (a build is
    published whole or not at all); a write error (disk full, ...) becomes a message naming the
    part and the file system error."""
    if not staging.is_dir():
        # another part failed and dropped the folder: writing now would recreate half a build
        raise PublishError(
            f"not writing {what}: the build's staging folder {staging.name} is gone because "
            f"another step of this build failed (its error is printed above). {NOTHING_PUBLISHED}"
        )
    try:
        yield
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise PublishError(
            f"could not write {what} into {staging}: {exc.strerror or exc} "
            f"({exc.filename or 'no file name'}). {NOTHING_PUBLISHED} Free disk space (or fix "
            "the folder's permissions) and run `ictstats run` again."
        ) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def publish_gate(observations: pd.DataFrame, resolved: Mapping[str, ResolvedSource]) -> None:
    """Refuse to publish observations that did not come, validated, from today's source files.

    The blocking checks run on the assets upstream of the warehouse; this repeats the cheap part
    here because a Dagster re-execution or selection (e.g. in the UI, whose storage keeps every
    step's output) can hand the warehouse step a value that never passed them, or one parsed
    from an earlier version of a file.
    """
    try:
        schemas.validate(observations)
    except ValidationError as exc:
        raise PublishError(
            "publish gate: the observations handed to the warehouse step break the schema "
            f"({exc.failures} failure(s)); they did not pass the blocking checks of this build. "
            f"{NOTHING_PUBLISHED} Run the full build (`ictstats run`) so that every check "
            f"runs on the same inputs.\n{exc.report}"
        ) from exc
    hashes = {sid: sha256_of(item.path) for sid, item in resolved.items()}
    used = observations.groupby("source_id")["source_sha256"].unique()
    stale = [
        f"{sid}: observations from sha256 {', '.join(h[:12] for h in found)}, "
        + (
            f"the file the manifest resolves to ({resolved[sid].path}) has {hashes[sid][:12]}"
            if sid in hashes
            else "a source id the manifest does not list"
        )
        for sid, found in used.items()
        if sid not in hashes or list(found) != [hashes[sid]]
    ]
    if stale:
        raise PublishError(
            "publish gate: observations were parsed from other bytes than the current source "
            "files (a stored output of an earlier run?): "
            + "; ".join(stale)
            + f". {NOTHING_PUBLISHED} Run the full build (`ictstats run`)."
        )


def stage_warehouse(
    staging: Path, tables: Mapping[str, pd.DataFrame], resolved: Mapping[str, ResolvedSource]
) -> WarehouseSummary:
    """Write Parquet (the stored truth) and the DuckDB file built from it into a staged build.

    `tables`: every declared table but the code lists (`series`, `units`, `codes`, made here);
    `resolved`: every source of the manifest, for the publish gate. Nothing is visible to
    readers until `builds.promote`.
    """
    observations = tables["observations"]
    with writing_build(staging, "the warehouse"):
        publish_gate(observations, resolved)
        code_lists = write.dimension_tables()
        for name, frame in code_lists.items():  # made here, so checked here (blocking)
            schemas.validate(resource(name).conform(frame), schemas.table_schema(name))
        every = {**code_lists, **tables}
    with writing_build(staging, "the Parquet files"):
        parquet = write.write_parquet_build(staging, every)
    database = staging / "ictstats.duckdb"
    with writing_build(staging, "the DuckDB file"):
        write.build_duckdb(parquet, database)
    rows = observations.groupby("edition").size()
    return WarehouseSummary(database, parquet, {str(k): int(v) for k, v in rows.items()})


def publish(
    curated_dir: Path,
    observations: pd.DataFrame,
    resolved: Mapping[str, ResolvedSource],
    version_notes: Mapping[str, list[str]],
    tables: Mapping[str, pd.DataFrame],
) -> WarehouseSummary:
    """Stage and promote a build with Parquet and DuckDB only (no reports or charts).

    `tables`: every declared table but observations, editions and the code lists."""
    rows = observations.groupby("edition").size().to_dict()
    editions = editions_table(resolved, version_notes, rows)
    every = {**tables, "observations": observations, "editions": editions}
    staging = builds.start_build(curated_dir)
    summary = stage_warehouse(staging, every, resolved)
    build = builds.promote(curated_dir, staging)
    return WarehouseSummary(build / "ictstats.duckdb", build / "parquet", summary.rows_by_edition)
