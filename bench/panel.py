"""Deterministic synthetic country-level panels for the aggregate benchmark, built in DuckDB.

A panel of 10^n observations is 200 economies x 25 reported years x 4 series x 5 breakdowns
(total, female, male, urban, rural: the breakdowns ITU publishes, not crossed) x N editions,
N = 10^(n-5). Editions are folded into the series key (`s2@ed0007`), since `aggregate()` groups
by series, sex, area and age. Each economy and panel reports 25 of the 30 target years
(1996-2025) and misses a 5-year block whose start depends on the economy and panel, so both
imputations (interpolation, carry-forward, peer mean) have work to do. Values are percentages from
integer arithmetic on the keys: the same numbers on every machine and DuckDB version.

The panel is written straight to Parquet by DuckDB (`range()` cross joins), so the 10^8 panel is
never held in Python.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

ECONOMIES = 200
REPORTED_YEARS = 25
FIRST_YEAR, LAST_YEAR = 1996, 2025  # 30 target years
SERIES = 4
BREAKDOWNS = [("_T", "_T"), ("F", "_T"), ("M", "_T"), ("_T", "U"), ("_T", "R")]
INCOME_GROUPS = ["HIC", "UMC", "LMC", "LIC"]


def editions_for(size_exp: int) -> int:
    """Editions needed for 10^size_exp observations (10^5 is one edition)."""
    if size_exp < 5:
        raise ValueError("the smallest panel is 10^5 observations")
    return 10 ** (size_exp - 5)


def rows_for(size_exp: int) -> int:
    return ECONOMIES * REPORTED_YEARS * SERIES * len(BREAKDOWNS) * editions_for(size_exp)


def economy(i: int) -> str:
    return f"E{i:03d}"


def target_years() -> list[int]:
    return list(range(FIRST_YEAR, LAST_YEAR + 1))


def membership() -> pd.DataFrame:
    """WLD, four income groups (a partition) and three overlapping special groups."""
    rows = []
    for i in range(ECONOMIES):
        code = economy(i)
        rows.append(("WLD", code))
        rows.append((INCOME_GROUPS[(i * 7) % 4], code))
        if i % 5 == 0:
            rows.append(("LDC", code))
        if i % 6 == 1:
            rows.append(("LLDC", code))
        if i % 5 == 3:
            rows.append(("SIDS", code))
    return pd.DataFrame(rows, columns=["group", "entity"])


def peers() -> pd.DataFrame:
    """Whom an economy without data is like: its income group (tier 1), then every economy."""
    rows = []
    for i in range(ECONOMIES):
        rows.append((economy(i), 1, INCOME_GROUPS[(i * 7) % 4]))
        rows.append((economy(i), 2, "all"))
    return pd.DataFrame(rows, columns=["entity", "tier", "peer"])


def population() -> pd.DataFrame:
    """A population figure for every economy and target year (no carry-forward needed)."""
    rows = []
    for i in range(ECONOMIES):
        base = 50_000 + (i * 2_654_435_761) % 150_000_000
        for year in target_years():
            rows.append((economy(i), year, float(base + (year - FIRST_YEAR) * (base // 100))))
    return pd.DataFrame(rows, columns=["entity", "year", "population"])


def write_panel(size_exp: int, path: Path, con: duckdb.DuckDBPyConnection) -> int:
    """Write the 10^size_exp panel to `path` (Parquet); returns its row count."""
    panels = SERIES * len(BREAKDOWNS) * editions_for(size_exp)
    nb = len(BREAKDOWNS)
    sex = "case b " + " ".join(f"when {k} then '{s}'" for k, (s, _) in enumerate(BREAKDOWNS))
    area = "case b " + " ".join(f"when {k} then '{a}'" for k, (_, a) in enumerate(BREAKDOWNS))
    con.execute(
        f"""
        copy (
            with keys as (
                select p, p // {nb} as s, p % {nb} as b, e, y,
                       (e * 7919 + p * 104729) % {REPORTED_YEARS + 1} as gap_start
                from range({panels}) t1(p), range({ECONOMIES}) t2(e),
                     range({REPORTED_YEARS}) t3(y)
            ),
            dated as (
                select *, {FIRST_YEAR} + y
                          + case when y >= gap_start then {30 - REPORTED_YEARS} else 0 end
                          as year
                from keys
            )
            select 's' || (s % {SERIES}) || '@ed' || lpad((s // {SERIES})::varchar, 4, '0')
                       as series,
                   {sex} end as sex, {area} end as area, '_T' as age,
                   'E' || lpad(e::varchar, 3, '0') as entity,
                   year::integer as year,
                   ((e * 1103515245 + p * 12345 + year * 2654435761) % 100003) / 1000.03
                       as value
            from dated
        ) to '{path}' (format parquet, compression zstd)
        """
    ).fetchall()  # DuckDB 2.0: a result left unfetched blocks the connection
    return con.execute(f"select count(*) from read_parquet('{path}')").fetchall()[0][0]
