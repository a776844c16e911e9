"""What every command of the ``nhgraph`` command line shares: its consoles, its settings, and
the one place nhgraph's errors become a message and an exit code."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from nhgraph.config import Settings, get_settings
from nhgraph.errors import NhgraphError
from nhgraph.store.localserver import LocalServer

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@contextmanager
def failing(
    what: str, *, exit_codes: Mapping[type[NhgraphError], int] | None = None
) -> Iterator[None]:
    """Turn an nhgraph error raised inside into ``what: message`` on stderr and an exit.

    The exit code is the error's own (:attr:`NhgraphError.exit_code`) unless the command
    documents another for that kind in ``exit_codes`` (``validate`` exits 2 when the database
    fails, where ``load`` exits 1). Errors that are not nhgraph's are bugs, and pass through.
    """
    try:
        yield
    except NhgraphError as error:
        code = error.exit_code
        for kind, documented in (exit_codes or {}).items():
            if isinstance(error, kind):
                code = documented
                break
        text = escape(str(error))  # an error's text is printed as it is, never read as markup
        err.print(f"[red]{what}:[/red] {text}" if what else text, highlight=False)
        raise typer.Exit(code) from error


def current_settings() -> Settings:
    """The settings, or exit 2 naming what is wrong with them."""
    try:
        return get_settings()
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        err.print(f"[red]configuration error:[/red] {error}")
        raise typer.Exit(2) from error


def local_server(given: Settings) -> LocalServer | None:
    """The project's own server, or None (saying so) when NHGRAPH_NEO4J_URI names another."""
    if not given.manages_local_server:
        out.print(f"NHGRAPH_NEO4J_URI is set: using the server at {given.neo4j_uri}")
        return None
    return LocalServer(given)


def cell(value: object) -> str:
    """A value in a CSV or table cell: nested lists and maps as compact JSON (the ask, history
    and changes commands print rows alike)."""
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, default=str, separators=(",", ":"))
    return str(value)
