"""What a build depends on, hashed: lets `ictstats run` skip a rebuild when nothing changed.

The fingerprint covers the manifest, the claims register, every raw file the manifest names and
the code of ictstats and the Dagster location. A build writes it after it succeeds; the next
`ictstats run` compares and returns at once when all are equal (`--force` rebuilds anyway).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from ictstats.settings import Settings
from ictstats.sources import load_manifest

CODE_SUFFIXES = {".py", ".yaml", ".csv", ".j2"}
FINGERPRINT_FILE = ".build-fingerprint.json"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"


def _code_files() -> list[Path]:
    package = Path(__file__).parent
    pipelines = package.parent.parent / "pipelines"
    roots = [package] + ([pipelines] if pipelines.is_dir() else [])
    return sorted(p for root in roots for p in root.rglob("*") if p.suffix in CODE_SUFFIXES)


def current(settings: Settings) -> dict[str, str]:
    """Hashes of every input of a build, by name."""
    inputs = {"manifest": _digest(settings.manifest), "claims": _digest(settings.claims)}
    for source in load_manifest(settings.manifest).values():
        inputs[f"raw:{source.filename}"] = _digest(settings.raw_dir / source.filename)
    code = hashlib.sha256()
    for path in _code_files():
        code.update(path.name.encode() + path.read_bytes())
    inputs["code"] = code.hexdigest()
    return inputs


def is_up_to_date(settings: Settings) -> bool:
    recorded = settings.curated_dir / FINGERPRINT_FILE
    if not (recorded.is_file() and settings.warehouse.is_file() and settings.parquet_dir.exists()):
        return False
    try:
        return json.loads(recorded.read_text("utf-8")) == current(settings)
    except (OSError, ValueError):
        return False


def record(settings: Settings) -> None:
    """Write the fingerprint of the build that just succeeded (atomically)."""
    settings.curated_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=settings.curated_dir, prefix=".fingerprint-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(current(settings), handle, indent=1, sort_keys=True)
    os.replace(tmp, settings.curated_dir / FINGERPRINT_FILE)
