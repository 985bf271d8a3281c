"""The source manifest, and resolving each source to a verified local file.

Where it sits: **sources** -> parse -> validate -> warehouse. Nothing downstream receives a
path that did not pass `verify`.

A source resolves from `data/raw/`, else by copying from the offline mirror (`ICTSTATS_MIRROR`),
else by downloading its manifest URL. Whatever the origin, its SHA-256 must be one of the
manifest's known copies of that edition; the copy used is recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ictstats.errors import SourceError

MAX_SOURCE_BYTES = 200 * 1024 * 1024  # no ITU/WB/UN file we read comes near; refuse runaway input
DOWNLOAD_TIMEOUT_S = 30


@dataclass(frozen=True)
class KnownCopy:
    sha256: str
    size: int
    note: str = ""


@dataclass(frozen=True)
class Source:
    """One manifest entry: an upstream file of one edition."""

    id: str
    publisher: str
    title: str
    edition: str
    edition_date: dt.date
    url: str
    url_verified: bool
    licence: str
    attribution: str
    layout: str
    filename: str
    mirror_path: str
    known_copies: tuple[KnownCopy, ...]
    resaved_by_third_party: bool = False
    secondary: bool = False
    notes: str = ""
    # False: registered (verified, listed in `editions`) before its parser exists; never read
    parse: bool = True

    @classmethod
    def from_mapping(cls, entry: dict[str, Any]) -> Source:
        copies = tuple(KnownCopy(**copy) for copy in entry["known_copies"])
        fields = {k: v for k, v in entry.items() if k != "known_copies"}
        date = fields["edition_date"]
        fields["edition_date"] = date if isinstance(date, dt.date) else dt.date.fromisoformat(date)
        return cls(known_copies=copies, **fields)


@dataclass(frozen=True)
class ResolvedSource:
    """A source whose local file was verified against a known copy."""

    source: Source
    path: Path
    sha256: str
    size: int
    origin: str  # raw | mirror | download
    copy_note: str


REQUIRED = [
    "id",
    "publisher",
    "title",
    "edition",
    "edition_date",
    "url",
    "url_verified",
    "licence",
    "attribution",
    "layout",
    "filename",
    "mirror_path",
    "known_copies",
]
FIELDS = {f.name for f in fields(Source)}
FLAGS = ("url_verified", "resaved_by_third_party", "secondary", "parse")
COPY_FIELDS = {"sha256", "size", "note"}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def load_manifest(path: Path) -> dict[str, Source]:
    """Read and check the manifest; sources keyed by id, in file order.

    Every error names the file, the line and the field: YAML syntax, unknown or missing fields,
    a file name that is not a plain name, a non-https URL, a date that is not a date, a
    malformed known copy, an id or edition label used twice (both lines named)."""
    from ictstats.yamlfile import read

    if not path.is_file():
        raise SourceError(f"source manifest not found: {path}")
    document, lines = read(path, SourceError)
    entries = document.get("sources", ()) if isinstance(document, dict) else None
    entries = [] if entries is None else entries  # `sources:` with no entry yet
    if not isinstance(entries, list):
        raise SourceError(f"{path}: expected a `sources:` list of entries; found none")
    sources: dict[str, Source] = {}
    first_line: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(entries):
        source = _entry(path, index, entry, lines)
        for name in ("id", "edition"):
            value = getattr(source, name)
            here = lines.get(("sources", index, name), 0)
            if (name, value) in first_line:
                raise SourceError(
                    f"{path}, line {here}: field '{name}': {value!r} is already used by the "
                    f"entry at line {first_line[name, value]}; each source needs its own {name}"
                )
            first_line[name, value] = here
        sources[source.id] = source
    return sources


def _entry(path: Path, index: int, entry: Any, lines: dict) -> Source:
    def fail(name: str | None, problem: str) -> SourceError:
        line = lines.get(("sources", index, name), lines.get(("sources", index), 0))
        what = f"source {entry.get('id')!r}" if isinstance(entry, dict) else f"entry #{index + 1}"
        field = f", field '{name}'" if name else ""
        return SourceError(f"{path}, line {line}: {what}{field}: {problem}")

    if not isinstance(entry, dict):
        raise fail(None, "is not a mapping of fields")
    for name in sorted(set(entry) - FIELDS):
        raise fail(name, f"unknown field; known fields: {', '.join(sorted(FIELDS))}")
    missing = [k for k in REQUIRED if entry.get(k) in (None, "", [])]
    if missing:
        raise fail(None, f"lacks {', '.join(missing)} (every source needs {', '.join(REQUIRED)})")
    for name in FLAGS:
        if name in entry and not isinstance(entry[name], bool):
            raise fail(name, f"must be true or false, not {entry[name]!r}")
    problem = filename_problem(str(entry["filename"]))
    if problem:
        raise fail("filename", problem)
    mirror = Path(str(entry["mirror_path"]))
    if mirror.is_absolute() or ".." in mirror.parts:
        raise fail("mirror_path", "must be a path inside the mirror (not absolute, no `..`)")
    problem = url_problem(str(entry["url"]))
    if problem:
        raise fail("url", problem)
    date = entry["edition_date"]
    if not isinstance(date, dt.date):
        try:
            date = dt.date.fromisoformat(str(date))
        except ValueError:
            raise fail("edition_date", f"{date!r} is not a date; write YYYY-MM-DD") from None
    copies = entry["known_copies"]
    if not isinstance(copies, list):
        raise fail("known_copies", "must be a list of {sha256, size, note}")
    for copy in copies:
        ok = isinstance(copy, dict) and set(copy) <= COPY_FIELDS
        if not ok or not _SHA256.match(str(copy.get("sha256", ""))):
            raise fail("known_copies", f"{copy!r}: each copy needs a 64-hex-digit sha256")
        if not isinstance(copy.get("size"), int) or isinstance(copy.get("size"), bool):
            raise fail("known_copies", f"{copy!r}: each copy needs its size in bytes")
    return Source.from_mapping({**entry, "edition_date": date})


def filename_problem(name: str) -> str | None:
    """Why `name` cannot be a file name under data/raw/ (None when it can): a path could make
    `sources fetch` write outside that folder."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        return f"{name!r} must be a plain file name (no folder, no `/`, no `..`)"
    if name.startswith("."):
        return f"{name!r} must not start with a dot (hidden and temporary files start with one)"
    return None


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a source's URL (None when it can): only https is ever fetched."""
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.netloc:
        return f"{url!r} is not an https URL; give the publisher's https address"
    return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(source: Source, path: Path) -> tuple[str, KnownCopy]:
    """Hash `path`; return (sha256, matching known copy) or stop with both hashes named."""
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise SourceError(f"{path}: {size:,} bytes exceeds the {MAX_SOURCE_BYTES:,}-byte input cap")
    actual = sha256_of(path)
    for copy in source.known_copies:
        if copy.sha256 == actual:
            return actual, copy
    expected = ", ".join(c.sha256 for c in source.known_copies)
    raise SourceError(
        f"checksum mismatch for source {source.id!r} ({source.edition}): file {path}\n"
        f"  expected SHA-256: {expected}\n  actual SHA-256:   {actual} ({size:,} bytes)\n"
        "  The file is not a known copy of this edition. If the publisher re-issued it, "
        "register it with `ictstats sources add`; otherwise restore the original file."
    )


def resolve(
    source: Source,
    raw_dir: Path,
    mirror_dir: Path | None,
    *,
    allow_download: bool = True,
    timeout: float = DOWNLOAD_TIMEOUT_S,
) -> ResolvedSource:
    """Make `data/raw/<filename>` a verified copy of the source and return it."""
    target = raw_dir / source.filename
    if target.is_file():
        return _resolved(source, target, "raw")
    tried = [f"not in {raw_dir}"]
    if mirror_dir is not None:
        mirrored = mirror_dir / source.mirror_path
        if mirrored.is_file():
            # verify before copying, so a bad mirror file never lands in data/raw
            verify(source, mirrored)
            _atomic_copy(mirrored, target)
            return _resolved(source, target, "mirror")
        tried.append(f"not in the mirror {mirror_dir}")
    else:
        tried.append("no mirror folder (set ICTSTATS_MIRROR)")
    if allow_download:
        try:
            _download(source, target, timeout)
            return _resolved(source, target, "download")
        except SourceError as exc:
            tried.append(str(exc))
    else:
        tried.append("download not allowed")
    raise SourceError(
        f"cannot resolve source {source.id!r} ({source.filename}): " + "; ".join(tried)
    )


def _resolved(source: Source, path: Path, origin: str) -> ResolvedSource:
    sha, copy = verify(source, path)
    return ResolvedSource(source, path, sha, path.stat().st_size, origin, copy.note)


def _atomic_copy(src: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _download(source: Source, target: Path, timeout: float) -> None:
    """Fetch the manifest URL (https only) into a temporary file; keep it only if verified."""
    import requests  # imported here: most runs never download

    if urlparse(source.url).scheme != "https":
        raise SourceError(f"refusing to download {source.url}: only https URLs are fetched")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".download-")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        with requests.get(source.url, stream=True, timeout=timeout) as response:
            response.raise_for_status()
            written = 0
            with tmp_path.open("wb") as handle:
                for chunk in response.iter_content(1 << 16):
                    written += len(chunk)
                    if written > MAX_SOURCE_BYTES:
                        raise SourceError(f"download of {source.url} exceeds the input cap")
                    handle.write(chunk)
        verify(source, tmp_path)
        os.replace(tmp_path, target)
    except requests.RequestException as exc:
        raise SourceError(
            f"download of {source.url} failed ({type(exc).__name__}: {exc}); are you offline? "
            "Put the file in data/raw/ or point ICTSTATS_MIRROR at a mirror"
        ) from exc
    finally:
        tmp_path.unlink(missing_ok=True)


def resolve_all(
    sources: dict[str, Source], raw_dir: Path, mirror_dir: Path | None, **kwargs: Any
) -> dict[str, ResolvedSource]:
    return {sid: resolve(s, raw_dir, mirror_dir, **kwargs) for sid, s in sources.items()}


def source_id_for(edition: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", edition.lower()).strip("_")


_LABEL = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
