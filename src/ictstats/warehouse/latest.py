"""Which value is `latest` for a key, and the views that say so.

Where it sits: the warehouse stage, inside the DuckDB file. `latest_observations` holds one row
per key (series, entity, sex, area, age, year, unit): the value of the first publisher in
`PUBLISHER_PRECEDENCE` that carries the key, from that publisher's newest edition (by edition
date) carrying it. Other publishers' newest values of the same keys are in
`latest_observations_other_publishers`. Both are checked to be one row per key before anything
is published (`check_latest_views`): a violation stops the build with the previous warehouse in
place.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from ictstats.errors import ValidationError
from ictstats.metadata import KEY

OBSERVATION_KEY_SQL = ", ".join(KEY)

# Which publisher's value is `latest` for a key: the first in this order that carries the key.
# ITU is the originator of the ICT indicators; the others republish ITU's numbers (the closer to
# ITU, the earlier). All ITU files (aggregates, country files, DataHub) are one publisher: they
# are releases of one database, so among them the newest edition date wins. None: a cross-check
# only, never `latest` (its values stay in `latest_observations_other_publishers`). A publisher
# with observations that is not listed stops the build: its place must be decided, not guessed.
PUBLISHER_PRECEDENCE: dict[str, int | None] = {
    "ITU": 1,
    # the global SDG database: the values ITU reports as custodian agency, unchanged
    "UN Statistics Division": 2,
    # WDI: ITU's series and World Bank aggregates of them
    "World Bank": 3,
    # grapher files built from WDI: a second-hand copy
    "Our World in Data": 4,
    # extracts made by others from a publisher's file
    "third party": None,
}


# Two datasets of one publisher dated the same day that carry the same key: the lower rank wins
# (default 0). ITU's Feb 2022 by-sex/area table repeats the totals of its Internet-use file as
# text rounded to one decimal (117 keys, 108 differ by up to 0.05), so the full-precision file wins.
# An undeclared tie is not broken arbitrarily: it duplicates the key and stops the build.
SAME_DAY_RANK: dict[str, int] = {"itu_country_by_sex_area_text": 1}


def _ranked_sql(partition: str, order: str, where: str = "") -> str:
    """Observations with their edition's publisher, dataset and date, ranked within `partition`.

    `rank()`, not `row_number()`: two editions that tie both keep rank 1, so a tie shows up as a
    duplicate key (and stops the build) instead of being broken by chance.
    """
    return f"""
        select o.*, e.publisher, e.dataset, e.date as edition_date,
               rank() over (partition by {partition} order by {order}) as pick
        from observations o join editions e on e.id = o.edition
        {where}
    """


# Newest edition first by its date (never by its label); same-day datasets by SAME_DAY_RANK.
_NEWEST_FIRST = "e.date desc, e.same_day_rank"


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    latest = _ranked_sql(
        OBSERVATION_KEY_SQL,
        f"e.latest_rank, {_NEWEST_FIRST}",
        "where e.latest_rank is not null",
    )
    con.execute(
        f"create view latest_observations as select * exclude (pick) from ({latest}) where pick = 1"
    )
    newest = _ranked_sql(f"e.publisher, {OBSERVATION_KEY_SQL}", _NEWEST_FIRST)
    same_key = " and ".join(f"l.{c} = n.{c}" for c in OBSERVATION_KEY_SQL.split(", "))
    con.execute(
        f"""
        create view latest_observations_other_publishers as
        select n.* exclude (pick), l.publisher as latest_publisher,
               l.edition as latest_edition, l.value as latest_value
        from ({newest}) n left join latest_observations l on {same_key}
        where n.pick = 1 and n.publisher is distinct from l.publisher
        """
    )


# The key each latest view must not repeat.
LATEST_VIEW_KEYS = {
    "latest_observations": OBSERVATION_KEY_SQL,
    "latest_observations_other_publishers": f"publisher, {OBSERVATION_KEY_SQL}",
}


_SHOWN = 20


def check_latest_views(con: duckdb.DuckDBPyConnection) -> None:
    """Stop unless each latest view holds one row per key; name the keys and their editions."""
    found = []
    for view, key in LATEST_VIEW_KEYS.items():
        columns = ", ".join(f"v.{column}" for column in key.split(", "))
        found.append(
            con.execute(
                f"""
                select '{view}' as view, {columns}, count(*) as rows_,
                       string_agg(v.edition || ' (' || v.publisher || ', ' || v.edition_date
                                  || ', ' || e.source_file || ' ' || v.source_location || ')',
                                  '; ' order by v.edition) as editions
                from {view} v join editions e on e.id = v.edition
                group by {columns} having count(*) > 1
                order by {columns}
                """
            ).df()
        )
    duplicates = pd.concat(found, ignore_index=True)
    if duplicates.empty:
        return
    table = duplicates.head(_SHOWN).rename(columns={"rows_": "rows"}).to_markdown(index=False)
    more = f"\n... and {len(duplicates) - _SHOWN} more" if len(duplicates) > _SHOWN else ""
    raise ValidationError(
        "latest views are not one row per key (nothing was published; the previous warehouse "
        "stays)",
        f"{table}{more}\nEach key must come from one edition. Where two editions of one "
        "publisher carry a key with the same edition date, set which dataset wins on the same "
        "day in ictstats.warehouse.latest.SAME_DAY_RANK, or correct an edition_date in "
        "data/sources.yaml; otherwise the view definition "
        "(ictstats.warehouse.latest.create_views) "
        "is at fault.",
        len(duplicates),
    )


def check_latest(observations: object, editions: object) -> None:
    """`check_latest_views` on in-memory tables (pandas or Arrow), before any file is written."""
    con = duckdb.connect()
    try:
        con.register("observations", observations)
        con.register("editions", editions)
        create_views(con)
        check_latest_views(con)
    finally:
        con.close()
