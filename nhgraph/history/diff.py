"""What a release would change: against the graph (a dry run) or another release on disk.

Both give a list of :class:`~nhgraph.store.changes.NodeChange`, the shape a recorded change
set has too, so one set of words (:mod:`nhgraph.history.words`) and one impact
(:mod:`nhgraph.history.impact`) serve all three. A dry run plans the write as a load does, by
content hash, and reads the stored records of only the nodes that would change; it writes
nothing, not even a validation run.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from nhgraph.loaders.sources import SourceData
from nhgraph.schema.models import MODEL_CLASSES, Node, Organisation, class_name
from nhgraph.store import WritePlan, model_of, plan_write, read_records_of, write_models
from nhgraph.store.changes import NodeChange, record_of_model
from nhgraph.store.db import Database, Transaction

_CLASSES = {class_name(cls): cls for cls in MODEL_CLASSES}


def _key(model: Node) -> tuple[str, str]:
    return class_name(type(model)), str(model.id)  # type: ignore[attr-defined]


def _order(change: NodeChange) -> tuple[int, str, str]:
    return (list(_CLASSES).index(change.label), change.label, change.node_id)


def diff_models(old: Iterable[Node], new: Iterable[Node]) -> list[NodeChange]:
    """The changes that turn one set of models into the other, node by node (by label and
    id): created, updated (only where a recorded field differs) and removed, in model order."""
    before = {_key(m): m for m in old}
    after = {_key(m): m for m in new}
    changes: list[NodeChange] = []
    for key in before.keys() | after.keys():
        change = NodeChange.of(before.get(key), after.get(key))
        if change.changed:
            changes.append(change)
    return sorted(changes, key=_order)


def diff_sources(old: Sequence[SourceData], new: Sequence[SourceData]) -> list[NodeChange]:
    """The changes between two readings of the same sources (two releases on disk)."""
    return diff_models(
        (m for source in old for m in source.models), (m for source in new for m in source.models)
    )


@dataclass
class DryRun:
    """A load's plan, the node changes it would make (the stored ``before`` of each node
    that would change, the read model as ``after``), and the names of the organisations read
    (for the words to name a practice whose membership alone changes)."""

    plan: WritePlan
    changes: list[NodeChange]
    names: dict[str, str]
    models: list[Node]
    sources: list[str]

    def apply(self, database: Database) -> Callable[[Transaction], object]:
        """The planned write, to run inside a transaction the caller rolls back (or commits)."""

        def write(tx: Transaction) -> object:
            return write_models(
                database,
                self.models,
                replace_sources=self.sources,
                expect=self.plan,
                allow_removals=True,
                within=tx,
            )

        return write


def names_of(models: Iterable[Node]) -> dict[str, str]:
    """The organisations' names by id, as the models read give them."""
    return {str(m.id): str(m.name) for m in models if isinstance(m, Organisation)}


def changes_of_plan(
    database: Database,
    plan: WritePlan,
    models: Sequence[Node],
    labels: Collection[str] | None = None,
    sources: Collection[str] = (),
) -> list[NodeChange]:
    """The node changes a plan would make (``sources`` are those it replaces): the models it
    would create; for the nodes it would update or remove, their stored records (read for
    those nodes only) as ``before``; and the nodes of other sources whose links into removed
    nodes the write cuts. Of the ``labels`` given only (a load's summary words ODS's
    organisations, and England's first load creates a third of a million other nodes). The
    plan must have been made with ``track_updates``."""
    summary = plan.summary
    by_key = {_key(m): m for m in models}
    changes: list[NodeChange] = []
    for label, cls in _CLASSES.items():
        if cls.is_concept or (labels is not None and label not in labels):
            continue
        updated = summary.updated_ids.get(label, [])
        removed = summary.removed_ids.get(label, [])
        stored_ids = plan.view.stored.get(label)
        if summary.created[label]:
            changes += [
                NodeChange.of(None, m)
                for (lab, node_id), m in by_key.items()
                if lab == label and (stored_ids is None or node_id not in stored_ids)
            ]
        if not updated and not removed:
            continue
        stored = read_records_of(database, cls, [*updated, *removed])
        for node_id in updated:
            change = NodeChange.of(model_of(cls, stored[node_id]), by_key[(label, node_id)])
            if change.changed:  # a hash can differ where no recorded field does
                changes.append(change)
        changes += [NodeChange.of(model_of(cls, stored[i]), None) for i in removed if i in stored]
    changes += _links_cut(database, plan, sources, labels)
    return sorted(changes, key=_order)


def _links_cut(
    database: Database,
    plan: WritePlan,
    sources: Collection[str],
    labels: Collection[str] | None,
) -> list[NodeChange]:
    """The nodes of other sources that link to nodes the write removes: the write cuts those
    links (with ``allow_removals``), so each such node changes, and a recorded change set
    holds it; the dry run says so too (a team whose provider closes loses its provider)."""
    removed = plan.summary.removed_ids
    cut: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for links in plan.view.incoming.values():
        for target_label, target_id, rel, from_label, from_id, source in links:
            if source in sources or target_id not in removed.get(target_label, ()):
                continue
            if labels is not None and from_label not in labels:
                continue
            cut.setdefault((from_label, from_id), []).append((rel, target_label, target_id))
    by_label: dict[str, list[str]] = {}
    for from_label, from_id in cut:
        by_label.setdefault(from_label, []).append(from_id)
    changes: list[NodeChange] = []
    for from_label, ids in sorted(by_label.items()):
        cls = _CLASSES[from_label]
        for node_id, record in sorted(read_records_of(database, cls, ids).items()):
            before = model_of(cls, record)
            update: dict[str, object] = {}
            for rel, target_label, target_id in cut[(from_label, node_id)]:
                for name, link in cls.links().items():
                    if link.rel != rel or link.target != target_label:
                        continue
                    value = update.get(name, getattr(before, name))
                    if isinstance(value, list):
                        update[name] = [v for v in value if v != target_id]
                    elif value == target_id:
                        update[name] = None
            changes.append(NodeChange.of(before, before.model_copy(update=update)))
    return changes


def dry_run(database: Database, sources: Sequence[SourceData]) -> DryRun:
    """What loading the sources would change, read-only: the load's own plan (the same
    comparison by content hash, the same sources replaced), then the stored records of the
    nodes it would update or remove. Nothing is written."""
    models = [m for source in sources for m in source.models]
    names = [s.name for s in sources]
    plan = plan_write(database, models, replace_sources=names, track_updates=True)
    changes = changes_of_plan(database, plan, models, sources=names)
    return DryRun(plan, changes, names_of(models), models, names)


def stored_models(database: Database, labels: Sequence[str]) -> dict[tuple[str, str], Node]:
    """Every stored node of these labels as a model, by (label, id): what a test or a
    reconstruction diffs before and after a write."""
    from nhgraph.store import read_records

    found: dict[tuple[str, str], Node] = {}
    for label, records in read_records(database, labels).items():
        cls = _CLASSES[label]
        for record in records:
            found[(label, str(record["id"]))] = model_of(cls, record)
    return found


def record_changes(
    before: dict[tuple[str, str], Node], after: dict[tuple[str, str], Node]
) -> list[NodeChange]:
    """The changes between two readings of the graph (see :func:`stored_models`)."""
    return diff_models(before.values(), after.values())


__all__ = [
    "DryRun",
    "changes_of_plan",
    "diff_models",
    "diff_sources",
    "dry_run",
    "names_of",
    "record_changes",
    "record_of_model",
    "stored_models",
]
