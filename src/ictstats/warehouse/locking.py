"""One build at a time per project: an exclusive lock on `data/curated/.build.lock`.

`ictstats run` holds it for the whole run (and `sources fetch` while it writes `data/raw`), so
two runs never share a staging folder, a leftover clean-up or a half-written file. The holder
writes who it is (pid, command, start time) to `.build.lock.json` beside the lock; a second run
prints that and waits, or stops at once with `wait=False`. The lock is `fcntl.flock`: the kernel
drops it when its process dies, so a killed run never leaves a stale lock behind.

Readers never take it: they open the published build, which is never written in place.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ictstats.errors import IctstatsError

LOCK_FILE = ".build.lock"
HOLDER_FILE = ".build.lock.json"
_held: dict[Path, int] = {}  # lock path -> depth, so that one process can nest its own lock


class BuildLocked(IctstatsError):
    """Another process holds the project's build lock and the caller chose not to wait."""


def holder(folder: Path) -> str:
    """Who holds (or last held) the lock, in words."""
    try:
        info = json.loads((folder / HOLDER_FILE).read_text("utf-8"))
        return f"pid {info['pid']} (`{info['command']}`, started {info['started']})"
    except (OSError, ValueError, KeyError):
        return "another process (no holder information)"


@contextmanager
def project_lock(
    folder: Path, wait: bool = True, say: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the build lock of the project whose curated folder is `folder`.

    `say` receives one line when the lock is busy and this call waits for it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = (folder / LOCK_FILE).resolve()
    if path in _held:  # this process holds it already (e.g. the publish step of `ictstats run`)
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            who = holder(folder)
            if not wait:
                raise BuildLocked(
                    f"{path}: another build is running in this project: {who}. Wait for it to "
                    "finish (run again without --no-wait to queue behind it)."
                ) from None
            if say is not None:
                say(f"waiting for the build lock ({path}) held by {who}")
            fcntl.flock(fd, fcntl.LOCK_EX)
        _write_holder(folder)
        _held[path] = 1
        try:
            yield
        finally:
            del _held[path]
    finally:
        os.close(fd)  # releases the lock


def _write_holder(folder: Path) -> None:
    info = {
        "pid": os.getpid(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    tmp = folder / f".{HOLDER_FILE}.{os.getpid()}"
    tmp.write_text(json.dumps(info), "utf-8")
    os.replace(tmp, folder / HOLDER_FILE)
