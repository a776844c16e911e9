"""Models into Neo4j and back: one label per class, one relationship type per link field.

The mapping is read from the models (their :class:`~nhgraph.schema.models.Link` markers), so
the writer, the reader, the RDF mapping and the shapes cannot disagree on a name. Statements
are generated from that metadata, never from input values; values always travel as
parameters, in ``UNWIND $rows`` batches.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar

from nhgraph.db import Database, Transaction
from nhgraph.schema.models import MODEL_CLASSES, Link, Node, class_name
from nhgraph.schema.vocabulary import CohortCode, Concept, FunctionCode, RoleCode

T = TypeVar("T")

#: The concept classes stored as nodes, with the schemes they come from.
CONCEPT_NODES: dict[str, type[Concept]] = {
    "Function": FunctionCode,
    "Role": RoleCode,
    "Cohort": CohortCode,
}


class DanglingReference(ValueError):
    """A link names a node that is neither in the write nor in the graph."""

    def __init__(self, missing: list[tuple[str, str, str, str]]) -> None:
        self.missing = missing
        shown = "; ".join(
            f"{cls} {node_id}: {field_name} names unknown {target}"
            for cls, node_id, field_name, target in missing[:20]
        )
        more = f" (and {len(missing) - 20} more)" if len(missing) > 20 else ""
        super().__init__(f"{len(missing)} reference(s) to missing nodes: {shown}{more}")


@dataclass
class WriteSummary:
    """What a write did, per label: nodes created, updated, unchanged and removed."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    relationships: int = 0

    @property
    def nodes(self) -> dict[str, int]:
        """Nodes of each label in the write (created, updated or unchanged)."""
        return dict(self.created + self.updated + self.unchanged)

    @property
    def changed(self) -> bool:
        return bool(
            sum(self.created.values()) + sum(self.updated.values()) + sum(self.removed.values())
        )


Progress = Callable[[str, int], None]


def content_hash(row: dict[str, Any]) -> str:
    """A fingerprint of what a node says: its properties and links, not when or from which
    version of its source it was loaded (a node keeps the version it last changed in)."""
    body = {
        k: v
        for k, v in row["props"].items()
        if k not in ("loaded_at", "content_hash", "source_version")
    }
    text = json.dumps([body, row["links"]], sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:20]


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _batches(rows: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


@cache
def _node_statement(label: str) -> str:
    return f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) SET n += row.props"


@cache
def _link_statement(label: str, link: Link) -> str:
    """Replace a node's edges of one field with the listed ones; return the unknown targets."""
    return (
        f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) "
        f"OPTIONAL MATCH (n)-[old:{link.rel}]->(former:{link.target}) "
        "WHERE NOT former.id IN row.targets DELETE old "
        "WITH DISTINCT n, row UNWIND row.targets AS target "
        f"OPTIONAL MATCH (m:{link.target} {{id: target}}) "
        f"FOREACH (_ IN CASE WHEN m IS NULL THEN [] ELSE [1] END | MERGE (n)-[:{link.rel}]->(m)) "
        "WITH row, target, m WHERE m IS NULL RETURN row.id AS id, target"
    )


def node_rows(models: Sequence[Node], loaded_at: datetime | None = None) -> list[dict[str, Any]]:
    """Rows of ``{id, props, links}`` for one class: properties apart from links."""
    rows = []
    for model in models:
        links = type(model).links()
        values = dict(model)
        props = {k: _plain(v) for k, v in values.items() if k not in links}
        if loaded_at is not None and props.get("loaded_at") is None:
            props["loaded_at"] = loaded_at
        targets = {}
        for name in links:
            value = values[name]
            targets[name] = (
                [_plain(v) for v in value]
                if isinstance(value, list)
                else ([] if value is None else [_plain(value)])
            )
        rows.append({"id": props["id"], "props": props, "links": targets})
    return rows


def ensure_concepts(tx: Transaction) -> None:
    """The concept nodes (functions, roles, cohorts) the links point at, from the schemes."""
    for label, scheme in CONCEPT_NODES.items():
        rows = [
            {"id": member.value, "props": {"id": member.value, "label": member.label}}
            for member in scheme
        ]
        tx.run(_node_statement(label), {"rows": rows})


def write_models(
    database: Database,
    models: Iterable[Node],
    *,
    batch_size: int = 5000,
    replace_sources: Collection[str] = (),
    progress: Progress | None = None,
    then: Callable[[Transaction], None] | None = None,
) -> WriteSummary:
    """Write the models and their links in one transaction: all of them, or none.

    Only nodes whose content changed are written (a reload of unchanged data writes nothing
    and keeps their load time). Nodes of the ``replace_sources`` that are not among the models
    are removed: a source's new version replaces its old one. ``then`` runs last, in the same
    transaction (an edit's audit record commits with the edit, or neither does).
    """
    by_class: dict[type[Node], list[Node]] = defaultdict(list)
    for model in models:
        by_class[type(model)].append(model)
    loaded_at = datetime.now().astimezone()
    summary = WriteSummary()
    tick = progress or (lambda _step, _n: None)

    def work(tx: Transaction) -> WriteSummary:
        ensure_concepts(tx)
        missing: list[tuple[str, str, str, str]] = []
        written: dict[type[Node], tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
        for cls in MODEL_CLASSES:
            items = by_class.get(cls)
            if not items:
                continue
            label = class_name(cls)
            rows = node_rows(items)
            existing = _stored_hashes(tx, label, [r["id"] for r in rows], batch_size)
            created: list[dict[str, Any]] = []
            updated: list[dict[str, Any]] = []
            for row in rows:
                digest = content_hash(row)
                if row["id"] not in existing:
                    summary.created[label] += 1
                    target = created
                elif existing[row["id"]] != digest:
                    summary.updated[label] += 1
                    target = updated
                else:
                    summary.unchanged[label] += 1
                    continue
                row["props"]["content_hash"] = digest
                # The load time goes once as $loaded_at: the driver packs each datetime in
                # pure Python (about 150 us apiece), which was most of a postcode load.
                if row["props"].get("loaded_at") is None:
                    row["props"].pop("loaded_at", None)
                target.append(row)
            if created and _foldable(cls):
                # New nodes whose links point only at nodes already written: one statement
                # creates both, and counts the edges made to find references to nothing.
                fields = tuple(cls.links())
                for batch in _batches(created, batch_size):
                    [made] = tx.run(
                        _create_with_links_statement(label, fields),
                        {"rows": batch, "loaded_at": loaded_at},
                    )
                    for name, link in cls.links().items():
                        expected = sum(len(r["links"][name]) for r in batch)
                        summary.relationships += expected
                        if made[name] != expected:
                            rows_of = [{"id": r["id"], "targets": r["links"][name]} for r in batch]
                            for row in tx.run(_missing_statement(link), {"rows": rows_of}):
                                missing.append((label, row["id"], name, row["target"]))
                    tick("nodes", len(batch))
                created_later: list[dict[str, Any]] = []
            else:
                for batch in _batches(created, batch_size):
                    tx.run(
                        _create_statement(label),
                        {"rows": _props_only(batch), "loaded_at": loaded_at},
                    )
                    tick("nodes", len(batch))
                created_later = created
            for batch in _batches(updated, batch_size):
                tx.run(
                    _update_statement(label), {"rows": _props_only(batch), "loaded_at": loaded_at}
                )
                tick("nodes", len(batch))
            written[cls] = (created_later, updated)
        for cls, (created, updated) in written.items():
            label = class_name(cls)
            for name, link in cls.links().items():
                new_rows = [
                    {"id": r["id"], "targets": r["links"][name]}
                    for r in created
                    if r["links"][name]
                ]
                for batch in _batches(new_rows, batch_size):
                    expected = sum(len(r["targets"]) for r in batch)
                    [done] = tx.run(_new_link_statement(label, link), {"rows": batch})
                    if done["linked"] != expected:
                        for row in tx.run(_missing_statement(link), {"rows": batch}):
                            missing.append((label, row["id"], name, row["target"]))
                    tick("links", len(batch))
                old_rows = [{"id": r["id"], "targets": r["links"][name]} for r in updated]
                for batch in _batches(old_rows, batch_size):
                    for row in tx.run(_link_statement(label, link), {"rows": batch}):
                        missing.append((label, row["id"], name, row["target"]))
                    tick("links", len(batch))
                summary.relationships += sum(len(r["targets"]) for r in new_rows + old_rows)
        if missing:
            raise DanglingReference(missing)  # the transaction rolls back
        if replace_sources:
            for cls in MODEL_CLASSES:
                if cls.is_concept:
                    continue
                keep = [str(m.id) for m in by_class.get(cls, [])]  # type: ignore[attr-defined]
                for found in tx.run(
                    _remove_statement(class_name(cls)),
                    {"sources": list(replace_sources), "keep": keep},
                ):
                    if found["removed"]:
                        summary.removed[class_name(cls)] += found["removed"]
        if then is not None:
            then(tx)
        return summary

    return database.execute_write(work, what="writing models")


def _stored_hashes(
    tx: Transaction, label: str, ids: Sequence[str], batch_size: int
) -> dict[str, str | None]:
    """The content hash of each of these ids the graph holds (none when the label is empty)."""
    [stored] = tx.run(_count_statement(label))  # from the count store: instant
    existing: dict[str, str | None] = {}
    for batch in _batches(list(ids), batch_size) if stored["n"] else ():
        for found in tx.run(_hash_statement(label), {"ids": list(batch)}):
            existing[found["id"]] = found["hash"]
    return existing


def plan_write(
    database: Database,
    models: Iterable[Node],
    *,
    replace_sources: Collection[str] = (),
    batch_size: int = 10_000,
) -> WriteSummary:
    """What :func:`write_models` would do, read-only: so an unchanged reload can stop early."""
    by_class: dict[type[Node], list[Node]] = defaultdict(list)
    for model in models:
        by_class[type(model)].append(model)
    summary = WriteSummary()

    def work(tx: Transaction) -> WriteSummary:
        for cls in MODEL_CLASSES:
            label = class_name(cls)
            items = by_class.get(cls, [])
            if items:
                rows = node_rows(items)
                existing = _stored_hashes(tx, label, [r["id"] for r in rows], batch_size)
                for row in rows:
                    if row["id"] not in existing:
                        summary.created[label] += 1
                    elif existing[row["id"]] != content_hash(row):
                        summary.updated[label] += 1
                    else:
                        summary.unchanged[label] += 1
            if replace_sources and not cls.is_concept:
                keep = [str(m.id) for m in items]  # type: ignore[attr-defined]
                [found] = tx.run(
                    _count_removed_statement(label),
                    {"sources": list(replace_sources), "keep": keep},
                )
                if found["removed"]:
                    summary.removed[label] += found["removed"]
        return summary

    return database.execute_read(work, what="planning the write")


@cache
def _count_removed_statement(label: str) -> str:
    return (
        f"MATCH (n:{label}) WHERE n.source IN $sources AND NOT n.id IN $keep "
        "RETURN count(n) AS removed"
    )


def _props_only(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": r["id"], "props": r["props"]} for r in rows]


def _foldable(cls: type[Node]) -> bool:
    """Whether every link of the class points at a class written before it (or a concept)."""
    order = {class_name(c): i for i, c in enumerate(MODEL_CLASSES)}
    mine = order[class_name(cls)]
    return all(
        link.target in CONCEPT_NODES or order[link.target] < mine for link in cls.links().values()
    )


@cache
def _create_with_links_statement(label: str, fields: tuple[str, ...]) -> str:
    """Create nodes and their edges in one pass, returning the number of edges of each field."""
    links = _CLASSES[label].links()
    calls = "".join(
        f"CALL (n, row) {{ UNWIND row.links.`{name}` AS target "
        f"MATCH (m:{links[name].target} {{id: target}}) "
        f"CREATE (n)-[:{links[name].rel}]->(m) RETURN count(*) AS `{name}` }} "
        for name in fields
    )
    sums = ", ".join(f"sum(`{name}`) AS `{name}`" for name in fields) or "count(*) AS nodes"
    return (
        f"UNWIND $rows AS row CREATE (n:{label}) SET n = row.props "
        f"SET n.loaded_at = coalesce(n.loaded_at, $loaded_at) WITH n, row {calls}RETURN {sums}"
    )


_CLASSES: dict[str, type[Node]] = {class_name(c): c for c in MODEL_CLASSES}


@cache
def _create_statement(label: str) -> str:
    """New nodes (their ids were looked up in this transaction and are not in the graph)."""
    return (
        f"UNWIND $rows AS row CREATE (n:{label}) SET n = row.props "
        "SET n.loaded_at = coalesce(n.loaded_at, $loaded_at)"
    )


@cache
def _update_statement(label: str) -> str:
    """Changed nodes: their properties are replaced, so a field emptied is removed."""
    return (
        f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) SET n = row.props "
        "SET n.loaded_at = coalesce(n.loaded_at, $loaded_at)"
    )


@cache
def _new_link_statement(label: str, link: Link) -> str:
    """Edges of new nodes: created directly, and counted to find references to nothing."""
    return (
        f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) UNWIND row.targets AS target "
        f"MATCH (m:{link.target} {{id: target}}) CREATE (n)-[:{link.rel}]->(m) "
        "RETURN count(*) AS linked"
    )


@cache
def _missing_statement(link: Link) -> str:
    return (
        f"UNWIND $rows AS row UNWIND row.targets AS target "
        f"OPTIONAL MATCH (m:{link.target} {{id: target}}) "
        "WITH row, target, m WHERE m IS NULL RETURN row.id AS id, target"
    )


@cache
def _count_statement(label: str) -> str:
    return f"MATCH (n:{label}) RETURN count(n) AS n"


@cache
def _hash_statement(label: str) -> str:
    return (
        f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) RETURN n.id AS id, n.content_hash AS hash"
    )


@cache
def _remove_statement(label: str) -> str:
    return (
        f"MATCH (n:{label}) WHERE n.source IN $sources AND NOT n.id IN $keep "
        "DETACH DELETE n RETURN count(*) AS removed"
    )


@cache
def _read_statement(label: str) -> str:
    return (
        f"MATCH (n:{label}) "
        "RETURN n {.*} AS props, [(n)-[r]->(m) | [type(r), labels(m), m.id]] AS links"
    )


def _record(cls: type[Node], row: dict[str, Any]) -> dict[str, Any]:
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


def read_records(database: Database) -> dict[str, list[dict[str, Any]]]:
    """Every stored node of every (non-concept) class as a plain record, links as id lists.

    The records are not checked against the models: validating the stored graph is meant to
    find what does not fit, and report it by rule.
    """
    records: dict[str, list[dict[str, Any]]] = {}
    for cls in MODEL_CLASSES:
        if cls.is_concept:
            continue
        label = class_name(cls)
        records[label] = [_record(cls, row) for row in database.read(_read_statement(label))]
    return records


@cache
def _read_some_statement(label: str) -> str:
    return (
        f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) "
        "RETURN n {.*} AS props, [(n)-[r]->(m) | [type(r), labels(m), m.id]] AS links, "
        "elementId(n) AS element_id"
    )


def read_records_of(
    database: Database, cls: type[Node], ids: Collection[str]
) -> dict[str, dict[str, Any]]:
    """The stored records of these ids of one class, by id (ids not stored are absent).

    Each record also carries ``element_id``, Neo4j's own id for the node, which later
    statements can seek by without knowing the label.
    """
    found: dict[str, dict[str, Any]] = {}
    for row in database.read(_read_some_statement(class_name(cls)), {"ids": list(ids)}):
        record = _record(cls, row)
        record["element_id"] = row["element_id"]
        found[str(record["id"])] = record
    return found


def model_of(cls: type[Node], record: dict[str, Any]) -> Node:
    """A stored record as its model (bookkeeping properties dropped), checked by the model."""
    fields = {k: v for k, v in record.items() if k in cls.model_fields}
    return cls.model_validate(fields)
