"""Rows and content hashes: what a model becomes on its way to Neo4j.

A row is ``{id, props, links}``: the node's properties apart from its link fields, and the ids
each link names. Its content hash is what a reload compares, so only what changed is written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from nhgraph.schema.models import Node
from nhgraph.store.db import wgs84_point

T = TypeVar("T")


#: What the hash leaves out: when and from which version a node was loaded, and the hash.
_UNHASHED = frozenset({"loaded_at", "content_hash", "source_version"})


#: One encoder for every hash: the text is exactly ``json.dumps(..., sort_keys=True,
#: default=str)`` (stored hashes stay valid), without making an encoder per row. No cycle
#: check: rows are trees made by :func:`node_rows`.
_HASH_ENCODER = json.JSONEncoder(sort_keys=True, default=str, check_circular=False)


#: Types whose values go to Neo4j as they are.
_PLAIN = frozenset({str, int, float, bool, type(None)})


def content_hash(row: dict[str, Any]) -> str:
    """A fingerprint of what a node says: its properties and links, not when or from which
    version of its source it was loaded (a node keeps the version it last changed in)."""
    body = {k: v for k, v in row["props"].items() if k not in _UNHASHED}
    text = _HASH_ENCODER.encode([body, row["links"]])
    return hashlib.sha1(text.encode()).hexdigest()[:20]


def plain(value: Any) -> Any:
    """A value as Neo4j takes it: an enum as its notation, a list of them as a list."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def in_batches(rows: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """The rows in slices of ``size``, each one statement's ``$rows``."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


#: The corners of an area's bounding box, stored as WGS84 points beside the four numbers they
#: are made of, because only a point property can be in a Neo4j point index: the LSOA of a
#: point is then found by an index seek (see lsoas_around_point.cypher), not a scan of every
#: LSOA's latitude, which grows with England.
BOX_CORNERS = ("box_south_west", "box_north_east")


def _box_corners(props: dict[str, Any]) -> None:
    south, north = props.get("min_latitude"), props.get("max_latitude")
    west, east = props.get("min_longitude"), props.get("max_longitude")
    if south is not None and north is not None and west is not None and east is not None:
        props["box_south_west"] = wgs84_point(float(west), float(south))
        props["box_north_east"] = wgs84_point(float(east), float(north))


def node_rows(models: Sequence[Node], loaded_at: datetime | None = None) -> list[dict[str, Any]]:
    """Rows of ``{id, props, links}`` for one class: properties apart from links."""
    rows = []
    for model in models:
        links = type(model).links()
        values = model.__dict__  # the fields (extra="forbid"), without pydantic's __iter__
        # Most values are plain already: a type test is cheaper than plain's isinstance calls
        # (a postcode load makes half a million of them).
        props = {
            k: v if type(v) in _PLAIN else plain(v) for k, v in values.items() if k not in links
        }
        if loaded_at is not None and props.get("loaded_at") is None:
            props["loaded_at"] = loaded_at
        if "min_latitude" in props:
            _box_corners(props)
        targets = {name: link_targets(values[name]) for name in links}
        rows.append({"id": props["id"], "props": props, "links": targets})
    return rows


def link_targets(value: Any) -> list[Any]:
    """The ids a link field names: none, one or a list."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    return [] if value is None else [plain(value)]


def drop_empty_load_times(rows: Iterable[dict[str, Any]]) -> None:
    """The load time goes once, as $loaded_at: the driver packs each datetime in pure Python
    (about 150 us apiece), which would dominate a postcode load."""
    for row in rows:
        if row["props"].get("loaded_at") is None:
            row["props"].pop("loaded_at", None)


@dataclass
class NewNodes:
    """The new nodes of one class: rows made already (to compare them with stored ones), or
    models whose rows are made batch by batch, so that Neo4j has its first batch at once."""

    models: Sequence[Node] = ()
    rows: Sequence[dict[str, Any]] | None = None

    def ids(self) -> Iterator[Any]:
        """The ids of the new nodes, without making their rows."""
        if self.rows is not None:
            return (row["id"] for row in self.rows)
        return (plain(model.__dict__["id"]) for model in self.models)

    def targets(self, name: str) -> Iterator[tuple[Any, Any]]:
        """(node id, target id) of every link the field makes."""
        if self.rows is not None:
            for row in self.rows:
                for target in row["links"][name]:
                    yield row["id"], target
            return
        for model in self.models:
            values = model.__dict__
            for target in link_targets(values[name]):
                yield plain(values["id"]), target

    def batches(self, size: int) -> Iterator[Sequence[dict[str, Any]]]:
        """The rows in batches; made batch by batch when only models are held."""
        if self.rows is not None:  # made already: nothing to overlap, so no small first batch
            yield from in_batches(self.rows, size)
            return
        for models in ramped(self.models, size):
            yield fresh_rows(models)


def fresh_rows(models: Sequence[Node]) -> list[dict[str, Any]]:
    """The rows of new nodes, their load time left to the statement's ``$loaded_at``."""
    rows = node_rows(models)
    drop_empty_load_times(rows)
    return rows


#: The first batch of a class, smaller than the rest, so that Neo4j starts on it while the
#: next is made, rather than idle until a class's one big batch is made.
FIRST_BATCH = 500


def ramped(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Batches that double from :data:`FIRST_BATCH` up to ``size``."""
    start, step = 0, min(FIRST_BATCH, size)
    while start < len(items):
        yield items[start : start + step]
        start += step
        step = min(step * 2, size)


def props_only(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows without their links, for a statement that sets properties only."""
    return [{"id": r["id"], "props": r["props"]} for r in rows]
