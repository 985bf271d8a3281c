"""The `ictstats` command line: run the pipeline, manage sources, query the warehouse."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from tabulate import tabulate

from ictstats.errors import IctstatsError
from ictstats.settings import Settings
from ictstats.sources.manifest import load_manifest, resolve, sha256_of, verify

# the Dagster location is code a build depends on: a change to it rebuilds (see fingerprint)
PIPELINE_CODE = (Path(__file__).parent,)


class _Group(click.Group):
    """Print ictstats' own errors as one readable message instead of a traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except IctstatsError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.version_option(package_name="ictstats")
def main() -> None:
    """Validated, versioned ICT indicator statistics in DuckDB and Parquet."""


@main.command()
@click.option(
    "--select",
    multiple=True,
    help="Asset or group name to materialize (repeatable); a wrong name lists them all.",
)
@click.option("--force", is_flag=True, help="Rebuild even if no input changed.")
@click.option(
    "--no-wait", is_flag=True, help="Stop at once if another build of this project is running."
)
def run(select: tuple[str, ...], force: bool, no_wait: bool) -> None:
    """Materialize every asset (sources -> parsed -> transform -> analysis -> publish) in process.

    Each failed step prints its error (file, sheet and cell or row, the rule, what to do);
    each warning check prints its count and first rows. Ctrl-C stops the run and leaves the
    last good build as it was."""
    from ictstats.sources import fingerprint

    settings = Settings.from_env()
    _check_manifest(settings)  # a broken manifest stops here, named by file, line and field
    _check_claims_register(settings)  # a broken register stops here, before the 15 s of building
    if not (force or select):
        reason = fingerprint.why_rebuild(settings, PIPELINE_CODE)
        if reason is None:
            click.echo(
                "nothing changed since the last build (sources, manifest, claims, code, and "
                "every output file checked against its recorded SHA-256); the warehouse is "
                "current. `ictstats run --force` rebuilds anyway."
            )
            return
        click.echo(f"rebuilding: {reason}")
    try:
        # Dagster is imported only for a run
        from pipelines.run import materialize_all
        from pipelines.terminal import watch

        with watch() as seen:
            ok = materialize_all(settings.root, list(select) or None, wait=not no_wait)
    except KeyboardInterrupt:
        _interrupted()
    if seen.interrupted:
        _interrupted()
    if not ok:
        steps = ", ".join(s for s in seen.failed if s) or "a step"
        raise click.ClickException(
            f"the run failed at {steps}; each failed step's error is printed above"
        )
    if not select:
        fingerprint.record(settings, PIPELINE_CODE)
    if settings.warehouse.is_file():
        con = _connect(settings)
        rows = con.execute(
            "select edition, count(*) from observations group by edition order by edition"
        ).fetchall()
        click.echo(tabulate(rows, headers=["edition", "observations"], tablefmt="simple"))
        click.echo(f"warehouse: {settings.warehouse}")


def _interrupted() -> NoReturn:
    click.echo("interrupted: the run was stopped; the last good build is unchanged", err=True)
    sys.exit(130)  # the shell's code for a command ended by SIGINT


def _check_manifest(settings: Settings) -> None:
    """Load data/sources.yaml (every field checked) and check every layout has a parser."""
    from ictstats.extract.parse import parsed_sources

    parsed_sources(load_manifest(settings.manifest).values(), str(settings.manifest))


def _check_claims_register(settings: Settings) -> None:
    """Load and validate data/claims.yaml against the manifest's edition dates (ClaimsError)."""
    from ictstats.analysis.claims import editions_from_manifest, load_register

    load_register(settings.claims, editions_from_manifest(load_manifest(settings.manifest)))


@main.group()
def sources() -> None:
    """List, verify, fetch and register source files (data/sources.yaml)."""


@sources.command("list")
def sources_list() -> None:
    """One line per manifest entry, with whether its file is present in data/raw/."""
    settings = Settings.from_env()
    rows = []
    for source in load_manifest(settings.manifest).values():
        present = (settings.raw_dir / source.filename).is_file()
        rows.append(
            [source.id, source.edition, source.publisher, source.layout, "yes" if present else "no"]
        )
    click.echo(tabulate(rows, headers=["id", "edition", "publisher", "layout", "in data/raw"]))


@sources.command("verify")
def sources_verify() -> None:
    """Check the SHA-256 of every file present in data/raw/ against the manifest."""
    settings = Settings.from_env()
    failures = 0
    for source in load_manifest(settings.manifest).values():
        path = settings.raw_dir / source.filename
        if not path.is_file():
            click.echo(f"missing   {source.id}: {path} (run `ictstats sources fetch`)")
            failures += 1
            continue
        try:
            digest, _copy = verify(source, path)
            click.echo(f"ok        {source.id}: {digest[:12]}…")
        except IctstatsError as exc:
            click.echo(f"MISMATCH  {exc}")
            failures += 1
    if failures:
        raise click.ClickException(f"{failures} source(s) missing or not verified")


@sources.command("fetch")
@click.option("--offline", is_flag=True, help="Never download; use data/raw/ and the mirror only.")
@click.argument("ids", nargs=-1)
def sources_fetch(offline: bool, ids: tuple[str, ...]) -> None:
    """Resolve sources into data/raw/ (from the mirror, else by download), verifying each."""
    settings = Settings.from_env()
    manifest = load_manifest(settings.manifest)
    unknown = [i for i in ids if i not in manifest]
    if unknown:
        raise click.ClickException(f"unknown source id(s) {unknown}")
    from ictstats.warehouse.locking import project_lock

    # data/raw is read by a running build: one writer at a time per project
    with project_lock(settings.curated_dir, say=lambda line: click.echo(line, err=True)):
        for sid in ids or manifest:
            resolved = resolve(
                manifest[sid], settings.raw_dir, settings.mirror_dir, allow_download=not offline
            )
            click.echo(
                f"{resolved.origin:<9} {sid}: {resolved.path.name} ({resolved.sha256[:12]}…)"
            )


@sources.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--layout", required=True, help="Parser layout, e.g. itu_aggregates_2025.")
@click.option("--edition", required=True, help="Edition label, e.g. itu-agg-2026-11.")
@click.option("--publisher", default="ITU", show_default=True)
@click.option("--title", default=None)
@click.option("--url", required=True, help="Publisher URL (https) the file was downloaded from.")
@click.option(
    "--date",
    "edition_date",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="Publication date of the edition (YYYY-MM-DD), as the publisher states it.",
)
def sources_add(
    file: Path,
    layout: str,
    edition: str,
    publisher: str,
    title: str | None,
    url: str,
    edition_date: dt.datetime,
) -> None:
    """Register a new file (e.g. ITU's next aggregates edition) in the manifest.

    The file is parsed with its layout first; a file that does not parse, bytes already
    listed, a non-https URL or a label that is not a plain name are refused."""
    settings = Settings.from_env()
    from ictstats.sources.register import add_source  # imports the parsers: only here

    added = add_source(
        settings.manifest,
        settings.raw_dir,
        file,
        layout=layout,
        edition=edition,
        publisher=publisher,
        title=title,
        url=url,
        edition_date=edition_date.date(),
    )
    click.echo(f"added {added.id} ({added.edition}, sha256 {sha256_of(file)[:12]}…)")


@main.command()
@click.argument("sql")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    help="json writes NaN and ±Infinity (no JSON values) as null.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="Interrupt the query after this many seconds.",
)
def query(sql: str, fmt: str, timeout: float | None) -> None:
    """Run one read-only SQL statement against the warehouse (data/curated/ictstats.duckdb).

    The query reads the warehouse and nothing else: no file access, no settings, no extensions.
    """
    from ictstats.warehouse.query import run_query

    settings = Settings.from_env()
    try:
        result = run_query(settings.warehouse, sql, timeout)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    columns, rows = result.columns, result.rows
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        click.echo(out.getvalue(), nl=False)
    elif fmt == "json":
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        click.echo(json_text(records))
    else:
        click.echo(tabulate(rows, headers=columns, tablefmt="simple"))


def _finite(value: Any) -> Any:
    """NaN and ±Infinity (which JSON cannot hold) as None, in nested lists and structs too."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def json_text(records: list[dict[str, Any]]) -> str:
    """Valid JSON (RFC 8259 has no NaN/Infinity): a value that is not a finite number is null;
    dates and decimals are written as text."""
    return json.dumps(_finite(records), indent=2, ensure_ascii=False, default=str, allow_nan=False)


@main.command("claims")
@click.option(
    "--all", "every", is_flag=True, help="Every edition and source beside the verdict's edition."
)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
def claims_command(every: bool, fmt: str) -> None:
    """The cited figures (data/claims.yaml), each judged on the edition its text relied on."""
    from ictstats.analysis.claims import summary

    con = _connect(Settings.from_env())
    checks = con.execute("select * from claim_checks").fetchdf()
    if "role" not in checks:
        raise click.ClickException(
            "the warehouse's claim_checks table predates verdicts by edition; run `ictstats run`"
        )
    frame = checks if every else summary(checks)
    if fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(frame.to_json(orient="records", indent=2))
    else:
        from ictstats.publish.claims_report import markdown_checks, markdown_summary

        click.echo(markdown_checks(frame) if every else markdown_summary(frame))


def _connect(settings: Settings):
    from ictstats.warehouse.write import connect_read_only

    try:
        return connect_read_only(settings.warehouse)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc


if __name__ == "__main__":
    main()
