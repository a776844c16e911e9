"""Time, as users ask about it: a node's history, the change sets of a period or a place, and
the pruning of history past its retention.

The store records the change sets (:mod:`nhgraph.store.history`, in each write's own
transaction) and undoes them for an asAt question; this layer shapes what is read back for the
command line and the API: newest first, bounded, each change with who or what made it, the
fields it changed, and what they said before and after.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from nhgraph.store.db import Database, Reader
from nhgraph.store.history import (
    ChangeSetRow,
    HistoryRefused,
    NodeHistoryEntry,
    list_change_sets,
    node_history,
    prune,
)

#: The most entries one page of a history or of a list of change sets holds.
MAX_PAGE = 500


def _bounded(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise HistoryRefused("invalid_limit", f"limit {limit} is not between 1 and {MAX_PAGE}")
    return limit


def history_of(
    reader: Reader, node_id: str, *, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], bool]:
    """A node's changes newest first, as rows (see :func:`entry_row`), and whether more
    follow; HistoryRefused ``unknown_id`` (exit 2) for an id that is neither stored nor was
    ever changed."""
    if offset < 0:
        raise HistoryRefused("invalid_offset", f"offset {offset} is negative")
    entries, known = node_history(reader, node_id, limit=_bounded(limit) + 1, offset=offset)
    if not known:
        raise HistoryRefused("unknown_id", f"no node has the id {node_id!r}, now or in history")
    return [entry_row(e) for e in entries[:limit]], len(entries) > limit


def entry_row(entry: NodeHistoryEntry) -> dict[str, Any]:
    """One change as the command line and API show it: when, the kind of change set, who or
    what made it (the source and its release, or the editor), the operation, the fields
    changed, and their values before and after."""
    change = entry.change
    fields = change.fields
    before = change.before or {}
    after = change.after or {}
    return {
        "recorded_at": entry.recorded_at.isoformat(),
        "change_set": entry.change_set,
        "kind": entry.kind,
        "by": entry.editor
        if entry.kind == "edit"
        else "; ".join(entry.sources + entry.source_versions),
        "reason": entry.reason,
        "label": change.label,
        "operation": change.operation,
        "fields": fields,
        "before": {name: before.get(name) for name in fields} if change.before else None,
        "after": {name: after.get(name) for name in fields} if change.after else None,
    }


def change_sets(
    reader: Reader,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    place: str | None = None,
    source: str | None = None,
    limit: int = 50,
    after: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Change sets newest first, as rows, and the cursor of the next page (None when this is
    the last): ``after`` is a cursor this gave out (``recorded_at|id``)."""
    # A moment without an offset is the local time (the store compares aware moments only).
    since = since.astimezone() if since is not None and since.tzinfo is None else since
    until = until.astimezone() if until is not None and until.tzinfo is None else until
    cursor = None
    if after:
        at, sep, set_id = after.partition("|")
        try:
            cursor = (datetime.fromisoformat(at), set_id)
        except ValueError as error:
            raise HistoryRefused(
                "invalid_cursor", f"{after!r} is not a cursor given out"
            ) from error
        if not sep or not set_id:
            raise HistoryRefused("invalid_cursor", f"{after!r} is not a cursor given out")
    rows = list_change_sets(
        reader,
        since=since,
        until=until,
        place=place,
        source=source,
        limit=_bounded(limit) + 1,
        before_id=cursor,
    )
    page = rows[:limit]
    following = f"{page[-1].recorded_at.isoformat()}|{page[-1].id}" if len(rows) > limit else None
    return [set_row(row) for row in page], following


def set_row(row: ChangeSetRow) -> dict[str, Any]:
    """A change set as the command line and API show it."""
    return {
        "id": row.id,
        "recorded_at": row.recorded_at.isoformat(),
        "kind": row.kind,
        "sources": row.sources,
        "source_versions": row.source_versions,
        "editor": row.editor,
        "reason": row.reason,
        "created": row.created,
        "updated": row.updated,
        "removed": row.removed,
    }


def prune_history(database: Database, days: int | None = None) -> tuple[int, datetime | None]:
    """Drop the change sets older than ``days`` (else NHGRAPH_HISTORY_RETENTION_DAYS; with
    neither, nothing: history is kept whole); the number dropped and the cut-off."""
    keep = days if days is not None else database.settings.history_retention_days
    if keep is None:
        return 0, None
    if keep < 1:
        raise HistoryRefused("invalid_retention", f"retention of {keep} days is not positive")
    cutoff = datetime.now(UTC) - timedelta(days=keep)
    return prune(database, cutoff), cutoff
