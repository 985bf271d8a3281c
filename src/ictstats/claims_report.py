"""Readable tables of the claim checks: Markdown for the terminal and notes, HTML for people.

Where it sits: claim checks -> **report files** in `data/curated/reports/` (written atomically).
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from tabulate import tabulate

TEMPLATES = Path(__file__).parent / "templates"


def _number(value: object, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value):,.{digits}f}"


def _year(value: object) -> str:
    return (
        "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(int(value))
    )


def _display(frame: pd.DataFrame) -> list[dict]:
    records = []
    for row in frame.to_dict(orient="records"):
        digits = 2 if row.get("comparator") == "more_than" and abs(row.get("cited", 0)) < 10 else 1
        value = row.get("best_value", row.get("value"))
        records.append(
            row
            | {
                "cited_text": _number(row.get("cited"), digits),
                "value_text": _number(value, digits),
                "difference_text": _number(row.get("difference"), digits),
                "year_text": _year(row.get("year")),
            }
        )
    return records


SUMMARY_COLUMNS = {  # display column -> header
    "claim": "claim",
    "cited_text": "cited",
    "value_text": "best value found",
    "year_text": "year",
    "source": "source",
    "source_kind": "kind",
    "verdict": "verdict",
}
CHECK_COLUMNS = {
    "claim": "claim",
    "edition": "edition",
    "source_kind": "kind",
    "imputation": "imputation",
    "year_text": "year",
    "value_text": "value",
    "verdict": "verdict",
}


def _markdown_table(frame: pd.DataFrame, columns: dict[str, str]) -> str:
    rows = [[r[c] for c in columns] for r in _display(frame)]
    return tabulate(rows, headers=list(columns.values()), tablefmt="github", disable_numparse=True)


def markdown_summary(summary: pd.DataFrame) -> str:
    return _markdown_table(summary, SUMMARY_COLUMNS)


def markdown_checks(checks: pd.DataFrame) -> str:
    return _markdown_table(checks, CHECK_COLUMNS)


def html_report(summary: pd.DataFrame, checks: pd.DataFrame, footer: str) -> str:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"])
    )
    template = environment.get_template("claims.html.j2")
    return template.render(summary=_display(summary), checks=_display(checks), footer=footer)


def write_reports(
    out_dir: Path, summary: pd.DataFrame, checks: pd.DataFrame, footer: str
) -> list[Path]:
    """claims.md and claims.html, each replaced atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown = "# Cited figures checked against the data\n\n" + markdown_summary(summary) + "\n"
    written = []
    for name, text in (
        ("claims.md", markdown),
        ("claims.html", html_report(summary, checks, footer)),
    ):
        target = out_dir / name
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
        written.append(target)
    return written
