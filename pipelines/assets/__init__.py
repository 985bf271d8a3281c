"""The Dagster assets, one module per stage; each asset a few lines that call the library.

Asset names are the names of the tables they produce (`observations`, `recomputed_aggregates`,
...); a file is `raw_<source id>`, a parsed file `parsed_<edition>`.
"""

import pandas as pd
from dagster import MetadataValue


def asset_name(prefix: str, text: str) -> str:
    return prefix + "".join(ch if ch.isalnum() else "_" for ch in text)


def markdown(frame: pd.DataFrame, rows: int = 10) -> MetadataValue:
    return MetadataValue.md(frame.head(rows).to_markdown(index=False) if len(frame) else "(none)")


def counts(frame: pd.DataFrame, column: str = "edition") -> MetadataValue:
    return MetadataValue.json({str(k): int(v) for k, v in frame.groupby(column).size().items()})


def table_metadata(frame: pd.DataFrame) -> dict:
    """What the UI shows for a table: its rows and the first of them."""
    return {"rows": len(frame), "preview": markdown(frame)}
