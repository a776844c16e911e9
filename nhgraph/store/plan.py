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
from nhgraph.store.rows import content_hash, in_batches, node_rows
from nhgraph.store.statements import count_removed_statement, counts_statement, hash_statement


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
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows that are new and those whose content changed, each given its content hash;
    all three kinds (unchanged too) counted in the summary."""
    existing = _stored_hashes(tx, label, [r["id"] for r in rows], batch_size)
    return classify(label, rows, existing, summary)


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
    for batch in in_batches(list(ids), batch_size):
        for found in tx.run(hash_statement(label), {"ids": list(batch)}):
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
        stored = stored_counts_in(tx)
        for cls in MODEL_CLASSES:
            label = class_name(cls)
            items = by_class.get(cls, [])
            if items and not stored.get(label):
                summary.created[label] += len(items)  # nothing stored: no rows to compare
            elif items:
                compare(tx, label, node_rows(items), batch_size, summary)
            if replace_sources and not cls.is_concept and stored.get(label):
                keep = [str(m.id) for m in items]  # type: ignore[attr-defined]
                [found] = tx.run(
                    count_removed_statement(label),
                    {"sources": list(replace_sources), "keep": keep},
                )
                if found["removed"]:
                    summary.removed[label] += found["removed"]
        return summary

    return database.execute_read(work, what="planning the write")
