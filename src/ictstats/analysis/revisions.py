"""Revisions between editions of the same dataset, and published-vs-recomputed reconciliation.

Where it sits: warehouse observations (+ recomputed aggregates) -> **revisions,
reconciliation** -> methodology review.

Editions are immutable vintages; these tables say how much each one moved the past
(World Internet use in 2005: 16.8 -> 15.8 -> 15.6 -> 15.6 across ITU's editions) and how far a
recomputation from country data lands from the published aggregate.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from ictstats.metadata import KEY


def revisions(observations: pd.DataFrame, editions: pd.DataFrame) -> pd.DataFrame:
    """Every key present in two or more editions of one dataset, one row per edition.

    editions: id, dataset, date. `revision` is the change from the previous edition that had the
    key (null on the first); `editions_with_key` counts the editions carrying it.
    """
    con = duckdb.connect()
    con.register("obs", observations[["edition", *KEY, "value", "source_location"]])
    con.register("eds", editions[["id", "dataset", "date"]])
    key = ", ".join(KEY)
    return con.execute(
        f"""
        with dated as (
            select e.dataset, o.*, e.date as edition_date,
                   count(*) over (partition by e.dataset, {key}) as editions_with_key
            from obs o join eds e on e.id = o.edition
        )
        select dataset, {key}, edition, edition_date, value,
               lag(edition) over w as previous_edition,
               lag(value) over w as previous_value,
               value - lag(value) over w as revision,
               editions_with_key, source_location
        from dated
        where editions_with_key >= 2
        window w as (partition by dataset, {key} order by edition_date, edition)
        order by dataset, {key}, edition_date
        """
    ).fetchdf()


def reconcile(published: pd.DataFrame, recomputed: pd.DataFrame) -> pd.DataFrame:
    """Published vs recomputed per series, group, breakdown and year, with coverage.

    published: observations of published aggregate editions (edition, KEY, value);
    recomputed: recomputed aggregates (`ictstats.analysis.recompute`). Every published edition is
    paired with every recomputation of the same series, group and year. Where the publisher
    gives the
    same aggregate in millions of people too, the population it implies (millions / percent x
    100) is set beside the population ictstats weights the group with, so a difference in who
    is counted (World without Taiwan, say) shows.
    """
    key = ["edition", "series", "entity", "sex", "area", "age", "year"]
    pub = published[published["unit"] == "percent"]
    people = published[published["unit"] == "millions"][[*key, "value"]]
    pub = pub.merge(people.rename(columns={"value": "millions"}), on=key, how="left")
    # none where the published percent is 0: millions / 0 % implies no population (it was inf)
    implied = pub["millions"] / pub["value"].where(pub["value"] != 0) * 100 * 1e6
    pub["published_group_population"] = implied
    merged = pub.merge(
        recomputed,
        on=["series", "entity", "sex", "area", "age", "year"],
        suffixes=("_published", "_recomputed"),
    )
    merged = merged.rename(
        columns={
            "edition_published": "published_edition",
            "edition_recomputed": "recomputed_edition",
            "value_published": "published_value",
            "value_recomputed": "recomputed_value",
        }
    )
    merged["difference"] = merged["recomputed_value"] - merged["published_value"]
    columns = ["series", "entity", "sex", "area", "age", "year", "published_edition",
               "published_value", "recomputed_edition", "input_edition", "recomputed_value",
               "difference", "population_coverage", "economies_with_data", "economies_in_group",
               "imputation", "imputation_spread", "low_coverage", "note",
               "income_classification", "membership", "group_population",
               "published_group_population"]  # fmt: skip
    return merged[columns].sort_values(columns[:10], ignore_index=True)
