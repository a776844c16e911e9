"""``nhgraph export``: the stored graph written to files in an exchange format."""

from __future__ import annotations

from pathlib import Path

import typer

from nhgraph.cli.common import current_settings, failing, out

export_app = typer.Typer(
    help="Write the stored graph in an exchange format: HSDS 3.0, FHIR R4 or RDF.",
    no_args_is_help=True,
)


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
) -> None:
    """Write every FHIR R4 (UK Core) resource as ndjson, one file per type (Bulk Data layout),
    and a collection Bundle of them all."""
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
        )
    out.print(f"wrote {written.total} resources to {written.folder}")
