"""Both registers (data/sources.yaml, data/claims.yaml) are checked when they are loaded: every
error names the file, the line and the field; `sources add` checks a file before registering it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from ictstats.analysis import claims
from ictstats.analysis.claims import ClaimsError, Edition
from ictstats.errors import LayoutError, SourceError
from ictstats.sources.manifest import load_manifest
from ictstats.sources.register import add_source
from tests.conftest import MANIFEST

TWO_SOURCES = """\
sources:
  - id: first
    publisher: ITU
    title: First
    edition: ed-1
    edition_date: 2024-11-01
    url: https://example.org/first.csv
    url_verified: false
    licence: l
    attribution: a
    layout: un_m49_csv
    filename: first.csv
    mirror_path: un/first.csv
    known_copies:
      - sha256: "{sha}"
        size: 10
  - id: second
    publisher: ITU
    title: Second
    edition: ed-2
    edition_date: 2025-11-01
    url: https://example.org/second.csv
    url_verified: false
    licence: l
    attribution: a
    layout: un_m49_csv
    filename: second.csv
    mirror_path: un/second.csv
    known_copies:
      - sha256: "{sha}"
        size: 10
""".replace("{sha}", "a" * 64)


def manifest_with(tmp_path: Path, old: str, new: str) -> Path:
    assert old in TWO_SOURCES
    path = tmp_path / "sources.yaml"
    path.write_text(TWO_SOURCES.replace(old, new, 1), "utf-8")
    return path


def test_the_unchanged_test_manifest_loads(tmp_path):
    assert list(load_manifest(manifest_with(tmp_path, "", ""))) == ["first", "second"]


# line numbers counted in TWO_SOURCES above: `- id: first` is line 2, `- id: second` line 17
@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "edition: ed-2",
            "edition: ed-1",
            r"line 20: field 'edition': 'ed-1' is already used by "
            r"the entry at line 5",
        ),
        (
            "id: second",
            "id: first",
            r"line 17: field 'id': 'first' is already used by the entry "
            r"at line 2",
        ),
        (
            "filename: first.csv",
            "filename: ../first.csv",
            r"line 12: source 'first', field "
            r"'filename': '../first.csv' must be a plain file name",
        ),
        ("filename: first.csv", "filename: /etc/passwd", r"line 12: .*field 'filename'"),
        ("mirror_path: un/first.csv", "mirror_path: ../../x", r"line 13: .*field 'mirror_path'"),
        (
            "url: https://example.org/first.csv",
            "url: http://example.org/first.csv",
            r"line 7: source 'first', field 'url': 'http://example.org/first.csv' is not an https",
        ),
        ("url: https://example.org/first.csv", "url: file:///etc/passwd", r"line 7: .*'url'"),
        (
            "edition_date: 2024-11-01",
            "edition_date: 2024-13-01",
            r"line 6: .*field "
            r"'edition_date': '2024-13-01' is not a date",
        ),
        (
            "    licence: l\n",
            "    licence: l\n    licens: l\n",
            r"line 10: source 'first', field "
            r"'licens': unknown field",
        ),
        ("    edition_date: 2024-11-01\n", "", r"line 2: source 'first': lacks edition_date"),
        (
            "title: First",
            "title: First\n    title: Again",
            r"line 5: field 'title' appears twice "
            r"in one entry \(first at line 4\)",
        ),
        ("title: First", "title: [First", r": not valid YAML at line \d+, column \d+"),
        ('"' + "a" * 64 + '"', '"abc"', r"line 14: .*field 'known_copies'.*64-hex-digit"),
    ],
)
def test_manifest_errors_name_file_line_and_field(tmp_path, old, new, expected):
    path = manifest_with(tmp_path, old, new)
    with pytest.raises(SourceError, match=re.escape(str(path)) + ".*" + expected):
        load_manifest(path)


# --- the claims register: line numbers -----------------------------------------------------

ONE_CLAIM = """\
documents:
  A/RES/80/173:
    adopted: 2025-12-17
claims:
  - id: C1
    document: A/RES/80/173
    paragraph: "21"
    wording: w
    series: internet_use
    entity: WLD
    year: 2024
    cited: 20
    comparator: rounded
    relied_on: itu-agg-2022-01
"""
EDITIONS = {"itu-agg-2022-01": Edition("itu-agg-2022-01", dt.date(2022, 1, 25), "itu_aggregates")}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # an unknown series once turned C1 into `not_available` silently
        (
            "series: internet_use",
            "series: internet_users",
            r"line 9: claim C1, field 'series': "
            r"unknown value 'internet_users'",
        ),
        ("cited: 20", "cited: 20\n    citd: 2", r"line 13: claim C1, field 'citd': unknown field"),
        ("adopted: 2025-12-17", "adopted: soon", r"line 3: document A/RES/80/173, field 'adopted'"),
        ("    year: 2024\n", "", r"line 5: claim C1, field 'year': missing"),
        ("cited: 20", "cited: 20\n    cited: 21", r"line 13: field 'cited' appears twice"),
        ("wording: w", "wording: [w", r"not valid YAML at line \d+, column \d+"),
    ],
)
def test_claims_errors_name_file_line_and_field(tmp_path, old, new, expected):
    path = tmp_path / "claims.yaml"
    assert old in ONE_CLAIM
    path.write_text(ONE_CLAIM.replace(old, new, 1), "utf-8")
    with pytest.raises(ClaimsError, match=re.escape(str(path)) + ".*" + expected):
        claims.load_register(path, EDITIONS)


# --- sources add ------------------------------------------------------------------------------


@pytest.fixture()
def project(tmp_path) -> tuple[Path, Path]:
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(MANIFEST.read_text("utf-8"), "utf-8")
    return manifest, tmp_path / "raw"


def add(project, file: Path, **overrides):
    manifest, raw = project
    options = {
        "layout": "itu_aggregates_2025",
        "edition": "itu-agg-2026-11",
        "publisher": "ITU",
        "url": "https://www.itu.int/x.xlsx",
        "edition_date": dt.date(2026, 11, 20),
    }
    return add_source(manifest, raw, file, **{**options, **overrides})


def refused(project, file: Path, pattern: str, error=SourceError, **overrides) -> None:
    before = project[0].read_bytes()
    with pytest.raises(error, match=pattern):
        add(project, file, **overrides)
    assert project[0].read_bytes() == before  # nothing registered
    assert not project[1].exists()  # nothing copied


def test_add_refuses_a_file_its_layout_cannot_parse(project, tmp_path):
    text = tmp_path / "notes.xlsx"
    text.write_text("a random text file\n", "utf-8")
    refused(project, text, r"notes\.xlsx", error=LayoutError)


def test_add_refuses_an_unknown_layout(project, tmp_path, mirror):
    copy = tmp_path / "next.xlsx"
    copy.write_bytes(b"x" * 10)
    refused(
        project,
        copy,
        r"--layout 'itu_agregates_2025': no parser reads this layout",
        layout="itu_agregates_2025",
    )


def test_add_refuses_bytes_already_listed(project, tmp_path, mirror, manifest):
    listed = manifest["itu_aggregates_nov2025"]
    copy = tmp_path / "renamed_copy.xlsx"
    copy.write_bytes((mirror / listed.mirror_path).read_bytes())
    refused(project, copy, r"already listed as source 'itu_aggregates_nov2025' \(itu-agg-2025-11\)")


@pytest.mark.parametrize("url", ["http://www.itu.int/x.xlsx", "file:///tmp/x.xlsx", ""])
def test_add_refuses_urls_that_are_not_https(project, tmp_path, url):
    copy = tmp_path / "next.xlsx"
    copy.write_bytes(b"x" * 10)
    refused(project, copy, r"--url: .* is not an https URL", url=url)


@pytest.mark.parametrize("edition", ["../x", "itu agg", "A/B", ".hidden"])
def test_add_refuses_labels_that_are_not_plain_names(project, tmp_path, edition):
    copy = tmp_path / "next.xlsx"
    copy.write_bytes(b"x" * 10)
    refused(project, copy, r"--edition .*: use lower-case letters", edition=edition)


def test_add_registers_a_file_that_parses(project, tmp_path, mirror, manifest):
    """A genuine workbook under a new label (and new bytes: one byte appended to the zip's
    comment-free end would not parse, so the 2024 file stands in for "the next edition" after
    its 2025 entry is removed from the copy of the manifest)."""
    listed = manifest["itu_aggregates_nov2024"]
    manifest_path, raw = project
    text = manifest_path.read_text("utf-8")
    start = text.index("  - id: itu_aggregates_nov2024")
    end = text.index("  - id: ", start + 10)
    manifest_path.write_text(text[:start] + text[end:], "utf-8")
    copy = tmp_path / "ITU_next.xlsx"
    copy.write_bytes((mirror / listed.mirror_path).read_bytes())
    added = add(project, copy, layout="itu_aggregates_2024")
    assert added.edition_date == dt.date(2026, 11, 20) and added.url.startswith("https://")
    assert load_manifest(manifest_path)["itu_agg_2026_11"].filename == "ITU_next.xlsx"
    assert (raw / "ITU_next.xlsx").is_file()


# --- what the terminal shows -------------------------------------------------------------------


def test_run_stops_at_start_up_on_a_manifest_error(tmp_path, mirror):
    """Two sources with one edition label once gave a Dagster traceback after the build began."""
    from tests.conftest import isolated_env
    from tests.integration.test_cli import ictstats

    text = MANIFEST.read_text("utf-8")
    assert text.count("edition: itu-agg-2024-11\n") == 1
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(text.replace("edition: itu-agg-2022-01\n", "edition: itu-agg-2024-11\n"))
    lines = manifest.read_text("utf-8").splitlines()
    first, second = (n for n, line in enumerate(lines, 1) if "edition: itu-agg-2024-11" in line)
    env = {**isolated_env(tmp_path, mirror), "ICTSTATS_MANIFEST": str(manifest)}
    done = ictstats(["run"], env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert (
        f"error: {manifest}, line {second}: field 'edition': 'itu-agg-2024-11' is already used by "
        f"the entry at line {first}" in done.stderr
    )
    assert not (tmp_path / "curated").exists()  # stopped before anything was built


def test_sources_add_refuses_on_the_terminal(tmp_path, mirror, manifest):
    from tests.conftest import isolated_env
    from tests.integration.test_cli import ictstats

    target = tmp_path / "sources.yaml"
    target.write_text(MANIFEST.read_text("utf-8"), "utf-8")
    env = {**isolated_env(tmp_path, mirror), "ICTSTATS_MANIFEST": str(target)}
    copy = tmp_path / "next.xlsx"
    copy.write_bytes((mirror / manifest["itu_aggregates_nov2025"].mirror_path).read_bytes())
    base = ["sources", "add", str(copy), "--layout", "itu_aggregates_2025", "--edition", "x-1"]
    no_date = ictstats([*base, "--url", "https://www.itu.int/x.xlsx"], env)
    assert no_date.returncode == 2 and "Missing option '--date'" in no_date.stderr
    http = ictstats([*base, "--url", "http://www.itu.int/x.xlsx", "--date", "2026-11-20"], env)
    assert "error: --url: 'http://www.itu.int/x.xlsx' is not an https URL" in http.stderr
    same = ictstats([*base, "--url", "https://www.itu.int/x.xlsx", "--date", "2026-11-20"], env)
    assert "already listed as source 'itu_aggregates_nov2025'" in same.stderr
    assert target.read_text("utf-8") == MANIFEST.read_text("utf-8")
