"""A large load staged beside the graph and switched in by one transaction (nhgraph.store.stage).

Each test runs the real writer against the real server: the load's new nodes are committed
as staged nodes before its transaction, which adopts them. What holds is what a load in one
transaction promised: the same graph after it, nothing seen before it commits, nothing left
when it is refused, and a killed load's leftovers unseen and swept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

from nhgraph import queries
from nhgraph.config import Settings
from nhgraph.schema.models import MODEL_CLASSES, Node, Place, class_name
from nhgraph.store import db, plan_write, write_models
from nhgraph.store import writer as writer_module
from nhgraph.store.rows import fresh_rows
from nhgraph.store.stage import STAGED_COUNT, StageLost, stage, sweep

from .world import world

LABELS = [class_name(cls) for cls in MODEL_CLASSES]


@pytest.fixture
def staging(neo4j_settings: Settings) -> Iterator[Callable[..., db.Database]]:
    """Databases on the test server with settings of their own (by default, every load
    staged), closed after the test."""
    made: list[db.Database] = []

    def make(**update: Any) -> db.Database:
        settings = neo4j_settings.model_copy(update={"stage_min_nodes": 0, **update})
        made.append(db.Database(settings))
        return made[-1]

    yield make
    for database in made:
        database.close()


def _graph_of(database: db.Database) -> tuple[list[Any], list[Any]]:
    """The model's nodes (labels and properties, without load times) and their edges."""
    nodes = database.read(
        "MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) "
        "RETURN labels(n) AS labels, properties(n) AS props",
        {"labels": LABELS},
    )
    edges = database.read(
        "MATCH (a)-[r]->(b) WHERE any(l IN labels(a) WHERE l IN $labels) "
        "RETURN labels(a)[0] AS a, a.id AS from, type(r) AS rel, labels(b)[0] AS b, b.id AS to",
        {"labels": LABELS},
    )
    shown = sorted(
        (row["labels"], sorted((k, str(v)) for k, v in row["props"].items() if k != "loaded_at"))
        for row in nodes
    )
    return shown, sorted((r["a"], r["from"], r["rel"], r["b"], r["to"]) for r in edges)


def _staged(database: db.Database) -> int:
    return int(database.read(STAGED_COUNT)[0]["n"])


def _count(database: db.Database, label: str) -> int:
    return int(database.read(f"MATCH (n:{label}) RETURN count(n) AS n")[0]["n"])


def _write(database: db.Database, models: list[Node], **options: Any) -> Any:
    planned = plan_write(database, models, track_updates=True)
    return write_models(database, models, expect=planned, batch_size=4, **options)


def test_a_staged_write_is_the_one_transaction_write_and_unseen_until_it_commits(
    graph: db.Database, staging: Callable[..., db.Database]
) -> None:
    one = staging(stage_min_nodes=10**9)
    _write(one, world())
    expected = _graph_of(graph)
    assert len(expected[0]) >= 30
    assert len(expected[1]) >= 30
    graph.reset()

    seen: dict[str, int] = {}

    def before_commit(_tx: db.Transaction) -> None:
        # Another session, as a reader: the staged nodes are committed, their adoption not.
        seen["staged"] = _staged(graph)
        seen["lsoas"] = _count(graph, "Lsoa")
        seen["places"] = _count(graph, "Place")
        [edges] = graph.read(
            "MATCH (a:NhgStaged)-[r]->(b:NhgStaged) RETURN count(r) AS staged, "
            "COUNT { MATCH (n)-[]-() WHERE NOT n:NhgStaged } AS reachable"
        )
        seen.update(staged_edges=edges["staged"], reachable=edges["reachable"])

    staging = staging()
    summary = _write(staging, world(), then=before_commit)
    total = sum(summary.created.values())
    concepts = sum(n for label, n in summary.created.items() if label in {"Function", "Cohort"})
    assert seen["staged"] >= 30
    assert seen["staged"] <= total - concepts
    assert seen["lsoas"] == 0
    assert seen["places"] == 0
    assert seen["staged_edges"] >= 20  # the edges between new nodes are staged with them
    assert seen["reachable"] == 0  # and no node a reader starts from reaches them
    assert _staged(graph) == 0  # every staged node was switched in
    assert _graph_of(graph) == expected


def test_a_refused_write_removes_its_stage(
    graph: db.Database, staging: Callable[..., db.Database]
) -> None:
    graph.write("CREATE (:Place {id: 'E09999999', name: 'before', source: 'earlier'})")
    before = _graph_of(graph)

    def refuse(_tx: db.Transaction) -> None:
        assert _staged(graph) > 0  # it was staged
        raise RuntimeError("refused by the test")

    with pytest.raises(RuntimeError, match="refused by the test"):
        _write(staging(), world(), then=refuse)
    assert _staged(graph) == 0
    assert _graph_of(graph) == before


def test_a_stage_swept_before_the_switch_refuses_the_load_and_writes_nothing(
    graph: db.Database, staging: Callable[..., db.Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = writer_module.stage

    def then_swept(*args: Any, **kwargs: Any) -> Any:
        staged = real(*args, **kwargs)
        # Another load, with NHGRAPH_STAGE_SWEEP_SECONDS=0, takes this one's stage for a
        # killed load's: here, one of its nodes.
        graph.write("MATCH (n:NhgStaged) WITH n LIMIT 1 DETACH DELETE n")
        return staged

    monkeypatch.setattr(writer_module, "stage", then_swept)
    with pytest.raises(StageLost) as caught:
        _write(staging(), world())
    message = str(caught.value)
    assert "nothing was written" in message
    counts = re.search(r"\((\d+) of (\d+) found\)", message)
    assert counts is not None, message
    assert int(counts[1]) == int(counts[2]) - 1
    assert _staged(graph) == 0
    assert _graph_of(graph) == ([], [])


def test_a_killed_loads_stage_is_unseen_kept_while_young_and_swept_when_old(
    graph: db.Database, staging: Callable[..., db.Database]
) -> None:
    # A load killed after staging, before its switch: its stage is all that is left of it.
    places = [Place(id=f"E0699{i:04d}", name=f"Left {i}", systems=["QMJ"]) for i in range(7)]
    stage(
        graph,
        {"Place": fresh_rows(places)},
        {"Place": Place.links()},
        datetime.now().astimezone(),
        3,
        lambda *_: None,
    )
    assert _staged(graph) == 7
    assert _count(graph, "Place") == 0
    counted = {row["label"]: row["count"] for row in graph.read(queries.load("node_counts"))}
    assert "NhgStaged" not in counted
    assert "Place" not in counted
    # A load meanwhile keeps a young stage (it may be another load's, still running)...
    _write(staging(), world())
    assert _staged(graph) == 7
    # ...and sweeps it once it is older than NHGRAPH_STAGE_SWEEP_SECONDS.
    sweeping = staging(stage_sweep_seconds=0)
    _write(sweeping, world()[:3])
    assert _staged(graph) == 0
    sweep(graph, 0)  # nothing left to sweep: no error


def test_a_load_below_the_threshold_is_not_staged(
    graph: db.Database, staging: Callable[..., db.Database]
) -> None:
    seen: list[int] = []
    small = staging(stage_min_nodes=10**9)
    _write(small, world(), then=lambda _tx: seen.append(_staged(graph)))
    assert seen == [0]
    assert _count(graph, "Lsoa") > 0
