"""Errors meant for people: each says what was expected, what was found, and where."""

from __future__ import annotations


class IctstatsError(Exception):
    """Base class for errors the command line prints without a traceback."""


class SourceError(IctstatsError):
    """A source file cannot be resolved, or its bytes are not a known copy."""


class LayoutError(IctstatsError):
    """A workbook does not match the layout its manifest entry declares."""

    def __init__(self, workbook: str, sheet: str | None, cell: str | None, problem: str):
        self.workbook, self.sheet, self.cell, self.problem = workbook, sheet, cell, problem
        where = workbook
        if sheet is not None:
            where += f", sheet '{sheet}'"
        if cell is not None:
            where += f", cell {cell}"
        super().__init__(f"{where}: {problem}")


class ValidationError(IctstatsError):
    """Rows broke hard validation rules; `report` is a readable table of every failure."""

    def __init__(self, title: str, report: str, failures: int):
        self.report, self.failures = report, failures
        super().__init__(f"{title}: {failures} failure(s)\n{report}")
