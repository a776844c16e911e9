"""Lists a page at a time: connections with a total count and keyset cursors.

A list's named query gives the matching ids (one more than the page, to know whether another
page follows) and how many match in all; the page's nodes then come through the kind's
DataLoader, so a page costs the same round trips as a single node.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError

from nhgraph.graphql.context import Info, NodeLoader, read
from nhgraph.store.db import Record

N = TypeVar("N")


@strawberry.type
class PageInfo:
    """Where a page sits in its list: whether more follow or precede, and its end cursors."""

    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[N]):
    """One item of a page with the cursor that resumes the list after it."""

    cursor: str
    node: N


@strawberry.type(description="A page of a list, with how many items match in all.")
class Connection(Generic[N]):
    """A page of a list, with how many items match in all and where the page sits."""

    total_count: int
    edges: list[Edge[N]]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[N]:
        """The page's items without their cursors, for clients that need no edges."""
        return [edge.node for edge in self.edges]


@strawberry.enum(description="The order of a list: by id, or by name then id.")
class SortBy(Enum):
    """The order of a list: by id, or by name then id, so a cursor's key is always unique."""

    ID = "id"
    NAME = "name"


def encode_cursor(key: str, node_id: str) -> str:
    """The opaque cursor of an item, holding its sort key and id for the next page's keyset read."""
    return base64.urlsafe_b64encode(json.dumps([key, node_id]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[str, str]:
    """The (sort key, id) a cursor holds; ValueError naming the cursor when it is not ours."""
    try:
        key, node_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except Exception as error:
        raise ValueError(f"'{cursor}' is not a cursor this API gave out") from error
    if not isinstance(key, str) or not isinstance(node_id, str):
        # A caller's bad value, like an undecodable one: page() answers both BAD_USER_INPUT.
        raise ValueError(f"'{cursor}' is not a cursor this API gave out")  # noqa: TRY004
    return key, node_id


def bad_input(message: str, **extensions: Any) -> GraphQLError:
    """An error the caller made and can correct: shown even when error detail is off."""
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT", **extensions})


def enum_value(value: Enum | None) -> Any:
    """A filter's enum as the value stored in Neo4j (None for no filter)."""
    return None if value is None else value.value


async def page(
    info: Info,
    list_query: str,
    loader: NodeLoader,
    build: Callable[[Record], N],
    filters: Mapping[str, Any],
    sort: SortBy,
    first: int | None,
    after: str | None,
) -> Connection[N]:
    """One page of a list: the named list query gives the matching ids and how many there
    are, then the page's nodes come through the kind's DataLoader."""
    maximum = info.context.settings.api_max_page_size
    limit = maximum if first is None else first
    if not 0 <= limit <= maximum:
        raise bad_input(f"first must be between 0 and {maximum}, not {first}", argument="first")
    after_key = after_id = None
    if after is not None:
        try:
            after_key, after_id = decode_cursor(after)
        except ValueError as error:
            raise bad_input(str(error), argument="after") from error
    [found] = await read(
        info.context.database,
        list_query,
        {
            **filters,
            "sort": sort.value,
            "after_key": after_key,
            "after_id": after_id,
            "limit": limit + 1,
        },
    )
    entries = found["page"][:limit]
    rows = await loader.load_many([entry["id"] for entry in entries])
    edges = [
        Edge(cursor=encode_cursor(str(entry["key"]), entry["id"]), node=build(row))
        for entry, row in zip(entries, rows, strict=True)
        if row is not None
    ]
    return Connection(
        total_count=found["total"],
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(found["page"]) > limit,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
