"""Run every asset in process, for the command line, with one progress line per step.

What the terminal shows is what the user has to act on: a failed step prints the ictstats error
it raised (file, sheet/cell or row, rule, what to do) without Dagster's wrapper or a traceback;
a failed blocking check prints its report; a warning check prints its count and first rows. The
fault corpus (tests/faults/corpus.py) reads this same text, so what it judges is what a user sees.
"""

import contextlib
import io
import logging
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from dagster import AssetCheckSeverity, DagsterEventType, Field, logger

from ictstats.errors import IctstatsError

_SHOWN_EVENTS = {
    DagsterEventType.STEP_FAILURE: "FAILED",
    DagsterEventType.STEP_SKIPPED: "skipped",
}


INDENT = " " * 9  # below the clock column, so a message's lines stand apart from progress lines


WARNING_ROWS = 5  # first rows of a warning's table shown on the terminal


def _ictstats_error_names() -> set[str]:
    """Class names of ictstats' own errors (any module's subclass, imported by run time)."""
    found, todo = set(), [IctstatsError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found


def _indented(text: str) -> str:
    return "\n".join(INDENT + line if line.strip() else "" for line in text.strip().splitlines())


def _user_error(error) -> tuple[str, str]:
    """The exception the step's code raised: the first cause below Dagster's wrappers, its
    message without the `module.Class: ` prefix Dagster adds."""
    while error.cls_name.startswith("Dagster") and error.cause is not None:
        error = error.cause
    return error.cls_name, re.sub(r"^[\w.]+: ", "", error.message.strip(), count=1)


def failure_text(data) -> str:
    """What the terminal shows below `<step>: FAILED` for a STEP_FAILURE event's data."""
    cls, message = _user_error(data.error)
    if cls == "DagsterAssetCheckFailedError":
        return "stopped by the failed blocking check(s) above; nothing downstream ran"
    if cls in _ictstats_error_names():
        return message
    # not one of ours: a bug or an environment problem; say so rather than pass it off as data
    return (
        f"unexpected {cls}: {message}\n"
        "This is not a data error ictstats knows how to explain: report it with the command "
        "you ran (`dagster dev` shows the traceback in the run's event log)."
    )


def check_text(evaluation) -> str:
    """The terminal line(s) for an ASSET_CHECK_EVALUATION: verdict, count, first items."""
    if evaluation.passed:
        return f"check {evaluation.check_name}: pass"
    meta = evaluation.metadata
    blocking = evaluation.severity == AssetCheckSeverity.ERROR
    if blocking:
        count = meta["failures"].value if "failures" in meta else "?"
        report = str(meta["report"].value) if "report" in meta else evaluation.description or ""
        head = f"check {evaluation.check_name}: FAILED (blocking), {count} failure(s):"
        return head + "\n" + _indented(report)
    count = meta["findings"].value if "findings" in meta else "?"
    table = str(meta["table"].value) if "table" in meta else ""
    rows = [line for line in table.splitlines() if line.startswith("|")]
    shown = rows[: 2 + WARNING_ROWS]  # header, rule, first rows
    # the count, not the table (it may be cut at 40 rows), says how many are not shown
    more = (count if isinstance(count, int) else len(rows) - 2) - max(len(shown) - 2, 0)
    about = (evaluation.description or "").split("\n")[0] or "see the rows below"
    text = f"check {evaluation.check_name}: warn, {count} finding(s): {about}"
    if shown:
        text += "\n" + _indented("\n".join(shown))
    if more > 0:
        text += f"\n{INDENT}… and {more} more (every row: `dagster dev`, the check's metadata)"
    return text


@dataclass
class RunSeen:
    """What the CLI needs after the run: the failed steps and whether Ctrl-C stopped it."""

    failed: list[str] = field(default_factory=list)
    interrupted: bool = False


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
            return f"{clock}  {check_text(event.event_specific_data)}"
        if event is not None and event.event_type == DagsterEventType.STEP_FAILURE:
            if getattr(event.event_specific_data.error_source, "value", "") == "INTERRUPT":
                return f"{clock}  {step}: interrupted (Ctrl-C)"
            return f"{clock}  {step}: FAILED:\n{_indented(failure_text(event.event_specific_data))}"
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


class _Recorder(logging.Handler):
    """Notes failed steps and interruption for the CLI's closing line."""

    def __init__(self, seen: RunSeen) -> None:
        super().__init__()
        self.seen = seen

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        if event is None or event.event_type != DagsterEventType.STEP_FAILURE:
            return
        data = event.event_specific_data
        if getattr(data.error_source, "value", "") == "INTERRUPT":
            self.seen.interrupted = True
        else:
            self.seen.failed.append((getattr(record, "dagster_meta", {}) or {}).get("step_key"))


def console_handler(stream) -> logging.Handler:
    """The handler that writes the progress lines (the CLI: stderr; the fault corpus: a buffer)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_ProgressFormatter())
    handler.addFilter(_ProgressFilter())
    return handler


@contextlib.contextmanager
def _listening(handler: logging.Handler) -> Iterator[None]:
    """Attach a handler to the progress log for as long as the block lasts."""
    log = logging.getLogger("ictstats.progress")
    log.addHandler(handler)
    try:
        yield
    finally:
        log.removeHandler(handler)


@contextlib.contextmanager
def watch() -> Iterator[RunSeen]:
    """Record, while it lasts, the steps that fail and whether the run was interrupted."""
    seen = RunSeen()
    with _listening(_Recorder(seen)):
        yield seen


@contextlib.contextmanager
def terminal_text() -> Iterator[list[str]]:
    """The progress text of the runs inside, as the terminal would show it (one string, appended
    on exit): what the fault corpus judges."""
    buffer, out = io.StringIO(), []
    try:
        with _listening(console_handler(buffer)):
            yield out
    finally:
        out.append(buffer.getvalue())


@logger(
    config_schema={"log_level": Field(str, is_required=False, default_value="INFO")},
    description="One concise line per step, message and check result.",
)
def progress_console(init_context):
    log = logging.getLogger("ictstats.progress")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    # the recorder of `watch` does not print: a console is still needed beside it
    if not [h for h in log.handlers if not isinstance(h, _Recorder)]:
        log.addHandler(console_handler(sys.stderr))
    return log
