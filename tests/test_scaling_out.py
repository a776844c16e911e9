"""Beyond one machine: what can be tested of it on one.

The API keeps nothing a second process would need (sessions, edits and the graph's version all
live in Neo4j), so two API processes on one Neo4j answer as one: an edit made through one is
read through the other, even with the response cache on. Reads run in read transactions, which a
``neo4j://`` URI routes to a cluster's readers (the suite itself runs through such a URI); the
writer retries what a cluster calls transient (here a real deadlock between two writers).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from nhgraph.config import Settings
from nhgraph.store import db, write_models

from .clients import INTEGRATOR, KEYS
from .command_line import settings_env
from .conftest import make_test_settings
from .world import world

NEIGHBOURHOOD = '{ neighbourhood(id: "camden-north") { lsoas } }'
MOVE = (
    'mutation { moveLsoas(lsoas: ["E01000800"], fromNeighbourhood: "camden-north", '
    'toNeighbourhood: "camden-south") { __typename } }'
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ApiProcess:
    """``nhgraph serve`` as its own operating-system process, as a load balancer would see it."""

    def __init__(self, settings: Settings, extra: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        keys = {secret: key.model_dump() for secret, key in KEYS.items()}
        env = {
            **os.environ,
            **settings_env(settings),
            "NHGRAPH_ENV": "test",
            "NHGRAPH_API_KEYS": json.dumps(keys),
            "NHGRAPH_API_PORT": str(self.port),
            "NHGRAPH_API_HOST": "127.0.0.1",
            # A shared machine's busy minute is not what this test is about.
            "NHGRAPH_API_REQUEST_SECONDS": "120",
            **extra,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nhgraph", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nhgraph serve exited: {self.process.stderr.read()}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"nhgraph serve on {self.url} was not ready within 180 s")

    def post(self, query: str, key: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.post(f"{self.url}/graphql", json={"query": query}, headers=headers, timeout=60)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(params=["no-cache", "response-cache"])
def two_apis(request: Any, neo4j_settings: Settings, database: db.Database) -> Iterator[Any]:
    """Two API processes on the test Neo4j, over the small world; with the response cache on
    in the second case (each process then holds answers the other's edit makes stale)."""
    database.reset()
    write_models(database, world())
    extra = {"NHGRAPH_API_CACHE_ENTRIES": "1000"} if request.param == "response-cache" else {}
    processes = [ApiProcess(neo4j_settings, extra) for _ in range(2)]
    try:
        for process in processes:
            process.wait_ready()
        yield processes
    finally:
        for process in processes:
            process.stop()
        database.reset()


def _lsoas(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return set(body["data"]["neighbourhood"]["lsoas"])


def test_an_edit_through_one_api_process_is_read_through_the_other(two_apis: Any) -> None:
    first, second = two_apis
    before = _lsoas(second.post(NEIGHBOURHOOD))
    assert "E01000800" in before
    assert _lsoas(second.post(NEIGHBOURHOOD)) == before  # the second answer may be a cached one
    done = first.post(MOVE, key=INTEGRATOR)
    assert done.json()["data"]["moveLsoas"]["__typename"] == "EditDone", done.text
    after = _lsoas(second.post(NEIGHBOURHOOD))
    assert after == before - {"E01000800"}
    assert _lsoas(first.post(NEIGHBOURHOOD)) == after
    # And back through the other one: neither process holds a state the other needs.
    undo = MOVE.replace("camden-north", "@").replace("camden-south", "camden-north")
    back = second.post(undo.replace("@", "camden-south"), key=INTEGRATOR)
    assert back.json()["data"]["moveLsoas"]["__typename"] == "EditDone", back.text
    assert _lsoas(first.post(NEIGHBOURHOOD)) == before


def test_the_suite_reaches_neo4j_through_a_routed_uri(database: db.Database) -> None:
    """The whole suite runs through ``neo4j://`` unless NHGRAPH_TEST_NEO4J_SCHEME says bolt."""
    expected = os.environ.get("NHGRAPH_TEST_NEO4J_SCHEME", "neo4j")
    if make_test_settings().neo4j_uri is None:
        assert database.uri.startswith(f"{expected}://")


@pytest.mark.parametrize("scheme", ["neo4j", "bolt"])
def test_reads_run_in_read_transactions_which_a_cluster_routes_to_its_readers(
    neo4j_settings: Settings, scheme: str
) -> None:
    """The server refuses a write in a read transaction: proof the read paths ask for read
    access, which is what a routing driver uses to send them to a reader."""
    if neo4j_settings.neo4j_uri is not None:
        pytest.skip("the server is one of NHGRAPH_NEO4J_URI's; the scheme is not ours to choose")
    database = db.Database(make_test_settings(neo4j_scheme=scheme, neo4j_retry_seconds=0))
    try:
        assert database.uri.startswith(f"{scheme}://")
        assert database.read("RETURN 1 AS one") == [{"one": 1}]
        write = "CREATE (n:ScalingProbe) DELETE n RETURN 1 AS one"
        with pytest.raises(db.QueryFailed, match="read access mode"):
            database.read(write)
        with pytest.raises(db.QueryFailed, match="read access mode"):
            database.execute_read(lambda tx: tx.run(write))
        assert database.write(write) == [{"one": 1}]
    finally:
        database.close()


def test_the_writer_retries_a_real_deadlock_until_both_writers_commit(
    graph: db.Database,
) -> None:
    """Two writers lock two nodes in opposite orders: Neo4j kills one with a transient
    DeadlockDetected, and execute_write runs it again, so both commit."""
    graph.write("CREATE (:ScalingProbe {id: 'a', n: 0}), (:ScalingProbe {id: 'b', n: 0})")
    barrier = threading.Barrier(2, timeout=30)
    attempts = {"a": 0, "b": 0}
    errors: list[BaseException] = []

    def writer(first: str, second: str) -> None:
        def work(tx: db.Transaction) -> None:
            attempts[first] += 1
            tx.run("MATCH (p:ScalingProbe {id: $id}) SET p.n = p.n + 1", {"id": first})
            if attempts[first] == 1:
                barrier.wait()  # both hold their first lock before either asks for its second
            tx.run("MATCH (p:ScalingProbe {id: $id}) SET p.n = p.n + 1", {"id": second})

        try:
            graph.execute_write(work, what=f"writer {first}")
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=writer, args=("a", "b")),
        threading.Thread(target=writer, args=("b", "a")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(attempts.values()) >= 3, attempts  # one of them ran again after the deadlock
    rows = graph.read("MATCH (p:ScalingProbe) RETURN p.id AS id, p.n AS n")
    counts = {row["id"]: row["n"] for row in rows}
    assert counts == {"a": 2, "b": 2}
