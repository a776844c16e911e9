"""What a load may do to what is stored, checked before it writes and again inside its write.

A record belongs to its source (its stored ``source``): a load refuses a model whose id is
stored under a source the load does not reload. A reload that would remove more than a share
of a source's records, or a node that nodes of other sources link to, is refused unless
removals are allowed. The plan reads what the load will touch (:class:`StoredView`); the
write locks the nodes it updates or removes and checks that they are still as the plan read
them, so a load never overwrites or removes what an edit committed in between: it refuses
with :class:`GraphChanged`, and the load can run again.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from nhgraph.errors import NhgraphError
from nhgraph.store.db import Transaction
from nhgraph.store.rows import in_batches
from nhgraph.store.statements import (
    incoming_statement,
    lock_removed_statement,
    lock_statement,
    remove_ids_statement,
    unhash_statement,
)

#: Ids named in a message, per label, before the rest are counted.
SHOWN = 5

#: id -> (content hash, source) of stored nodes of one label.
Stored = dict[str, tuple[str | None, str | None]]

#: A link into a node to remove: (label, id, relationship, from label, from id, from source).
Incoming = tuple[str, str, str, str, str, str | None]


class GraphChanged(NhgraphError):
    """What the load planned against changed before its write: nothing was written."""

    code = "graph_changed"

    def __init__(self, label: str, ids: Iterable[str]) -> None:
        """The refusal naming the nodes found changed since the plan read them."""
        shown = _ids(sorted(ids))
        super().__init__(
            f"the graph changed while loading ({label} {shown} changed since the load "
            "compared it): nothing was written; run the load again"
        )


class NotTheOwner(NhgraphError):
    """A load restates records that another source owns: nothing was written."""

    code = "owned_by_another_source"

    def __init__(self, conflicts: Sequence[tuple[str, str, str | None, str, str | None]]) -> None:
        """The refusal naming each node, its owner, the source that restates it and where."""
        self.conflicts = list(conflicts)
        shown = "; ".join(
            f"{label} {node_id} belongs to '{owner}', so '{source}'"
            + (f" ({where})" if where else "")
            + " may not change it"
            for label, node_id, owner, source, where in conflicts[:20]
        )
        more = f" (and {len(conflicts) - 20} more)" if len(conflicts) > 20 else ""
        super().__init__(
            f"{len(conflicts)} record(s) of other sources restated: {shown}{more}; "
            "nothing written (a record is changed through the source that owns it)"
        )


class RemovalsRefused(NhgraphError):
    """A reload would remove too much of a source, or nodes others link to: nothing written."""

    code = "removals_refused"


@dataclass
class StoredView:
    """What the plan read of the nodes a load touches, for the write to check under lock."""

    #: label -> id -> (hash, source): the loaded ids that are stored.
    stored: dict[str, Stored] = field(default_factory=dict)
    #: label -> id -> hash: what the reload would remove.
    removed: dict[str, dict[str, str | None]] = field(default_factory=dict)
    #: label -> the links into nodes to remove.
    incoming: dict[str, set[Incoming]] = field(default_factory=dict)
    #: source -> its stored records (concepts apart).
    records: Counter[str] = field(default_factory=Counter)
    #: source -> label -> how many the reload would remove.
    removed_by_source: dict[str, Counter[str]] = field(default_factory=dict)


def foreign(
    label: str,
    rows: Iterable[Mapping[str, object]],
    stored: Stored,
    sources: Collection[str],
) -> list[tuple[str, str, str | None, str]]:
    """(label, id, owner, source) of rows whose id is stored under a source that this load
    does not reload (a source reloaded in the same load may hand a record to another)."""
    out = []
    for row in rows:
        node_id = str(row["id"])
        if node_id not in stored:
            continue
        owner = stored[node_id][1]
        source = row["props"]["source"]  # type: ignore[index]
        if owner != source and owner not in sources:
            out.append((label, node_id, owner, str(source)))
    return out


def lock(tx: Transaction, label: str, ids: Sequence[str], batch_size: int) -> Stored:
    """Write-lock these nodes until the transaction ends; their hash and source as locked."""
    found: Stored = {}
    for batch in in_batches(list(ids), batch_size):
        for row in tx.run(lock_statement(label), {"ids": list(batch)}):
            found[row["id"]] = (row["hash"], row["source"])
    return found


def check_same(label: str, now: Mapping[str, object], planned: Mapping[str, object]) -> None:
    """GraphChanged unless what is stored now is what the plan read."""
    if now != planned:
        changed = {i for i in set(now) | set(planned) if now.get(i) != planned.get(i)}
        raise GraphChanged(label, changed)


def lock_removed(
    tx: Transaction, label: str, sources: Collection[str], keep: Collection[str]
) -> dict[str, str | None]:
    """Write-lock the nodes of the sources that the reload no longer holds: id -> hash."""
    return {
        row["id"]: row["hash"]
        for row in tx.run(lock_removed_statement(label), {"sources": list(sources), "keep": keep})
    }


def incoming(tx: Transaction, label: str, ids: Collection[str]) -> set[Incoming]:
    """The links into these nodes, from any node."""
    found: set[Incoming] = set()
    for batch in in_batches(sorted(ids), 5000):
        for row in tx.run(incoming_statement(label), {"ids": list(batch)}):
            found.add(
                (label, row["id"], row["rel"], row["from_label"], row["from_id"], row["source"])
            )
    return found


def from_others(
    links: Iterable[Incoming], sources: Collection[str], removed: Mapping[str, Collection[str]]
) -> list[Incoming]:
    """The links from nodes that stay: of other sources, or of a reloaded source and kept."""
    return [
        link for link in links if not (link[5] in sources and link[4] in removed.get(link[3], ()))
    ]


def check_links(links: Sequence[Incoming], sources: Collection[str], allow: bool) -> None:
    """RemovalsRefused when nodes of other sources link to nodes the reload removes."""
    others = [link for link in links if link[5] not in sources]
    if not others or allow:
        return
    by_source: dict[str | None, list[Incoming]] = defaultdict(list)
    for link in others:
        by_source[link[5]].append(link)
    shown = "; ".join(
        f"from '{source}': "
        + ", ".join(f"{fl} {fi} -{rel}-> {lb} {li}" for lb, li, rel, fl, fi, _ in found[:SHOWN])
        + (f" (and {len(found) - SHOWN} more)" if len(found) > SHOWN else "")
        for source, found in sorted(by_source.items(), key=lambda kv: str(kv[0]))
    )
    targets = sorted({f"{lb} {li}" for lb, li, *_ in others})
    raise RemovalsRefused(
        f"the reload would remove {len(targets)} node(s) that nodes of other sources link to "
        f"({_ids(targets)}), and their links would be lost: {shown}. Nothing written; pass "
        "--allow-removals (allow_removals=True) to remove them anyway, then reload the "
        "linking sources, which writes their links again or names what they miss"
    )


def check_share(view: StoredView, max_share: float, allow: bool) -> None:
    """RemovalsRefused when a reload removes more than ``max_share`` of a source's records."""
    if allow:
        return
    over = []
    for source, by_label in sorted(view.removed_by_source.items()):
        removed, records = sum(by_label.values()), view.records[source]
        if records and removed / records > max_share:
            over.append(f"'{source}' would lose {removed} of its {records} records")
    if not over:
        return
    what = "; ".join(
        f"{label} {count} ({_ids(sorted(view.removed.get(label, {})))})"
        for label, count in sorted(sum(view.removed_by_source.values(), Counter[str]()).items())
    )
    raise RemovalsRefused(
        f"{'; '.join(over)}, more than NHGRAPH_MAX_REMOVAL_SHARE ({max_share:.0%}): {what}. "
        "Nothing written: a file cut short looks like this. Pass --allow-removals "
        "(allow_removals=True) if they are to go"
    )


def unhash(tx: Transaction, links: Iterable[Incoming]) -> None:
    """Forget the content hash of nodes whose links a removal cuts, so that the next reload
    of their source writes their links again (or names the target it misses)."""
    by_label: dict[str, set[str]] = defaultdict(set)
    for link in links:
        by_label[link[3]].add(link[4])
    for label, ids in by_label.items():
        tx.run(unhash_statement(label), {"ids": sorted(ids)})


def remove(tx: Transaction, label: str, ids: Collection[str], batch_size: int) -> int:
    """Remove these nodes with their edges."""
    removed = 0
    for batch in in_batches(sorted(ids), batch_size):
        for row in tx.run(remove_ids_statement(label), {"ids": list(batch)}):
            removed += row["removed"]
    return removed


def _ids(ids: Sequence[str]) -> str:
    more = f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
    return ", ".join(ids[:SHOWN]) + more
