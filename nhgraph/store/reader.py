"""The reader: stored nodes back as plain records (links as id lists) or as models."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Any

from nhgraph.schema.models import MODEL_CLASSES, Node, class_name
from nhgraph.schema.registry import BY_LABEL
from nhgraph.store.db import Database, Reader
from nhgraph.store.statements import (
    linked_from_statement,
    read_fields_statement,
    read_page_statement,
    read_some_statement,
    read_statement,
    surroundings_statement,
)


def record_of(cls: type[Node], row: dict[str, Any]) -> dict[str, Any]:
    """A stored node's properties, with its edges folded back into the link fields."""
    by_edge = {(link.rel, link.target): name for name, link in cls.links().items()}
    list_fields = {
        name for name in cls.links() if "list[" in str(cls.model_fields[name].annotation)
    }
    record = dict(row["props"])
    for name in cls.links():
        record[name] = [] if name in list_fields else None
    for rel, labels, target in row["links"]:
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

    The records are not checked against the models: validating the stored graph is meant to
    find what does not fit, and report it by rule.
    """
    records: dict[str, list[dict[str, Any]]] = {}
    for cls in MODEL_CLASSES:
        label = class_name(cls)
        if cls.is_concept or (labels is not None and label not in labels):
            continue
        wanted = None if fields is None else fields.get(label)
        statement = (
            read_statement(label)
            if wanted is None
            else read_fields_statement(label, tuple(sorted({"id", "source", *wanted})))
        )
        records[label] = [record_of(cls, row) for row in database.read(statement)]
    return records


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
