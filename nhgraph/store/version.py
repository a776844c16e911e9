"""The graph's version: a token that every committed write changes.

A cache of something read from the graph (the map's LSOA layer and its ETag; later, GraphQL
answers) is good for as long as the token it was read under is current. Every write path of
the store (a load's batches, a streamed load, an edit, a saved validation run) calls
:func:`advance` as its last statement, in its own transaction: the token changes when the write
commits, never before, and a write that rolls back leaves it as it was.

The token is random, not a counter: a graph emptied and loaded again must not come back to a
version a cache has already seen. ``None`` (no token stored) means the graph was written by
hand or emptied; callers do not cache under it.
"""

from __future__ import annotations

from nhgraph import queries
from nhgraph.store.db import Reader, Transaction

#: The label of the version node: bookkeeping, not a class of the model.
VERSION_LABEL = "GraphVersion"


def advance(tx: Transaction) -> None:
    """Give the graph a new version token, in the caller's write transaction (its last step:
    the single version node stays locked only from here to the commit)."""
    tx.run(queries.load("graph_version_advance"), {})


def current(reader: Reader) -> str | None:
    """The token of the last committed write, or None when none is stored."""
    rows = reader.read(queries.load("graph_version"), {})
    return str(rows[0]["token"]) if rows else None
