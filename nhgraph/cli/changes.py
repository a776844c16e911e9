"""What a release changes, as the command line prints it: ``nhgraph load --dry-run``, the
changes a real load made, and ``nhgraph diff`` between two releases on disk.

The same three forms as ``nhgraph ask``: a table (the events, the counts by label and
operation, the impact), CSV (one row per event, count and impact row, the ``section`` column
saying which) or JSON (one object).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from rich.table import Table

from nhgraph.cli.common import out

if TYPE_CHECKING:
    from nhgraph.history.impact import Impact
    from nhgraph.history.words import Words

#: The columns of the CSV form.
CSV_COLUMNS = ("section", "kind", "id", "name", "before", "after", "detail", "lsoas", "population")


class ReportForm(StrEnum):
    """The forms a change report is given in (as ``nhgraph ask``'s rows)."""

    table = "table"
    csv = "csv"
    json = "json"


def report_rows(words: Words, impact: Impact | None) -> list[dict[str, Any]]:
    """The report as flat rows of :data:`CSV_COLUMNS`: events, then counts, then impact."""
    found: list[dict[str, Any]] = [
        {
            "section": "event",
            "kind": e.event,
            "id": e.organisation,
            "name": e.name,
            "before": e.before,
            "after": e.after,
            "detail": e.note,
        }
        for e in words.events
    ]
    for (label, operation), count in sorted(words.counts.items()):
        found.append(
            {
                "section": "count",
                "kind": f"{label} {operation}",
                "id": label,
                "name": operation,
                "after": count,
                "detail": f"{words.other[(label, operation)]} not named by an event",
            }
        )
    for row in impact.rows if impact is not None else []:
        organisation = " ".join(
            str(part) for part in (row.get("organisation"), row.get("organisation_name")) if part
        )
        found.append(
            {
                "section": "impact",
                "kind": row["kind"],
                "id": row["id"],
                "name": row["name"],
                "detail": "; ".join(
                    part for part in (organisation, str(row.get("detail") or "")) if part
                ),
                "lsoas": row.get("lsoas"),
                "population": row.get("population"),
            }
        )
    return found


def print_report(
    title: str,
    words: Words,
    impact: Impact | None,
    form: ReportForm = ReportForm.table,
    extra: dict[str, Any] | None = None,
    limit: int = 200,
) -> None:
    """Print what the changes are, in the users' words, and what they touch; a table shows
    at most ``limit`` events (a first load opens every organisation), CSV and JSON all."""
    if form is ReportForm.json:
        body: dict[str, Any] = {"report": title, **(extra or {}), **words.as_dict()}
        if impact is not None:
            body["impact"] = [dict(row) for row in impact.rows]
        print(json.dumps(body, indent=2, default=str))
        return
    rows = report_rows(words, impact)
    if form is ReportForm.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in CSV_COLUMNS])
        return
    events = [
        (r["kind"], r["id"], r["name"], r["before"], r["after"], r["detail"])
        for r in rows
        if r["section"] == "event"
    ]
    _table(
        f"{title}: {len(events)} event(s)",
        ("event", "organisation", "name", "before", "after", "note"),
        events[:limit],
    )
    if len(events) > limit:
        out.print(f"... and {len(events) - limit} more event(s): --format csv or json lists all")
    _table(
        f"{title}: changes by label",
        ("label", "operation", "count", "not named by an event"),
        [
            (label, op, n, words.other[(label, op)])
            for (label, op), n in sorted(words.counts.items())
        ],
    )
    if impact is not None:
        _table(
            f"{title}: what it touches ({len(impact.rows)} row(s))",
            ("kind", "id", "name", "detail", "lsoas", "population"),
            [
                (r["kind"], r["id"], r["name"], r["detail"], r["lsoas"], r["population"])
                for r in rows
                if r["section"] == "impact"
            ],
        )


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    out.print(table)
