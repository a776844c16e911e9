"""``nhgraph export``: the stored graph written to files in an exchange format."""

from __future__ import annotations

from pathlib import Path

import typer

from nhgraph.cli.common import current_settings, failing, out

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
