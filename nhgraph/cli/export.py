"""``nhgraph export``: the stored graph written to files in an exchange format."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.markup import escape

from nhgraph.cli.common import current_settings, err, failing, out
from nhgraph.export.formats import RdfFormat
from nhgraph.store import db

export_app = typer.Typer(
    help="Write the stored graph in an exchange format: HSDS 3.0, FHIR R4 or RDF.",
    no_args_is_help=True,
)


@export_app.command("hsds")
def hsds_command(
    folder: Path = typer.Argument(..., help="The folder to write (created; must be empty)."),
    force: bool = typer.Option(
        False, "--force", help="Replace what the folder holds (only once the export is whole)."
    ),
) -> None:
    """Write the public directory as HSDS 3.0 / Open Referral UK 3.0: ndjson records in json/,
    and one CSV per table with datapackage.json. All or nothing: exit 0 written, 1 the database
    failed, 2 the folder is refused."""
    from nhgraph.export import hsds, hsds_files
    from nhgraph.store import db

    database = db.get_database(current_settings())
    with failing("export hsds"):
        written = hsds_files.write(hsds.Directory(database), folder, force=force)
    counts = written.counts
    out.print(
        f"wrote {written.path}: {counts['services.ndjson']} services, "
        f"{counts['organizations.ndjson']} organizations, {counts['taxonomies.ndjson']} "
        f"taxonomies, {counts['taxonomy_terms.ndjson']} terms; "
        f"{len(hsds_files.TABLES)} CSV tables with datapackage.json",
        highlight=False,
    )


@export_app.command("rdf")
def export_rdf_command(
    path: Path | None = typer.Argument(
        None, help="The file to write (written whole, or not at all); standard output if none."
    ),
    rdf_format: RdfFormat = typer.Option(
        RdfFormat.turtle, "--format", help="turtle, jsonld or ntriples (streamed)."
    ),
    vocabulary: bool = typer.Option(
        True,
        "--vocabulary/--no-vocabulary",
        help="Include the vocabulary and its concept schemes (nhgraph.ttl, concepts.ttl).",
    ),
    public: bool = typer.Option(
        False,
        "--public",
        help="Only what the public role may read: no data-sharing agreements, no professional's "
        "name (the operator's export holds everything).",
    ),
) -> None:
    """Write the stored graph as RDF in nhgraph's vocabulary (it conforms to the shapes)."""
    from nhgraph.access import OPERATOR, PUBLIC
    from nhgraph.export.rdf import export_rdf, write_rdf

    principal = PUBLIC if public else OPERATOR
    with failing("export rdf"):
        database = db.get_database(current_settings())
        try:
            if path is None:
                done = write_rdf(
                    database,
                    sys.stdout.buffer,
                    rdf_format,
                    principal=principal,
                    vocabulary=vocabulary,
                )
                sys.stdout.buffer.flush()
            else:
                done = export_rdf(
                    database, path, rdf_format, principal=principal, vocabulary=vocabulary
                )
        except OSError as error:
            err.print(f"[red]export rdf:[/red] {escape(str(error))}", highlight=False)
            raise typer.Exit(2) from error
    err.print(f"export rdf: {done.summary()}" + (f" to {path}" if path else ""), highlight=False)


@export_app.command("fhir")
def export_fhir(
    folder: Path = typer.Argument(..., help="The folder to write (it must not exist yet)."),
    agreements: bool = typer.Option(
        False,
        "--agreements",
        help="Include data-sharing agreements (Contract), which the API shows only to "
        "governance and admins.",
    ),
    bundle: bool = typer.Option(
        True, "--bundle/--no-bundle", help="Also write Bundle.json, a collection of them all."
    ),
    replace: bool = typer.Option(False, "--replace", help="Write over an existing folder."),
    place: str | None = typer.Option(
        None,
        "--place",
        help="Only this place (a borough's ONS code, E09000007): its resources and every one "
        "they reference, so that every reference resolves inside its Bundle.",
    ),
) -> None:
    """Write every FHIR R4 (UK Core) resource as ndjson, one file per type (Bulk Data layout),
    and a collection Bundle of them all (or of one place). Exit 0 written, 1 the database
    failed, 2 the folder is refused or the place is unknown."""
    from nhgraph.export.fhir_files import write_fhir
    from nhgraph.store import db

    settings = current_settings()
    with failing("export fhir"):
        database = db.get_database(settings)
        written = write_fhir(
            database,
            folder,
            agreements=agreements,
            bundle=bundle,
            replace=replace,
            progress=lambda kind, n: out.print(f"{kind}: {n}"),
            place=place,
        )
    out.print(f"wrote {written.total} resources to {written.folder}")
