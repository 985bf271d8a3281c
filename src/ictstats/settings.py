"""Where ictstats finds its manifest, raw files, mirror and warehouse.

Every path can be moved with an environment variable, which is how tests build a temporary
warehouse and how a user points at their own copy of the offline mirror.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _project_root() -> Path:
    """ICTSTATS_HOME, else the nearest folder at or above the working directory with a manifest."""
    if home := os.environ.get("ICTSTATS_HOME"):
        return Path(home).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "data" / "sources.yaml").is_file():
            return folder
    return here


@dataclass(frozen=True)
class Settings:
    root: Path
    manifest: Path
    claims: Path
    raw_dir: Path
    curated_dir: Path
    mirror_dir: Path | None

    @property
    def warehouse(self) -> Path:
        return self.curated_dir / "ictstats.duckdb"

    @property
    def parquet_dir(self) -> Path:
        return self.curated_dir / "parquet"

    @property
    def reports_dir(self) -> Path:
        return self.curated_dir / "reports"

    @property
    def charts_dir(self) -> Path:
        return self.curated_dir / "charts"

    @classmethod
    def from_env(cls) -> Settings:
        root = _project_root()

        def path(var: str, default: Path) -> Path:
            return Path(os.environ[var]).resolve() if os.environ.get(var) else default

        mirror: Path | None = path("ICTSTATS_MIRROR", root.parent / "shared" / "data")
        if "ICTSTATS_MIRROR" not in os.environ and not mirror.is_dir():
            mirror = None  # no default mirror on this machine: resolve from data/raw or download
        return cls(
            root=root,
            manifest=path("ICTSTATS_MANIFEST", root / "data" / "sources.yaml"),
            claims=path("ICTSTATS_CLAIMS", root / "data" / "claims.yaml"),
            raw_dir=path("ICTSTATS_RAW", root / "data" / "raw"),
            curated_dir=path("ICTSTATS_CURATED", root / "data" / "curated"),
            mirror_dir=mirror,
        )
