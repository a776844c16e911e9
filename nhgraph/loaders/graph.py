"""Models into Neo4j and back: one label per class, one relationship type per link field.

The mapping is read from the models (their :class:`~nhgraph.schema.models.Link` markers), so
the writer, the reader, the RDF mapping and the shapes cannot disagree on a name. Statements
are generated from that metadata, never from input values; values always travel as
parameters, in ``UNWIND $rows`` batches.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar

from nhgraph import __version__
from nhgraph.db import Database, DatabaseError, Record, Transaction
from nhgraph.loaders.memory import collector_paused
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
    body = {k: v for k, v in row["props"].items() if k not in _UNHASHED}
    text = _HASH_ENCODER.encode([body, row["links"]])
    return hashlib.sha1(text.encode()).hexdigest()[:20]


#: What the hash leaves out: when and from which version a node was loaded, and the hash.
_UNHASHED = frozenset({"loaded_at", "content_hash", "source_version"})
#: One encoder for every hash: the text is exactly ``json.dumps(..., sort_keys=True,
#: default=str)`` (stored hashes stay valid), without making an encoder per row, which was a
#: fifth of hashing a postcode. No cycle check: rows are trees made by :func:`node_rows`.
_HASH_ENCODER = json.JSONEncoder(sort_keys=True, default=str, check_circular=False)


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
        values = model.__dict__  # the fields (extra="forbid"), without pydantic's __iter__
        # Most values are plain already: a type test is cheaper than _plain's isinstance calls
        # (a postcode load makes half a million of them).
        props = {
            k: v if type(v) in _PLAIN else _plain(v) for k, v in values.items() if k not in links
        }
        if loaded_at is not None and props.get("loaded_at") is None:
            props["loaded_at"] = loaded_at
        targets = {name: _targets(values[name]) for name in links}
        rows.append({"id": props["id"], "props": props, "links": targets})
    return rows


def _targets(value: Any) -> list[Any]:
    """The ids a link field names: none, one or a list."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return [] if value is None else [_plain(value)]


#: Types whose values go to Neo4j as they are.
_PLAIN = frozenset({str, int, float, bool, type(None)})


#: Where the concept nodes come from: nhgraph's own schemes (schema/vocabulary.py), at the
#: package's version. Like every node, each records its source, version and load time.
CONCEPT_SOURCE = "nhgraph concept schemes"


def ensure_concepts(tx: Transaction, loaded_at: datetime) -> dict[tuple[str, str], str]:
    """The concept nodes (functions, roles, cohorts) the links point at, from the schemes;
    returns their element ids, so new nodes can be linked to them without a lookup."""
    found: dict[tuple[str, str], str] = {}
    for label, scheme in CONCEPT_NODES.items():
        rows = [
            {
                "id": member.value,
                "props": {
                    "id": member.value,
                    "label": member.label,
                    "source": CONCEPT_SOURCE,
                    "source_version": __version__,
                },
            }
            for member in scheme
        ]
        for row in tx.run(_concept_statement(label), {"rows": rows, "loaded_at": loaded_at}):
            found[(label, row["id"])] = row["e"]
    return found


@collector_paused()
def write_models(
    database: Database,
    models: Iterable[Node],
    *,
    batch_size: int = 5000,
    replace_sources: Collection[str] = (),
    progress: Progress | None = None,
    then: Callable[[Transaction], None] | None = None,
    prepared: Callable[[], None] | None = None,
) -> WriteSummary:
    """Write the models and their links in one transaction: all of them, or none.

    Only nodes whose content changed are written (a reload of unchanged data writes nothing
    and keeps their load time). Nodes of the ``replace_sources`` that are not among the models
    are removed: a source's new version replaces its old one. ``then`` runs last, in the same
    transaction (an edit's audit record commits with the edit, or neither does).
    ``prepared`` is told when the rows are made and what is left for Python is hashing the
    batches as Neo4j takes them; a caller that passes it has work of its own meanwhile.

    New nodes, the bulk of a load, go through two statements whatever their class: one
    creates nodes with the edges whose ends are known (by Neo4j's element id, which needs no
    label), one creates the remaining edges. On a server just started each distinct statement
    costs a compile and a warm-up (London's load used 35, half its write time); element ids
    keep the number small and fixed.
    """
    by_class: dict[type[Node], list[Node]] = defaultdict(list)
    for model in models:
        by_class[type(model)].append(model)
    loaded_at = datetime.now().astimezone()
    tick = progress or (lambda _step, _n: None)

    def work(tx: Transaction) -> WriteSummary:
        # Counted afresh in each attempt: the driver runs this again after a transient error,
        # and the summary is of the write that commits, not of every attempt.
        summary = WriteSummary()
        element = ensure_concepts(tx, loaded_at)
        stored = _stored_counts(tx)
        created: dict[type[Node], _NewNodes] = {}
        updated: dict[type[Node], list[dict[str, Any]]] = {}
        for cls in MODEL_CLASSES:
            items = by_class.get(cls)
            if not items:
                continue
            label = class_name(cls)
            if not stored.get(label):
                # Nothing of this class is stored: every node is new. Its row is made with
                # its batch, while Neo4j writes the batch before (see _create_nodes), unless
                # the caller has work of its own for the interpreter meanwhile (`prepared`):
                # then all rows are made first, and only the hashes are left to the batches.
                summary.created[label] += len(items)
                created[cls] = (
                    _NewNodes(models=items)
                    if prepared is None
                    else _NewNodes(rows=_fresh_rows(items))
                )
                continue
            new, changed = _compare(tx, label, node_rows(items), stored, batch_size, summary)
            _drop_empty_load_times(new + changed)
            if new:
                created[cls] = _NewNodes(rows=new)
            if changed:
                updated[cls] = changed
        if prepared is not None:
            prepared()
        missing = _create_nodes(tx, created, element, stored, batch_size, loaded_at, summary, tick)
        for cls, rows in updated.items():
            label = class_name(cls)
            for batch in _batches(rows, batch_size):
                tx.run(
                    _update_statement(label), {"rows": _props_only(batch), "loaded_at": loaded_at}
                )
                tick("nodes", len(batch))
            for name, link in cls.links().items():
                old_rows = [{"id": r["id"], "targets": r["links"][name]} for r in rows]
                for batch in _batches(old_rows, batch_size):
                    for row in tx.run(_link_statement(label, link), {"rows": batch}):
                        missing.append((label, row["id"], name, row["target"]))
                    tick("links", len(batch))
                summary.relationships += sum(len(r["targets"]) for r in old_rows)
        if missing:
            raise DanglingReference(missing)  # the transaction rolls back
        if replace_sources:
            for cls in MODEL_CLASSES:
                if cls.is_concept or not stored.get(class_name(cls)):
                    continue  # nothing of this class was stored, so nothing to remove
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


def _drop_empty_load_times(rows: Iterable[dict[str, Any]]) -> None:
    """The load time goes once, as $loaded_at: the driver packs each datetime in pure Python
    (about 150 us apiece), which was most of a postcode load."""
    for row in rows:
        if row["props"].get("loaded_at") is None:
            row["props"].pop("loaded_at", None)


@dataclass
class _NewNodes:
    """The new nodes of one class: rows made already (to compare them with stored ones), or
    models whose rows are made batch by batch, so that Neo4j has its first batch at once."""

    models: Sequence[Node] = ()
    rows: Sequence[dict[str, Any]] | None = None

    def ids(self) -> Iterator[Any]:
        if self.rows is not None:
            return (row["id"] for row in self.rows)
        return (_plain(model.__dict__["id"]) for model in self.models)

    def targets(self, name: str) -> Iterator[tuple[Any, Any]]:
        """(node id, target id) of every link the field makes."""
        if self.rows is not None:
            for row in self.rows:
                for target in row["links"][name]:
                    yield row["id"], target
            return
        for model in self.models:
            values = model.__dict__
            for target in _targets(values[name]):
                yield _plain(values["id"]), target

    def batches(self, size: int) -> Iterator[Sequence[dict[str, Any]]]:
        if self.rows is not None:  # made already: nothing to overlap, so no small first batch
            yield from _batches(self.rows, size)
            return
        for models in _ramped(self.models, size):
            yield _fresh_rows(models)


def _fresh_rows(models: Sequence[Node]) -> list[dict[str, Any]]:
    rows = node_rows(models)
    _drop_empty_load_times(rows)
    return rows


#: The first batch of a class, smaller than the rest, so that Neo4j starts on it while the
#: next is made: a class's one big batch used to leave Neo4j idle until all of it was made.
_FIRST_BATCH = 500


def _ramped(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Batches that double from :data:`_FIRST_BATCH` up to ``size``."""
    start, step = 0, min(_FIRST_BATCH, size)
    while start < len(items):
        yield items[start : start + step]
        start += step
        step = min(step * 2, size)


def _create_nodes(
    tx: Transaction,
    created: dict[type[Node], _NewNodes],
    element: dict[tuple[str, str], str],
    stored: dict[str, int],
    batch_size: int,
    loaded_at: datetime,
    summary: WriteSummary,
    tick: Progress,
) -> list[tuple[str, str, str, str]]:
    """Create the new nodes and their edges; return the links that name no node.

    Targets that are neither new nor already known are looked up by id first, one statement
    per label; a link whose target is found nowhere is returned, and nothing is created, so
    the caller's transaction fails before doing work it would undo.
    """
    new_ids = {(class_name(cls), node_id) for cls, new in created.items() for node_id in new.ids()}
    wanted: dict[str, set[str]] = defaultdict(set)
    for cls, new in created.items():
        for name, link in cls.links().items():
            for _, target in new.targets(name):
                key = (link.target, target)
                if key not in element and key not in new_ids:
                    wanted[link.target].add(target)
    _find_stored(tx.run, wanted, stored, element, batch_size)
    if any((label, target) not in element for label, ids in wanted.items() for target in ids):
        return [
            (class_name(cls), node_id, name, target)
            for cls, new in created.items()
            for name, link in cls.links().items()
            for node_id, target in new.targets(name)
            if (link.target, target) not in element and (link.target, target) not in new_ids
        ]
    targets = {link.target for cls in created for link in cls.links().values()}
    later: list[tuple[tuple[str, str], tuple[str, str], str]] = []  # edges to nodes not yet made
    returning: list[tuple[str, Sequence[dict[str, Any]], Future[list[Record]]]] = []

    def settle() -> None:
        """Take in the element ids of the nodes created so far that others link to."""
        for label, batch, future in returning:
            for row, made in zip(batch, future.result(), strict=True):
                element[(label, row["id"])] = made["e"]
        returning.clear()

    with _Pipeline(tx) as pipeline:
        for cls in MODEL_CLASSES:
            nodes = created.get(cls)
            if nodes is None:
                continue
            label = class_name(cls)
            links = cls.links()
            linked = {link.target for link in links.values()}
            for batch in nodes.batches(batch_size):
                for row in batch:
                    if "content_hash" not in row["props"]:
                        row["props"]["content_hash"] = content_hash(row)
                if any(pending in linked for pending, _, _ in returning):
                    settle()  # this batch may link to nodes whose element ids are on the way
                out, waiting = _creations(label, links, batch, element, summary)
                if label in targets or waiting:
                    future = pipeline.send(_CREATE_RETURNING, {"rows": out, "loaded_at": loaded_at})
                    returning.append((label, batch, future))
                    for index, pending, rel in waiting:
                        later.append(((label, batch[index]["id"]), pending, rel))
                else:
                    pipeline.send(_CREATE, {"rows": out, "loaded_at": loaded_at})
                tick("nodes", len(batch))
        settle()
        pairs = [[element[start], element[end], rel] for start, end, rel in later]
        for pair_batch in _batches(pairs, batch_size):
            pipeline.send(_CREATE_EDGES, {"rows": pair_batch})
            tick("links", len(pair_batch))
    return []


def _creations(
    label: str,
    links: Mapping[str, Link],
    batch: Sequence[dict[str, Any]],
    element: dict[tuple[str, str], str],
    summary: WriteSummary,
) -> tuple[list[dict[str, Any]], list[tuple[int, tuple[str, str], str]]]:
    """The rows of :data:`_CREATE` for a batch: each node's label, properties and the edges
    whose ends have element ids; and (row index, end, type) of the edges still waiting."""
    out: list[dict[str, Any]] = []
    waiting: list[tuple[int, tuple[str, str], str]] = []
    for index, row in enumerate(batch):
        edges: list[list[str]] = []
        for name, link in links.items():
            for target in row["links"][name]:
                known = element.get((link.target, target))
                if known is None:
                    waiting.append((index, (link.target, target), link.rel))
                else:
                    edges.append([known, link.rel])
                summary.relationships += 1
        out.append({"label": label, "props": row["props"], "links": edges})
    return out, waiting


@collector_paused()
def write_stream(
    database: Database,
    cls: type[Node],
    batches: Iterable[Sequence[Node]],
    *,
    replace_sources: Collection[str] = (),
    progress: Progress | None = None,
) -> WriteSummary:
    """Write one class's models batch by batch as they are read, in one transaction.

    For a source worth writing while it is still being read, such as a national postcode
    file: Neo4j writes a batch while Python reads the next, and the models are never all
    held at once. Each batch is compared with what is stored, and only new and changed
    nodes are written, as :func:`write_models` does. Links must point at stored nodes (or
    concepts), looked up as batches name them. A problem raised by ``batches`` (the reader
    finding a bad row at the end of the file), a link to no node, or a Neo4j error rolls
    the whole write back.

    ``batches`` can be read once, so a transaction Neo4j asks to retry is not retried: the
    load is to be run again.
    """
    label = class_name(cls)
    links = cls.links()
    if any(link.target == label for link in links.values()):
        raise ValueError(f"{label} links to {label}: write it with write_models")
    loaded_at = datetime.now().astimezone()
    summary = WriteSummary()
    tick = progress or (lambda _step, _n: None)
    attempts: list[int] = []

    def work(tx: Transaction) -> WriteSummary:
        attempts.append(1)
        if len(attempts) > 1:
            raise DatabaseError(
                "Neo4j asked to retry the write, and a file written while it is read cannot "
                "be read again in the same load: nothing was written; run the load again"
            )
        element = ensure_concepts(tx, loaded_at)
        stored = _stored_counts(tx)
        compare = bool(stored.get(label))
        missing: list[tuple[str, str, str, str]] = []
        keep: list[str] = []
        checks: list[tuple[str, Future[list[Record]]]] = []  # (field, unknown targets)
        with _Pipeline(tx) as pipeline:
            for models in batches:
                rows = _fresh_rows(models)
                if compare:
                    ids = [row["id"] for row in rows]
                    keep += ids
                    hashes = pipeline.send(_hash_statement(label), {"ids": ids})
                    existing = {h["id"]: h["hash"] for h in hashes.result()}
                    new, changed = _classify(label, rows, existing, summary)
                else:
                    new, changed = list(rows), []
                    summary.created[label] += len(rows)
                missing += _look_up_targets(pipeline, label, links, new + changed, element, stored)
                if missing:
                    continue  # read on, to list every link to no node (after the reader's problems)
                for row in new:
                    if "content_hash" not in row["props"]:
                        row["props"]["content_hash"] = content_hash(row)
                out, _ = _creations(label, links, new, element, summary)
                if out:
                    pipeline.send(_CREATE, {"rows": out, "loaded_at": loaded_at})
                if changed:
                    pipeline.send(
                        _update_statement(label),
                        {"rows": _props_only(changed), "loaded_at": loaded_at},
                    )
                    for name, link in links.items():
                        targets = [{"id": r["id"], "targets": r["links"][name]} for r in changed]
                        check = pipeline.send(_link_statement(label, link), {"rows": targets})
                        checks.append((name, check))
                        summary.relationships += sum(len(r["targets"]) for r in targets)
                tick("nodes", len(rows))
        if missing:
            raise DanglingReference(missing)  # the transaction rolls back
        unlinked = [
            (label, row["id"], name, row["target"])
            for name, check in checks
            for row in check.result()
        ]
        if unlinked:  # looked up above, so not expected: Neo4j has the last word
            raise DanglingReference(unlinked)
        if replace_sources and compare:
            for found in tx.run(
                _remove_statement(label), {"sources": list(replace_sources), "keep": keep}
            ):
                summary.removed[label] += found["removed"]
        return summary

    return database.execute_write(work, what=f"writing {label} nodes as they are read")


def _look_up_targets(
    pipeline: _Pipeline,
    label: str,
    links: Mapping[str, Link],
    rows: Sequence[dict[str, Any]],
    element: dict[tuple[str, str], str],
    stored: dict[str, int],
) -> list[tuple[str, str, str, str]]:
    """Find the element ids of the stored nodes these rows link to (kept in ``element`` for
    later batches); return the links that name no node."""
    unknown: dict[str, set[str]] = defaultdict(set)
    for name, link in links.items():
        for row in rows:
            for target in row["links"][name]:
                if (link.target, target) not in element:
                    unknown[link.target].add(target)
    _find_stored(
        lambda query, parameters: pipeline.send(query, parameters).result(),
        unknown,
        stored,
        element,
        _STREAM_LOOKUP_BATCH,
    )
    return [
        (label, row["id"], name, target)
        for name, link in links.items()
        for row in rows
        for target in row["links"][name]
        if (link.target, target) not in element
    ]


#: Ids a streamed batch looks up per statement (as many as write_models's default batch).
_STREAM_LOOKUP_BATCH = 5000


def _find_stored(
    run: Callable[[str, dict[str, Any]], list[Record]],
    wanted: Mapping[str, Collection[str]],
    stored: Mapping[str, int],
    element: dict[tuple[str, str], str],
    batch_size: int,
) -> None:
    """Put in ``element`` the element ids of the wanted ids (by label) that the graph holds;
    labels with nothing stored are not asked about."""
    for label, ids in wanted.items():
        if stored.get(label):
            for id_batch in _batches(sorted(ids), batch_size):
                for found in run(_element_statement(label), {"ids": list(id_batch)}):
                    element[(label, found["id"])] = found["e"]


class _Pipeline:
    """The statements of one transaction, run in order by a thread of their own.

    Neo4j answers a statement only when it has run it, so a writer that makes a batch, sends
    it and waits leaves one side idle at a time. Here the caller makes the next batch while
    the thread waits on Neo4j. Only the thread touches the transaction until the pipeline is
    closed, and a failed statement fails every later one, as it would the transaction: the
    first error is raised (at the latest on leaving the ``with``) and the caller's transaction
    rolls back.
    """

    _DEPTH = 2  # batches sent and not yet written, beyond which the caller waits

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nhgraph-write")
        self._sent: deque[Future[list[Record]]] = deque()

    def send(self, query: str, parameters: dict[str, Any]) -> Future[list[Record]]:
        while len(self._sent) >= self._DEPTH:
            self._sent.popleft().result()  # raises the statement's error, if it failed
        future = self._pool.submit(self._tx.run, query, parameters)
        self._sent.append(future)
        return future

    def __enter__(self) -> _Pipeline:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            if kind is None:
                while self._sent:
                    self._sent.popleft().result()
        finally:
            # The thread finishes the statement it is running before the transaction is
            # rolled back or committed by the caller: never two threads on one connection.
            self._pool.shutdown(wait=True, cancel_futures=True)


#: New nodes of any class with their edges to nodes whose element ids are known.
_CREATE = (
    "UNWIND $rows AS row CREATE (n:$(row.label)) SET n = row.props "
    "SET n.loaded_at = coalesce(n.loaded_at, $loaded_at) WITH n, row "
    "UNWIND row.links AS link MATCH (m) WHERE elementId(m) = link[0] "
    "CREATE (n)-[:$(link[1])]->(m)"
)
#: The same, returning each new node's element id (in the order of the rows), for nodes that
#: other new nodes link to.
_CREATE_RETURNING = (
    "UNWIND $rows AS row CREATE (n:$(row.label)) SET n = row.props "
    "SET n.loaded_at = coalesce(n.loaded_at, $loaded_at) WITH n, row "
    "CALL (n, row) { UNWIND row.links AS link MATCH (m) WHERE elementId(m) = link[0] "
    "CREATE (n)-[:$(link[1])]->(m) RETURN count(*) AS linked } "
    "RETURN elementId(n) AS e"
)
#: Edges between nodes by element id: [from, to, relationship type].
_CREATE_EDGES = (
    "UNWIND $rows AS row MATCH (a) WHERE elementId(a) = row[0] "
    "MATCH (b) WHERE elementId(b) = row[1] CREATE (a)-[:$(row[2])]->(b)"
)


@cache
def _concept_statement(label: str) -> str:
    """Merge the scheme's concepts: label, source and version as the schemes say now, and the
    time the concept was first loaded. (Keeping the time of a concept's last change instead
    took a conditional whose compiling cost a just-started server 0.3-0.5 s in the first
    load; concepts change only with nhgraph's releases, which the version records.)"""
    return (
        f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) "
        "SET n += row.props, n.loaded_at = coalesce(n.loaded_at, $loaded_at) "
        "RETURN n.id AS id, elementId(n) AS e"
    )


@cache
def _element_statement(label: str) -> str:
    return f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) RETURN n.id AS id, elementId(n) AS e"


@cache
def _counts_statement() -> str:
    """How many nodes of each class are stored, from the count store, in one statement."""
    counts = ", ".join(
        f"`{class_name(cls)}`: COUNT {{ (:{class_name(cls)}) }}" for cls in MODEL_CLASSES
    )
    return f"RETURN {{{counts}}} AS n"


def stored_counts(database: Database) -> dict[str, int]:
    """How many nodes of each class the graph holds (from Neo4j's count store: instant)."""
    return database.execute_read(_stored_counts, what="counting stored nodes")


def _stored_counts(tx: Transaction) -> dict[str, int]:
    [row] = tx.run(_counts_statement())
    return {label: int(count) for label, count in row["n"].items()}


def _compare(
    tx: Transaction,
    label: str,
    rows: list[dict[str, Any]],
    stored: dict[str, int],
    batch_size: int,
    summary: WriteSummary,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows that are new and those whose content changed, each given its content hash;
    all three kinds (unchanged too) counted in the summary."""
    existing = _stored_hashes(tx, label, [r["id"] for r in rows], batch_size)
    return _classify(label, rows, existing, summary)


def _classify(
    label: str,
    rows: Iterable[dict[str, Any]],
    existing: dict[str, str | None],
    summary: WriteSummary,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows new and changed against the stored hashes by id, each given its content hash."""
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for row in rows:
        digest = content_hash(row)
        if row["id"] not in existing:
            summary.created[label] += 1
            target = new
        elif existing[row["id"]] != digest:
            summary.updated[label] += 1
            target = changed
        else:
            summary.unchanged[label] += 1
            continue
        row["props"]["content_hash"] = digest
        target.append(row)
    return new, changed


def _stored_hashes(
    tx: Transaction, label: str, ids: Sequence[str], batch_size: int
) -> dict[str, str | None]:
    """The content hash of each of these ids the graph holds."""
    existing: dict[str, str | None] = {}
    for batch in _batches(list(ids), batch_size):
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
        stored = _stored_counts(tx)
        for cls in MODEL_CLASSES:
            label = class_name(cls)
            items = by_class.get(cls, [])
            if items and not stored.get(label):
                summary.created[label] += len(items)  # nothing stored: no rows to compare
            elif items:
                _compare(tx, label, node_rows(items), stored, batch_size, summary)
            if replace_sources and not cls.is_concept and stored.get(label):
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


@cache
def _update_statement(label: str) -> str:
    """Changed nodes: their properties are replaced, so a field emptied is removed."""
    return (
        f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) SET n = row.props "
        "SET n.loaded_at = coalesce(n.loaded_at, $loaded_at)"
    )


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


def read_records(
    database: Database, labels: Collection[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every stored node of every (non-concept) class as a plain record, links as id lists;
    only of the classes named in ``labels`` when it is given.

    The records are not checked against the models: validating the stored graph is meant to
    find what does not fit, and report it by rule.
    """
    records: dict[str, list[dict[str, Any]]] = {}
    for cls in MODEL_CLASSES:
        label = class_name(cls)
        if cls.is_concept or (labels is not None and label not in labels):
            continue
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
