"""Named points where a test can make the process die as if killed, or find the disk full.

`ICTSTATS_CRASH_AT=<point>` makes `crash_point(<point>)` send SIGKILL to its own process, so the
crash-safety tests hit the exact moment they mean to (Parquet staged, DuckDB written, build
folder renamed but not yet current, ...) instead of racing a timer.
`ICTSTATS_DISK_FULL_AT=<point>` makes it raise `OSError(ENOSPC)` there instead, as a full disk
would in the write that follows. Unset, both do nothing.

Points: parquet-staged, duckdb-writing, duckdb-written, report-written (between claims.md and
claims.html), chart-written (a chart file written, not yet moved into place), build-renamed
(the staged build renamed, `current` not yet swapped).
"""

from __future__ import annotations

import errno
import os
import signal


def crash_point(name: str) -> None:
    if os.environ.get("ICTSTATS_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get("ICTSTATS_DISK_FULL_AT") == name:
        raise OSError(errno.ENOSPC, f"No space left on device (simulated at {name})", name)
