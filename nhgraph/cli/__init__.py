"""The ``nhgraph`` command line: run the project's Neo4j, prepare the graph, serve the API."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.table import Table

from nhgraph.cli.changes import ReportForm, print_report
from nhgraph.cli.common import cell, current_settings, err, failing, local_server, out
from nhgraph.cli.edit import edit_app
from nhgraph.cli.export import export_app
from nhgraph.cli.history import register as register_history
from nhgraph.cli.server import db_app, db_init, neo4j_app
from nhgraph.config import PROJECT_ROOT, get_settings
from nhgraph.errors import NhgraphError
from nhgraph.store import db

if TYPE_CHECKING:
    from nhgraph.load import LoadResult
    from nhgraph.loaders.errors import InputError
    from nhgraph.loaders.sources import SourceData
    from nhgraph.store.plan import WritePlan

app = typer.Typer(
    help="nhgraph: the neighbourhood health service knowledge graph and service registry.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(neo4j_app, name="neo4j")
app.add_typer(db_app, name="db")
app.add_typer(edit_app, name="edit")
app.add_typer(export_app, name="export")
register_history(app)


class ReportFormat(StrEnum):
    """The forms ``nhgraph validate`` can give its report in: text, JSON or Turtle."""

    text = "text"
    json = "json"
    ttl = "ttl"


@app.command("validate")
def validate(
    paths: list[Path] = typer.Argument(
        None, help="Data files or folders: team-of-teams YAML/JSON, Turtle."
    ),
    stored: bool = typer.Option(False, "--stored", help="Validate the graph stored in Neo4j."),
    save: bool = typer.Option(
        False,
        "--save",
        help="With --stored: keep the results in the graph as its validation status (the "
        "API's validation fields), replacing the previous run's.",
    ),
    output: ReportFormat = typer.Option(ReportFormat.text, "--format", help="text, json or ttl"),
    on: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="The day to validate for (default today)."
    ),
    shapes: list[Path] = typer.Option(
        [], "--shapes", help="Extra shapes files, such as a place's core offer."
    ),
    workers: int = typer.Option(
        min(2, os.cpu_count() or 1), min=1, help="Processes to share the shapes among."
    ),
) -> None:
    """Check data against the SHACL shapes; exit 0 if it conforms, 1 if not, 2 if unreadable."""
    from nhgraph.loaders.errors import InputError
    from nhgraph.validate import save_stored_report, validate_paths, validate_stored

    day = on.date() if on else None
    paths = paths or []
    if output is ReportFormat.ttl:
        workers = 1  # the report graph is made by a single run

    if bool(paths) == stored:
        err.print("give data files or folders, or --stored (not both)")
        raise typer.Exit(2)
    if save and not stored:
        err.print("--save keeps the results of --stored: files are not the graph's status")
        raise typer.Exit(2)
    with failing("", exit_codes={NhgraphError: 2}):  # the shapes or the database
        try:
            if stored:
                settings = current_settings()
                database = db.get_database(settings)
                report = validate_stored(database, on=day, extra_shapes=shapes, workers=workers)
                if save:
                    cap = settings.validation_max_findings
                    run = save_stored_report(database, report, on=day, extra_shapes=shapes, cap=cap)
                    err.print(run.summary(), markup=False, highlight=False)
            else:
                report = validate_paths(paths, on=day, extra_shapes=shapes, workers=workers)
        except InputError as error:
            if output is ReportFormat.json:
                problems = [vars(p) for p in error.problems]
                print(json.dumps({"conforms": False, "input_errors": problems}, indent=2))
            else:
                heading = (
                    "cannot read the input" if error.unreadable else "the data break the model"
                )
                err.print(f"{heading} ({len(error.problems)} problem(s)):", highlight=False)
                for problem in error.problems:
                    err.print(f"  {problem}", markup=False, highlight=False)
            raise typer.Exit(2 if error.unreadable else 1) from error
    if output is ReportFormat.json:
        print(report.to_json())
    elif output is ReportFormat.ttl:
        print(report.to_turtle())
    else:
        out.print(report.to_text(), markup=False, highlight=False)
    raise typer.Exit(0 if report.conforms else 1)


@app.command("load")
def load(
    sources: list[str] = typer.Argument(
        ...,
        help="'reference' (the shipped London data), a loader's name, a dataset folder, "
        "postcodes:FILE, or hsds:PATH (an HSDS / ORUK feed: a folder or an ndjson file).",
    ),
    source: str | None = typer.Option(
        None,
        "--source",
        help="The name of the one HSDS feed loaded (hsds:NAME; default its folder's or "
        "file's name): a newer feed of that name replaces the older one.",
    ),
    on: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="The day to validate for (default today)."
    ),
    workers: int = typer.Option(
        min(2, os.cpu_count() or 1), min=1, help="Processes to share SHACL validation among."
    ),
    allow_removals: bool = typer.Option(
        False,
        "--allow-removals",
        help="Remove what a reload no longer holds even beyond NHGRAPH_MAX_REMOVAL_SHARE of "
        "a source's records, or when nodes of other sources link to it.",
    ),
    reference_dir: Path | None = typer.Option(
        None,
        "--from",
        help="The folder 'reference' reads (NHGRAPH_REFERENCE_DIR): London's shipped extracts "
        "by default, or a folder of England's files (england_*.csv).",
    ),
    region: str | None = typer.Option(
        None,
        "--region",
        help="The ONS regions 'reference' keeps (NHGRAPH_REFERENCE_REGIONS): 'all', or codes "
        "separated by commas, such as E12000007,E12000008; London by default.",
    ),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Report what the load would add, change and remove, in the users' words, and what "
        "that touches (INTs, agreements, services, neighbourhoods, residents); write nothing.",
    ),
    output: ReportForm = typer.Option(
        ReportForm.table, "--format", help="The changes report: table, csv or json."
    ),
) -> None:
    """Load sources into Neo4j: all or nothing, refused on any SHACL violation.

    The output ends with what the load changed in the users' words and what that touches,
    worked out from the load's plan before it writes. With --dry-run only that report is
    given, and nothing is written: exit 0 whether or not it finds changes, 1 for data that
    break the model, 2 for input that cannot be read.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from nhgraph.load import POSTCODES, LoadRefused, read_sources
    from nhgraph.load import load as run_load
    from nhgraph.loaders.errors import InputError

    settings = current_settings()
    if reference_dir is not None or region is not None:
        from nhgraph.loaders.reference import parse_regions

        try:
            parse_regions(region or settings.reference_regions)
        except InputError as error:
            _refuse_input(error)
        settings = settings.model_copy(
            update={
                "reference_dir": reference_dir or settings.reference_dir,
                "reference_regions": region or settings.reference_regions,
            }
        )
    database = db.get_database(settings)
    if len(sources) == 1 and sources[0].startswith(POSTCODES):
        if dry_run:
            err.print("a postcode directory is written while it is read: it has no dry run")
            raise typer.Exit(2)
        _load_postcode_file(
            database,
            Path(sources[0].removeprefix(POSTCODES)),
            allow_removals,
            _postcode_region(settings.reference_regions),
        )
        return
    try:
        read = read_sources(sources, settings, source_name=source, database=database)
    except InputError as error:
        _refuse_input(error)
    total = sum(len(source.models) for source in read)
    if dry_run:
        _dry_run(database, read, on.date() if on else None, output, allow_removals)
        return
    out.print(f"read {total} records from {len(read)} source(s)")
    from nhgraph.history.diff import changes_of_plan, names_of
    from nhgraph.history.impact import Probe, probe
    from nhgraph.history.words import WORDED, Words, describe

    told: list[tuple[Words, Probe]] = []
    models = [m for source in read for m in source.models]
    names = [source.name for source in read]

    def on_plan(plan: WritePlan) -> None:
        # The summary table counts every label; the words and the impact need these only.
        changes = changes_of_plan(database, plan, models, labels=WORDED, sources=names)
        told.append((describe(changes, names_of(models)), probe(database, changes, on=day)))

    day = on.date() if on else None
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("validating", total=None)

        def step(message: str) -> None:
            bar.update(task, description=message)
            if message == "writing":
                bar.update(task, total=total)
            print(message, file=sys.stderr, flush=True)  # a plain line for logs and tests

        with failing("load failed, nothing written"):
            try:
                result = run_load(
                    database,
                    read,
                    on=on.date() if on else None,
                    workers=workers,
                    progress=lambda _what, n: bar.advance(task, n),
                    step=step,
                    max_findings=settings.validation_max_findings,
                    allow_removals=allow_removals,
                    on_plan=on_plan,
                )
            except LoadRefused as refused:
                bar.stop()
                err.print(refused.report.to_text(), markup=False, highlight=False)
                err.print(f"load refused: {refused}")
                raise typer.Exit(1) from refused
    if result.report.warnings:
        out.print(result.report.to_text(), markup=False, highlight=False)
    _print_load_summary(result)
    if told and result.written.changed:
        words, asked = told[0]
        with failing("the load is committed, but what it touches could not be read"):
            print_report("load", words, asked.finish(database), output)
    if result.run is not None:
        err.print(result.run.summary(), markup=False, highlight=False)


def _dry_run(
    database: db.Database,
    read: list[SourceData],
    on: date | None,
    output: ReportForm,
    allow_removals: bool,
) -> None:
    """What loading the sources would change, and what that touches; nothing written. A
    load that the plan's checks would refuse (another source's records, too many removals)
    is reported after the changes, and exits 1 as the load would."""
    from nhgraph.history.diff import dry_run
    from nhgraph.history.impact import change_impact
    from nhgraph.history.words import describe
    from nhgraph.load import check_plan

    with failing("dry run failed, nothing written"):
        planned = dry_run(database, read)
        refusal: NhgraphError | None = None
        try:
            check_plan(planned.plan, read, database.settings.max_removal_share, allow_removals)
        except NhgraphError as refused:
            refusal = refused
        words = describe(planned.changes, planned.names)
        impact = None
        if refusal is None:
            impact = change_impact(database, planned.changes, on=on, apply=planned.apply(database))
    extra: dict[str, object] = {"dry_run": True, "changes": len(planned.changes)}
    if refusal is not None:
        extra["refused"] = str(refusal)
    print_report("dry run", words, impact, output, extra)
    if refusal is not None:
        err.print(f"the load would be refused: {refusal}", markup=False, highlight=False)
        raise typer.Exit(refusal.exit_code)


@app.command("diff")
def diff(
    old: str = typer.Argument(
        ..., help="The older release: a reference folder, or with --releases a month YYYY-MM."
    ),
    new: str = typer.Argument(
        ..., help="The newer release: a reference folder, or with --releases a month YYYY-MM."
    ),
    releases: Path | None = typer.Option(
        None,
        "--releases",
        help="A folder of ODS releases (<region>_<series>_YYYY-MM.csv): OLD and NEW are months "
        "of its timeline, each composed into a reference folder as ODS stood then.",
    ),
    reference_dir: Path | None = typer.Option(
        None,
        "--from",
        help="With --releases: the reference folder the releases stand in (NHGRAPH_REFERENCE_DIR).",
    ),
    output: ReportForm = typer.Option(ReportForm.table, "--format", help="table, csv or json"),
) -> None:
    """What changes between two releases of the reference sources on disk, in the users'
    words; no database is needed (what the changes touch needs the graph: see load --dry-run).

    Exit codes: 0 compared (whether or not anything changed), 1 data that break the model,
    2 input that cannot be read or a month that is not in the releases' timeline.
    """
    import tempfile

    from nhgraph.history.diff import diff_sources, names_of
    from nhgraph.history.words import describe
    from nhgraph.load import read_sources
    from nhgraph.loaders.errors import InputError

    settings = current_settings()
    with tempfile.TemporaryDirectory(prefix="nhgraph-diff-") as scratch:
        try:
            base = reference_dir or settings.reference_dir
            folders = _diff_folders(old, new, releases, base, Path(scratch))
            read = [
                read_sources(["reference"], settings.model_copy(update={"reference_dir": f}))
                for f in folders
            ]
        except InputError as error:
            _refuse_input(error)
    changes = diff_sources(read[0], read[1])
    models = [m for source in (*read[0], *read[1]) for m in source.models]
    words = describe(changes, names_of(models))
    print_report(f"diff {old} -> {new}", words, None, output, {"changes": len(changes)})


def _diff_folders(
    old: str, new: str, releases: Path | None, reference: Path, scratch: Path
) -> list[Path]:
    """The two reference folders a diff reads: the ones named, or with ``releases`` the
    reference folder composed for each month (InputError for a month not in the timeline)."""
    from nhgraph.loaders.errors import InputError, Problem
    from nhgraph.loaders.releases import compose, timeline

    if releases is None:
        for folder in (old, new):
            if not Path(folder).is_dir():
                raise InputError([Problem(folder, None, "", "is not a folder")], unreadable=True)
        return [Path(old), Path(new)]
    steps = {step.month: step for step in timeline(releases)}
    unknown = [
        Problem(
            str(releases),
            None,
            month,
            f"is not a month of the releases' timeline; months: {', '.join(steps)}",
        )
        for month in (old, new)
        if month not in steps
    ]
    if unknown:
        raise InputError(unknown, unreadable=True)
    return [
        compose(reference, steps[month], scratch / f"{i}-{month}")
        for i, month in enumerate((old, new))
    ]


def _postcode_region(regions: str) -> str:
    """The region a postcode directory is read for: the one region kept, or England for all;
    several regions are refused (a directory is read for one region, or for all)."""
    from nhgraph.loaders.errors import InputError, Problem
    from nhgraph.loaders.postcodes import ENGLAND
    from nhgraph.loaders.reference import parse_regions

    try:
        kept = parse_regions(regions)
    except InputError as error:
        _refuse_input(error)
    if kept is None:
        return ENGLAND
    if len(kept) > 1:
        _refuse_input(
            InputError(
                [
                    Problem(
                        "--region",
                        None,
                        regions,
                        "a postcode directory is read for one region or for all: give one "
                        "region code, or all",
                    )
                ],
                unreadable=True,
            )
        )
    return next(iter(kept))


def _load_postcode_file(
    database: db.Database, path: Path, allow_removals: bool, region: str
) -> None:
    """A postcode directory on its own: written while it is read (see load_postcode_file)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from nhgraph.load import load_postcode_file
    from nhgraph.loaders.errors import InputError

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("reading and writing postcodes: 0", total=None)
        done = 0

        def advance(_what: str, n: int) -> None:
            nonlocal done
            done += n
            bar.update(task, description=f"reading and writing postcodes: {done}")

        print("writing while reading", file=sys.stderr, flush=True)  # a plain line for logs
        with failing("load failed, nothing written"):
            try:
                result = load_postcode_file(
                    database,
                    path,
                    region=region,
                    progress=advance,
                    allow_removals=allow_removals,
                )
            except InputError as error:
                bar.stop()
                _refuse_input(error)
    where = "London" if region == "E12000007" else "England" if region.startswith("E92") else region
    out.print(f"read {sum(result.written.nodes.values())} postcodes of {where} from {path}")
    _print_load_summary(result)


def _refuse_input(error: InputError) -> NoReturn:
    """Input that cannot be read (exit 2) or that breaks the model (exit 1), by problem."""
    heading = "cannot read the input" if error.unreadable else "the data break the model"
    err.print(f"{heading} ({len(error.problems)} problem(s)); nothing written:")
    for problem in error.problems[:200]:
        err.print(f"  {problem}", markup=False, highlight=False)
    raise typer.Exit(2 if error.unreadable else 1) from error


def _print_load_summary(result: LoadResult) -> None:
    written = result.written
    table = Table("label", "created", "updated", "unchanged", "removed", title="load summary")
    labels = sorted(
        set(written.created) | set(written.updated) | set(written.unchanged) | set(written.removed)
    )
    for label in labels:
        table.add_row(
            label,
            *(
                str(c[label])
                for c in (written.created, written.updated, written.unchanged, written.removed)
            ),
        )
    out.print(table)
    for label, ids in sorted(written.removed_ids.items()):
        more = f" and {len(ids) - 10} more" if len(ids) > 10 else ""
        out.print(f"removed {label}: {', '.join(ids[:10])}{more}", markup=False)
    for reason, count in sorted(result.skipped.items()):
        # Some counts are of records kept and changed (2011 LSOAs mapped, a split place).
        kept = "(kept" in reason or "mapped to" in reason or "WARNING" in reason
        out.print(f"{'note' if kept else 'left out'}: {count} x {reason}", markup=False)
    out.print("nothing changed" if not written.changed else "loaded")


class TableFormat(StrEnum):
    """The forms ``nhgraph ask`` can give a question's rows in: a table, CSV or JSON."""

    table = "table"
    csv = "csv"
    json = "json"


def _parameter_value(text: str) -> object:
    """A --param value: null, a date (YYYY-MM-DD), an integer, a number, or text."""
    if text in ("", "null", "none"):
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text)
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


@app.command("ask")
def ask(
    name: str = typer.Argument("", help="The question's name (see --list)."),
    param: list[str] = typer.Option([], "--param", "-p", help="A parameter: name=value."),
    output: TableFormat = typer.Option(TableFormat.table, "--format", help="table, csv or json"),
    list_questions: bool = typer.Option(False, "--list", help="List the questions."),
    as_at: str | None = typer.Option(
        None,
        "--as-at",
        help="Answer as the graph stood at this moment (ISO 8601, record time; --param on= "
        "stays the day the data's dates are read for).",
    ),
) -> None:
    """Ask a named question of the graph (the .cypher files of nhgraph/queries/questions).

    who_serves also takes latitude and longitude instead of a postcode or an LSOA. Lists
    (purposes, kinds) are written a,b. Exit codes: 0 answered, 1 the database failed, 2 a
    question or parameter that is not known, a resident who cannot be placed, or an --as-at
    that is malformed, in the future, before the history kept or too far back.
    """
    from nhgraph import queries, questions
    from nhgraph.store.history import parse_moment

    if list_questions or not name:
        for known in queries.question_names():
            query = queries.load(known)
            takes = ", ".join(query.parameters) or "none"
            listed = f"{known}  ({query.kind})  [{takes}]\n    {query.purpose}"
            out.print(listed, markup=False, highlight=False)
        raise typer.Exit(0)
    with failing(""):
        query = queries.question(name)
    accepted = set(query.parameters) | (
        {"latitude", "longitude"} if name == "who_serves" else set()
    )
    given: dict[str, object] = {}
    for item in param:
        key, sep, text = item.partition("=")
        if not sep or key not in accepted:
            err.print(f"--param {item!r}: {name} takes {', '.join(sorted(accepted)) or 'none'}")
            raise typer.Exit(2)
        given[key] = _parameter_value(text)
    database = db.get_database(current_settings())
    with failing("--as-at"):
        moment = None if as_at is None else parse_moment(as_at)
    with failing(""):
        try:
            if name == "who_serves":
                rows = [questions.who_serves(database, **given, as_at=moment)]  # type: ignore[arg-type]
            else:
                rows = questions.ask(database, name, given, as_at=moment)
        except questions.NotAnswerable as refusal:
            err.print(f"{name}: {refusal.message} ({refusal.code})", markup=False, highlight=False)
            raise typer.Exit(2) from refusal
    columns = list(query.columns)
    if output is TableFormat.json:
        print(json.dumps(rows, indent=2, default=str))
    elif output is TableFormat.csv:
        import csv as csv_module

        writer = csv_module.writer(sys.stdout)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row.get(c)) for c in columns])
    else:
        table = Table(*columns, title=f"{name}: {len(rows)} row(s)")
        for row in rows:
            table.add_row(*(cell(row.get(c)) for c in columns))
        out.print(table)


@app.command("serve")
def serve(
    host: str | None = typer.Option(None, help="Bind address (NHGRAPH_API_HOST)."),
    port: int | None = typer.Option(None, help="Port (NHGRAPH_API_PORT)."),
) -> None:
    """Serve the web app (/), the GraphQL API (/graphql), /healthz and /readyz."""
    import threading

    import uvicorn

    from nhgraph.graphql.app import create_app

    settings = current_settings()
    api = create_app(settings)
    # The map's layers are built from the graph once, before the first visitor asks for them.
    threading.Thread(target=_warm_layers, args=(api,), daemon=True, name="map-layers").start()
    uvicorn.run(
        api,
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_level="info",
    )


def _warm_layers(api: Any) -> None:
    try:
        api.state.layers.warm()
    except Exception as error:  # a warm-up that fails is retried by the first request
        logging.getLogger("nhgraph.web").warning("the map's layers were not built ahead: %s", error)


@app.command("demo")
def demo(
    serve_api: bool = typer.Option(True, "--serve/--no-serve", help="Serve the API at the end."),
    reference_dir: Path | None = typer.Option(
        None,
        "--from",
        help="The reference folder (NHGRAPH_REFERENCE_DIR): London's shipped extracts by "
        "default, or a folder of England's files (england_*.csv).",
    ),
    region: str | None = typer.Option(
        None,
        "--region",
        help="The ONS regions to load (NHGRAPH_REFERENCE_REGIONS): 'all' or codes such as "
        "E12000001; beyond London, an ILLUSTRATIVE team-of-teams layer is generated for them.",
    ),
    allow_removals: bool = typer.Option(
        False,
        "--allow-removals",
        help="Let the load remove what the graph holds and the demo does not (another "
        "region's demo loaded before, say).",
    ),
) -> None:
    """The main job: start Neo4j, load London (reference and demo data), validate, serve.

    With ``--from`` England's files and ``--region``, the same for those regions: the demo's
    team-of-teams layer is generated for them (marked illustrative, as London's is) into
    ``var/demo/<regions>`` and loaded beside their reference data.
    """
    from nhgraph.loaders.errors import InputError
    from nhgraph.loaders.reference import Reference, parse_regions

    settings = current_settings()
    folder = reference_dir or settings.reference_dir
    regions_text = region or settings.reference_regions
    try:
        reference = Reference(folder, parse_regions(regions_text))
    except InputError as error:
        _refuse_input(error)
    if reference.is_london_extract:
        layer, what = settings.data_dir / "demo", "London"
    else:
        from nhgraph.loaders import demo as demo_layer

        key = "all" if reference.regions is None else "-".join(sorted(reference.regions))
        layer, what = PROJECT_ROOT / "var" / "demo" / key, f"region(s) {regions_text}"
        out.print(f"generating an ILLUSTRATIVE team-of-teams layer for {what} into {layer}")
        demo_layer.write(layer, reference)
    server = local_server(settings)
    if server is not None:
        with failing("neo4j start failed"):
            out.print(f"neo4j: {server.start().message}")
    db_init()
    out.print(f"loading {what}: the reference data and the ILLUSTRATIVE demo dataset")
    try:
        load(
            ["reference", str(layer)],
            source=None,
            on=None,
            workers=2,
            allow_removals=allow_removals,
            reference_dir=reference_dir,
            region=region,
            dry_run=False,
            output=ReportForm.table,
        )
    except typer.Exit as done:
        if done.exit_code:
            raise
    out.print("validating the stored graph")
    try:
        validate(
            [], stored=True, save=True, output=ReportFormat.text, on=None, shapes=[], workers=2
        )
    except typer.Exit as done:
        if done.exit_code:
            raise
    if serve_api:
        if not settings.api_keys and settings.env != "production":
            _demo_keys()
        out.print(
            f"open the app at http://{settings.api_host}:{settings.api_port}/ "
            f"(GraphQL at /graphql; Ctrl-C to stop; `nhgraph neo4j stop` stops Neo4j)"
        )
        serve(None, None)


#: The roles the demo gives a key to when none are configured: an integrator of Camden (its
#: edits), a governance lead (agreements and coverage) and an administrator.
DEMO_HOLDERS = {
    "demo-camden-integrator": {"role": "integrator", "places": ["E09000007"]},
    "demo-governance": {"role": "governance", "places": []},
    "demo-admin": {"role": "admin", "places": []},
}


def _demo_keys() -> None:
    """Keys for this run of the demo only (random, never stored), so a newcomer can try the
    views a key opens; set NHGRAPH_API_KEYS to use keys of your own."""
    import secrets

    keys = {
        secrets.token_urlsafe(24): {"name": name, **holder} for name, holder in DEMO_HOLDERS.items()
    }
    os.environ["NHGRAPH_API_KEYS"] = json.dumps(keys)
    get_settings.cache_clear()  # the settings serve() reads are read again, with the keys
    out.print("keys for this demo (enter one in the app's 'Enter a key'; gone when it stops):")
    for secret, holder in keys.items():
        out.print(f"  {holder['name']:<24} {secret}")


def main() -> None:  # pragma: no cover - console entry point
    """The console entry point: the ``nhgraph`` command."""
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
