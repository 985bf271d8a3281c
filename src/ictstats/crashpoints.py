"""Named points where a test can make the process die as if killed (`kill -9`).

`ICTSTATS_CRASH_AT=<point>` makes `crash_point(<point>)` send SIGKILL to its own process, so the
crash-safety tests hit the exact moment they mean to (Parquet staged but not swapped, DuckDB
written but not swapped, ...) instead of racing a timer. Unset, it does nothing.
"""

from __future__ import annotations

import os
import signal


def crash_point(name: str) -> None:
    if os.environ.get("ICTSTATS_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
