"""``nhgraph neo4j`` and ``nhgraph db``: run the project's own Neo4j; prepare, count the graph."""

from __future__ import annotations

import typer
from rich.table import Table

from nhgraph.cli.common import current_settings, failing, local_server, out
from nhgraph.store import db

neo4j_app = typer.Typer(help="Run the project's own Neo4j server (no Docker needed).")
db_app = typer.Typer(help="Prepare and inspect the graph database.")


@neo4j_app.command("start")
def neo4j_start() -> None:
    """Start the project's Neo4j (fetching its jars with Maven the first time)."""
    server = local_server(current_settings())
    if server is None:
        return
    with failing("neo4j start failed"):
        state = server.start()
    out.print(f"neo4j: {state.message}")


@neo4j_app.command("stop")
def neo4j_stop() -> None:
    """Stop the project's Neo4j (SIGTERM, waiting for a clean shutdown)."""
    server = local_server(current_settings())
    if server is not None:
        out.print(f"neo4j: {server.stop().message}")


@neo4j_app.command("status")
def neo4j_status() -> None:
    """Say whether the project's Neo4j runs; exit 0 when it does, 1 when not."""
    settings = current_settings()
    server = local_server(settings)
    if server is None:
        ready = db.get_database(settings).is_ready()
        out.print(f"neo4j at {settings.neo4j_uri}: {'reachable' if ready else 'NOT reachable'}")
        raise typer.Exit(0 if ready else 1)
    state = server.status()
    out.print(f"neo4j: {state.message}")
    raise typer.Exit(0 if state.running else 1)


@neo4j_app.command("reset")
def neo4j_reset(
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Stop the project's Neo4j and delete its data, logs and password."""
    server = local_server(current_settings())
    if server is None:
        return
    if not yes:
        typer.confirm(f"Delete {server.home} and all the data in it?", abort=True)
    out.print(f"neo4j: {server.reset().message}")


@db_app.command("init")
def db_init() -> None:
    """Create the graph's constraints and indexes (idempotent)."""
    database = db.get_database(current_settings())
    with failing("db init failed"):
        count = database.ensure_schema()
    out.print(f"schema: {count} constraints and indexes in place on {database.uri}")


@db_app.command("counts")
def db_counts() -> None:
    """How many nodes of each label the graph holds."""
    from nhgraph import queries

    database = db.get_database(current_settings())
    with failing(""):
        rows = database.read(queries.load("node_counts"))
    table = Table("label", "count")
    for row in rows:
        table.add_row(row["label"], str(row["count"]))
    out.print(table)
