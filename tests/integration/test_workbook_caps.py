"""Input caps of spreadsheets: a small file must not be able to exhaust memory.

An `.xlsx` is a zip, so a file of a few KB can hold parts of hundreds of MB, and calamine loads
a sheet as a dense rows x columns range, so two cells far apart cost gigabytes. Every file here is
generated in the test (small on disk) and must be refused with an error naming the file and the
part *before* calamine opens it (`CalamineWorkbook` is replaced by a tripwire).
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest

from ictstats.errors import LayoutError
from ictstats.extract import workbook
from ictstats.extract.workbook import (
    MAX_DIRECTORY_BYTES,
    MAX_PART_BYTES,
    MAX_PARTS,
    MAX_SHEET_CELLS,
    MAX_WORKBOOK_BYTES,
    MAX_XLS_BYTES,
    check_spreadsheet_caps,
    read_sheets,
)

MIB = 1024 * 1024
SHARED_STRINGS = "xl/sharedStrings.xml"
SHEET = "xl/worksheets/sheet1.xml"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def write_xlsx(path: Path, sheet_rows: bytes, shared_string_mib: int = 0, extra_mib: int = 0):
    """A minimal valid workbook (one sheet 'Data'); optionally one shared string of N MiB and
    extra parts of 1 MiB each. Written in 1 MiB blocks so the test never holds the big part."""
    content_types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/></Types>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PKG_NS}"><Relationship Id="rId1" Type="{REL_NS}/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        zf.writestr(
            "xl/workbook.xml",
            f'<workbook {NS} xmlns:r="{REL_NS}"><sheets><sheet name="Data" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PKG_NS}"><Relationship Id="rId1" Type="{REL_NS}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        zf.writestr(
            SHEET,
            f"<worksheet {NS}><sheetData>".encode() + sheet_rows + b"</sheetData></worksheet>",
        )
        if shared_string_mib:
            _write_part(
                zf,
                SHARED_STRINGS,
                [f"<sst {NS}><si><t>".encode()]
                + [b"a" * MIB] * shared_string_mib
                + [b"</t></si></sst>"],
            )
        for index in range(extra_mib):
            _write_part(zf, f"xl/media/padding{index}.xml", [b" " * MIB])


def _write_part(zf: zipfile.ZipFile, name: str, blocks: Iterable[bytes]) -> None:
    with zf.open(name, "w", force_zip64=True) as part:
        for block in blocks:
            part.write(block)


CELL_A1 = b'<row r="1"><c r="A1"><v>1</v></c></row>'


@pytest.fixture()
def tripwire(monkeypatch):
    """Fails the test if calamine is asked to open the file at all."""

    class Tripwire:
        @staticmethod
        def from_path(path):
            raise AssertionError(f"calamine opened {path} although a cap should have refused it")

    monkeypatch.setattr(workbook, "CalamineWorkbook", Tripwire)


def refusal(path: Path) -> str:
    with pytest.raises(LayoutError) as caught:
        read_sheets(path, ["Data"])
    return str(caught.value)


def test_huge_shared_strings_part_is_refused_before_reading(tmp_path, tripwire):
    # the reported case in small: one shared string four times the part cap
    bomb = tmp_path / "bomb.xlsx"
    write_xlsx(bomb, CELL_A1, shared_string_mib=4 * MAX_PART_BYTES // MIB)
    assert bomb.stat().st_size < MIB  # small on disk
    message = refusal(bomb)
    assert message.startswith("bomb.xlsx: ")
    assert f"part {SHARED_STRINGS} unpacks to" in message
    assert f"cap of {MAX_PART_BYTES:,} bytes" in message


def test_many_parts_over_the_workbook_cap_are_refused(tmp_path, tripwire):
    # parts of 1 MiB each, every one under the part cap, together over the workbook cap
    padded = tmp_path / "padded.xlsx"
    write_xlsx(padded, CELL_A1, extra_mib=MAX_WORKBOOK_BYTES // MIB + 1)
    message = refusal(padded)
    assert message.startswith("padded.xlsx: ")
    assert "parts unpack to" in message and f"{MAX_WORKBOOK_BYTES:,}" in message


def test_too_many_parts_are_refused(tmp_path, tripwire):
    many = tmp_path / "many.xlsx"
    write_xlsx(many, CELL_A1)
    with zipfile.ZipFile(many, "a") as zf:
        for index in range(MAX_PARTS):
            zf.writestr(f"xl/media/p{index}.xml", b"")
    message = refusal(many)
    assert message.startswith("many.xlsx: ")
    assert f"{MAX_PARTS + 5:,} parts, beyond the cap of {MAX_PARTS:,}" in message


def test_huge_zip_directory_is_refused_before_it_is_parsed(tmp_path, tripwire, monkeypatch):
    # zipfile would build one object per directory entry; the directory's size is checked first
    crowded = tmp_path / "crowded.xlsx"
    write_xlsx(crowded, CELL_A1)
    with zipfile.ZipFile(crowded, "a") as zf:
        for index in range(MAX_DIRECTORY_BYTES // 250):  # ~300-byte entries: over 1 MiB
            zf.writestr(f"xl/media/{index:0250d}.xml", b"")

    def no_parsing(*args, **kwargs):
        raise AssertionError("the zip directory was parsed although its size is over the cap")

    monkeypatch.setattr(zipfile.ZipFile, "__init__", no_parsing)
    message = refusal(crowded)
    assert message.startswith("crowded.xlsx: ")
    assert "zip directory of" in message and f"{MAX_DIRECTORY_BYTES:,} bytes" in message


def test_part_whose_header_understates_its_size_is_refused(tmp_path, tripwire):
    """The zip directory can lie: the real inflated size is counted, not only the declared."""
    liar = tmp_path / "liar.xlsx"
    write_xlsx(liar, CELL_A1, shared_string_mib=2 * MAX_PART_BYTES // MIB)
    _declare_size(liar, SHARED_STRINGS, 1000)
    assert zipfile.ZipFile(liar).getinfo(SHARED_STRINGS).file_size == 1000
    message = refusal(liar)
    assert message.startswith("liar.xlsx: ")
    assert f"part {SHARED_STRINGS}" in message and "declares 1,000 bytes" in message


def test_two_far_apart_cells_are_refused_before_reading(tmp_path, tripwire):
    # A1 and ALL99999 are within the row (100,000) and column (1,000) caps, but calamine would
    # hold the 99,999 x 1,000 range densely: about 3 GB measured, from a 1.5 KB file.
    sparse = tmp_path / "sparse.xlsx"
    far = b'<row r="99999"><c r="ALL99999"><v>2</v></c></row>'
    write_xlsx(sparse, CELL_A1 + far)
    message = refusal(sparse)
    assert message.startswith("sparse.xlsx, sheet 'Data': ")
    assert f"part {SHEET} spans 99,999 rows x 1,000 columns" in message
    assert f"{MAX_SHEET_CELLS:,} cells" in message


def test_cells_without_references_are_counted_too(tmp_path, tripwire):
    # cells may omit r="…"; they then follow the previous one: 1,001 of them span 1,001 columns
    wide = tmp_path / "wide.xlsx"
    write_xlsx(wide, b"<row>" + b"<c><v>1</v></c>" * 1001 + b"</row>")
    assert "spans 1 rows x 1,001 columns" in refusal(wide)


def test_xls_over_its_cap_is_refused_before_reading(tmp_path, tripwire):
    legacy = tmp_path / "legacy.xls"
    with legacy.open("wb") as handle:
        handle.truncate(MAX_XLS_BYTES + 1)  # sparse: nothing written, nothing read
    message = refusal(legacy)
    assert message.startswith("legacy.xls: ")
    assert f"{MAX_XLS_BYTES + 1:,} bytes" in message and "legacy .xls" in message


def test_a_small_workbook_still_reads(tmp_path):
    ok = tmp_path / "ok.xlsx"
    write_xlsx(ok, b'<row r="2"><c r="B2"><v>7</v></c></row>')
    assert read_sheets(ok, ["Data"]) == {"Data": [["", ""], ["", 7.0]]}


def test_every_source_spreadsheet_is_within_the_caps(resolved_all):
    spreadsheets = [r.path for r in resolved_all.values() if r.path.suffix in (".xlsx", ".xls")]
    assert len(spreadsheets) == 8
    for path in spreadsheets:
        check_spreadsheet_caps(path)  # raises if a real source were refused


def _declare_size(path: Path, member: str, size: int) -> None:
    """Rewrite a member's uncompressed size in its local header and in the central directory.

    Each header has a 32-bit size field; 0xFFFFFFFF there means the size lives in the zip64
    extra field (id 0x0001, uncompressed size first), which `force_zip64` writes locally.
    """
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = data.find(name)
    while at != -1:
        if data[at - 30 : at - 26] == b"PK\x03\x04":  # local header: size at 22, extra len at 28
            _patch_size(data, at - 30 + 22, at - 30 + 28, at + len(name), size)
        elif data[at - 46 : at - 42] == b"PK\x01\x02":  # central: size at 24, extra len at 30
            _patch_size(data, at - 46 + 24, at - 46 + 30, at + len(name), size)
        at = data.find(name, at + 1)
    path.write_bytes(bytes(data))


def _patch_size(data: bytearray, field: int, extra_len_at: int, extra_at: int, size: int) -> None:
    if struct.unpack_from("<I", data, field)[0] != 0xFFFFFFFF:
        struct.pack_into("<I", data, field, size)
        return
    extra_len = struct.unpack_from("<H", data, extra_len_at)[0]
    at = extra_at
    while at + 4 <= extra_at + extra_len:
        kind, length = struct.unpack_from("<HH", data, at)
        if kind == 0x0001:
            struct.pack_into("<Q", data, at + 4, size)
            return
        at += 4 + length
