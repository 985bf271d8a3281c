"""Run every asset in process, for the command line, with one progress line per step."""

import logging
import os
import sys
import time
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance, Field, logger

_SHOWN_EVENTS = {
    DagsterEventType.STEP_FAILURE: "FAILED",
    DagsterEventType.STEP_SKIPPED: "skipped",
}


class _ProgressFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__()
        self.started = time.perf_counter()

    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", {}) or {}
        event = getattr(record, "dagster_event", None)
        step = meta.get("step_key") or ""
        clock = f"{time.perf_counter() - self.started:6.1f}s"
        if event is not None and event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            verdict = "pass" if evaluation.passed else evaluation.severity.value.lower()
            return f"{clock}  check {evaluation.check_name}: {verdict}"
        if event is not None:
            return f"{clock}  {step}: {_SHOWN_EVENTS[event.event_type]}"
        return f"{clock}  {step}: {meta.get('orig_message', record.getMessage())}"


class _ProgressFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        event = getattr(record, "dagster_event", None)
        if event is None:
            return record.levelno >= logging.INFO and hasattr(record, "dagster_meta")
        return event.event_type in _SHOWN_EVENTS or (
            event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
        )


@logger(
    config_schema={"log_level": Field(str, is_required=False, default_value="INFO")},
    description="One concise line per step, message and check result.",
)
def progress_console(init_context):
    log = logging.getLogger("ictstats.progress")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_ProgressFormatter())
        handler.addFilter(_ProgressFilter())
        log.addHandler(handler)
    return log


def prepare_dagster_home(root: Path) -> None:
    """Point Dagster at the project's dagster.yaml and git-ignored storage folder."""
    os.environ.setdefault("DAGSTER_HOME", str(root))
    storage = Path(os.environ.setdefault("ICTSTATS_DAGSTER_STORAGE", str(root / ".dagster")))
    storage.mkdir(parents=True, exist_ok=True)


# Parts of a build, published together: selecting one builds and publishes the whole unit.
BUILD_OUTPUTS = {
    "out_ictstats__warehouse",
    "out_ictstats__claims_report",
    "out_ictstats__charts",
    "out_ictstats__publish",
}


def upstream_selection(defs, names: list[str]) -> set:
    """The named assets and every asset upstream of them, with their checks: a selection is a
    consistent partial build, never one that reads another run's stored outputs. A part of the
    published build stands for the whole build (it is published as one unit or not at all)."""
    from dagster import AssetKey, AssetSelection

    names = sorted({"out_ictstats__publish" if n in BUILD_OUTPUTS else n for n in names})
    graph = defs.resolve_asset_graph()
    return AssetSelection.assets(*(AssetKey(n) for n in names)).upstream().resolve(graph)


def materialize_all(root: Path, selection: list[str] | None = None, wait: bool = True) -> bool:
    """Materialize every asset (or the selected ones and all upstream of them) in this process,
    holding the project's build lock; True when all passed.

    Step outputs live in memory for this run only: nothing but a finished, published build is
    shared between runs (Dagster's stored outputs under .dagster/ are never read).
    """
    prepare_dagster_home(root)
    from dagster import mem_io_manager

    from ictstats import warehouse
    from ictstats.locking import project_lock
    from ictstats.settings import Settings
    from pipelines.definitions import build_definitions

    settings = Settings.from_env()
    with project_lock(settings.curated_dir, wait=wait, say=_say):
        removed = warehouse.remove_leftovers(settings.curated_dir, settings.raw_dir)
        if removed:
            _say(f"removed what an interrupted run left: {', '.join(p.name for p in removed)}")
        # built from the current settings, not the module-level `defs` frozen at first import
        defs = build_definitions(settings)
        job = defs.resolve_implicit_global_asset_job_def()
        if selection:
            job = job.get_subset(asset_selection=upstream_selection(defs, selection))
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
