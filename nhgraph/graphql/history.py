"""Time over GraphQL: a node's ``history``, the ``changes`` recorded, and ``asAt``.

``asAt`` (record time) asks for the graph as it stood at a moment: the same statements as the
present's, run in a transaction where every change recorded since is undone, and rolled back
(:func:`nhgraph.store.history.as_it_stood`). A moment malformed, in the future, before the
history kept or further back than NHGRAPH_AS_AT_MAX_CHANGES is refused as BAD_USER_INPUT.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import strawberry
from graphql import GraphQLError
from starlette.concurrency import run_in_threadpool

from nhgraph.graphql.context import Info
from nhgraph.graphql.pagination import bad_input
from nhgraph.graphql.permissions import ReadsAnalysis
from nhgraph.history import MAX_PAGE, change_sets, history_of
from nhgraph.store.history import HistoryRefused, check_moment

T = TypeVar("T")

#: The most changes one node's ``history`` gives.
MAX_HISTORY = 100


#: The argument of every field that answers as the graph stood at a moment of record time.
AsAt = Annotated[
    datetime | None,
    strawberry.argument(
        description="Answer as the graph stood at this moment (record time); `on` "
        "stays the day the data's dates are read for."
    ),
]


def refused(refusal: HistoryRefused) -> GraphQLError:
    """A refused question about the past as the caller's error, with its code."""
    return bad_input(refusal.message, reason=refusal.code)


def moment_of(as_at: datetime | None) -> datetime | None:
    """The asAt moment checked (BAD_USER_INPUT for one in the future), or None."""
    if as_at is None:
        return None
    try:
        return check_moment(as_at)
    except HistoryRefused as refusal:
        raise refused(refusal) from refusal


async def guarded(work: Callable[[], T]) -> T:
    """Run a question off the event loop, a refused moment becoming BAD_USER_INPUT."""
    try:
        return await run_in_threadpool(work)
    except HistoryRefused as refusal:
        raise refused(refusal) from refusal


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str, sort_keys=True)


@strawberry.type(description="One field a change changed: its value before and after, as JSON.")
class FieldChange:
    """One field of a node a change changed, its values before and after as JSON text (null
    where the node did not exist, or the field was empty)."""

    field: str
    before: str | None
    after: str | None


@strawberry.type(description="One change of a node: when, by what, and what it changed.")
class HistoryEntry:
    """One change of a node, newest first in a history: when it was recorded, by which load
    (its source and release) or editor, the operation, and the fields it changed."""

    recorded_at: datetime
    change_set: str
    kind: str = strawberry.field(description="load or edit")
    by: str = strawberry.field(description="The source and its release, or the editor.")
    reason: str | None = strawberry.field(description="An edit's action.")
    operation: str = strawberry.field(description="created, updated or removed")
    changes: list[FieldChange]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> HistoryEntry:
        """The entry from a row of :func:`nhgraph.history.history_of`."""
        before, after = row["before"] or {}, row["after"] or {}
        return cls(
            recorded_at=datetime.fromisoformat(row["recorded_at"]),
            change_set=row["change_set"],
            kind=row["kind"],
            by=row["by"] or "",
            reason=row["reason"],
            operation=row["operation"],
            changes=[
                FieldChange(
                    field=name, before=_json(before.get(name)), after=_json(after.get(name))
                )
                for name in row["fields"]
            ],
        )


async def node_history(info: Info, node_id: str, first: int) -> list[HistoryEntry]:
    """A node's changes newest first, at most ``first`` (1-100)."""
    if not 1 <= first <= MAX_HISTORY:
        raise bad_input(f"first {first} is not between 1 and {MAX_HISTORY}")
    database = info.context.database

    def work() -> list[dict[str, Any]]:
        try:
            rows, _ = history_of(database, node_id, limit=first)
        except HistoryRefused as refusal:
            if refusal.code == "unknown_id":
                return []
            raise
        return rows

    return [HistoryEntry.from_row(row) for row in await guarded(work)]


@strawberry.type(description="A change set: one load or edit, who or what made it, and counts.")
class ChangeSet:
    """One load or edit as recorded: when, its kind, its sources and their releases or its
    editor and action, and how many nodes it created, updated and removed."""

    id: strawberry.ID
    recorded_at: datetime
    kind: str
    sources: list[str]
    source_versions: list[str]
    editor: str | None
    reason: str | None
    created: int
    updated: int
    removed: int


@strawberry.type(description="A page of change sets, newest first.")
class ChangeSetPage:
    """A page of change sets, newest first, and the cursor of the next page (null at the end)."""

    items: list[ChangeSet]
    end_cursor: str | None
    has_next_page: bool


@strawberry.type
class HistoryQuery:
    """The root field listing change sets."""

    @strawberry.field(
        permission_classes=[ReadsAnalysis],
        description="Change sets recorded (loads and edits), newest first: between since and "
        "until, of a source (or editor), touching a place; a page of at most 500.",
    )
    async def changes(
        self,
        info: Info,
        since: datetime | None = None,
        until: datetime | None = None,
        place: str | None = None,
        from_source: Annotated[
            str | None,
            strawberry.argument(name="source", description="A source's name, or an editor."),
        ] = None,
        first: int = 50,
        after: str | None = None,
    ) -> ChangeSetPage:
        """The change sets, a page at a time."""
        if not 1 <= first <= MAX_PAGE:
            raise bad_input(f"first {first} is not between 1 and {MAX_PAGE}")
        for text in (place, from_source, after):
            if text is not None and len(text) > 200:
                raise bad_input("place, source and after are at most 200 characters")
        database = info.context.database
        rows, following = await guarded(
            lambda: change_sets(
                database,
                since=since,
                until=until,
                place=place,
                source=from_source,
                limit=first,
                after=after,
            )
        )
        return ChangeSetPage(
            items=[
                ChangeSet(
                    id=strawberry.ID(row["id"]),
                    recorded_at=datetime.fromisoformat(row["recorded_at"]),
                    kind=row["kind"],
                    sources=row["sources"],
                    source_versions=row["source_versions"],
                    editor=row["editor"],
                    reason=row["reason"],
                    created=row["created"],
                    updated=row["updated"],
                    removed=row["removed"],
                )
                for row in rows
            ],
            end_cursor=following,
            has_next_page=following is not None,
        )
