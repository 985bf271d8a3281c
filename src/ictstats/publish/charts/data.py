"""What the charts read from the warehouse: editions, entity names, the values of one edition.

Where it sits: built warehouse (read-only DuckDB) -> **chart data** -> the chart modules of
`ictstats.publish.charts`, which plot these values and credit them with `source_line`.

Every bar of one chart comes from one edition and one year (`newest_complete`), so a chart never
mixes the vintages of a series.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import duckdb
import pandas as pd

ITU_AGGREGATES = "itu-agg-20__-__"  # the ITU aggregates editions, as `like` pattern
INCOME_GROUPS = ("LIC", "LMC", "UMC", "HIC")
GROUPS = (*INCOME_GROUPS, "WLD")  # poorest to richest, the World last
TOTAL = ("_T", "_T")  # (sex, area)
FIRST_YEAR = 2005  # the first year of every ITU aggregates edition on hand


def editions(con: duckdb.DuckDBPyConnection, ids: Iterable[str]) -> pd.DataFrame:
    """The editions table's rows for these ids, oldest first."""
    ids = sorted(set(ids))
    return con.execute(
        "select id, publisher, dataset, title, date from editions where list_contains(?, id) "
        "order by date, id",
        [ids],
    ).df()


def source_line(
    con: duckdb.DuckDBPyConnection,
    edition_ids: Iterable[str],
    cited: Sequence[dict] = (),
    note: str = "",
) -> str:
    """'Source: <publisher>, <title> (<id>); ...', then ictstats and the documents cited.

    Several editions of one dataset on a chart are named once, by their ids, which keeps the
    line short enough to read.
    """
    found = editions(con, edition_ids)
    parts = []
    for (publisher, _), group in found.groupby(["publisher", "dataset"], sort=False):
        if len(group) == 1:
            row = group.iloc[0]
            parts.append(f"{publisher}, {row['title']} ({row['id']})")
        else:
            parts.append(f"{publisher}, editions {', '.join(group['id'])}")
    documents = sorted({c["document"] for c in cited})
    tail = "ictstats" + (f" ({note})" if note else "")
    if documents:
        tail += f"; cited figures from {', '.join(documents)}"
    return f"Source: {'; '.join(parts)}. Chart: {tail}."


def entity_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Entity code -> the name the charts print."""
    return dict(con.execute("select code, name from entities").fetchall())


def edition_label(row: pd.Series) -> str:
    """'ITU, Nov 2024 edition': an edition as a legend names it."""
    date = dt.date.fromisoformat(str(row["date"])[:10])
    return f"{row['publisher']}, {date:%b %Y} edition"


def newest_complete(
    con: duckdb.DuckDBPyConnection,
    series: Sequence[str],
    breakdowns: Sequence[tuple[str, str]],
    entities: Sequence[str] = GROUPS,
) -> tuple[str, int, pd.DataFrame]:
    """The newest ITU aggregates edition, and its latest year, that has every value wanted.

    Every (series, entity, sex, area) must be there in percent, so the bars of one chart always
    come from one edition and one year.
    """
    keys = [f"{sex}/{area}" for sex, area in breakdowns]
    params = [ITU_AGGREGATES, list(series), list(entities), keys]
    wanted = """
        select o.* from observations o
        where o.edition like ? and o.unit = 'percent' and o.age = '_T'
          and list_contains(?, o.series) and list_contains(?, o.entity)
          and list_contains(?, o.sex || '/' || o.area)
    """
    found = con.execute(
        f"""select w.edition, w.year from ({wanted}) w join editions e on e.id = w.edition
            group by w.edition, w.year, e.date having count(*) = ?
            order by e.date desc, w.year desc limit 1""",
        [*params, len(series) * len(entities) * len(keys)],
    ).fetchone()
    if found is None:
        raise LookupError(
            f"no ITU aggregates edition in the warehouse has {', '.join(series)} in percent for "
            f"{', '.join(entities)} by {', '.join(keys)} (sex/area) in one year; "
            "run `ictstats run` on a complete set of sources"
        )
    edition, year = found
    values = con.execute(
        f"select * from ({wanted}) where edition = ? and year = ?", [*params, edition, year]
    ).df()
    return edition, int(year), values


def value_of(values: pd.DataFrame, series: str, entity: str, sex: str, area: str) -> float:
    """The one value of `series` for this entity and breakdown in `newest_complete`'s rows."""
    match = values[
        (values["series"] == series)
        & (values["entity"] == entity)
        & (values["sex"] == sex)
        & (values["area"] == area)
    ]
    return float(match["value"].iloc[0])
