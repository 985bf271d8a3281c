"""The manifest and source resolution: every mirror file listed, nothing unverified passes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path

import pytest
import yaml

from ictstats.errors import SourceError
from ictstats.extract import parse
from ictstats.sources.manifest import (
    KnownCopy,
    load_manifest,
    resolve,
    sha256_of,
    verify,
)
from ictstats.sources.register import add_source


def test_manifest_lists_every_mirror_file_once(manifest, mirror):
    files = {
        str(p.relative_to(mirror)) for p in mirror.rglob("*") if p.is_file() and p.suffix != ".md"
    }
    listed = [s.mirror_path for s in manifest.values()]
    assert sorted(listed) == sorted(files)
    assert len(manifest) == 19


def test_manifest_hashes_match_the_mirror(manifest, mirror):
    for source in manifest.values():
        path = mirror / source.mirror_path
        assert sha256_of(path) == source.known_copies[0].sha256, source.id
        assert path.stat().st_size == source.known_copies[0].size, source.id


def test_nov2025_lists_both_known_copies(manifest):
    copies = manifest["itu_aggregates_nov2025"].known_copies
    assert [c.sha256[:8] for c in copies] == ["fd9070eb", "9c3630fc"]


def test_resolve_copies_from_the_mirror_then_uses_data_raw(manifest, mirror, tmp_path):
    source = manifest["un_m49"]
    first = resolve(source, tmp_path, mirror, allow_download=False)
    assert first.origin == "mirror" and first.path == tmp_path / source.filename
    again = resolve(source, tmp_path, None, allow_download=False)
    assert again.origin == "raw" and again.sha256 == source.known_copies[0].sha256


def test_any_known_copy_is_accepted_and_recorded(manifest, mirror, tmp_path):
    source = manifest["un_m49"]
    other = tmp_path / "other.csv"
    other.write_bytes(b"another genuine copy\n")
    digest = hashlib.sha256(other.read_bytes()).hexdigest()
    with_two = dataclasses.replace(
        source, known_copies=(*source.known_copies, KnownCopy(digest, 21, "second copy"))
    )
    assert verify(with_two, other) == (digest, with_two.known_copies[1])


def test_checksum_mismatch_names_file_and_both_hashes(manifest, mirror, tmp_path):
    source = manifest["un_m49"]
    tampered = tmp_path / source.filename
    tampered.write_bytes((mirror / source.mirror_path).read_bytes() + b"x")
    with pytest.raises(SourceError) as caught:
        resolve(source, tmp_path, mirror, allow_download=False)
    message = str(caught.value)
    assert str(tampered) in message
    assert source.known_copies[0].sha256 in message
    assert sha256_of(tampered) in message
    assert tampered.read_bytes().endswith(b"x")  # never silently replaced by the mirror's copy


def test_missing_everywhere_and_offline(manifest, tmp_path):
    source = dataclasses.replace(manifest["un_m49"], url="https://127.0.0.1:9/UNSD-en.csv")
    with pytest.raises(SourceError) as caught:
        resolve(source, tmp_path / "raw", tmp_path / "no-mirror", timeout=2)
    message = str(caught.value)
    assert "not in" in message and "no-mirror" in message
    assert "are you offline" in message
    assert not (tmp_path / "raw" / source.filename).exists()


def test_downloads_only_over_https(manifest, tmp_path):
    source = dataclasses.replace(manifest["un_m49"], url="http://example.org/UNSD-en.csv")
    with pytest.raises(SourceError, match="only https"):
        resolve(source, tmp_path, None)


def test_bad_mirror_file_never_lands_in_data_raw(manifest, tmp_path):
    source = manifest["un_m49"]
    fake_mirror = tmp_path / "mirror"
    (fake_mirror / Path(source.mirror_path).parent).mkdir(parents=True)
    (fake_mirror / source.mirror_path).write_text("not the UN file")
    with pytest.raises(SourceError, match="checksum mismatch"):
        resolve(source, tmp_path / "raw", fake_mirror, allow_download=False)
    assert not (tmp_path / "raw" / source.filename).exists()


def test_add_registers_a_new_file_and_keeps_the_manifest_readable(tmp_path, manifest, mirror):
    """A file that parses with its layout (the UN M49 table, into an empty manifest) is added;
    comments stay; adding the same edition again is refused."""
    target = tmp_path / "sources.yaml"
    target.write_text("# my comment stays\nsources:\n")
    new_file = tmp_path / "UNSD-next.csv"
    new_file.write_bytes((mirror / manifest["un_m49"].mirror_path).read_bytes())
    options = {
        "layout": "un_m49_csv",
        "edition": "un-m49-2026-01",
        "publisher": "UN",
        "url": "https://unstats.un.org/unsd/methodology/m49/overview/",
        "edition_date": dt.date(2026, 1, 15),
    }
    added = add_source(target, tmp_path / "raw", new_file, **options)
    assert added.id == "un_m49_2026_01" and added.edition_date == dt.date(2026, 1, 15)
    assert added.known_copies[0].sha256 == sha256_of(new_file)
    assert (tmp_path / "raw" / new_file.name).read_bytes() == new_file.read_bytes()
    text = target.read_text()
    assert text.startswith("# my comment stays")
    assert yaml.safe_load(text)["sources"][0]["edition"] == "un-m49-2026-01"
    assert list(load_manifest(target)) == ["un_m49_2026_01"]
    with pytest.raises(SourceError, match="already in"):
        add_source(target, tmp_path / "raw", new_file, **options)


def test_manifest_entry_without_hash_is_rejected(tmp_path):
    manifest = tmp_path / "sources.yaml"
    manifest.write_text("sources:\n  - id: x\n    publisher: ITU\n")
    with pytest.raises(SourceError, match="lacks"):
        load_manifest(manifest)


def test_a_source_registered_without_parser_is_verified_and_not_parsed(manifest, mirror, tmp_path):
    p2c = manifest["itu_p2c_headline_totals"]
    assert p2c.parse is False
    assert resolve(p2c, tmp_path, mirror, allow_download=False).origin == "mirror"
    parsed = parse.parsed_sources(manifest.values())
    assert [s.id for s in parsed] == [s.id for s in manifest.values() if s.id != p2c.id]


def test_a_layout_no_parser_reads_is_an_error_unless_parse_false(manifest):
    typo = dataclasses.replace(manifest["itu_p2c_headline_totals"], parse=True)
    with pytest.raises(SourceError) as caught:
        parse.parsed_sources([manifest["un_m49"], typo])
    message = str(caught.value)
    assert "'itu_p2c_headline_totals' has layout 'p2c_headline_totals_csv'" in message
    assert "which no parser reads" in message and "`parse: false`" in message


def test_parse_must_be_a_boolean(tmp_path):
    entries = yaml.safe_load((Path(__file__).parents[2] / "data" / "sources.yaml").read_text())
    entry = next(e for e in entries["sources"] if e["id"] == "itu_p2c_headline_totals")
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(yaml.safe_dump({"sources": [entry | {"parse": "no"}]}))
    with pytest.raises(SourceError, match="field 'parse': must be true or false, not 'no'"):
        load_manifest(manifest)
