"""The graph's history: change sets recorded by the writer, read back, and undone for a moment.

Every write that changes something (a load, an edit) records, in its own transaction, one
``(:ChangeSet)`` (who or what made it, when, counts) and one ``(:Change)`` per node created,
updated or removed, holding only the record the change replaced (``before``; none for a
create). A change's ``after`` is the next change's ``before``, or the current node for the
newest, so history costs one record per changed node and nothing per unchanged one. Like the
validation findings (:mod:`nhgraph.store.findings`) these nodes have no edges and no model
class: no walk, question, export, count or validation meets them.

The graph as it stood at a moment (:func:`as_it_stood`) is the present with every change
recorded after the moment undone, inside a write transaction that always rolls back: the
present's statements run there unchanged, and no other transaction ever sees the undone state.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Literal, TypeVar

from nhgraph import queries
from nhgraph.errors import Refusal
from nhgraph.schema.models import Node, class_name
from nhgraph.schema.registry import BY_LABEL
from nhgraph.store.changes import NodeChange, Record, record_of_model
from nhgraph.store.db import Database, Reader, Transaction
from nhgraph.store.locks import CLAIM
from nhgraph.store.reader import model_of, read_records_of
from nhgraph.store.rows import in_batches, node_rows
from nhgraph.store.statements import remove_ids_statement

T = TypeVar("T")

#: The labels of history: bookkeeping, never model classes.
HISTORY_LABELS = ("ChangeSet", "Change", "CreatedMany")

Kind = Literal["load", "edit"]

#: Most changed nodes of one label whose places a change set works out (see Recorder.touch).
PLACES_CAP = 20_000

#: Creations of one label in one change set past which a write records them as lists of ids,
#: :data:`BULK_IDS` a change, rather than a change each: a creation has no before to keep, only
#: its id. One change per created node took London's 71,000 postcodes past a 1g server's
#: transaction memory, and England's first load (87,447 nodes) past a 2g one's, which the loads
#: alone fit in.
MANY_CREATED = 1000
BULK_IDS = 5000


class HistoryRefused(Refusal):
    """A question about the past that cannot be answered as asked (a moment malformed, in the
    future, before the history kept, or further back than the undo allowed)."""

    exit_code = 2


@dataclass
class ChangeSetMeta:
    """Who or what makes a write: a load of sources (their versions are read from the models
    written), or an edit (its editor, its reason, and the receipt's id)."""

    kind: Kind = "load"
    id: str | None = None
    editor: str | None = None
    reason: str | None = None
    sources: Sequence[str] = ()


@dataclass
class Recorder:
    """The changes one write makes, gathered as the writer goes and recorded before it commits."""

    meta: ChangeSetMeta
    changes: list[NodeChange] = field(default_factory=list)
    versions: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    #: (label, id) -> the record read before the write touched it
    befores: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    #: the places the write's changed nodes are in, before and after it
    places: set[str] = field(default_factory=set)
    #: label -> ids of nodes whose links into removed nodes the write cuts
    linked: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: whether :attr:`places` already names every stored place (see :meth:`record`)
    every_place: bool = False

    def touch(self, tx: Reader, label: str, ids: Collection[str]) -> None:
        """Note the places these nodes are in now (see :func:`places_statement`). A label with
        more than :data:`PLACES_CAP` changed nodes (a first load's postcodes) is skipped: the
        LSOAs it comes with name the same places at a fraction of the walk."""
        if not ids or len(ids) > PLACES_CAP or label not in BY_LABEL or self.every_place:
            return
        for batch in in_batches(sorted(ids), 5000):
            for row in tx.read(places_statement(label), {"ids": list(batch)}):
                self.places.update(row["places"])

    def created(self, models: Iterable[Node]) -> None:
        """New nodes: each a change with no before."""
        for model in models:
            self._note(model)
            self.changes.append(NodeChange(class_name(type(model)), _id(model), None, {}))

    def read_before(self, tx: Reader, cls: type[Node], ids: Collection[str]) -> None:
        """Read the stored records of these ids, and their places, before the write changes or
        removes them (in the write's transaction, or through its pipeline)."""
        label = class_name(cls)
        wanted = [i for i in ids if (label, i) not in self.befores]
        self.touch(tx, label, wanted)
        for batch in in_batches(sorted(wanted), 5000):
            for node_id, record in read_records_of(tx, cls, batch).items():
                if CLAIM in record:  # an id an edit claimed for the node it makes: no before
                    continue
                self.befores[(label, node_id)] = stored_record(cls, record)

    def updated(self, models: Iterable[Node]) -> None:
        """Changed nodes, their before records read already (see :meth:`read_before`)."""
        for model in models:
            label, node_id = class_name(type(model)), _id(model)
            before = self.befores.get((label, node_id))
            change = NodeChange(
                label, node_id, before, _sorted(type(model), record_of_model(model))
            )
            if change.changed:
                self._note(model)
                self.changes.append(change)

    def removed(self, cls: type[Node], ids: Iterable[str]) -> None:
        """Removed nodes, their before records read already."""
        label = class_name(cls)
        for node_id in ids:
            before = self.befores.get((label, node_id))
            if before is not None:
                self.changes.append(NodeChange(label, node_id, before, None))

    def linking(
        self, tx: Transaction, links: Iterable[tuple[str, str, str, str, str, str | None]]
    ) -> None:
        """The nodes that link into what a write removes ((label, id, rel, from label, from
        id, source) each): read before the removal cuts their links, to record them after."""
        by_label: dict[str, set[str]] = defaultdict(set)
        for link in links:
            if link[3] in BY_LABEL and not BY_LABEL[link[3]].is_concept:
                by_label[link[3]].add(str(link[4]))
        for label, ids in by_label.items():
            self.read_before(tx, BY_LABEL[label], ids)
            self.linked[label] |= ids

    def relink_all(self, tx: Transaction) -> None:
        """The nodes whose links the write's removals cut (see :meth:`linking`): read again,
        and recorded where they now say something else (and no other change names them)."""
        recorded = {(change.label, change.node_id) for change in self.changes}
        for label, ids in self.linked.items():
            cls = BY_LABEL[label]
            wanted = sorted(i for i in ids if (label, i) not in recorded)
            for batch in in_batches(wanted, 5000):
                for node_id, record in read_records_of(tx, cls, batch).items():
                    before = self.befores.get((label, node_id))
                    if before is None:
                        continue
                    change = NodeChange(label, node_id, before, stored_record(cls, record))
                    if change.changed:
                        self.changes.append(change)
        self.linked.clear()

    def _note(self, model: Node) -> None:
        version = getattr(model, "source_version", None)
        source = getattr(model, "source", None)
        if version:
            self.versions.add(str(version))
        if source:
            self.sources.add(str(source))

    def record(self, tx: Transaction) -> str | None:
        """Write the change set and its changes in the write's transaction (nothing when
        nothing changed, unless it is an edit, whose record names it anyway); its id."""
        meta = self.meta
        if not self.changes and meta.kind != "edit":
            return None
        set_id = meta.id or str(uuid.uuid4())
        counts = Counter(change.operation for change in self.changes)
        after: dict[str, list[str]] = defaultdict(list)
        for change in self.changes:
            if change.after is not None:
                after[change.label].append(change.node_id)
        # Places first: a place is in itself, and once every stored place is named (a first
        # load's), no other walk can add one (England's 19,000 organisations' walks took 17 s).
        for label in sorted(after, key=lambda label: label != "Place"):
            self.touch(tx, label, after[label])
            if label == "Place" and not self.every_place:
                [row] = tx.read(queries.load("places_unnoted"), {"noted": sorted(self.places)})
                self.every_place = row["unnoted"] == 0
        at = datetime.now(UTC)
        tx.run(
            queries.load("change_set_record"),
            {
                "id": set_id,
                "at": at,
                "kind": meta.kind,
                "sources": sorted(set(meta.sources) | self.sources),
                "versions": sorted(self.versions),
                "editor": meta.editor,
                "reason": meta.reason,
                "created": counts["created"],
                "updated": counts["updated"],
                "removed": counts["removed"],
                "places": sorted(self.places),
            },
        )
        changes = self.changes
        many: dict[str, list[str]] = defaultdict(list)
        for change in changes:
            if change.operation == "created":
                many[change.label].append(change.node_id)
        many = defaultdict(list, {k: v for k, v in many.items() if len(v) > MANY_CREATED})
        changes = [c for c in changes if not (c.operation == "created" and c.label in many)]
        rows = [
            {
                "label": change.label,
                "node_id": change.node_id,
                "operation": change.operation,
                "before": None if change.before is None else _encode(change.before),
                "fields": [] if change.operation == "created" else change.fields,
            }
            for change in changes
        ]
        for batch in in_batches(rows, 10_000):
            tx.run(queries.load("change_record"), {"rows": list(batch), "id": set_id, "at": at})
        bulk = [
            {"label": label, "node_ids": list(ids)}
            for label, all_ids in many.items()
            for ids in in_batches(sorted(all_ids), BULK_IDS)
        ]
        for bulk_batch in in_batches(bulk, 20):
            parameters = {"rows": list(bulk_batch), "id": set_id, "at": at}
            tx.run(queries.load("change_record_created_many"), parameters)
        return set_id


def before_removal_statement(label: str) -> str:
    """The ids of a label's nodes of the sources that a replacing write no longer holds."""
    return f"MATCH (n:{label}) WHERE n.source IN $sources AND NOT n.id IN $keep RETURN n.id AS id"


def _id(model: Node) -> str:
    return str(model.id)  # type: ignore[attr-defined]


def _sorted(cls: type[Node], record: dict[str, Any]) -> dict[str, Any]:
    """A record with its list link fields sorted, as the reader gives them back."""
    for name in cls.links():
        value = record.get(name)
        if isinstance(value, list):
            record[name] = sorted(value)
    return record


def stored_record(cls: type[Node], record: dict[str, Any]) -> dict[str, Any]:
    """A stored node's record as a change holds it: through its model, as JSON (a stored node
    its model refuses, which no write of nhgraph's makes, is kept as it is stored)."""
    try:
        return _sorted(cls, record_of_model(model_of(cls, record)))
    except ValueError:
        kept = {k: v for k, v in record.items() if k in cls.model_fields}
        return dict(json.loads(_encode(kept)))


def _encode(record: Record) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)


# -- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeHistoryEntry:
    """One change of a node, with its change set: what it said before, and after."""

    change_set: str
    recorded_at: datetime
    kind: str
    sources: list[str]
    source_versions: list[str]
    editor: str | None
    reason: str | None
    change: NodeChange


#: A node's changes (``c``): those of it alone, by the node_id index, and the bulk creations
#: (:data:`MANY_CREATED`) that name it among theirs.
CHANGES_OF_NODE = (
    "CALL () { MATCH (c:Change {node_id: $id}) RETURN c "
    "UNION MATCH (c:CreatedMany) WHERE $id IN c.node_ids RETURN c } "
)


def node_history(
    reader: Reader, node_id: str, *, limit: int = 100, offset: int = 0
) -> tuple[list[NodeHistoryEntry], bool]:
    """A node's changes newest first (at most ``limit``, after ``offset``), each with its after
    (the next change's before, or the node as it is now); and whether the node is known at all
    (stored now, or ever changed)."""
    rows = reader.read(
        CHANGES_OF_NODE + "MATCH (s:ChangeSet {id: c.change_set}) "
        "WITH c, s ORDER BY s.recorded_at DESC SKIP $offset LIMIT $limit "
        "RETURN c.label AS label, c.operation AS operation, c.before AS before, "
        "s {.id, .recorded_at, .kind, .sources, .source_versions, .editor, .reason} AS s",
        {"id": node_id, "offset": offset, "limit": limit + 1},
    )
    newer: Record | None
    if offset == 0:
        newer = current_record(reader, rows[0]["label"] if rows else None, node_id)
    else:
        [row] = reader.read(
            CHANGES_OF_NODE + "MATCH (s:ChangeSet {id: c.change_set}) "
            "WITH c, s ORDER BY s.recorded_at DESC SKIP $skip LIMIT 1 "
            "RETURN collect(c.before) AS before",
            {"id": node_id, "skip": offset - 1},
        ) or [{"before": []}]
        newer = json.loads(row["before"][0]) if row["before"] and row["before"][0] else None
    if not rows:
        known = newer is not None or bool(
            reader.read(CHANGES_OF_NODE + "RETURN c LIMIT 1", {"id": node_id})
        )
        return [], known
    entries = []
    for row in rows[:limit]:
        before = json.loads(row["before"]) if row["before"] else None
        after = None if row["operation"] == "removed" else newer
        if before is None and after is None:
            after = {}
        s = row["s"]
        entries.append(
            NodeHistoryEntry(
                change_set=s["id"],
                recorded_at=s["recorded_at"],
                kind=s["kind"],
                sources=list(s["sources"] or []),
                source_versions=list(s["source_versions"] or []),
                editor=s["editor"],
                reason=s["reason"],
                change=NodeChange(row["label"], node_id, before, after),
            )
        )
        newer = before
    return entries, True


def change_set_moment(reader: Reader, change_set: str) -> datetime | None:
    """When a change set was recorded (None for one not kept), and so the moment just before
    it and just after it for :func:`as_it_stood`."""
    rows = reader.read(
        "MATCH (s:ChangeSet {id: $id}) RETURN s.recorded_at AS at", {"id": change_set}
    )
    return rows[0]["at"] if rows else None


#: Most node changes of one change set read back at once (a first load of England records a
#: third of a million; a release's, a few hundred).
CHANGE_SET_READ_MAX = 200_000


def change_set_changes(
    reader: Reader, change_set: str, *, limit: int = CHANGE_SET_READ_MAX
) -> list[NodeChange]:
    """A change set's node changes, each with its after as :func:`node_history` gives it (the
    node's next change's before, or the node as it is now), so that a recorded change set and
    a dry run's plan compare as one shape: what a dry run said would happen, and what did."""
    rows = reader.read(
        "MATCH (s:ChangeSet {id: $id}) MATCH (c:Change {change_set: $id}) "
        "UNWIND coalesce(c.node_ids, [c.node_id]) AS node_id "
        "WITH s, c, node_id ORDER BY c.label, node_id LIMIT $limit "
        "CALL (s, c, node_id) { OPTIONAL MATCH (later:Change {node_id: node_id}) "
        "WHERE later.label = c.label AND later.recorded_at > s.recorded_at "
        "RETURN later ORDER BY later.recorded_at LIMIT 1 } "
        "RETURN c.label AS label, node_id AS id, c.operation AS operation, "
        "c.before AS before, later IS NOT NULL AS superseded, later.before AS later_before",
        {"id": change_set, "limit": limit},
    )
    current: dict[str, set[str]] = {}
    for row in rows:
        if row["operation"] != "removed" and not row["superseded"]:
            current.setdefault(row["label"], set()).add(row["id"])
    now: dict[tuple[str, str], Record] = {}
    for label, ids in current.items():
        cls = BY_LABEL[label]
        for node_id, found in read_records_of(reader, cls, sorted(ids)).items():
            now[(label, node_id)] = stored_record(cls, found)
    changes: list[NodeChange] = []
    for row in rows:
        before = json.loads(row["before"]) if row["before"] else None
        after: Record | None
        if row["operation"] == "removed":
            after = None
        elif row["superseded"]:
            after = json.loads(row["later_before"]) if row["later_before"] else None
        else:
            after = now.get((row["label"], row["id"]))
        if before is None and after is None:
            continue  # created, then gone by a later change set whose record is not kept
        changes.append(NodeChange(row["label"], row["id"], before, after))
    return changes


def current_record(reader: Reader, label: str | None, node_id: str) -> Record | None:
    """The node as it is now, as a change records it (None when it is not stored)."""
    labels = [label] if label else [name for name, cls in BY_LABEL.items() if not cls.is_concept]
    for candidate in labels:
        cls = BY_LABEL.get(candidate)
        if cls is None:
            continue
        found = read_records_of(reader, cls, [node_id]).get(node_id)
        if found is not None:
            return stored_record(cls, found)
    return None


@dataclass(frozen=True)
class ChangeSetRow:
    """A change set as the list of them shows it."""

    id: str
    recorded_at: datetime
    kind: str
    sources: list[str]
    source_versions: list[str]
    editor: str | None
    reason: str | None
    created: int
    updated: int
    removed: int


def places_statement(label: str) -> str:
    """The places nodes of one label (by id) are in: what "in a place" means for a change.

    A place is in itself; any node is in the places up to three of its links lead to (an
    LSOA, neighbourhood or INT by IN_PLACE, an organisation by the places it operates in, a
    PCN membership by its practice's and PCN's, a team by its provider's, a service by its
    areas); and a node with a postcode (organisations, sites) is in the place of the
    postcode's LSOA. Made from the models' labels only.
    """
    return (
        f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) "
        "CALL (n) { MATCH (n)-[*0..3]->(p:Place) RETURN p.id AS place "
        "UNION MATCH (:Postcode {id: n.postcode})-[:IN_LSOA]->(:Lsoa)-[:IN_PLACE]->(p:Place) "
        "RETURN p.id AS place } "
        "RETURN collect(DISTINCT place) AS places"
    )


def list_change_sets(
    reader: Reader,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
    place: str | None = None,
    limit: int = 50,
    before_id: tuple[datetime, str] | None = None,
) -> list[ChangeSetRow]:
    """Change sets newest first, between ``since`` and ``until``, of ``source`` (a source's
    name, or an editor's), touching ``place``; at most ``limit``, older than the cursor."""
    parameters: dict[str, Any] = {
        "since": since,
        "until": until,
        "source": source,
        "place": place,
        "limit": limit,
        "cursor_at": before_id[0] if before_id else None,
        "cursor_id": before_id[1] if before_id else None,
    }
    statement = (
        "MATCH (s:ChangeSet) WHERE ($since IS NULL OR s.recorded_at >= $since) "
        "AND ($until IS NULL OR s.recorded_at <= $until) "
        "AND ($source IS NULL OR $source IN s.sources OR s.editor = $source) "
        "AND ($cursor_at IS NULL OR s.recorded_at < $cursor_at "
        "OR (s.recorded_at = $cursor_at AND s.id < $cursor_id)) "
    )
    if place is not None:
        statement += "AND $place IN s.places "
    statement += "RETURN s {.*} AS s ORDER BY s.recorded_at DESC, s.id DESC LIMIT $limit"
    return [
        ChangeSetRow(
            id=row["s"]["id"],
            recorded_at=row["s"]["recorded_at"],
            kind=row["s"]["kind"],
            sources=list(row["s"].get("sources") or []),
            source_versions=list(row["s"].get("source_versions") or []),
            editor=row["s"].get("editor"),
            reason=row["s"].get("reason"),
            created=int(row["s"].get("created") or 0),
            updated=int(row["s"].get("updated") or 0),
            removed=int(row["s"].get("removed") or 0),
        )
        for row in reader.read(statement, parameters)
    ]


# -- as it stood ----------------------------------------------------------------------------


class _RollBack(Exception):
    """Carries the answer out of an as-at transaction, which it rolls back."""

    def __init__(self, value: object) -> None:
        super().__init__("as at: rolled back")
        self.value = value


def check_moment(moment: datetime, now: datetime | None = None) -> datetime:
    """The moment as an aware time; HistoryRefused for one in the future."""
    if moment.tzinfo is None:
        moment = moment.astimezone()
    current = now or datetime.now(UTC)
    if moment > current + timedelta(seconds=1):
        raise HistoryRefused(
            "as_at_in_future",
            f"asAt {moment.isoformat()} is in the future: the graph's record ends now "
            f"({current.isoformat(timespec='seconds')}); `on` asks about dates to come",
        )
    return moment


def parse_moment(text: str) -> datetime:
    """An ISO 8601 moment (a date means its midnight, local time); HistoryRefused naming it."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise HistoryRefused(
            "invalid_as_at",
            f"asAt {text!r} is not an ISO 8601 moment (such as 2025-03-01 or "
            "2025-03-01T09:30:00+00:00)",
        ) from error
    return check_moment(moment)


class _AsAtReader:
    """A transaction as the questions read it (``read`` and the settings)."""

    def __init__(self, tx: Transaction, database: Database) -> None:
        self._tx = tx
        self.settings = database.settings

    def read(self, query: Any, parameters: Mapping[str, Any] | None = None) -> list[Any]:
        return self._tx.read(query, parameters)


class MomentReader:
    """A reader of the graph as it stood at a moment: each read in its own rolled-back
    transaction (see :func:`as_it_stood`), so that loaders batching reads see one state."""

    def __init__(self, database: Database, moment: datetime) -> None:
        """The reader of ``database`` as it stood at ``moment``."""
        self.database = database
        self.moment = moment
        self.settings = database.settings

    def read(self, query: Any, parameters: Mapping[str, Any] | None = None) -> list[Any]:
        """Run one read statement on the graph as it stood."""
        return as_it_stood(self.database, self.moment, lambda r: r.read(query, parameters))


def as_it_stood(
    database: Database,
    moment: datetime,
    work: Callable[[Any], T],
    *,
    max_changes: int | None = None,
) -> T:
    """What ``work`` answers with the graph as it stood at ``moment``: every change recorded
    since undone in a write transaction that always rolls back.

    Refused (HistoryRefused) for a moment in the future, before the first change set kept
    (before history began, or before what retention kept: the graph then is not known), or
    one whose undo would pass ``max_changes`` (NHGRAPH_AS_AT_MAX_CHANGES).
    """
    moment = check_moment(moment)
    bound = max_changes if max_changes is not None else database.settings.as_at_max_changes

    key = (database.uri, database.name, moment)

    def unit(tx: Transaction) -> T:
        known = _UNDOS.get(key)
        if known is not None and known.count <= bound:
            # One statement: the change sets since the moment checked to be those the undo
            # was planned from (none recorded since, none pruned), and the undo applied.
            parameters = {**known.parameters, "t": moment, "expected": known.change_sets}
            if tx.run(verified_undo_statement(*known.labels), parameters):
                raise _RollBack(work(_AsAtReader(tx, database)))
            _UNDOS.pop(key, None)  # stale, and nothing was applied: plan it afresh
        # One statement: where history begins, what pruning cut, and the changes since the
        # moment, oldest first, at most one past the bound (so a refusal costs no more).
        [found] = tx.run(UNDO_STATEMENT, {"t": moment, "limit": bound + 1})
        first, pruned = found["first"], found["pruned"]
        if first is None or moment < first:
            if pruned is not None:
                why = f"history before {pruned.isoformat()} was pruned (retention)"
            elif first is None:
                why = "the graph has no recorded history"
            else:
                why = f"the graph's recorded history begins at {first.isoformat()}"
            raise HistoryRefused(
                "as_at_before_history",
                f"asAt {moment.isoformat()}: {why}, so the graph as it stood then is not known",
            )
        changes = [
            (label, node_id, before) for label, ids, before in found["changes"] for node_id in ids
        ]
        if len(changes) > bound:
            raise HistoryRefused(
                "as_at_too_far",
                f"asAt {moment.isoformat()} would undo more than {bound} recorded changes, "
                f"more than NHGRAPH_AS_AT_MAX_CHANGES allows",
            )
        planned = plan_undo(changes)
        if planned.count <= ONE_STATEMENT_UNDO:
            if planned.count:
                tx.run(undo_statement(*planned.labels), planned.parameters)
            _remember(key, replace(planned, change_sets=list(found["change_sets"])))
        else:
            undo(tx, changes)
        raise _RollBack(work(_AsAtReader(tx, database)))

    try:
        database.execute_write(unit, what="the graph as it stood", retry=False)
    except _RollBack as done:
        return done.value  # type: ignore[return-value]
    raise AssertionError("an as-at transaction committed")  # pragma: no cover


#: The ids of the change sets recorded after ``$t``, in the order they were recorded.
CHANGE_SETS_SINCE = (
    "OPTIONAL MATCH (s:ChangeSet) WHERE s.recorded_at > $t "
    "WITH s ORDER BY s.recorded_at, s.id RETURN collect(s.id) AS change_sets"
)

#: Where history begins (its first change set kept), the moment pruning cut it at, and the
#: changes recorded after ``$t``, oldest first, at most ``$limit`` of them: [label, ids,
#: before] each (one id, or a bulk creation's many).
UNDO_STATEMENT = (
    "OPTIONAL MATCH (s:ChangeSet) WITH min(s.recorded_at) AS first "
    "OPTIONAL MATCH (p:HistoryPruned) WITH first, max(p.before) AS pruned "
    "CALL (first) { OPTIONAL MATCH (c:Change) "
    "WHERE first IS NOT NULL AND $t >= first AND c.recorded_at > $t "
    "WITH c ORDER BY c.recorded_at LIMIT $limit RETURN collect(c) AS found } "
    "CALL () { " + CHANGE_SETS_SINCE + " } "
    "RETURN first, pruned, change_sets, "
    "[c IN found | [c.label, coalesce(c.node_ids, [c.node_id]), c.before]] AS changes"
)


@cache
def restore_links_statement(label: str) -> str:
    """Give restored nodes of one label exactly the links of their records: every outgoing
    edge deleted, then each link field's edges made, in one statement (made from the model's
    links; the targets are restored first)."""
    calls = "".join(
        f"CALL (n, row) {{ UNWIND row.links.{name} AS target "
        f"MATCH (m:{link.target} {{id: target}}) CREATE (n)-[:{link.rel}]->(m) }} "
        for name, link in BY_LABEL[label].links().items()
    )
    return (
        f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) "
        "CALL (n) { MATCH (n)-[r]->() DELETE r } " + calls + "RETURN count(*) AS restored"
    )


@cache
def restore_statement(label: str) -> str:
    """Put back nodes of one label with the properties of their records (made if absent)."""
    return f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) SET n = row.props"


@cache
def undo_parts(doomed: tuple[str, ...], restored: tuple[str, ...]) -> str:
    """The clauses of a small undo: the nodes of the ``doomed`` labels (made by a change since)
    deleted, those of the ``restored`` labels put back with the properties of their records,
    then given exactly the links of their records (every label's nodes before any label's
    links, as a link's target may be a node put back). Their parameters are ``$doomed_<i>``
    (ids) and ``$restored_<i>`` (rows: id, props, links) per label, in order. Made from the
    models' labels only."""
    parts = [
        f"CALL {{ UNWIND $doomed_{i} AS id MATCH (n:{label} {{id: id}}) DETACH DELETE n }} "
        for i, label in enumerate(doomed)
    ]
    parts += [
        f"CALL {{ UNWIND $restored_{i} AS row MERGE (n:{label} {{id: row.id}}) "
        "SET n = row.props } "
        for i, label in enumerate(restored)
    ]
    for i, label in enumerate(restored):
        calls = "".join(
            f"CALL (n, row) {{ UNWIND row.links.{name} AS target "
            f"MATCH (m:{link.target} {{id: target}}) CREATE (n)-[:{link.rel}]->(m) }} "
            for name, link in BY_LABEL[label].links().items()
        )
        parts.append(
            f"CALL {{ UNWIND $restored_{i} AS row MATCH (n:{label} {{id: row.id}}) "
            "CALL (n) { MATCH (n)-[r]->() DELETE r } " + calls + "} "
        )
    return "".join(parts)


@cache
def undo_statement(doomed: tuple[str, ...], restored: tuple[str, ...]) -> str:
    """A small undo in one statement (see :func:`undo_parts`)."""
    return undo_parts(doomed, restored) + "RETURN 1 AS undone"


@cache
def verified_undo_statement(doomed: tuple[str, ...], restored: tuple[str, ...]) -> str:
    """A small undo planned before, applied only if it is still the undo of ``$t``: history
    begins before ``$t`` and the change sets since are ``$expected`` (none recorded since the
    plan, none pruned). One row when applied; none, and nothing changed, when not."""
    return (
        "OPTIONAL MATCH (f:ChangeSet) WITH min(f.recorded_at) AS first "
        "CALL () { " + CHANGE_SETS_SINCE + " } "
        "WITH first IS NOT NULL AND $t >= first AND change_sets = $expected AS fresh "
        "WHERE fresh " + undo_parts(doomed, restored) + "RETURN fresh"
    )


#: Most nodes an undo puts back or deletes in its one statement (see :func:`undo_statement`);
#: a longer undo goes a label and a batch at a time.
ONE_STATEMENT_UNDO = 2000


@dataclass(frozen=True)
class PlannedUndo:
    """An undo made ready for :func:`undo_statement`: its labels (doomed, restored), its
    parameters, how many nodes it puts back or deletes, and the change sets it undoes."""

    labels: tuple[tuple[str, ...], tuple[str, ...]]
    parameters: dict[str, Any]
    count: int
    change_sets: list[str] = field(default_factory=list)


def plan_undo(changes: Sequence[Sequence[Any]]) -> PlannedUndo:
    """The undo of these changes ([label, id, before] each, oldest first): each node given the
    before of its oldest change, or deleted where that change made it."""
    oldest: dict[tuple[str, str], str | None] = {}
    for label, node_id, before in changes:
        oldest.setdefault((label, node_id), before)
    doomed: dict[str, list[str]] = defaultdict(list)
    restored: dict[str, list[Node]] = defaultdict(list)
    for (label, node_id), before in oldest.items():
        cls = BY_LABEL.get(label)
        if cls is None:
            continue
        if before is None:
            doomed[label].append(node_id)
        else:
            restored[label].append(cls.model_validate(json.loads(before)))
    parameters: dict[str, Any] = {f"doomed_{i}": ids for i, ids in enumerate(doomed.values())}
    count = sum(map(len, doomed.values()))
    for i, models in enumerate(restored.values()):
        node_batch = node_rows(models)
        for row in node_batch:
            row["props"]["source_version"] = row["props"].get("source_version") or "as-at"
            row["props"].pop("loaded_at", None)
        parameters[f"restored_{i}"] = [
            {"id": r["id"], "props": r["props"], "links": r["links"]} for r in node_batch
        ]
        count += len(node_batch)
    return PlannedUndo((tuple(doomed), tuple(restored)), parameters, count)


#: Small undos planned, by (server, database, moment): an asAt asked again at a moment
#: (a dashboard's, a comparison's) applies its undo in the statement that checks it still holds.
_UNDOS: dict[tuple[str, str, datetime], PlannedUndo] = {}
_UNDOS_KEPT = 64


_UNDOS_LOCK = threading.Lock()


def _remember(key: tuple[str, str, datetime], planned: PlannedUndo) -> None:
    with _UNDOS_LOCK:
        if len(_UNDOS) >= _UNDOS_KEPT:
            _UNDOS.pop(next(iter(_UNDOS)), None)
        _UNDOS[key] = planned


def undo(tx: Transaction, changes: Sequence[Sequence[Any]]) -> int:
    """Put the graph back as it stood before these changes ([label, id, before] each, oldest
    first) in this transaction (to be rolled back); the number of nodes put back or deleted.
    A small undo (a release's changes, an edit's) is one statement; a long one goes a label
    and a batch at a time."""
    planned = plan_undo(changes)
    (doomed_labels, restored_labels), parameters = planned.labels, planned.parameters
    if planned.count <= ONE_STATEMENT_UNDO:
        tx.run(undo_statement(doomed_labels, restored_labels), parameters)
        return planned.count
    for i, label in enumerate(doomed_labels):
        for id_batch in in_batches(parameters[f"doomed_{i}"], 5000):
            tx.run(remove_ids_statement(label), {"ids": list(id_batch)})
    for i, label in enumerate(restored_labels):
        for batch in in_batches(parameters[f"restored_{i}"], 5000):
            tx.run(
                restore_statement(label),
                {"rows": [{"id": r["id"], "props": r["props"]} for r in batch]},
            )
    for i, label in enumerate(restored_labels):
        for batch in in_batches(parameters[f"restored_{i}"], 5000):
            rows = [{"id": r["id"], "links": r["links"]} for r in batch]
            tx.run(restore_links_statement(label), {"rows": rows})
    return planned.count


# -- retention ------------------------------------------------------------------------------


def prune(database: Database, older_than: datetime) -> int:
    """Drop the change sets recorded before ``older_than`` and their changes, and remember the
    moment, so that an asAt before it is refused as before retention; the number dropped."""

    def unit(tx: Transaction) -> int:
        [row] = tx.run(
            "MATCH (s:ChangeSet) WHERE s.recorded_at < $t RETURN collect(s.id) AS ids",
            {"t": older_than},
        )
        ids = list(row["ids"])
        for batch in in_batches(ids, 1000):
            tx.run(
                "UNWIND $ids AS id MATCH (c:Change {change_set: id}) DELETE c",
                {"ids": list(batch)},
            )
            tx.run(
                "UNWIND $ids AS id MATCH (s:ChangeSet {id: id}) REMOVE s:Edit DELETE s",
                {"ids": list(batch)},
            )
        if ids:
            tx.run(
                "MERGE (p:HistoryPruned {id: 'history'}) "
                "SET p.before = CASE WHEN p.before IS NULL OR p.before < $t THEN $t "
                "ELSE p.before END",
                {"t": older_than},
            )
        return len(ids)

    return database.execute_write(unit, what="pruning history")


def history_size(reader: Reader) -> dict[str, int]:
    """How many change sets and changes are kept, and the bytes of their before records."""
    [row] = reader.read(
        "MATCH (c:Change) RETURN count(c) AS changes, "
        "sum(size(coalesce(c.before, ''))) AS before_bytes, "
        "COUNT { (:ChangeSet) } AS change_sets"
    )
    return {k: int(v or 0) for k, v in row.items()}
