"""``nhgraph export``: the stored graph written to files in an exchange format."""

from __future__ import annotations

import typer

export_app = typer.Typer(
    help="Write the stored graph in an exchange format: HSDS 3.0, FHIR R4 or RDF.",
    no_args_is_help=True,
)
