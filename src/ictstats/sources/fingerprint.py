"""What a build depends on and what it wrote, hashed: lets `ictstats run` skip a rebuild.

The fingerprint has two parts:
- inputs: the manifest, the claims register, every raw file the manifest names and the code of
  ictstats and of any other folder the caller names (the CLI adds its Dagster location);
- outputs: every file of the current build — the DuckDB file, the current Parquet build (through
  the `parquet` symlink, and where it points), the reports and the charts.

A build writes it after it succeeds. The next `ictstats run` returns at once only when both parts
are equal; otherwise it rebuilds and says why (which input changed, which output differs).
Checking the outputs too is what catches a warehouse changed behind the build's back (a file
edited, overwritten or deleted): the inputs alone would call it current.
`--force` rebuilds anyway.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ictstats.settings import Settings
from ictstats.sources.manifest import load_manifest

CODE_SUFFIXES = {".py", ".yaml", ".csv", ".j2"}
FINGERPRINT_FILE = ".build-fingerprint.json"
PARQUET_LINK = "parquet ->"  # key of where the `parquet` symlink points


def _digest(path: Path) -> str:
    if not path.is_file():
        return "missing"
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


PACKAGE = Path(__file__).parents[1]


def _code_files(extra_code: Sequence[Path]) -> list[Path]:
    roots = [PACKAGE, *extra_code]
    return sorted(p for root in roots for p in root.rglob("*") if p.suffix in CODE_SUFFIXES)


def current(settings: Settings, extra_code: Sequence[Path] = ()) -> dict[str, str]:
    """Hashes of every input of a build, by name."""
    inputs = {"manifest": _digest(settings.manifest), "claims": _digest(settings.claims)}
    for source in load_manifest(settings.manifest).values():
        inputs[f"raw:{source.filename}"] = _digest(settings.raw_dir / source.filename)
    code = hashlib.sha256()
    for path in _code_files(extra_code):
        code.update(path.name.encode() + path.read_bytes())
    inputs["code"] = code.hexdigest()
    return inputs


def outputs(settings: Settings) -> dict[str, str]:
    """Hashes of every file of the current build, by path relative to the curated folder."""
    curated = settings.curated_dir
    found = {}
    if settings.warehouse.is_file():
        found[settings.warehouse.name] = _digest(settings.warehouse)
    for folder in (settings.parquet_dir, settings.reports_dir, settings.charts_dir):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    found[path.relative_to(curated).as_posix()] = _digest(path)
    if settings.parquet_dir.is_symlink():
        found[PARQUET_LINK] = os.readlink(settings.parquet_dir)
    return found


def why_rebuild(settings: Settings, extra_code: Sequence[Path] = ()) -> str | None:
    """None when the last build is current; else why not, naming the input or output."""
    recorded_file = settings.curated_dir / FINGERPRINT_FILE
    if not recorded_file.is_file():
        return "no record of a previous build"
    try:
        recorded = json.loads(recorded_file.read_text("utf-8"))
        before_in, before_out = recorded["inputs"], recorded["outputs"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"{recorded_file.name} is unreadable or from an older ictstats"
    changed = _first_difference(before_in, current(settings, extra_code), "input")
    if changed:
        return changed
    return _first_difference(before_out, outputs(settings), "output")


def _first_difference(before: dict[str, str], now: dict[str, str], kind: str) -> str | None:
    for name in sorted(before.keys() | now.keys()):
        if name not in now:
            return f"{kind} {name} of the last build is missing"
        if name not in before:
            return f"{kind} {name} was not written by the last build"
        if before[name] != now[name]:
            if kind == "output":
                return f"{name} differs from the last build (SHA-256 recorded at its end)"
            return f"{kind} {name} changed since the last build"
    return None


def record(settings: Settings, extra_code: Sequence[Path] = ()) -> None:
    """Write the fingerprint of the build that just succeeded (atomically)."""
    settings.curated_dir.mkdir(parents=True, exist_ok=True)
    payload = {"inputs": current(settings, extra_code), "outputs": outputs(settings)}
    fd, tmp = tempfile.mkstemp(dir=settings.curated_dir, prefix=".fingerprint-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=1, sort_keys=True)
    os.replace(tmp, settings.curated_dir / FINGERPRINT_FILE)
