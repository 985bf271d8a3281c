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

from ictstats.analysis.claims.comparators import cited_text
from ictstats.crashpoints import crash_point

TEMPLATES = Path(__file__).parent / "templates"


def _number(value: object, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value):,.{digits}f}"


def _year(value: object) -> str:
    return (
        "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(int(value))
    )


def _date(value: object) -> str:
    """A date as YYYY-MM-DD whether it comes from the check (date) or the warehouse (Timestamp)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return ""
    return str(value)[:10]


def _digits(row: dict) -> int:
    unit = row.get("unit")
    if unit == "economies":
        return 0
    return 2 if unit == "times" else 1


def _tolerance(row: dict) -> str:
    tolerance = row.get("tolerance")
    if tolerance is None or (isinstance(tolerance, float) and math.isnan(tolerance)):
        return ""
    return f"± {float(tolerance):g}"


def _display(frame: pd.DataFrame) -> list[dict]:
    records = []
    for row in frame.to_dict(orient="records"):
        digits = _digits(row)
        tolerance = row.get("tolerance")
        if isinstance(tolerance, float) and math.isnan(tolerance):
            tolerance = None
        records.append(
            row
            | {
                "cited_text": cited_text(row["comparator"], row["cited"], tolerance, row["unit"]),
                "tolerance_text": _tolerance(row),
                "value_text": _number(row.get("value"), digits),
                "difference_text": _number(row.get("difference"), digits),
                "year_text": _year(row.get("year")),
                "judged_on_text": f"{row.get('judged_on', row.get('relied_on'))} "
                f"({_date(row.get('judged_on_date', row.get('relied_on_date')))})",
                "document_text": f"{row['document']} (adopted {_date(row.get('adopted'))})",
                "edition_date_text": _date(row.get("edition_date")),
                # a row with nothing to add shows nothing (it showed "nan" before)
                "detail_text": "" if pd.isna(row.get("detail")) else row["detail"],
            }
        )
    return records


SUMMARY_COLUMNS = {  # display column -> header
    "claim": "claim",
    "document_text": "document",
    "cited_text": "cited",
    "comparator": "comparator",
    "tolerance_text": "tolerance",
    "unit": "unit",
    "verdict": "verdict",
    "judged_on_text": "judged on (published)",
    "year_text": "year",
    "value_text": "value",
}
CHECK_COLUMNS = {
    "claim": "claim",
    "edition": "edition",
    "edition_date_text": "published",
    "source_kind": "kind",
    "imputation": "imputation",
    "year_text": "year",
    "value_text": "value",
    "unit": "unit",
    "verdict": "result",
    "role": "role",
}


def _markdown_table(frame: pd.DataFrame, columns: dict[str, str]) -> str:
    rows = [[r[c] for c in columns] for r in _display(frame)]
    return tabulate(rows, headers=list(columns.values()), tablefmt="github", disable_numparse=True)


def markdown_summary(summary: pd.DataFrame) -> str:
    """The verdict table, then each claim's reason (the values behind the verdict)."""
    reasons = "\n".join(f"- **{r['claim']}**: {r['reason']}" for r in _display(summary))
    return _markdown_table(summary, SUMMARY_COLUMNS) + "\n\nWhy:\n\n" + reasons


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
        crash_point("report-written")
    return written
