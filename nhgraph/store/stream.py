"""The streaming writer: one class written batch by batch as its source is read."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from concurrent.futures import Future
from datetime import datetime
from typing import Any

from nhgraph.queries import Query
from nhgraph.schema.models import Link, Node, class_name
from nhgraph.store.concepts import ensure_concepts
from nhgraph.store.db import Database, Record, Transaction
from nhgraph.store.guard import (
    NotTheOwner,
    StoredView,
    check_links,
    check_share,
    foreign,
    incoming,
    lock_removed,
    remove,
    unhash,
)
from nhgraph.store.history import ChangeSetMeta, Recorder
from nhgraph.store.memory import collector_paused
from nhgraph.store.pipeline import StatementPipeline
from nhgraph.store.plan import (
    DanglingReference,
    Progress,
    WriteSummary,
    classify,
    stored_counts_in,
)
from nhgraph.store.rows import content_hash, fresh_rows, props_only
from nhgraph.store.statements import (
    CREATE,
    hash_statement,
    link_statement,
    update_statement,
)
from nhgraph.store.version import advance
from nhgraph.store.writer import creations, find_stored

#: Ids a streamed batch looks up per statement (as many as write_models's default batch).
_STREAM_LOOKUP_BATCH = 5000


@collector_paused()
def write_stream(
    database: Database,
    cls: type[Node],
    batches: Iterable[Sequence[Node]],
    *,
    replace_sources: Collection[str] = (),
    progress: Progress | None = None,
    max_removal_share: float = 1.0,
    allow_removals: bool = False,
    where: str | None = None,
) -> WriteSummary:
    """Write one class's models batch by batch as they are read, in one transaction.

    For a source worth writing while it is still being read, such as a national postcode
    file: Neo4j writes a batch while Python reads the next, and the models are never all
    held at once. Each batch is compared with what is stored, and only new and changed
    nodes are written, as :func:`write_models` does. Links must point at stored nodes (or
    concepts), looked up as batches name them. A problem raised by ``batches`` (the reader
    finding a bad row at the end of the file), a link to no node, or a Neo4j error rolls
    the whole write back.

    ``batches`` can be read once, so the transaction is never retried: a transient failure
    (a deadlock) fails the load, to be run again, and one that ran out of memory says that it
    is too large and what to set.

    A row whose id is stored under a source not replaced here is refused (NotTheOwner,
    naming ``where``); so is a removal of more than ``max_removal_share`` of the source's
    stored nodes, or of nodes that nodes of other sources link to, unless
    ``allow_removals`` (RemovalsRefused). The nodes to remove are locked before they are
    counted, so what is counted is what goes.

    The write is a change set like any load's (:class:`~nhgraph.store.history.Recorder`),
    recorded in the same transaction: a change per node updated (its record before, read
    through the pipeline before the batch's update is sent) or removed, and the creations as
    lists of ids (a first load's many postcodes: see
    :data:`~nhgraph.store.history.MANY_CREATED`), so that ``history`` and ``asAt`` stay true
    after a reload of postcodes.
    """
    label = class_name(cls)
    links = cls.links()
    if any(link.target == label for link in links.values()):
        raise ValueError(f"{label} links to {label}: write it with write_models")
    loaded_at = datetime.now().astimezone()
    summary = WriteSummary()
    tick = progress or (lambda _step, _n: None)

    def work(tx: Transaction) -> WriteSummary:
        recorder = Recorder(ChangeSetMeta(sources=list(replace_sources)))
        element = ensure_concepts(tx, loaded_at)
        stored = stored_counts_in(tx)
        compare = bool(stored.get(label))
        missing: list[tuple[str, str, str, str]] = []
        keep: list[str] = []
        conflicts: list[tuple[str, str, str | None, str]] = []
        checks: list[tuple[str, Future[list[Record]]]] = []  # (field, unknown targets)
        with StatementPipeline(tx) as pipeline:
            piped = _Piped(pipeline)
            for models in batches:
                rows = fresh_rows(models)
                if compare:
                    ids = [row["id"] for row in rows]
                    keep += ids
                    hashes = pipeline.send(hash_statement(label), {"ids": ids})
                    seen = {h["id"]: (h["hash"], h["source"]) for h in hashes.result()}
                    conflicts += foreign(label, rows, seen, replace_sources)
                    existing = {node_id: digest for node_id, (digest, _) in seen.items()}
                    new, changed = classify(label, rows, existing, summary)
                else:
                    new, changed = list(rows), []
                    summary.created[label] += len(rows)
                missing += _look_up_targets(pipeline, label, links, new + changed, element, stored)
                if missing:
                    continue  # read on, to list every link to no node (after the reader's problems)
                if new or changed:
                    by_id = {str(m.id): m for m in models}  # type: ignore[attr-defined]
                    recorder.created(by_id[str(row["id"])] for row in new)
                    recorder.read_before(piped, cls, [str(row["id"]) for row in changed])
                    recorder.updated(by_id[str(row["id"])] for row in changed)
                for row in new:
                    if "content_hash" not in row["props"]:
                        row["props"]["content_hash"] = content_hash(row)
                out, _ = creations(label, links, new, element, summary)
                if out:
                    pipeline.send(CREATE, {"rows": out, "loaded_at": loaded_at})
                if changed:
                    pipeline.send(
                        update_statement(label),
                        {"rows": props_only(changed), "loaded_at": loaded_at},
                    )
                    for name, link in links.items():
                        targets = [{"id": r["id"], "targets": r["links"][name]} for r in changed]
                        check = pipeline.send(link_statement(label, link), {"rows": targets})
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
        if conflicts:
            raise NotTheOwner([(*c, where) for c in conflicts])
        if replace_sources and compare:
            _remove(
                tx, cls, replace_sources, keep, summary, max_removal_share, allow_removals, recorder
            )
        recorder.record(tx)
        advance(tx)
        return summary

    return database.execute_write(work, what=f"writing {label} nodes as they are read", retry=False)


def _look_up_targets(
    pipeline: StatementPipeline,
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
    find_stored(
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


def _remove(
    tx: Transaction,
    cls: type[Node],
    sources: Collection[str],
    keep: list[str],
    summary: WriteSummary,
    max_share: float,
    allow: bool,
    recorder: Recorder,
) -> None:
    """Remove the stored nodes of the sources that the stream did not hold, once locked,
    unless they are too many or nodes of other sources link to them (RemovalsRefused); their
    records, and those of the nodes linking to them, are read for the history first."""
    label = class_name(cls)
    doomed = lock_removed(tx, label, sources, keep)
    if not doomed:
        return
    view = StoredView(removed={label: doomed})
    for source in sources:  # the stream's one source, as a rule
        view.records[source] = summary.updated[label] + summary.unchanged[label] + len(doomed)
        view.removed_by_source[source] = Counter({label: len(doomed)})
    check_share(view, max_share, allow)
    others = [link for link in incoming(tx, label, doomed) if link[5] not in sources]
    check_links(others, sources, allow)
    recorder.read_before(tx, cls, doomed)
    recorder.linking(tx, others)
    unhash(tx, others)
    summary.removed[label] += remove(tx, label, doomed, _STREAM_LOOKUP_BATCH)
    summary.removed_ids[label] = sorted(doomed)
    recorder.removed(cls, doomed)
    recorder.relink_all(tx)


class _Piped:
    """Reads sent through a write's pipeline, in order with its writes (the pipeline's thread
    alone touches the transaction): how the history reads a batch's befores."""

    def __init__(self, pipeline: StatementPipeline) -> None:
        self._pipeline = pipeline

    def read(self, query: Query | str, parameters: Mapping[str, Any] | None = None) -> list[Record]:
        """One statement's rows, once the statements sent before it have run."""
        text = query.text if isinstance(query, Query) else query
        return self._pipeline.send(text, dict(parameters or {})).result()
