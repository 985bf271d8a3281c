"""Meaning changes between an edition and the previous edition of the same dataset.

Where it sits: canonical observations (+ the `editions` list) -> **edition changes** -> the
`edition_changes` warning check, the warehouse table `edition_changes` and the quality outputs.

A new edition can be well formed, with every label known, and still say something else than the
previous one: Female and Male swapped, a row gone, a past value rewritten. Publishers revise the
past legitimately, so none of this stops a build; each finding is a warning naming the new
edition's sheet and cell (and the previous edition's), for a person to confirm before citing.

What is compared: each edition with the previous edition of its dataset by edition date (the same
day: by id). Three kinds of change:

* ``disappeared``: a key of the previous edition is absent from the new one, for a series and
  unit the new edition still publishes (a series dropped as a whole is one ``series_dropped``
  row: the layout declares which blocks an edition has, so that is a documented change).
* ``revised``: a value of a past year (at least `PAST_YEARS` before the edition's year) moved
  beyond `PLAUSIBLE_REVISION`: more than 10 points for a share (percent, per 100 inhabitants),
  more than 50 % of the previous value for an absolute unit (millions, exabytes, Tbit/s). Most
  revisions of ITU's closed years are far smaller (World Internet use 2005: 16.8 -> 15.8 -> 15.6
  -> 15.6 over four editions); a move of a shift's or a swap's size (one year's growth, a
  neighbouring column, women for men) is larger. The bound is a prompt to look, not a verdict:
  real editions do move some closed years further (Nov 2025 revised urban 5G coverage of
  lower-middle-income economies in 2022 from 11.9 to 46.8 %), and those are listed too. The
  current and previous year are excluded: they are estimates the next edition replaces.
* ``gap_sign_flip``: the female-minus-male gap of a key (series, entity, area, age, year, unit)
  changed sign between the two editions: the signature of swapped Female/Male labels. A gap
  smaller than `GAP_FLOOR` on either side is ignored (a flip from +0.1 to -0.1 is a revision).
"""

from __future__ import annotations

import pandas as pd

from ictstats.metadata import KEY, resource

SHARE_UNITS = frozenset({"percent", "per_100"})  # values in points; revisions bounded in points
PAST_YEARS = 2  # a year at least this many years before the edition's year is closed
PLAUSIBLE_REVISION = {"points": 10.0, "relative": 0.5}
GAP_FLOOR = 0.5  # points; smaller female-male gaps may flip by rounding alone

COLUMNS = resource("edition_changes").columns
CHANGES = ("gap_sign_flip", "revised", "disappeared", "series_dropped")  # most serious first


def edition_pairs(editions: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(dataset, previous edition, edition) for every edition that has a previous one.

    editions: id, dataset, date. Order: date, then id (two editions of one day keep a fixed order).
    """
    ordered = editions.sort_values(["dataset", "date", "id"])
    pairs = []
    for dataset, group in ordered.groupby("dataset", sort=True):
        ids = group["id"].tolist()
        pairs += [(str(dataset), a, b) for a, b in zip(ids, ids[1:], strict=False)]
    return pairs


def edition_changes(observations: pd.DataFrame, editions: pd.DataFrame) -> pd.DataFrame:
    """Every change of meaning between consecutive editions of one dataset (see module doc).

    observations: edition, KEY, value, source_location. editions: id, dataset, date.
    """
    obs = observations[["edition", *KEY, "value", "source_location"]]
    by_edition = dict(tuple(obs.groupby("edition", sort=False)))
    dates = {e: pd.Timestamp(d) for e, d in zip(editions["id"], editions["date"], strict=True)}
    years = {e: d.year for e, d in dates.items()}
    frames = []
    for dataset, previous, edition in edition_pairs(editions):
        if previous not in by_edition or edition not in by_edition:
            continue  # an edition without observations (a reference table) has nothing to compare
        old, new = by_edition[previous], by_edition[edition]
        found = [
            _gap_sign_flips(old, new),
            _revisions(old, new, years[edition]),
            _disappeared(old, new),
        ]
        found = [f for f in found if not f.empty]
        if found:
            both = pd.concat(found, ignore_index=True)
            frames.append(
                both.assign(
                    dataset=dataset,
                    edition=edition,
                    edition_date=dates[edition],
                    previous_edition=previous,
                )
            )
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in COLUMNS})
    table = pd.concat(frames, ignore_index=True).reindex(columns=COLUMNS)
    table["_order"] = table["change"].map({c: i for i, c in enumerate(CHANGES)})
    table = table.sort_values(["dataset", "edition", "_order", *KEY], kind="stable")
    return table.drop(columns="_order").reset_index(drop=True).astype({"year": "int64"})


def _dtype(column: str) -> str:
    numeric = {"year": "int64", "edition_date": "datetime64[ns]"}
    return numeric.get(
        column, "float64" if column in ("value", "previous_value", "difference") else "object"
    )


def _paired(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    merged = new.merge(old, on=KEY, suffixes=("", "_previous"), validate="one_to_one")
    return merged.rename(
        columns={
            "value_previous": "previous_value",
            "source_location_previous": "previous_source_location",
        }
    )


def _revisions(old: pd.DataFrame, new: pd.DataFrame, edition_year: int) -> pd.DataFrame:
    pairs = _paired(old, new)
    pairs = pairs[pairs["year"] <= edition_year - PAST_YEARS]
    pairs = pairs.assign(difference=pairs["value"] - pairs["previous_value"])
    share = pairs["unit"].isin(SHARE_UNITS)
    moved = pairs["difference"].abs()
    relative = moved / pairs["previous_value"].abs().where(pairs["previous_value"] != 0)
    beyond = (share & (moved > PLAUSIBLE_REVISION["points"])) | (
        ~share & (relative > PLAUSIBLE_REVISION["relative"])
    )
    found = pairs[beyond].copy()
    bound = found["unit"].map(
        lambda u: (
            f"{PLAUSIBLE_REVISION['points']:g} points"
            if u in SHARE_UNITS
            else f"{PLAUSIBLE_REVISION['relative']:.0%}"
        )
    )
    found["detail"] = [
        f"{y} value revised {p:.6g} -> {v:.6g} ({d:+.6g}), beyond the plausible revision of "
        f"{b} for a year at least {PAST_YEARS} years before the edition"
        for y, p, v, d, b in zip(
            found["year"], found["previous_value"], found["value"], found["difference"], bound,
            strict=True,
        )
    ]  # fmt: skip
    return found.assign(change="revised")


def _gap_sign_flips(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    key = [c for c in KEY if c != "sex"]

    def gaps(frame: pd.DataFrame) -> pd.DataFrame:
        women = frame[frame["sex"] == "F"].set_index(key)
        men = frame[frame["sex"] == "M"].set_index(key)
        both = women[["value", "source_location"]].join(
            men[["value", "source_location"]], lsuffix="_f", rsuffix="_m", how="inner"
        )
        both["gap"] = both["value_f"] - both["value_m"]
        return both

    now, before = gaps(new), gaps(old)
    joined = now.join(before, rsuffix="_previous", how="inner")
    flipped = joined[
        (joined["gap"] * joined["gap_previous"] < 0)
        & (joined["gap"].abs() >= GAP_FLOOR)
        & (joined["gap_previous"].abs() >= GAP_FLOOR)
    ].reset_index()
    if flipped.empty:
        return pd.DataFrame(columns=[c for c in COLUMNS if c not in ("dataset", "edition")])
    flipped["detail"] = [
        f"female-male gap {gp:+.4g} -> {g:+.4g} (women {fp:.4g} -> {f:.4g}, men {mp:.4g} -> "
        f"{m:.4g}); Female and Male swapped? cells {lf} and {lm}"
        for g, gp, f, fp, m, mp, lf, lm in zip(
            flipped["gap"], flipped["gap_previous"], flipped["value_f"],
            flipped["value_f_previous"], flipped["value_m"], flipped["value_m_previous"],
            flipped["source_location_f"], flipped["source_location_m"], strict=True,
        )
    ]  # fmt: skip
    return flipped.assign(
        change="gap_sign_flip",
        sex="F",
        value=flipped["gap"],
        previous_value=flipped["gap_previous"],
        difference=flipped["gap"] - flipped["gap_previous"],
        source_location=flipped["source_location_f"],
        previous_source_location=flipped["source_location_f_previous"],
    )


def _disappeared(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    gone = old.merge(new[KEY], on=KEY, how="left", indicator=True)
    gone = gone[gone["_merge"] == "left_only"].drop(columns="_merge")
    published = set(zip(new["series"], new["unit"], strict=True))
    kept = pd.Series(
        [(s, u) in published for s, u in zip(gone["series"], gone["unit"], strict=True)],
        index=gone.index,
        dtype=bool,
    )
    keys = gone[kept].rename(
        columns={"value": "previous_value", "source_location": "previous_source_location"}
    )
    keys = keys.assign(
        change="disappeared",
        detail=[
            f"key absent from the new edition; previously {v:.6g} at {loc}"
            for v, loc in zip(keys["previous_value"], keys["previous_source_location"], strict=True)
        ],
    )
    dropped = (
        gone[~kept]
        .groupby(["series", "unit"], as_index=False)
        .agg(keys=("year", "size"), first=("source_location", "first"))
    )
    dropped = dropped.assign(
        change="series_dropped",
        entity="",
        sex="",
        area="",
        age="",
        year=0,
        previous_source_location=dropped["first"],
        detail=[
            f"series {s} ({u}) not in the new edition: {n} key(s) of the previous edition, "
            f"first at {loc}"
            for s, u, n, loc in zip(
                dropped["series"], dropped["unit"], dropped["keys"], dropped["first"], strict=True
            )
        ],
    ).drop(columns=["keys", "first"])
    return pd.concat([keys, dropped], ignore_index=True)


def headline(table: pd.DataFrame) -> str:
    """One sentence for reports: how many changes, how many gap sign flips, where to look."""
    if table.empty:
        return "No change of meaning between consecutive editions."
    flips = int((table["change"] == "gap_sign_flip").sum())
    return (
        f"{len(table):,} change(s) between consecutive editions of a dataset await confirmation, "
        f"{flips} of them a female-male gap changing sign (warehouse table `edition_changes`)."
    )


def most_serious_first(table: pd.DataFrame) -> pd.DataFrame:
    """The most serious kinds first, the newest edition (the one just added) first within a kind:
    the order in which a reader (and the terminal's first rows) should see them."""
    order = table["change"].map({c: i for i, c in enumerate(CHANGES)})
    return (
        table.assign(_order=order)
        .sort_values(["_order", "edition_date"], ascending=[True, False], kind="stable")
        .drop(columns="_order")
    )


def describe(table: pd.DataFrame, first: int = 10) -> str:
    """The count by edition and kind, then the first findings naming sheet and cell; the text
    a warning check carries and the command line prints as it is."""
    if table.empty:
        return (
            "No edition changes its previous edition's meaning (no key gone, no past value "
            "revised beyond the plausible bound, no female-male gap changing sign)."
        )
    table = most_serious_first(table)
    counts = table.groupby(["edition", "previous_edition", "change"], sort=False).size()
    lines = [
        f"{len(table)} change(s) between editions to confirm before citing: "
        + "; ".join(f"{e} vs {p}: {n} {c}" for (e, p, c), n in counts.items())
        + f". First {min(first, len(table))}:"
    ]
    for row in table.head(first).itertuples(index=False):
        where = row.source_location if isinstance(row.source_location, str) else "(absent)"
        lines.append(
            f"- {row.edition} {row.change} {row.series} {row.entity} "
            f"{row.sex}/{row.area}/{row.age} {row.year} {row.unit} at {where} "
            f"(previously {row.previous_source_location}): {row.detail}"
        )
    return "\n".join(lines)
