"""The database layer against a real Neo4j: constraints, transactions, errors."""

from __future__ import annotations

import contextlib
import socket

import pytest

from nhgraph import queries
from nhgraph.config import Settings
from nhgraph.store import db

from .conftest import make_test_settings


def test_uniqueness_constraint_rejects_a_duplicate_place(graph: db.Database) -> None:
    # A fake server would accept this; Neo4j's constraint refuses the second node.
    graph.write("CREATE (:Place {id: 'E09000007', name: 'Camden'})")
    with pytest.raises(db.ConstraintViolation, match="E09000007"):
        graph.write("CREATE (:Place {id: 'E09000007', name: 'Camden again'})")
    assert graph.read("MATCH (p:Place) RETURN count(p) AS n") == [{"n": 1}]


def test_a_failed_unit_of_work_writes_nothing(graph: db.Database) -> None:
    graph.write("CREATE (:Place {id: 'E09000012', name: 'Hackney'})")

    def work(tx: db.Transaction) -> None:
        tx.run("CREATE (:Place {id: 'E09000001', name: 'City of London'})")
        tx.run("CREATE (:Place {id: 'E09000012', name: 'duplicate'})")

    with pytest.raises(db.ConstraintViolation):
        graph.execute_write(work, what="two places")
    rows = graph.read("MATCH (p:Place) RETURN p.id AS id ORDER BY id")
    assert rows == [{"id": "E09000012"}]


def test_ensure_schema_is_idempotent(graph: db.Database) -> None:
    first = graph.constraint_names()
    graph.ensure_schema()
    graph.ensure_schema()
    assert graph.constraint_names() == first
    expected = {line.split()[2] for line in queries.schema_statements() if "CONSTRAINT" in line}
    assert expected <= first
    assert len(expected) >= 19


def test_ensure_schema_puts_back_a_dropped_constraint_and_index(graph: db.Database) -> None:
    graph.run_autocommit("DROP CONSTRAINT lsoa_id")
    graph.run_autocommit("DROP INDEX organisation_kind")
    assert "lsoa_id" not in graph.constraint_names()
    graph.ensure_schema()
    assert "lsoa_id" in graph.constraint_names()
    indexes = {row["name"] for row in graph.run_autocommit("SHOW INDEXES YIELD name")}
    assert "organisation_kind" in indexes


def test_wipe_removes_nodes_and_constraints(graph: db.Database) -> None:
    graph.write("UNWIND range(1, 25) AS i CREATE (:Lsoa {id: 'E0100000' + toString(i)})")
    graph.wipe()
    assert graph.read("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]
    assert graph.constraint_names() == set()


def test_reset_drops_undeclared_constraints_and_keeps_declared(graph: db.Database) -> None:
    declared = graph.constraint_names()
    graph.run_autocommit(
        "CREATE CONSTRAINT stray IF NOT EXISTS FOR (n:Stray) REQUIRE n.k IS UNIQUE"
    )
    graph.write("CREATE (:Stray {k: 1})")
    graph.reset()
    assert graph.constraint_names() == declared
    assert graph.read("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]


#: A named statement of the tests' own: one place by its id, with its system.
PLACE_BY_ID = queries.parse(
    "place_by_id",
    """// name: place_by_id
// purpose: One place (a borough, ONS E09 code) by its id, with the system it is part of.
// parameters: id
// columns: id, name, system
MATCH (p:Place {id: $id})
OPTIONAL MATCH (p)-[:PART_OF]->(s:System)
RETURN p.id AS id, p.name AS name, s.id AS system""",
)


def test_named_query_runs_with_parameters(graph: db.Database) -> None:
    graph.write(
        "CREATE (:Place {id: $id, name: $name})-[:PART_OF]->(:System {id: 'QMJ'})",
        {"id": "E09000007", "name": "Camden"},
    )
    rows = graph.read(PLACE_BY_ID, {"id": "E09000007"})
    assert rows == [{"id": "E09000007", "name": "Camden", "system": "QMJ"}]
    assert graph.read(PLACE_BY_ID, {"id": "nowhere"}) == []


def test_a_syntax_error_is_reported_as_query_failed(graph: db.Database) -> None:
    with pytest.raises(db.QueryFailed, match="Syntax"):
        graph.read("MATCH (n RETURN n")


def test_unreachable_server_is_database_unavailable() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = make_test_settings(neo4j_uri=f"bolt://127.0.0.1:{port}", neo4j_retry_seconds=0)
    database = db.Database(settings)
    try:
        assert database.is_ready() is False
        with pytest.raises(db.DatabaseUnavailable, match="not reachable"):
            database.read("RETURN 1")
    finally:
        database.close()


def test_wrong_password_names_the_variables(neo4j_settings: Settings) -> None:
    settings = neo4j_settings.model_copy(
        update={"neo4j_password": neo4j_settings.neo4j_password.__class__("wrong-password")}
    )
    database = db.Database(settings)
    try:
        with pytest.raises(db.DatabaseUnavailable, match="NHGRAPH_NEO4J_PASSWORD"):
            database.verify()
    finally:
        database.close()


def test_driver_is_made_once_per_process(neo4j_settings: Settings) -> None:
    assert db.get_database(neo4j_settings) is db.get_database(neo4j_settings)


def test_values_come_back_as_plain_python(graph: db.Database) -> None:
    from datetime import date, datetime

    graph.write(
        "CREATE (:Scratch {id: 'a', on: date('2026-01-02')})-[:LINK {w: 1}]->"
        "(:Scratch {id: 'b', at: datetime('2026-01-02T03:04:05Z')})"
    )
    [row] = graph.read(
        "MATCH p = (a:Scratch)-[r:LINK]->(b:Scratch) "
        "RETURN a, r, b.at AS at, [a.on] AS dates, {on: a.on} AS map, p"
    )
    assert row["a"] == {"id": "a", "on": date(2026, 1, 2)}
    assert row["r"] == {"w": 1}
    assert isinstance(row["at"], datetime)
    assert row["at"].hour == 3
    assert row["dates"] == [date(2026, 1, 2)]
    assert row["map"] == {"on": date(2026, 1, 2)}
    assert row["p"] == [{"w": 1}]  # a path is its relationships, as the driver iterates it


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"neo4j_heap": "512m"}, "NHGRAPH_NEO4J_HEAP (now 512m; try 1g"),
        ({"neo4j_heap": "768M"}, "NHGRAPH_NEO4J_HEAP (now 768M; try 1536m"),
        ({"neo4j_heap": "2g"}, "NHGRAPH_NEO4J_HEAP (now 2g; try 4g"),
        ({"neo4j_heap": "lots"}, "try more than lots"),
        ({"neo4j_uri": "bolt://elsewhere:7687"}, "server.memory.heap.max_size"),
    ],
)
def test_the_too_large_advice_names_what_to_set(overrides: dict[str, str], says: str) -> None:
    from nhgraph.config import Settings
    from nhgraph.store.db import too_large_advice

    assert says in too_large_advice(Settings(**overrides))  # type: ignore[arg-type]


def test_the_too_large_advice_gives_the_heap_a_writer_worked_out() -> None:
    from nhgraph.config import Settings
    from nhgraph.store.db import too_large_advice

    local = too_large_advice(Settings(neo4j_heap="2g"), heap="13g")
    assert "NHGRAPH_NEO4J_HEAP (now 2g; set at least 13g" in local
    assert "try" not in local
    remote = too_large_advice(Settings(neo4j_uri="bolt://elsewhere:7687"), heap="13g")
    assert "server.memory.heap.max_size to at least 13g" in remote


@pytest.mark.parametrize(
    ("message", "limit"),
    [
        (
            "The allocation of an extra 24.0 MiB would use more than the limit 1.4 GiB. "
            "Currently using 1.4 GiB. dbms.memory.transaction.total.max threshold reached",
            int(1.4 * 2**30),
        ),
        ("would use more than the limit 358.4 MiB. Currently", int(358.4 * 2**20)),
        ("would use more than the limit 900 B.", 900),
        ("Java heap space", None),  # the heap itself: no limit stated
        ("the limit of patience", None),
    ],
)
def test_a_memory_error_states_its_limit(message: str, limit: int | None) -> None:
    from nhgraph.store.db import memory_limit

    assert memory_limit(message) == limit


@pytest.mark.parametrize(
    ("transaction_bytes", "heap"),
    [(0, "1g"), (300 * 2**20, "1g"), (8655 * 2**20, "14g"), (2**30, "2g")],
)
def test_the_heap_for_a_transaction_leaves_room(transaction_bytes: int, heap: str) -> None:
    """Transactions may use 70% of the heap; a tenth more is left to spare."""
    from nhgraph.store.db import heap_for

    assert heap_for(transaction_bytes) == heap


def test_every_class_of_the_model_has_its_id_constraint(graph: db.Database) -> None:
    # A class without one is looked up by id with a scan of its label (a reload compares every
    # node's hash by id): PCN memberships and integrator appointments once lacked theirs.
    from nhgraph import queries
    from nhgraph.schema.models import MODEL_CLASSES, class_name

    text = " ".join(queries.schema_statements())
    missing = [
        class_name(cls)
        for cls in MODEL_CLASSES
        if f"FOR (n:{class_name(cls)}) REQUIRE n.id IS UNIQUE" not in text
    ]
    assert missing == []
    assert len(MODEL_CLASSES) >= 20
    graph.ensure_schema()
    assert {"pcn_membership_id", "integrator_appointment_id"} <= graph.constraint_names()


def test_a_pipeline_waited_on_out_of_order_raises_its_first_failure(graph: db.Database) -> None:
    """A writer waits on a later statement first (a lookup it needs now) while an earlier one
    has failed: the earlier failure is what is raised, not the driver's "Transaction failed",
    which names no cause (England's postcodes on a 2g heap were reported so), and nothing is
    written."""
    from nhgraph.store.pipeline import StatementPipeline

    def work(tx: db.Transaction) -> None:
        with StatementPipeline(tx) as pipeline:
            pipeline.send("CREATE (:Place {id: 'E09000001', name: 'City of London'})", {})
            pipeline.send("CREATE (:Place {id: 'E09000001', name: 'twice'})", {})
            pipeline.send("MATCH (p:Place) RETURN count(p) AS n", {}).result()

    with pytest.raises(db.ConstraintViolation, match="E09000001"):
        graph.execute_write(work, what="a pipelined write", retry=False)
    assert graph.read("MATCH (p:Place) RETURN count(p) AS n") == [{"n": 0}]


def test_a_failed_transaction_names_the_servers_error_behind_it(graph: db.Database) -> None:
    """A unit of work that swallows a statement's failure and runs on gets the driver's
    "Transaction failed": the error says the server's cause (code and message) instead."""

    def work(tx: db.Transaction) -> None:
        tx.run("CREATE (:Place {id: 'E09000001', name: 'City of London'})")
        with contextlib.suppress(Exception):  # the careless caller this test is about
            tx.run("CREATE (:Place {id: 'E09000001', name: 'twice'})")
        tx.run("MATCH (p:Place) RETURN count(p) AS n")

    with pytest.raises(db.QueryFailed, match=r"ConstraintValidationFailed.*E09000001"):
        graph.execute_write(work, what="a careless write", retry=False)
    assert graph.read("MATCH (p:Place) RETURN count(p) AS n") == [{"n": 0}]


def test_a_statement_too_large_names_the_work_then_the_statement(graph: db.Database) -> None:
    """Running out of transaction memory in one statement of a unit of work says which work
    (what a person asked for), then which statement, what to set, and writes nothing."""
    if graph.settings.neo4j_heap != "512m" or not graph.settings.manages_local_server:
        pytest.skip("sized for the project's own test server (512m heap)")

    def work(tx: db.Transaction) -> None:
        tx.run("UNWIND range(1, 3000000) AS i CREATE (:Place {id: 'P' + i, name: 'many'})")

    with pytest.raises(db.TooLarge) as caught:
        graph.execute_write(work, what="making many places", retry=False)
    message = str(caught.value)
    assert message.startswith("making many places, at UNWIND range(1, 3000000)"), message
    assert "NHGRAPH_NEO4J_HEAP (now 512m; try 1g" in message
    assert graph.read("MATCH (p:Place) RETURN count(p) AS n") == [{"n": 0}]
