"""The batch writer: models into Neo4j in one transaction, only what changed.

The mapping is read from the models (their :class:`~nhgraph.schema.models.Link` markers), so the
writer, the reader, the RDF mapping and the shapes cannot disagree on a name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import Future
from datetime import datetime
from typing import Any

from nhgraph.schema.models import MODEL_CLASSES, Link, Node, class_name
from nhgraph.store.concepts import ensure_concepts
from nhgraph.store.db import Database, Record, Transaction
from nhgraph.store.guard import (
    GraphChanged,
    Stored,
    check_links,
    check_same,
    incoming,
    lock,
    lock_removed,
    remove,
    unhash,
)
from nhgraph.store.history import ChangeSetMeta, Recorder, before_removal_statement
from nhgraph.store.memory import collector_paused
from nhgraph.store.pipeline import StatementPipeline
from nhgraph.store.plan import (
    DanglingReference,
    Progress,
    WritePlan,
    WriteSummary,
    compare,
    stored_counts_in,
)
from nhgraph.store.rows import (
    NewNodes,
    content_hash,
    drop_empty_load_times,
    fresh_rows,
    in_batches,
    node_rows,
    plain,
    props_only,
)
from nhgraph.store.stage import ADOPT, Stage, StageLost, stage, sweep, unstage
from nhgraph.store.statements import (
    CREATE,
    CREATE_EDGES,
    CREATE_RETURNING,
    element_statement,
    link_statement,
    remove_statement,
    update_statement,
)
from nhgraph.store.version import advance


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
    expect: WritePlan | None = None,
    allow_removals: bool = False,
    within: Transaction | None = None,
    concepts: bool = True,
    change_set: ChangeSetMeta | None = None,
    history: bool = True,
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
    costs a compile and a warm-up; element ids keep the number of statements small and fixed.

    ``expect`` is the load's plan: the nodes to update and remove are locked, and the write
    refuses (GraphChanged, nothing written) unless they are as the plan read them, so it never
    overwrites or removes what another transaction committed since. With it, links that nodes
    of other sources have into removed nodes are cut only when ``allow_removals`` is given,
    and those nodes forget their content hash, so that their source's next reload writes
    their links again.

    ``within`` is a transaction already open, which the write joins (an edit reads, checks and
    writes in one transaction); the caller then commits it, or rolls it back. With
    ``concepts`` False the concept nodes are not merged first (an edit's write: a load has put
    them there, and merging them would write-lock every one, queueing every edit behind every
    other); links to them are then found by id, as links to any stored node are.

    Unless ``history`` is False, what the write changes is recorded as a change set (see
    :mod:`nhgraph.store.history`) in its own transaction, just before it commits: a load's
    by default, or the ``change_set`` given (an edit's). A write that changes nothing records
    nothing; one refused or rolled back leaves no half change set.
    """
    by_class: dict[type[Node], list[Node]] = defaultdict(list)
    for model in models:
        by_class[type(model)].append(model)
    loaded_at = datetime.now().astimezone()
    tick = progress or (lambda _step, _n: None)
    told: list[bool] = []

    def made() -> None:
        """Tell the caller once that the rows are made (an attempt retried makes them again)."""
        if prepared is not None and not told:
            told.append(True)
            prepared()

    fresh: dict[type[Node], list[dict[str, Any]]] = {}
    if expect is not None and within is None:
        fresh = _new_rows(by_class, expect, database.settings.stage_min_nodes)
        if fresh:
            made()
    staged = Stage()

    def work(tx: Transaction) -> WriteSummary:
        # Counted afresh in each attempt: the driver runs this again after a transient error,
        # and the summary is of the write that commits, not of every attempt.
        summary = WriteSummary()
        recorder = Recorder(change_set or ChangeSetMeta(sources=list(replace_sources)))
        element = ensure_concepts(tx, loaded_at) if concepts else {}
        stored = stored_counts_in(tx)
        created: dict[type[Node], NewNodes] = {}
        updated: dict[type[Node], list[dict[str, Any]]] = {}
        for cls in MODEL_CLASSES:
            items = by_class.get(cls)
            if not items:
                continue
            label = class_name(cls)
            planned = None if expect is None else expect.view.stored.get(label, {})
            if not stored.get(label) and not planned:
                # Nothing of this class is stored: every node is new. Its row is made with
                # its batch, while Neo4j writes the batch before (see :func:`_create_nodes`), unless
                # the caller has work of its own for the interpreter meanwhile (`prepared`):
                # then all rows are made first, and only the hashes are left to the batches.
                summary.created[label] += len(items)
                if history and not cls.is_concept:
                    recorder.created(items)
                if cls in fresh:
                    created[cls] = NewNodes(rows=fresh[cls])
                else:
                    created[cls] = (
                        NewNodes(models=items)
                        if prepared is None
                        else NewNodes(rows=fresh_rows(items))
                    )
                continue
            seen: Stored = {}
            new, changed = compare(tx, label, node_rows(items), batch_size, summary, seen)
            if planned is not None:
                check_same(label, seen, planned)
                ids = [row["id"] for row in changed]
                check_same(label, lock(tx, label, ids, batch_size), {i: seen[i] for i in ids})
            drop_empty_load_times(new + changed)
            if history and not cls.is_concept and (new or changed):
                models_by_id = {str(m.id): m for m in items}  # type: ignore[attr-defined]
                recorder.created(models_by_id[str(row["id"])] for row in new)
                recorder.read_before(tx, cls, [str(row["id"]) for row in changed])
                recorder.updated(models_by_id[str(row["id"])] for row in changed)
            if new:
                created[cls] = NewNodes(rows=new)
            if changed:
                updated[cls] = changed
        made()
        missing = _create_nodes(
            tx, created, element, stored, batch_size, loaded_at, summary, tick, staged
        )
        for cls, rows in updated.items():
            label = class_name(cls)
            for batch in in_batches(rows, batch_size):
                tx.run(update_statement(label), {"rows": props_only(batch), "loaded_at": loaded_at})
                tick("nodes", len(batch))
            for name, link in cls.links().items():
                old_rows = [{"id": r["id"], "targets": r["links"][name]} for r in rows]
                for batch in in_batches(old_rows, batch_size):
                    for row in tx.run(link_statement(label, link), {"rows": batch}):
                        missing.append((label, row["id"], name, row["target"]))
                    tick("links", len(batch))
                summary.relationships += sum(len(r["targets"]) for r in old_rows)
        if missing:
            raise DanglingReference(missing)  # the transaction rolls back
        if replace_sources and expect is not None:
            _remove_planned(
                tx, expect, replace_sources, by_class, allow_removals, stored, summary, recorder
            )
        elif replace_sources:
            for cls in MODEL_CLASSES:
                if cls.is_concept or not stored.get(class_name(cls)):
                    continue  # nothing of this class was stored, so nothing to remove
                keep = [str(m.id) for m in by_class.get(cls, [])]  # type: ignore[attr-defined]
                if history:
                    _before_removal(tx, cls, replace_sources, keep, recorder)
                for found in tx.run(
                    remove_statement(class_name(cls)),
                    {"sources": list(replace_sources), "keep": keep},
                ):
                    if found["removed"]:
                        summary.removed[class_name(cls)] += found["removed"]
                        summary.removed_ids[class_name(cls)] = sorted(found["ids"])
                        recorder.removed(cls, found["ids"])
            recorder.relink_all(tx)
        # An edit's change set is made before its Edit record, which names it (``then``); a
        # load's as late as can be, after its verdict, so that it is recorded when it commits.
        edit = history and recorder.meta.kind == "edit"
        if edit:
            recorder.record(tx)
        if then is not None:
            then(tx)
        if history and not edit:
            recorder.record(tx)
        advance(tx)
        return summary

    if within is not None:
        return work(within)
    if expect is not None:  # a load: it removes what killed loads left (see stage.py)
        sweep(database, database.settings.stage_sweep_seconds)
    if not fresh:
        return database.execute_write(work, what="writing models")
    staged = stage(
        database,
        {class_name(cls): rows for cls, rows in fresh.items()},
        {class_name(cls): cls.links() for cls in fresh},
        loaded_at,
        batch_size,
        tick,
    )
    try:
        return database.execute_write(work, what="writing models")
    finally:
        unstage(database, staged.token)  # all of it when refused; none left once switched in


def _new_rows(
    by_class: Mapping[type[Node], Sequence[Node]], expect: WritePlan, min_nodes: int
) -> dict[type[Node], list[dict[str, Any]]]:
    """The rows of the nodes the plan says the load creates, by class, to stage; none when
    they are fewer than ``min_nodes`` (a small load is written in its one transaction).

    Concepts are left out: the write merges them first, as every load does."""
    fresh: dict[type[Node], list[dict[str, Any]]] = {}
    for cls, items in by_class.items():
        if cls.is_concept:
            continue
        known = expect.view.stored.get(class_name(cls), {})
        rows = fresh_rows([m for m in items if plain(m.__dict__["id"]) not in known])
        if rows:
            fresh[cls] = rows
    if sum(len(rows) for rows in fresh.values()) < max(min_nodes, 1):
        return {}
    return fresh


def _remove_planned(
    tx: Transaction,
    expect: WritePlan,
    sources: Collection[str],
    by_class: Mapping[type[Node], Sequence[Node]],
    allow: bool,
    stored: Mapping[str, int],
    summary: WriteSummary,
    recorder: Recorder,
) -> None:
    """Remove what the plan found the reload no longer holds, once locked and found as the
    plan read it, and the links into it too; with ``allow``, the linking nodes of other
    sources forget their hash (see :func:`write_models`)."""
    view = expect.view
    # Every check, and every before record the history keeps, comes before any removal: a
    # removal cuts the links of what is read after it (a membership loses its practice).
    doomed_by: list[tuple[type[Node], dict[str, str | None], set[Any]]] = []
    for cls in MODEL_CLASSES:
        label = class_name(cls)
        if cls.is_concept or not stored.get(label):
            continue  # nothing of this class was stored, so nothing to remove
        keep = [str(m.id) for m in by_class.get(cls, [])]  # type: ignore[attr-defined]
        doomed = lock_removed(tx, label, sources, keep)
        check_same(label, doomed, view.removed.get(label, {}))
        if not doomed:
            continue
        # Links from the reloaded sources' own nodes are the load's to make or drop (the
        # plan refused a kept node naming a removed one); those of others must be as planned.
        others = {link for link in incoming(tx, label, doomed) if link[5] not in sources}
        planned = {link for link in view.incoming.get(label, ()) if link[5] not in sources}
        if others != planned:  # linked or unlinked since the plan
            raise GraphChanged(label, {link[1] for link in others ^ planned})
        check_links(sorted(others, key=str), sources, allow)
        recorder.read_before(tx, cls, doomed)
        recorder.linking(tx, others)
        doomed_by.append((cls, doomed, others))
    for cls, doomed, others in doomed_by:
        label = class_name(cls)
        unhash(tx, others)
        summary.removed[label] += remove(tx, label, doomed, 5000)
        summary.removed_ids[label] = sorted(doomed)
        recorder.removed(cls, doomed)
    recorder.relink_all(tx)


def _before_removal(
    tx: Transaction, cls: type[Node], sources: Collection[str], keep: list[str], recorder: Recorder
) -> None:
    """Read, for the history, what a replacing write without a plan is about to remove, and
    the nodes of others that link to it."""
    label = class_name(cls)
    ids = [
        row["id"]
        for row in tx.run(before_removal_statement(label), {"sources": list(sources), "keep": keep})
    ]
    if ids:
        recorder.read_before(tx, cls, ids)
        recorder.linking(tx, incoming(tx, label, ids))


def _create_nodes(
    tx: Transaction,
    created: dict[type[Node], NewNodes],
    element: dict[tuple[str, str], str],
    stored: dict[str, int],
    batch_size: int,
    loaded_at: datetime,
    summary: WriteSummary,
    tick: Progress,
    staged: Stage,
) -> list[tuple[str, str, str, str]]:
    """Create the new nodes and their edges; return the links that name no node.

    Nodes ``staged`` already are adopted (see :mod:`nhgraph.store.stage`) rather than
    created; their element ids are known before any is, so edges to them are made with them.
    StageLost (and the transaction rolls back) when any staged node is not found.

    Targets that are neither new nor already known are looked up by id first, one statement
    per label; a link whose target is found nowhere is returned, and nothing is created, so
    the caller's transaction fails before doing work it would undo.
    """
    element.update(staged.element)
    new_ids = {(class_name(cls), node_id) for cls, new in created.items() for node_id in new.ids()}
    wanted: dict[str, set[str]] = defaultdict(set)
    for cls, new in created.items():
        for name, link in cls.links().items():
            for _, target in new.targets(name):
                key = (link.target, target)
                if key not in element and key not in new_ids:
                    wanted[link.target].add(target)
    find_stored(tx.run, wanted, stored, element, batch_size)
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
    adopting: list[tuple[int, Future[list[Record]]]] = []

    def settle() -> None:
        """Take in the element ids of the nodes created so far that others link to."""
        for label, batch, future in returning:
            for row, made in zip(batch, future.result(), strict=True):
                element[(label, row["id"])] = made["e"]
        returning.clear()

    with StatementPipeline(tx) as pipeline:
        for cls in MODEL_CLASSES:
            nodes = created.get(cls)
            if nodes is None:
                continue
            label = class_name(cls)
            links = cls.links()
            linked = {link.target for link in links.values()}
            for whole in nodes.batches(batch_size):
                batch = whole
                if staged.element:
                    mine = [row for row in whole if (label, row["id"]) in staged.element]
                    batch = [row for row in whole if (label, row["id"]) not in staged.element]
                    if mine:
                        out, waiting = creations(label, links, mine, element, summary)
                        adopt = [
                            {
                                "e": element[(label, row["id"])],
                                "label": label,
                                # Edges between staged nodes are staged with them.
                                "links": [e for e in o["links"] if not staged.staged_edge(e[0])],
                            }
                            for row, o in zip(mine, out, strict=True)
                        ]
                        future = pipeline.send(ADOPT, {"rows": adopt, "stage": staged.token})
                        adopting.append((len(adopt), future))
                        for index, pending, rel in waiting:
                            later.append(((label, mine[index]["id"]), pending, rel))
                    if not batch:
                        continue
                for row in batch:
                    if "content_hash" not in row["props"]:
                        row["props"]["content_hash"] = content_hash(row)
                if any(pending in linked for pending, _, _ in returning):
                    settle()  # this batch may link to nodes whose element ids are on the way
                out, waiting = creations(label, links, batch, element, summary)
                if label in targets or waiting:
                    future = pipeline.send(CREATE_RETURNING, {"rows": out, "loaded_at": loaded_at})
                    returning.append((label, batch, future))
                    for index, pending, rel in waiting:
                        later.append(((label, batch[index]["id"]), pending, rel))
                else:
                    pipeline.send(CREATE, {"rows": out, "loaded_at": loaded_at})
                tick("nodes", len(batch))
        settle()
        pairs = [[element[start], element[end], rel] for start, end, rel in later]
        for pair_batch in in_batches(pairs, batch_size):
            pipeline.send(CREATE_EDGES, {"rows": pair_batch})
            tick("links", len(pair_batch))
    found = sum(future.result()[0]["adopted"] for _, future in adopting)
    if found != len(staged):
        raise StageLost(found, len(staged))
    return []


def creations(
    label: str,
    links: Mapping[str, Link],
    batch: Sequence[dict[str, Any]],
    element: dict[tuple[str, str], str],
    summary: WriteSummary,
) -> tuple[list[dict[str, Any]], list[tuple[int, tuple[str, str], str]]]:
    """The rows of :data:`CREATE` for a batch: each node's label, properties and the edges
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


def find_stored(
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
            for id_batch in in_batches(sorted(ids), batch_size):
                for found in run(element_statement(label), {"ids": list(id_batch)}):
                    element[(label, found["id"])] = found["e"]
