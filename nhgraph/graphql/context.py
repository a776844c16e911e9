"""The per-request context: who asks, the database, and one DataLoader per kind of node.

Every related field (an INT's teams, a team's provider, a place's neighbourhoods) resolves
through these loaders, so a query for fifty INTs and their teams costs one round trip per
level of the query, not one per item. The loaders live for one request only: a cache shared
between requests would serve one caller's view to another and go stale after an edit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import cached_property
from typing import Any, TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from nhgraph import queries
from nhgraph.access import Principal
from nhgraph.config import Settings
from nhgraph.store.db import Database, Record
from nhgraph.store.history import MomentReader

T = TypeVar("T")

#: A loader of one kind of node: its rows by id (None for an id not stored).
NodeLoader = DataLoader[str, Record | None]


async def read(database: Database, name: str, parameters: Mapping[str, Any]) -> list[Record]:
    """Run a named query off the event loop (the driver is synchronous)."""
    return await run_in_threadpool(database.read, queries.load(name), dict(parameters))


class Loaders:
    """The request's DataLoaders, one per kind of node, each made on first use over the named
    query that fetches a batch of that kind by id."""

    def __init__(self, database: Database, on: date) -> None:
        """Loaders over this database, reading nodes as they stand on the given day."""
        self._database = database
        self._on = on

    @cached_property
    def place(self) -> NodeLoader:
        """The loader of places by ONS code."""
        return self._make("api_places")

    @cached_property
    def neighbourhood(self) -> NodeLoader:
        """The loader of neighbourhoods by id."""
        return self._make("api_neighbourhoods")

    @cached_property
    def int_(self) -> NodeLoader:
        """The loader of INTs by id."""
        return self._make("api_ints")

    @cached_property
    def team(self) -> NodeLoader:
        """The loader of teams by id."""
        return self._make("api_teams")

    @cached_property
    def organisation(self) -> NodeLoader:
        """The loader of organisations by ODS code or nhgraph id."""
        return self._make("api_organisations")

    @cached_property
    def service(self) -> NodeLoader:
        """The loader of services by id."""
        return self._make("api_services")

    @cached_property
    def agreement(self) -> NodeLoader:
        """The loader of data-sharing agreements by id."""
        return self._make("api_agreements")

    @cached_property
    def findings(self) -> DataLoader[str, list[Record]]:
        """The loader of the current validation findings about nodes, by ``'Label/id'``: every
        node type's ``validation`` field, one round trip per level of the query."""

        async def load(nodes: list[str]) -> list[list[Record]]:
            rows = await read(self._database, "api_validation", {"nodes": list(nodes)})
            by_node = {row["node"]: row["findings"] for row in rows}
            return [by_node.get(node, []) for node in nodes]

        return DataLoader(load_fn=load)

    def _make(self, name: str) -> NodeLoader:
        query = queries.load(name)
        extra = {"on": self._on} if "on" in query.parameters else {}

        async def load(ids: list[str]) -> list[Record | None]:
            rows = await read(self._database, name, {"ids": list(ids), **extra})
            by_id = {row["id"]: row for row in rows}
            return [by_id.get(node_id) for node_id in ids]

        return DataLoader(load_fn=load)


class Context(BaseContext):
    """What every resolver is handed: the caller, the settings, the database and loaders."""

    def __init__(self, settings: Settings, database: Database, principal: Principal) -> None:
        """The context of one request, fixing today's date once so every resolver sees one day."""
        super().__init__()
        self.settings = settings
        self.database = database
        self.principal = principal
        self.today = date.today()
        #: The verdict of the request's checks, reached off the event loop by the HTTP layer
        #: (:class:`~nhgraph.graphql.guard.Prepared`); None until then.
        self.prepared: Any = None
        self._at: dict[datetime, Loaders] = {}
        #: The moment each root field given ``asAt`` asked for, by its key in the response.
        self._stood_at: dict[str | int, datetime] = {}

    @cached_property
    def loaders(self) -> Loaders:
        """The request's loaders, made on first use and reading as of today."""
        return Loaders(self.database, self.today)

    def loaders_at(self, moment: datetime | None) -> Loaders:
        """The loaders reading the graph as it stood at ``moment`` (record time), one set per
        moment asked; the present's loaders for None."""
        if moment is None:
            return self.loaders
        found = self._at.get(moment)
        if found is None:
            reader = MomentReader(self.database, moment)
            found = self._at[moment] = Loaders(reader, self.today)  # type: ignore[arg-type]
        return found

    def stand_at(self, info: Any, moment: datetime | None) -> None:
        """Note that the root field being resolved asks for the graph as it stood at
        ``moment`` (None: the present), so that every field under it reads then too."""
        if moment is not None:
            self._stood_at[_root_key(info)] = moment

    def loaders_of(self, info: Any) -> Loaders:
        """The loaders a resolver reads through: as the graph stood at the moment its root
        field was given (``asAt``), at every level of the selection under it, or the
        present's."""
        if not self._stood_at:
            return self.loaders
        return self.loaders_at(self._stood_at.get(_root_key(info)))


def _root_key(info: Any) -> str | int:
    """The response key of the root field a resolver is under (its alias or name)."""
    path = info.path
    while path.prev is not None:
        path = path.prev
    return path.key  # type: ignore[no-any-return]


#: What resolvers are handed: ``info.context`` is the request's :class:`Context`.
Info = strawberry.Info[Context, None]


async def one(loader: NodeLoader, node_id: str | None, build: Callable[[Record], T]) -> T | None:
    """The node of this id through its loader, built from its row (None when not stored)."""
    if node_id is None:
        return None
    row = await loader.load(node_id)
    return None if row is None else build(row)


async def many(loader: NodeLoader, ids: list[str], build: Callable[[Record], T]) -> list[T]:
    """The nodes of these ids through their loader, in order, leaving out any not stored."""
    rows = await loader.load_many(ids)
    return [build(row) for row in rows if row is not None]
