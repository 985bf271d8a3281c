"""Helpers for drift tests: altered copies of real source files, written into tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from ictstats.errors import LayoutError


def drifted_csv(
    source: Path, target_dir: Path, line: int, old: str, new: str, *, count: int = 1
) -> Path:
    """Copy `source` (bytes as they are, BOM included) replacing `old` by `new` on one
    physical line (1-based), which must contain it exactly `count` times."""
    lines = source.read_bytes().split(b"\n")
    assert lines[line - 1].count(old.encode()) == count, (line, lines[line - 1][:200])
    lines[line - 1] = lines[line - 1].replace(old.encode(), new.encode())
    target = target_dir / "drifted.csv"
    target.write_bytes(b"\n".join(lines))
    return target


def drifted_xlsx(source: Path, target_dir: Path, change: Callable) -> Path:
    """Apply `change(workbook)` to an openpyxl copy of `source`, saved as drifted.xlsx."""
    workbook = openpyxl.load_workbook(source)
    change(workbook)
    target = target_dir / "drifted.xlsx"
    workbook.save(target)
    return target


def layout_error(parse: Callable, path: Path) -> LayoutError:
    """Parse `path`, expect a LayoutError, and check it names the drifted file."""
    with pytest.raises(LayoutError) as caught:
        parse(path)
    assert caught.value.workbook == path.name
    assert path.name in str(caught.value)
    return caught.value
