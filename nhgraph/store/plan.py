"""The change planner: what a write would create, update, leave and remove, per label.

The writers and the read-only plan share the comparison of rows with stored content hashes, so
an unchanged reload can stop before it opens a write transaction.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nhgraph.errors import NhgraphError
from nhgraph.schema.models import MODEL_CLASSES, Node, class_name
from nhgraph.store.db import Database, Transaction
from nhgraph.store.guard import Stored, StoredView, foreign, from_others, incoming
from nhgraph.store.rows import content_hash, in_batches, link_targets, node_rows
from nhgraph.store.statements import counts_statement, hashes_statement, removal_statement


class DanglingReference(NhgraphError):
    """A link names a node that is neither in the write nor in the graph."""

    code = "dangling_reference"

    def __init__(self, missing: list[tuple[str, str, str, str]]) -> None:
        """The error naming the missing targets, the first twenty shown and the rest counted."""
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
    #: label -> the ids removed (or that would be), sorted, for the summary to name.
    removed_ids: dict[str, list[str]] = field(default_factory=dict)
    #: label -> the ids whose content changed (or would), in the order compared, kept only
    #: when ``track_updates`` is set (a dry run reads the stored records of only these; a
    #: stream of millions of postcodes does not hold them).
    updated_ids: dict[str, list[str]] = field(default_factory=dict)
    track_updates: bool = False

    @property
    def nodes(self) -> dict[str, int]:
        """Nodes of each label in the write (created, updated or unchanged)."""
        return dict(self.created + self.updated + self.unchanged)

    @property
    def changed(self) -> bool:
        """Whether the write changed anything (created, updated or removed a node)."""
        return bool(
            sum(self.created.values()) + sum(self.updated.values()) + sum(self.removed.values())
        )


Progress = Callable[[str, int], None]


def stored_counts(database: Database) -> dict[str, int]:
    """How many nodes of each class the graph holds (from Neo4j's count store: instant)."""
    return database.execute_read(stored_counts_in, what="counting stored nodes")


def stored_counts_in(tx: Transaction) -> dict[str, int]:
    """How many nodes of each class are stored, read in the caller's transaction."""
    [row] = tx.run(counts_statement())
    return {label: int(count) for label, count in row["n"].items()}


def compare(
    tx: Transaction,
    label: str,
    rows: list[dict[str, Any]],
    batch_size: int,
    summary: WriteSummary,
    stored: Stored | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows that are new and those whose content changed, each given its content hash;
    all three kinds (unchanged too) counted in the summary. ``stored``, when given, receives
    the hash and source of each row's stored node."""
    existing = stored_hashes(tx, label, [r["id"] for r in rows], batch_size)
    if stored is not None:
        stored.update(existing)
    return classify(label, rows, {i: h for i, (h, _) in existing.items()}, summary)


def classify(
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
            if summary.track_updates:
                summary.updated_ids.setdefault(label, []).append(row["id"])
            target = changed
        else:
            summary.unchanged[label] += 1
            continue
        row["props"]["content_hash"] = digest
        target.append(row)
    return new, changed


def stored_hashes(tx: Transaction, label: str, ids: Sequence[str], batch_size: int) -> Stored:
    """The content hash and source of each of these ids the graph holds."""
    existing: Stored = {}
    for batch in in_batches(list(ids), batch_size):
        [row] = tx.run(hashes_statement(label), {"ids": list(batch)})
        for node_id, digest, source in row["found"]:
            existing[node_id] = (digest, source)
    return existing


@dataclass
class WritePlan:
    """What a load's write would do (``summary``), what it read to decide (``view``, which the
    write checks again under lock), and the records it restates that other sources own."""

    summary: WriteSummary
    view: StoredView
    foreign: list[tuple[str, str, str | None, str]]
    #: (label, id, field, target): kept nodes of a reloaded source that name a node it removes.
    dangling: list[tuple[str, str, str, str]]

    @property
    def changed(self) -> bool:
        """Whether the write would change anything."""
        return self.summary.changed


def plan_write(
    database: Database,
    models: Iterable[Node],
    *,
    replace_sources: Collection[str] = (),
    batch_size: int = 10_000,
    track_updates: bool = False,
) -> WritePlan:
    """What :func:`write_models` would do, read-only: so an unchanged reload can stop early,
    and a load that would take over another source's records or remove too much is refused
    before it writes. With ``track_updates`` the summary names the ids it would update."""
    by_class: dict[type[Node], list[Node]] = defaultdict(list)
    for model in models:
        by_class[type(model)].append(model)
    sources = list(replace_sources)

    def work(tx: Transaction) -> WritePlan:
        summary, view = WriteSummary(track_updates=track_updates), StoredView()
        conflicts: list[tuple[str, str, str | None, str]] = []
        stored = stored_counts_in(tx)
        for cls in MODEL_CLASSES:
            label = class_name(cls)
            items = by_class.get(cls, [])
            if items and not stored.get(label):
                summary.created[label] += len(items)  # nothing stored: no rows to compare
            elif items:
                rows = node_rows(items)
                seen = view.stored[label] = {}
                compare(tx, label, rows, batch_size, summary, seen)
                conflicts += foreign(label, rows, seen, sources)
            if sources and not cls.is_concept and stored.get(label):
                _plan_removals(tx, label, [str(m.id) for m in items], sources, view, summary)  # type: ignore[attr-defined]
        return WritePlan(summary, view, conflicts, _dangling(view, by_class, sources))

    return database.execute_read(work, what="planning the write")


def _plan_removals(
    tx: Transaction,
    label: str,
    keep: list[str],
    sources: list[str],
    view: StoredView,
    summary: WriteSummary,
) -> None:
    """Count a label's stored records per source, and read what the reload would remove and
    the links into it."""
    doomed: dict[str, str | None] = {}
    for found in tx.run(removal_statement(label), {"sources": sources, "keep": keep}):
        view.records[found["source"]] += found["stored"]
        if found["removed"]:
            view.removed_by_source.setdefault(found["source"], Counter())[label] += len(
                found["removed"]
            )
            doomed.update((node_id, digest) for node_id, digest in found["removed"])
    if doomed:
        view.removed[label] = doomed
        view.incoming[label] = incoming(tx, label, doomed)
        summary.removed[label] += len(doomed)
        summary.removed_ids[label] = sorted(doomed)


def _dangling(
    view: StoredView, by_class: dict[type[Node], list[Node]], sources: list[str]
) -> list[tuple[str, str, str, str]]:
    """Links into removed nodes from kept nodes of a reloaded source whose new version still
    names them: after the write they would name nothing."""
    staying = [
        link
        for links in view.incoming.values()
        for link in from_others(links, sources, view.removed)
        if link[5] in sources
    ]
    if not staying:
        return []
    models = {(class_name(cls), str(m.id)): m for cls, ms in by_class.items() for m in ms}  # type: ignore[attr-defined]
    found = []
    for label, node_id, rel, from_label, from_id, _ in staying:
        model = models.get((from_label, from_id))
        if model is None:
            continue
        for name, link in type(model).links().items():
            if (
                link.rel == rel
                and link.target == label
                and node_id in link_targets(getattr(model, name))
            ):
                found.append((from_label, from_id, name, node_id))
    return found
