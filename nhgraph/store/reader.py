"""The reader: stored nodes back as plain records (links as id lists) or as models."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from functools import cache
from typing import Any

from nhgraph.schema.models import MODEL_CLASSES, Node, class_name
from nhgraph.schema.registry import BY_LABEL
from nhgraph.store.db import Database, Reader, Transaction, native
from nhgraph.store.statements import (
    linked_from_statement,
    read_keyed_page_statement,
    read_page_statement,
    read_some_statement,
    read_unkeyed_statement,
    surroundings_statement,
)


@cache
def _link_fields(cls: type[Node]) -> tuple[dict[tuple[str, str], str], frozenset[str]]:
    """A class's link fields by (edge type, target label), and those that hold lists."""
    by_edge = {(link.rel, link.target): name for name, link in cls.links().items()}
    list_fields = frozenset(
        name for name in cls.links() if "list[" in str(cls.model_fields[name].annotation)
    )
    return by_edge, list_fields


def record_of(cls: type[Node], row: dict[str, Any]) -> dict[str, Any]:
    """A stored node's properties, with its edges folded back into the link fields."""
    return _record(cls, row["props"], row["links"])


def _record(cls: type[Node], props: dict[str, Any], links: list[Any]) -> dict[str, Any]:
    by_edge, list_fields = _link_fields(cls)
    record = dict(props)
    for name in by_edge.values():
        record[name] = [] if name in list_fields else None
    for rel, labels, target in links:
        for candidate in labels:
            field_name = by_edge.get((rel, candidate))
            if field_name is None:
                continue
            if field_name in list_fields:
                record[field_name].append(target)
            else:
                record[field_name] = target
    for name in list_fields:
        record[name].sort()
    return record


#: How many nodes one page of :func:`read_records` holds.
READ_PAGE = 5000


def read_records(
    database: Database,
    labels: Collection[str] | None = None,
    *,
    fields: Mapping[str, Collection[str]] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Every stored node of every (non-concept) class as a plain record, links as id lists;
    only of the classes named in ``labels`` when it is given, and with only the properties
    ``fields`` names for a class when it names it (the id and source always): a validation
    reads neither England's 80 MB of boundaries nor each node's load time, which the driver
    spent over a minute turning into datetimes.

    Everything is read in one read transaction, so the records are of one state of the graph
    even while an edit commits, a page of :data:`READ_PAGE` nodes to a row (see
    :func:`~nhgraph.store.statements.read_keyed_page_statement`): England's records are read
    in about half the time one row a node took.

    The records are not checked against the models: validating the stored graph is meant to
    find what does not fit, and report it by rule.
    """
    wanted: list[tuple[type[Node], tuple[str, ...] | None]] = []
    for cls in MODEL_CLASSES:
        label = class_name(cls)
        if cls.is_concept or (labels is not None and label not in labels):
            continue
        named = None if fields is None else fields.get(label)
        wanted.append((cls, None if named is None else tuple(sorted({"id", "source", *named}))))

    def work(tx: Transaction) -> dict[str, list[dict[str, Any]]]:
        records: dict[str, list[dict[str, Any]]] = {}
        for cls, only in wanted:
            label = class_name(cls)
            found = records[label] = []
            page, after = read_keyed_page_statement(label, only), ""
            while True:
                [nodes] = tx.column(page, "nodes", {"after": after, "size": READ_PAGE})
                found.extend(
                    _record(cls, {k: native(v) for k, v in props.items()}, links)
                    for props, links in nodes
                )
                if len(nodes) < READ_PAGE:
                    break
                after = str(nodes[-1][0]["id"])
            for row in tx.read(read_unkeyed_statement(label, only)):
                record = record_of(cls, row)
                record.setdefault("id", None)
                found.append(record)
        return records

    return database.execute_read(work, what="reading the stored graph")


def read_record_pages(
    database: Database, cls: type[Node], size: int = 5000
) -> Iterator[list[dict[str, Any]]]:
    """The stored nodes of one class as plain records, a page of at most ``size`` at a time in
    id order, so that a reader of the whole graph (an export) holds one page, not a class of
    millions. Each page is its own read: a write between two pages is seen by the later ones.
    """
    statement = read_page_statement(class_name(cls))
    after = ""
    while True:
        rows = database.read(statement, {"after": after, "size": size})
        if not rows:
            return
        page = [record_of(cls, row) for row in rows]
        yield page
        if len(rows) < size:
            return
        after = str(page[-1]["id"])


def read_records_of(
    reader: Reader, cls: type[Node], ids: Collection[str], *, lock: bool = False
) -> dict[str, dict[str, Any]]:
    """The stored records of these ids of one class, by id (ids not stored are absent).

    Each record also carries ``element_id``, Neo4j's own id for the node, which later
    statements can seek by without knowing the label. With ``lock`` (in a write transaction)
    each node is write-locked before it is read, until the transaction ends.
    """
    found: dict[str, dict[str, Any]] = {}
    statement = read_some_statement(class_name(cls), lock=lock)
    for row in reader.read(statement, {"ids": list(ids)}):
        record = record_of(cls, row)
        record["element_id"] = row["element_id"]
        found[str(record["id"])] = record
    return found


def linked_from(
    reader: Reader, cls: type[Node], node_id: str, per: int
) -> list[tuple[str, str, list[str], int]]:
    """Who links to one node: (edge type, their label, the first ``per`` ids, how many),
    for a description that shows a node's incoming links without reading every one."""
    return [
        (str(row["rel"]), str(row["from_label"]), [str(i) for i in row["ids"]], int(row["total"]))
        for row in reader.read(linked_from_statement(class_name(cls)), {"id": node_id, "per": per})
    ]


def read_around(
    reader: Reader, seeds: Mapping[str, Collection[str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored seeds (ids by label), write-locked, and the nodes within two links of them,
    as records by (label, id), in one statement (see
    :func:`~nhgraph.store.statements.surroundings_statement`). Seeds that are not stored are
    absent; concepts are never returned, nor seeded.
    """
    labels = tuple(sorted(label for label, ids in seeds.items() if ids))
    if not labels:
        return {}
    records: dict[tuple[str, str], dict[str, Any]] = {}
    parameters = {"ids": [sorted(seeds[label]) for label in labels]}
    for row in reader.read(surroundings_statement(labels), parameters):
        label = next((lab for lab in row["labels"] if lab in BY_LABEL), None)
        if label is None:
            continue  # not a node of the model (an Edit record)
        record = record_of(BY_LABEL[label], row)
        records[(label, str(record["id"]))] = record
    return records


def model_of(cls: type[Node], record: dict[str, Any]) -> Node:
    """A stored record as its model (bookkeeping properties dropped), checked by the model."""
    fields = {k: v for k, v in record.items() if k in cls.model_fields}
    return cls.model_validate(fields)
