"""The per-request context: who asks, the database, and one DataLoader per kind of node.

Every related field (an INT's teams, a team's provider, a place's neighbourhoods) resolves
through these loaders, so a query for fifty INTs and their teams costs one round trip per
level of the query, not one per item. The loaders live for one request only: a cache shared
between requests would serve one caller's view to another and go stale after an edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cached_property
from typing import Any

from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from nhgraph import queries
from nhgraph.config import Settings
from nhgraph.graphql.access import Principal
from nhgraph.store.db import Database, Record

#: The loader of each kind of node: the named query that fetches a batch of them by id.
LOADER_QUERIES: Mapping[str, str] = {
    "place": "api_places",
    "neighbourhood": "api_neighbourhoods",
    "int": "api_ints",
    "team": "api_teams",
    "organisation": "api_organisations",
    "service": "api_services",
    "agreement": "api_agreements",
}


async def read(database: Database, name: str, parameters: Mapping[str, Any]) -> list[Record]:
    """Run a named query off the event loop (the driver is synchronous)."""
    return await run_in_threadpool(database.read, queries.load(name), dict(parameters))


class Loaders:
    """The request's DataLoaders, made on first use."""

    def __init__(self, database: Database, on: date) -> None:
        self._database = database
        self._on = on
        self._made: dict[str, DataLoader[str, Record | None]] = {}

    def __getitem__(self, kind: str) -> DataLoader[str, Record | None]:
        loader = self._made.get(kind)
        if loader is None:
            loader = self._made[kind] = self._make(LOADER_QUERIES[kind])
        return loader

    def _make(self, name: str) -> DataLoader[str, Record | None]:
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
        super().__init__()
        self.settings = settings
        self.database = database
        self.principal = principal
        self.today = date.today()

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.database, self.today)
