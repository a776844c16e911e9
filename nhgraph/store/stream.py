"""The streaming writer: one class written batch by batch as its source is read."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nhgraph.config import Settings
from nhgraph.queries import Query
from nhgraph.schema.models import Link, Node, class_name
from nhgraph.store.concepts import ensure_concepts
from nhgraph.store.db import (
    Database,
    Record,
    TooLarge,
    Transaction,
    heap_for,
    too_large_advice,
)
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

    A stream too large for the server reads the rest of its source to count it, and says
    how many rows it sent before the server's transaction memory ran out, how many the source
    holds and the heap they need (:func:`too_large_for`), not only to try twice the heap.
    """
    label = class_name(cls)
    links = cls.links()
    if any(link.target == label for link in links.values()):
        raise ValueError(f"{label} links to {label}: write it with write_models")
    loaded_at = datetime.now().astimezone()
    summary = WriteSummary()
    tick = progress or (lambda _step, _n: None)
    reach = StreamReach()
    batches = iter(batches)  # read on past a failure to count the rest (too_large_for)

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
                reach.read += len(models)
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
                    created = pipeline.send(CREATE, {"rows": out, "loaded_at": loaded_at})
                    reach.sent.append((created, len(new)))
                if changed:
                    updated = pipeline.send(
                        update_statement(label),
                        {"rows": props_only(changed), "loaded_at": loaded_at},
                    )
                    reach.sent.append((updated, len(changed)))
                    for name, link in links.items():
                        targets = [{"id": r["id"], "targets": r["links"][name]} for r in changed]
                        check = pipeline.send(link_statement(label, link), {"rows": targets})
                        checks.append((name, check))
                        summary.relationships += sum(len(r["targets"]) for r in targets)
                reach.done += len(rows)
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

    what = f"writing {label} nodes as they are read"
    try:
        return database.execute_write(work, what=what, retry=False)
    except TooLarge as error:
        better = too_large_for(database.settings, what, error, reach, batches)
        if better is None:
            raise
        raise better from error


#: How much more memory a large write transaction holds at its peak, as it commits, than
#: its writes held before: postcodes cost about 2.8 KB each before the commit and 6.5 to 7 KB
#: at its peak (bench/results/england_postcodes.json; the figure is checked there).
COMMIT_GROWTH = 2.3


@dataclass
class StreamReach:
    """How far a stream got: the rows it read, and its writes sent (with their rows, new or
    changed). Python reads ahead of the server, so what was written when the transaction
    failed is the rows of the writes that had run, not of every one sent."""

    read: int = 0
    #: Rows read in the batches whose writes were all sent (the batch in hand is not).
    done: int = 0
    sent: list[tuple[Future[list[Record]], int]] = field(default_factory=list)

    @property
    def written(self) -> int:
        """The rows of the writes the server ran before the transaction failed."""
        return sum(
            rows
            for future, rows in self.sent
            if future.done() and not future.cancelled() and future.exception() is None
        )

    @property
    def sent_rows(self) -> int:
        """The rows of every write sent."""
        return sum(rows for _, rows in self.sent)


def too_large_for(
    settings: Settings,
    what: str,
    error: TooLarge,
    reach: StreamReach,
    rest: Iterable[Sequence[Node]],
) -> TooLarge | None:
    """The refusal of a stream too large for the server, with what the whole would need.

    The rest of the source is read on (``rest``: the batches not yet taken) to count its
    rows; a source that fails as it is read on is counted to where it failed, and said so.
    The rows written when the server's limit (``error.limit``) was met cost the limit between
    them; the whole needs that much a row, times :data:`COMMIT_GROWTH` for its commit, and
    the refusal names the heap that holds it. Run out as it committed, with every row
    written, the stream needed more than the limit for its commit: the heap to try stays
    twice the one it has. None where the server's message gives no limit or nothing was
    written: the plain refusal stands.
    """
    written = reach.written
    if error.limit is None or written == 0:
        return None
    total, short = reach.read, ""
    try:
        for batch in rest:
            total += len(batch)
    except Exception as failure:  # a bad row, an unreadable rest: counted to there, and said
        short = f" (at least: reading on, the source failed: {str(failure)[:200]})"
    to_write = round(total * reach.sent_rows / reach.done) if reach.done else total
    per_row = error.limit / written
    limit = _size(error.limit)
    if written >= to_write:
        said = (
            f"its transaction memory ({limit}) ran out as it committed all {written:,} rows "
            f"to write{short}, more than {per_row / 1024:,.1f} KB a row"
        )
        heap, need = None, None
    else:
        need = per_row * to_write * COMMIT_GROWTH
        said = (
            f"its transaction memory ({limit}) ran out with {written:,} rows written, "
            f"{per_row / 1024:,.1f} KB a row before its commit; the source holds "
            f"{to_write:,} rows to write{short}, which need about {_size(need)} in one "
            f"transaction (a commit takes about {COMMIT_GROWTH:g} times what its writes "
            "held)"
        )
        heap = heap_for(need)
    return TooLarge(
        f"{what}: too large for one transaction on this server: {said}. Nothing was "
        "written, and running it again fails the same way: "
        f"{too_large_advice(settings, heap)}",
        limit=error.limit,
        need=need,
    )


def _size(size: float) -> str:
    """A size in bytes as Neo4j states one: MiB below a GiB, GiB from there."""
    return f"{size / 2**20:,.0f} MiB" if size < 2**30 else f"{size / 2**30:,.1f} GiB"


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
