"""The vocabulary of ITU's "Key ICT indicator aggregates" workbooks, from one YAML file.

Where it sits: sources (verified file) -> **parse** -> validate -> warehouse. Everything the
aggregates parser (`itu_aggregates`, reading sheets with `itu_blocks`) knows about the
workbooks is in `layouts/itu_aggregates.yaml`: the block titles and the series they name, unit
and breakdown labels, entity labels, the sheets and blocks of each edition's layout, and what
each block must carry. This module loads it once and normalises its labels the way the parser
compares them; the schemas (`transform.schemas`) and the extract reader (`itu_extract`) read
the same vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ictstats.metadata.codes import SERIES


def normalise_label(text: str) -> str:
    """Compare labels the way a reader does: no footnote stars, single spaces, any case."""
    return " ".join(text.replace("*", "").split()).casefold()


@dataclass(frozen=True)
class Vocabulary:
    """The parsed contents of `layouts/itu_aggregates.yaml`."""

    series_titles: dict[str, str]
    title_unit_suffixes: dict[re.Pattern[str], str]  # title suffix -> unit of the first column
    unit_labels: dict[str, str]
    breakdown_labels: dict[str, dict[str, str]]
    entity_labels: dict[str, str]
    sheet_title_patterns: list[re.Pattern[str]]
    notes_patterns: list[re.Pattern[str]]
    layouts: dict[str, dict[str, Any]]
    # layout -> sheet -> series -> [{entities, years: [first, last]}] per occurrence in the sheet
    required: dict[str, dict[str, dict[str, list[dict[str, Any]]]]]

    def layout(self, name: str) -> dict[str, Any]:
        """One edition's sheets and blocks; an unknown name lists the known ones."""
        if name not in self.layouts:
            raise KeyError(f"unknown ITU aggregates layout {name!r}; known: {sorted(self.layouts)}")
        return self.layouts[name]


@cache
def load_vocabulary() -> Vocabulary:
    """The layout file, read once per process; labels keyed by `normalise_label`."""
    text = (Path(__file__).parents[1] / "layouts" / "itu_aggregates.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)

    def keyed(mapping: dict[str, Any]) -> dict[str, Any]:
        return {normalise_label(k): v for k, v in mapping.items()}

    return Vocabulary(
        series_titles=keyed(raw["series_titles"]),
        title_unit_suffixes={re.compile(p): u for p, u in raw["title_unit_suffixes"].items()},
        unit_labels=keyed(raw["unit_labels"]),
        breakdown_labels=keyed(raw["breakdown_labels"]),
        entity_labels=keyed(raw["entity_labels"]),
        sheet_title_patterns=[re.compile(p) for p in raw["sheet_title_patterns"]],
        notes_patterns=[re.compile(p) for p in raw["notes_patterns"]],
        layouts=raw["layouts"],
        required=raw.get("required", {}),
    )


def layout_names() -> list[str]:
    """Every edition layout the file declares (a source's `layout` in the manifest)."""
    return sorted(load_vocabulary().layouts)


LAYOUT_UNIT = "layouts/itu_aggregates.yaml"  # unit_source of a unit the block does not print
# The one declaration of each series' units (ictstats.metadata.codes): a unit outside it is an
# error even when the label is a known unit, so `internet_use` can never be stored `per_100`.
ALLOWED_UNITS = {s.id: (s.unit, *s.other_units) for s in SERIES}
