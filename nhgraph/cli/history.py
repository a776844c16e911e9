"""``nhgraph history ID`` and ``nhgraph changes``: what changed, newest first, as a table, CSV
or JSON; ``nhgraph history --prune`` drops what is past the retention."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import typer
from rich.table import Table

from nhgraph.cli.common import cell, current_settings, err, failing, out
from nhgraph.store import db

#: The columns of a node's history and of a list of change sets.
HISTORY_COLUMNS = ("recorded_at", "kind", "by", "operation", "fields", "before", "after")
CHANGE_SET_COLUMNS = (
    "recorded_at",
    "id",
    "kind",
    "sources",
    "source_versions",
    "editor",
    "reason",
    "created",
    "updated",
    "removed",
)


def _emit(rows: Sequence[dict[str, Any]], columns: Sequence[str], output: str, title: str) -> None:
    if output == "json":
        print(json.dumps(list(rows), indent=2, default=str))
    elif output == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row.get(c)) for c in columns])
    else:
        table = Table(*columns, title=title)
        for row in rows:
            table.add_row(*(cell(row.get(c)) for c in columns))
        out.print(table)


def _format(output: str) -> str:
    if output not in ("table", "csv", "json"):
        err.print(f"--format {output!r}: table, csv or json")
        raise typer.Exit(2)
    return output


def _moment(text: str | None, option: str) -> datetime | None:
    from nhgraph.store.history import HistoryRefused, parse_moment

    if text is None:
        return None
    try:
        return parse_moment(text)
    except HistoryRefused as refusal:
        err.print(f"{option}: {refusal.message}", markup=False, highlight=False)
        raise typer.Exit(2) from refusal


def register(app: typer.Typer) -> None:
    """Add ``history`` and ``changes`` to the command line."""

    @app.command("history")
    def history(
        node_id: str = typer.Argument("", help="A node's id, such as ods:F84003."),
        output: str = typer.Option("table", "--format", help="table, csv or json"),
        limit: int = typer.Option(100, "--limit", help="Most changes shown (1-500)."),
        offset: int = typer.Option(0, "--offset", help="Changes skipped, newest first."),
        prune: bool = typer.Option(
            False, "--prune", help="Drop change sets past the retention, and say how many."
        ),
        days: int | None = typer.Option(
            None, "--days", help="With --prune: keep this many days (else the setting)."
        ),
    ) -> None:
        """A node's changes, newest first: when, by which load or editor, what it did, the
        fields it changed, and their values before and after. Exit codes: 0 shown, 1 the
        database failed, 2 an id no node has (now or in history), or a bad option."""
        from nhgraph.history import history_of, prune_history

        output = _format(output)
        database = db.get_database(current_settings())
        if prune:
            with failing("history --prune"):
                dropped, cutoff = prune_history(database, days)
            if cutoff is None:
                out.print("NHGRAPH_HISTORY_RETENTION_DAYS is unset: history is kept whole")
            else:
                out.print(f"pruned {dropped} change set(s) recorded before {cutoff.isoformat()}")
            return
        if not node_id:
            err.print("give a node's id (such as ods:F84003), or --prune")
            raise typer.Exit(2)
        with failing("history"):
            rows, more = history_of(database, node_id, limit=limit, offset=offset)
        title = f"history of {node_id}: {len(rows)} change(s)" + (" (more follow)" if more else "")
        _emit(rows, HISTORY_COLUMNS, output, title)

    @app.command("changes")
    def changes(
        since: str | None = typer.Option(None, "--since", help="From this moment (ISO 8601)."),
        until: str | None = typer.Option(None, "--until", help="To this moment (ISO 8601)."),
        place: str | None = typer.Option(
            None, "--place", help="Only change sets touching this place (ONS E09 code)."
        ),
        source: str | None = typer.Option(
            None, "--source", help="Only those of this source (or editor)."
        ),
        output: str = typer.Option("table", "--format", help="table, csv or json"),
        limit: int = typer.Option(50, "--limit", help="Most change sets shown (1-500)."),
        after: str | None = typer.Option(None, "--after", help="A cursor a page gave out."),
    ) -> None:
        """The change sets recorded, newest first: each load and edit, who or what made it,
        and how many nodes it created, updated and removed. Exit codes: 0 shown, 1 the
        database failed, 2 a bad option."""
        from nhgraph.history import change_sets

        output = _format(output)
        start, end = _moment(since, "--since"), _moment(until, "--until")
        database = db.get_database(current_settings())
        with failing("changes"):
            rows, following = change_sets(
                database,
                since=start,
                until=end,
                place=place,
                source=source,
                limit=limit,
                after=after,
            )
        _emit(rows, CHANGE_SET_COLUMNS, output, f"{len(rows)} change set(s)")
        if following and output == "table":
            out.print(f"more: --after '{following}'", markup=False)
        elif following:
            err.print(f"more: --after '{following}'", markup=False)
