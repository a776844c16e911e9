"""Hostile requests over real HTTP (issue 23): small documents that stand for huge ones,
queries within the old limits that asked for seconds of work, and a request past its time
budget. Each is refused or stopped quickly, and ``/healthz`` keeps answering meanwhile."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from typing import Any

import httpx
import pytest

from nhgraph.config import Settings
from nhgraph.store import db

from .clients import INTEGRATOR, Client
from .conftest import LiveServer


def doubling(fragments: int, spreads: int = 2, leaf: str = "about { name }") -> str:
    """Fragments each spreading the next ``spreads`` times: ``spreads ** fragments`` leaves."""
    chain = " ".join(
        f"fragment F{i} on Query {{ {' '.join([f'...F{i + 1}'] * spreads)} }}"
        for i in range(fragments)
    )
    return f"{{ ...F0 }} {chain} fragment F{fragments} on Query {{ {leaf} }}"


#: Documents of a few kilobytes at most that stand for millions of fields, or that
#: graphql-core's pairwise overlap check takes seconds over: each took 1 s to minutes before.
BOMBS = {
    # The probe: 862 bytes, 41 s before.
    "21 fragments doubling": doubling(21),
    "16 fragments doubling (1.1 s before)": doubling(16),
    "30 fragments doubling": doubling(30),
    "14 fragments tripling": doubling(14, spreads=3),
    "aliases in a doubling fragment": doubling(21, leaf="a: about { name } b: about { name }"),
    "depth through doubling fragments": doubling(
        18, leaf='resident(lsoa: "E01000800") { ... on Resident { place { name } } }'
    ),
    "twenty ints of twenty neighbourhoods (1.2 s of validation)": "{ places { nodes { "
    + " ".join(["ints { " + " ".join(["neighbourhoods { id }"] * 20) + " }"] * 20)
    + " } } }",
    "480 identical fields (3.6 s of validation)": "{ " + "about { name } " * 480 + "}",
    "a fragment of 450 identical fields spread ten times": "{ "
    + "...A " * 10
    + "} fragment A on Query { "
    + "about { name } " * 450
    + "}",
}


def test_there_are_enough_bombs() -> None:
    assert len(BOMBS) >= 9


@pytest.mark.parametrize("query", BOMBS.values(), ids=BOMBS.keys())
def test_a_small_document_standing_for_a_huge_one_is_refused_at_once(
    client: Client, query: str
) -> None:
    before = client.database.round_trips
    started = time.monotonic()
    response = client.post(query)
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    errors = response.json()["errors"]
    assert errors, response.text
    assert {e["extensions"]["code"] for e in errors} <= {
        "QUERY_TOO_COSTLY",
        "QUERY_TOO_REPETITIVE",
        "QUERY_TOO_DEEP",
        "TOO_MANY_ALIASES",
    }, errors
    assert elapsed < 1.0, f"refused in {elapsed:.1f} s"  # generous: seconds to minutes before
    assert client.database.round_trips == before


#: Posts one document without pause until killed, from its own process (so that the
#: attack does not share the server's interpreter lock), and prints how many it sent.
ATTACK = """
import sys, httpx
url, query = sys.argv[1], sys.stdin.read()
with httpx.Client(timeout=120) as session:
    while True:
        session.post(url, json={"query": query})
        print(".", end="", flush=True)
"""


#: Clients posting bombs at once, without pause, each from its own process. (Measured on the
#: shared 2-core machine: /healthz median 5 ms, max 31 ms with one; 8 ms and 30 ms with three.)
ATTACKERS = 3


def test_healthz_answers_while_hostile_requests_are_refused(client: Client) -> None:
    """The issue's bomb is posted without pause while /healthz is probed for two seconds;
    before, /healthz sent during one bomb waited 40 s for it."""
    base = client.url.removesuffix("/graphql")
    attackers = [
        subprocess.Popen(
            [sys.executable, "-c", ATTACK, client.url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(ATTACKERS)
    ]
    latencies = []
    try:
        for attacker in attackers:
            assert attacker.stdin is not None
            attacker.stdin.write(BOMBS["21 fragments doubling"])
            attacker.stdin.close()
        for attacker in attackers:  # each has had a bomb refused: the attack is under way
            assert attacker.stdout is not None
            assert attacker.stdout.read(1) == "."
        # One connection kept open: a new client's set-up alone takes ~60 ms here.
        with httpx.Client(timeout=60) as probe:
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                started = time.monotonic()
                assert probe.get(f"{base}/healthz").status_code == 200
                latencies.append(time.monotonic() - started)
                time.sleep(0.02)
    finally:
        for attacker in attackers:
            attacker.kill()
    sent = len(attackers)
    for attacker in attackers:
        assert attacker.stdout is not None
        sent += len(attacker.stdout.read())
        attacker.wait(30)
    assert sent >= 3, "the attack did not run"
    latencies.sort()
    print(
        f"healthz median {latencies[len(latencies) // 2] * 1000:.0f} ms, max "
        f"{latencies[-1] * 1000:.0f} ms over {len(latencies)} probes; {sent} bombs refused"
    )
    assert latencies[-1] < 1.0, latencies


# -- expensive fields are priced by what they cost -----------------------------------------------


def test_twenty_residents_placed_by_a_point_are_too_costly(client: Client) -> None:
    """20 point-in-polygon residents ran 5.4 s on London within the old limits."""
    one = "r%d: resident(latitude: 51.53, longitude: -0.14) { __typename }"
    query = "{ " + " ".join(one % i for i in range(20)) + " }"
    before = client.database.round_trips
    [error] = client.errors(query)
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] >= 20_000
    assert error["extensions"]["limit"] == 5000
    assert "5000 allowed" in error["message"]
    assert client.database.round_trips == before
    # A few are still answered.
    data = client.data("{ " + " ".join(one % i for i in range(3)) + " }")
    assert len(data) == 3


def test_one_hundred_and_forty_london_wide_questions_are_too_costly(client: Client) -> None:
    """20 aliases of the seven overlap questions ran 11.7 s on London within the old limits."""
    overlaps = (
        "lsoasInSeveralNeighbourhoods { subject } neighbourhoodsWithSeveralInts { subject } "
        "pcnsSplitAcrossNeighbourhoods { subject } neighbourhoodsSplitAcrossPcns { subject } "
        "pcnsSplitAcrossInts { subject } functionsDuplicatedInConsistentTier { subject } "
        "servicesOverlapping { subject }"
    )
    query = "{ " + " ".join(f"o{i}: overlaps {{ {overlaps} }}" for i in range(20)) + " }"
    before = client.database.round_trips
    [error] = client.errors(query, key=INTEGRATOR)
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] >= 140 * 250
    assert client.database.round_trips == before
    # All the gap and overlap questions once, as the documented operation asks, still run.
    assert client.data(f"{{ overlaps {{ {overlaps} }} }}", key=INTEGRATOR)["overlaps"] is not None


# -- the time budget -----------------------------------------------------------------------------


@pytest.mark.usefixtures("client")
def test_a_query_past_its_budget_is_answered_request_too_slow(api_settings: Settings) -> None:
    settings = api_settings.model_copy(update={"api_request_seconds": 0.001})
    with LiveServer(settings) as server:
        body = Client(server).post('{ int(id: "camden-int-1") { name } }').json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "REQUEST_TOO_SLOW", "seconds": 0.001}


def _edit(url: str, results: dict[str, Any]) -> None:
    started = time.monotonic()
    response = httpx.post(
        url,
        json={
            "query": 'mutation { moveLsoas(lsoas: ["E01000802"], fromNeighbourhood: '
            '"camden-north", toNeighbourhood: "camden-south") { __typename } }'
        },
        headers={"Authorization": f"Bearer {INTEGRATOR}"},
        timeout=60,
    )
    results["elapsed"] = time.monotonic() - started
    results["body"] = response.json()


def test_an_edit_past_its_budget_is_ended_by_neo4j_and_writes_nothing(
    client: Client, api_settings: Settings
) -> None:
    """A neighbourhood locked by another transaction for 30 s: the edit waits for the lock
    until its budget is spent, then Neo4j ends it; before, the request waited the 30 s."""
    database = client.database
    holding, release = threading.Event(), threading.Event()

    def hold(tx: db.Transaction) -> None:
        tx.run("MATCH (n:Neighbourhood {id: 'camden-north'}) SET n.held = true")
        holding.set()
        release.wait(30)
        raise RuntimeError("roll back")

    def holder() -> None:
        with pytest.raises(RuntimeError):
            database.execute_write(hold)

    settings = api_settings.model_copy(update={"api_request_seconds": 2.0})
    locker = threading.Thread(target=holder, daemon=True)
    results: dict[str, Any] = {}
    with LiveServer(settings) as server:
        locker.start()
        try:
            assert holding.wait(30)
            _edit(f"{server.url}/graphql", results)
            running = database.read("SHOW TRANSACTIONS YIELD currentQuery RETURN currentQuery")
        finally:
            release.set()
            locker.join(60)
    [error] = results["body"]["errors"]
    assert error["extensions"]["code"] == "REQUEST_TOO_SLOW", results
    assert results["elapsed"] < 15, results  # the lock was held for 30 s
    assert not [r for r in running if "COVERS" in (r["currentQuery"] or "")], running
    rows = database.read(
        "MATCH (:Neighbourhood {id: 'camden-north'})-[:COVERS]->(l:Lsoa) RETURN l.id AS id"
    )
    assert "E01000802" in {r["id"] for r in rows}, "the edit was written"
    assert database.read("MATCH (e:Edit) RETURN count(e) AS n") == [{"n": 0}]
