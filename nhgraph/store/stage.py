"""Staging: a large load's new nodes written beside the graph first, and switched in at once.

A load is all or nothing: a killed load leaves the graph as it was, and readers never see half
a release. Written in one transaction, England's 87,000 new nodes (their boundaries, names and
codes) are all held in that transaction's memory until it commits. Staged, they are written
before it in small committed transactions as nodes with only the label ``NhgStaged``, a
stage token and the time they were staged: no domain label and no relationship, so no
question, page, count or shape meets them. The load's one transaction then adopts them (gives
each its label, drops the stage's marks, makes its edges) with the rest of the release, and
holds only that. A load refused or failed deletes its own stage; one killed leaves it, and
the next load sweeps stages older than ``NHGRAPH_STAGE_SWEEP_SECONDS``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from nhgraph.errors import NhgraphError
from nhgraph.schema.models import Link
from nhgraph.store.db import Database, Record, Transaction
from nhgraph.store.plan import Progress
from nhgraph.store.rows import content_hash, in_batches

#: The one label of a staged node: not a class of the model, so nothing that reads the graph
#: by its classes (every question, page, export and shape) matches it.
STAGED = "NhgStaged"

#: Staged nodes of one batch: the properties the load would create them with, the stage's
#: token and time; their element ids in the order of the rows.
STAGE = (
    f"UNWIND $rows AS row CREATE (n:{STAGED}) SET n = row.props "
    "SET n.loaded_at = coalesce(n.loaded_at, $loaded_at), n.nhg_stage = $stage, "
    "n.nhg_staged_at = $staged_at RETURN elementId(n) AS e"
)

#: Edges between staged nodes by element id: [from, to, relationship type]. Unseen as the
#: nodes are: no edge joins a staged node to one a reader can start from.
STAGE_EDGES = (
    f"UNWIND $rows AS row MATCH (a:{STAGED}) WHERE elementId(a) = row[0] "
    f"MATCH (b:{STAGED}) WHERE elementId(b) = row[1] CREATE (a)-[:$(row[2])]->(b)"
)

#: The load's transaction takes in staged nodes by element id: each is given its label, loses
#: the stage's marks and gets its edges to nodes outside the stage. A node not found under
#: this stage's token (swept by another load) is not counted, and the load refuses (StageLost).
ADOPT = (
    f"UNWIND $rows AS row MATCH (n:{STAGED}) WHERE elementId(n) = row.e "
    "AND n.nhg_stage = $stage "
    f"SET n:$(row.label) REMOVE n:{STAGED}, n.nhg_stage, n.nhg_staged_at WITH n, row "
    "CALL (n, row) { UNWIND row.links AS link MATCH (m) WHERE elementId(m) = link[0] "
    "CREATE (n)-[:$(link[1])]->(m) RETURN count(*) AS linked } "
    "RETURN count(n) AS adopted"
)

#: A stage's nodes deleted in batches of their own, with the staged edges between them.
UNSTAGE = (
    f"MATCH (n:{STAGED} {{nhg_stage: $stage}}) CALL (n) {{ DETACH DELETE n }} "
    "IN TRANSACTIONS OF 5000 ROWS"
)

#: Stages older than a time: left by loads that were killed before they switched.
SWEEP = (
    f"MATCH (n:{STAGED}) WHERE n.nhg_staged_at < $before "
    "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS"
)

#: How many staged nodes there are, of every stage (a test, or a person, sees leftovers).
STAGED_COUNT = f"MATCH (n:{STAGED}) RETURN count(n) AS n"


class StageLost(NhgraphError):
    """Staged nodes were gone when the load switched them in: nothing was written."""

    code = "stage_lost"

    def __init__(self, found: int, expected: int) -> None:
        """The refusal saying how many of the load's staged nodes were found."""
        super().__init__(
            f"the load's staged nodes were removed before it switched them in ({found} of "
            f"{expected} found): another load swept them as left over "
            "(NHGRAPH_STAGE_SWEEP_SECONDS is shorter than this load takes); nothing was "
            "written; run the load again"
        )


@dataclass
class Stage:
    """One load's staged nodes: its token and each node's element id by (label, id)."""

    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    element: dict[tuple[str, Any], str] = field(default_factory=dict)

    def staged_edge(self, end: str) -> bool:
        """Whether an edge from a staged node to the node of element id ``end`` was staged
        (its end is staged too)."""
        if len(self._ends) != len(self.element):
            self._ends = set(self.element.values())
        return end in self._ends

    _ends: set[str] = field(default_factory=set, repr=False)

    def __len__(self) -> int:
        """How many nodes are staged."""
        return len(self.element)


def sweep(database: Database, older_than: float) -> None:
    """Delete the staged nodes of stages older than ``older_than`` seconds."""
    before = datetime.now(UTC) - timedelta(seconds=older_than)
    database.run_autocommit(SWEEP, {"before": before})


def stage(
    database: Database,
    rows: Mapping[str, Sequence[dict[str, Any]]],
    links: Mapping[str, Mapping[str, Link]],
    loaded_at: datetime,
    batch_size: int,
    tick: Progress,
) -> Stage:
    """Write the rows (by label) as staged nodes, a batch to a committed transaction, and
    then the edges (the label's ``links``) between staged nodes.

    Python hashes the next batch while Neo4j writes this one. On any failure the nodes staged
    so far are deleted before the error is raised. The switch makes the other edges (to stored
    nodes and concepts): only an edge whose two ends are staged is staged.
    """
    staged = Stage()
    staged_at = datetime.now(UTC)
    sent: list[tuple[Sequence[tuple[str, dict[str, Any]]], Future[list[Record]]]] = []

    def write(batch: Sequence[dict[str, Any]]) -> list[Record]:
        parameters = {
            "rows": [{"props": row["props"]} for row in batch],
            "loaded_at": loaded_at,
            "stage": staged.token,
            "staged_at": staged_at,
        }
        return database.execute_write(
            lambda tx: _run(tx, parameters), what="staging the load's new nodes"
        )

    def take(done: tuple[Sequence[tuple[str, dict[str, Any]]], Future[list[Record]]]) -> None:
        batch, future = done
        for (label, row), made in zip(batch, future.result(), strict=True):
            staged.element[(label, row["id"])] = made["e"]
        tick("nodes", len(batch))

    # Batches span classes (a staged node's label is given when it is switched in), so the
    # small classes cost no transaction of their own.
    every = [(label, row) for label, label_rows in rows.items() for row in label_rows]
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="nhgraph-stage") as pool:
            for batch in in_batches(every, batch_size):
                for _, row in batch:
                    if "content_hash" not in row["props"]:
                        row["props"]["content_hash"] = content_hash(row)
                sent.append((batch, pool.submit(write, [row for _, row in batch])))
                while len(sent) > 1:  # one written while the next is hashed
                    take(sent.pop(0))
            while sent:
                take(sent.pop(0))
        edges = [
            [staged.element[(label, row["id"])], end, link.rel]
            for label, row in every
            for name, link in links.get(label, {}).items()
            for target in row["links"][name]
            if (end := staged.element.get((link.target, target))) is not None
        ]
        for edge_batch in in_batches(edges, batch_size):
            database.execute_write(
                partial(_run_edges, rows=list(edge_batch)), what="staging the load's new edges"
            )
            tick("links", len(edge_batch))
    except BaseException:
        unstage(database, staged.token)
        raise
    return staged


def _run(tx: Transaction, parameters: dict[str, Any]) -> list[Record]:
    return tx.run(STAGE, parameters)


def _run_edges(tx: Transaction, rows: list[list[str]]) -> list[Record]:
    return tx.run(STAGE_EDGES, {"rows": rows})


def unstage(database: Database, token: str) -> None:
    """Delete what is left of one stage (nothing, once its load has switched it in)."""
    database.run_autocommit(UNSTAGE, {"stage": token})
