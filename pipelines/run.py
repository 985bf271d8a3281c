"""Run every asset in process for the command line, holding the project's build lock.

The progress text the terminal shows (and the fault corpus judges) is in `pipelines.terminal`.
"""

import os
import sys
from pathlib import Path

from dagster import DagsterInstance

from ictstats.errors import IctstatsError


def prepare_dagster_home(root: Path) -> None:
    """Point Dagster at the project's dagster.yaml and git-ignored storage folder."""
    os.environ.setdefault("DAGSTER_HOME", str(root))
    storage = Path(os.environ.setdefault("ICTSTATS_DAGSTER_STORAGE", str(root / ".dagster")))
    storage.mkdir(parents=True, exist_ok=True)


def resolve_selection(definitions, names: list[str]) -> set:
    """Asset keys for asset or group names; an unknown name stops with every valid one listed."""
    from dagster import AssetKey

    groups: dict[str, set[AssetKey]] = {}
    assets: set[AssetKey] = set()
    for spec in definitions.resolve_all_asset_specs():
        assets.add(spec.key)
        groups.setdefault(spec.group_name or "default", set()).add(spec.key)
    selected: set[AssetKey] = set()
    unknown = []
    for name in names:
        if name in groups:
            selected |= groups[name]
        elif AssetKey(name) in assets:
            selected.add(AssetKey(name))
        else:
            unknown.append(name)
    if unknown:
        listing = "\n".join(
            f"  {group}: " + ", ".join(sorted(k.to_user_string() for k in keys))
            for group, keys in groups.items()
        )
        raise IctstatsError(
            f"--select: unknown asset or group name(s) {', '.join(map(repr, unknown))}. "
            f"Give a group name (selects all its assets) or an asset name; the groups and "
            f"their assets:\n{listing}"
        )
    return selected


# Parts of a build, published together: selecting one builds and publishes the whole unit.
BUILD_OUTPUTS = {
    "warehouse",
    "claims_report",
    "charts",
    "publish",
}


def upstream_selection(defs, names: list[str]) -> set:
    """The named assets and every asset upstream of them, with their checks: a selection is a
    consistent partial build, never one that reads another run's stored outputs. A part of the
    published build stands for the whole build (it is published as one unit or not at all)."""
    from dagster import AssetKey, AssetSelection

    names = sorted({"publish" if n in BUILD_OUTPUTS else n for n in names})
    graph = defs.resolve_asset_graph()
    # the other outputs of a multi-asset step (observations with sheet_repeats and editions, ...)
    # come along: a step runs whole; then everything upstream of those too
    selection = AssetSelection.assets(*(AssetKey(n) for n in names)).upstream()
    for _ in range(len(list(graph.get_all_asset_keys()))):
        wider = selection.required_multi_asset_neighbors().upstream()
        if wider.resolve(graph) == selection.resolve(graph):
            break
        selection = wider
    return selection.resolve(graph)


def materialize_all(root: Path, selection: list[str] | None = None, wait: bool = True) -> bool:
    """Materialize every asset (or the selected ones and all upstream of them) in this process,
    holding the project's build lock; True when all passed.

    Step outputs live in memory for this run only: nothing but a finished, published build is
    shared between runs (Dagster's stored outputs under .dagster/ are never read).
    """
    prepare_dagster_home(root)
    from dagster import mem_io_manager

    from ictstats.settings import Settings
    from ictstats.warehouse import builds
    from ictstats.warehouse.locking import project_lock
    from pipelines.definitions import build_definitions

    settings = Settings.from_env()
    with project_lock(settings.curated_dir, wait=wait, say=_say):
        removed = builds.remove_leftovers(settings.curated_dir, settings.raw_dir)
        if removed:
            _say(f"removed what an interrupted run left: {', '.join(p.name for p in removed)}")
        # built from the current settings, not the module-level `defs` frozen at first import
        defs = build_definitions(settings)
        job = defs.resolve_implicit_global_asset_job_def()
        if selection:
            names = [k.to_user_string() for k in resolve_selection(defs, selection)]
            job = job.get_subset(asset_selection=upstream_selection(defs, names))
        with DagsterInstance.get() as instance:
            result = job.execute_in_process(
                instance=instance,
                run_config={"loggers": {"progress": {}}},
                raise_on_error=False,
                resources={"io_manager": mem_io_manager},
            )
    return result.success


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
