"""A deadline over the database layer, against a real Neo4j: the server itself ends each
transaction begun under it when the time left is spent, so nothing of the work stays running."""

from __future__ import annotations

import threading
import time

import pytest

from nhgraph.store import db

#: A read that runs for minutes (about 20 s per billion rows on the test machine).
ENDLESS = "UNWIND range(1, 100000000000) AS x RETURN count(x) AS n"
#: A read that runs for about a second.
ONE_SECOND = "UNWIND range(1, 20000000) AS x RETURN count(x) AS n"


def _running(database: db.Database, text: str) -> list[str]:
    rows = database.read("SHOW TRANSACTIONS YIELD currentQuery RETURN currentQuery")
    return [row["currentQuery"] for row in rows if text in row["currentQuery"]]


def test_a_read_past_its_deadline_is_ended_by_neo4j(graph: db.Database) -> None:
    started = time.monotonic()
    with pytest.raises(db.DeadlineExceeded, match="time budget"), db.deadline(0.5):
        graph.read(ENDLESS)
    # Generous: without the deadline the read runs for minutes.
    assert time.monotonic() - started < 10
    assert _running(graph, "100000000000") == []


def test_a_unit_of_work_past_its_deadline_is_ended_by_neo4j(graph: db.Database) -> None:
    with pytest.raises(db.DeadlineExceeded), db.deadline(0.5):
        graph.execute_read(lambda tx: tx.run(ENDLESS), what="endless")
    assert _running(graph, "100000000000") == []


def test_a_write_waiting_for_a_lock_is_ended_at_its_deadline_and_writes_nothing(
    graph: db.Database,
) -> None:
    graph.write("CREATE (:Place {id: 'E09000007', name: 'Camden'})")
    holding, release = threading.Event(), threading.Event()

    def hold(tx: db.Transaction) -> None:
        tx.run("MATCH (p:Place {id: 'E09000007'}) SET p.name = 'held'")
        holding.set()
        release.wait(30)
        raise RuntimeError("roll back")

    def holder_work() -> None:
        with pytest.raises(RuntimeError):
            graph.execute_write(hold)

    holder = threading.Thread(target=holder_work, daemon=True)
    holder.start()
    try:
        assert holding.wait(30)
        started = time.monotonic()
        with pytest.raises(db.DeadlineExceeded), db.deadline(0.5):
            graph.write("MATCH (p:Place {id: 'E09000007'}) SET p.name = 'blocked'")
        assert time.monotonic() - started < 10  # the lock is held for 30 s
    finally:
        release.set()
        holder.join(30)
    assert graph.read("MATCH (p:Place) RETURN p.name AS name") == [{"name": "Camden"}]


def test_no_transaction_is_begun_once_the_time_is_spent(graph: db.Database) -> None:
    with db.deadline(0.01):
        time.sleep(0.05)
        with pytest.raises(db.DeadlineExceeded, match="before it began"):
            graph.write("CREATE (:Place {id: 'E09000007', name: 'Camden'})")
        with pytest.raises(db.DeadlineExceeded, match="before it began"):
            graph.execute_write(lambda tx: tx.run("RETURN 1"))
        with pytest.raises(db.DeadlineExceeded, match="before it began"):
            graph.run_autocommit("RETURN 1")
    assert graph.read("MATCH (p:Place) RETURN count(p) AS n") == [{"n": 0}]


@pytest.mark.parametrize(("outer", "inner"), [(60, 0.3), (0.3, 60)])
def test_nested_deadlines_keep_the_sooner(graph: db.Database, outer: float, inner: float) -> None:
    with pytest.raises(db.DeadlineExceeded), db.deadline(outer), db.deadline(inner):
        graph.read(ENDLESS)


def test_work_after_a_deadline_has_no_limit(graph: db.Database) -> None:
    with db.deadline(0.2):
        pass
    assert graph.read(ONE_SECOND) == [{"n": 20000000}]
    # A deadline is per context: one set in another thread does not reach this one.
    other = threading.Thread(target=lambda: db.deadline(0.01).__enter__())
    other.start()
    other.join()
    assert graph.read(ONE_SECOND) == [{"n": 20000000}]
