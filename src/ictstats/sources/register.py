"""Register a new source file: check it, parse it with its layout, copy it, add its entry.

Where it sits: stage 1 (sources), but it parses the file with stage 2's parsers first, so a file
that its layout cannot read is never registered; kept apart from `manifest` so that reading the
manifest never imports the parsers.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import yaml

from ictstats.errors import SourceError
from ictstats.extract.parse import parse_with_layout
from ictstats.sources.manifest import (
    _LABEL,
    MAX_SOURCE_BYTES,
    ResolvedSource,
    Source,
    _atomic_copy,
    filename_problem,
    load_manifest,
    sha256_of,
    source_id_for,
    url_problem,
)


def add_source(
    manifest: Path,
    raw_dir: Path,
    file: Path,
    *,
    layout: str,
    edition: str,
    publisher: str,
    url: str,
    edition_date: dt.date,
    title: str | None = None,
    licence: str = "",
    attribution: str = "",
    notes: str = "",
) -> Source:
    """Register a new file (e.g. ITU's next aggregates edition): check it, parse it with its
    layout, copy it to data/raw/ and append its entry to the manifest. Existing entries and
    comments are left untouched; nothing is written unless every check passed.

    Refused: an unknown layout, a file its layout cannot parse, bytes already listed under
    another source, an edition or id already listed, a label or file name that is not a plain
    name, a URL that is not https. The publication date is required (never "today")."""
    sources = load_manifest(manifest)
    sid, size, digest = _check_new_file(manifest, sources, file, edition, url)
    entry = {
        "id": sid,
        "publisher": publisher,
        "title": title or f"{publisher} {edition}",
        "edition": edition,
        "edition_date": edition_date.isoformat(),
        "url": url,
        "url_verified": False,
        "licence": licence or "see publisher terms",
        "attribution": attribution or f"Source: {publisher}, {title or edition}",
        "layout": layout,
        "filename": file.name,
        "mirror_path": file.name,
        "known_copies": [{"sha256": digest, "size": size, "note": "registered with sources add"}],
        "resaved_by_third_party": False,
        "secondary": False,
        "notes": notes
        or f"Registered with `ictstats sources add` on {dt.date.today().isoformat()}.",
    }
    candidate = Source.from_mapping(entry)
    parse_with_layout(ResolvedSource(candidate, file, digest, size, "add", ""))
    return _append(manifest, raw_dir, file, entry, digest)


def _check_new_file(
    manifest: Path, sources: dict[str, Source], file: Path, edition: str, url: str
) -> tuple[str, int, str]:
    """The new source's id, size and SHA-256, once its names, URL and bytes are new and plain."""
    if not file.is_file():
        raise SourceError(f"{file}: no such file")
    if not _LABEL.match(edition):
        raise SourceError(
            f"--edition {edition!r}: use lower-case letters, digits, `.`, `_` and `-` only "
            "(e.g. itu-agg-2026-11); the label names assets and files"
        )
    problem = filename_problem(file.name)
    if problem:
        raise SourceError(f"{file}: {problem}; rename the file before adding it")
    problem = url_problem(url)
    if problem:
        raise SourceError(f"--url: {problem}")
    if any(s.edition == edition for s in sources.values()):
        raise SourceError(f"edition {edition!r} is already in {manifest}; choose a new label")
    sid = source_id_for(edition)
    if sid in sources:
        raise SourceError(f"source id {sid!r} is already in {manifest}; choose another label")
    size = file.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise SourceError(f"{file}: {size:,} bytes exceeds the input cap")
    digest = sha256_of(file)
    for other in sources.values():
        if any(copy.sha256 == digest for copy in other.known_copies):
            raise SourceError(
                f"{file}: these bytes (SHA-256 {digest[:12]}…) are already listed as source "
                f"{other.id!r} ({other.edition}) in {manifest}; a new edition has new bytes"
            )
    if any(s.filename == file.name for s in sources.values()):
        raise SourceError(
            f"{file}: source file name {file.name!r} is already used in {manifest}; "
            "rename the file (e.g. add the edition's date)"
        )
    return sid, size, digest


def _append(manifest: Path, raw_dir: Path, file: Path, entry: dict, digest: str) -> Source:
    """Copy the file into data/raw/ and append its entry, the manifest replaced in one step
    after the result is proved to load."""
    text = manifest.read_text("utf-8")
    block = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=100)
    indented = "".join(f"  {line}\n" for line in block.splitlines())
    new_text = text.rstrip("\n") + "\n\n" + indented
    probe = Path(tempfile.mkstemp(dir=manifest.parent, prefix=".manifest-")[1])
    try:
        probe.write_text(new_text, "utf-8")
        added = load_manifest(probe)[entry["id"]]
        target = raw_dir / file.name
        if target.exists() and sha256_of(target) != digest:
            raise SourceError(f"{target} exists with other bytes; refusing to overwrite it")
        if not target.exists():
            _atomic_copy(file, target)
        os.replace(probe, manifest)
    finally:
        probe.unlink(missing_ok=True)
    return added
