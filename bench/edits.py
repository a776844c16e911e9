"""A validated, serialised edit over GraphQL beside a bare write of the same change, on London
(reference data and the demo dataset), in one run.

The change is issue 23's: ``moveLsoas``, one LSOA from one neighbourhood to the next and back,
so the graph ends each pair of edits as it began. Three sides make it, in interleaved rounds
whose order rotates (a noisy neighbour slows every side alike):

* ``bare``: the same change as one Cypher write transaction from this process (delete one
  COVERS edge, create the other): no reads, no checks, no record. The floor of any edit.
* ``edit``: :func:`nhgraph.edits.move_lsoas` called in this process: the locked reads, the
  SHACL check of what the edit touches, the write and its record, in one transaction.
* ``graphql``: the ``moveLsoas`` mutation over HTTP to the real app (``create_app``, served by
  uvicorn in a process of its own, as ``nhgraph serve`` runs it), as an integrator of the place.

One edit at a time: an edit's speed under its locks is what other integrators queue behind.
The first edit the app makes after it starts is timed apart (``first_ms``): it pays for
whatever warming the app does not do at start-up.

Target (the issue): the GraphQL edit's median 50 ms or less, beside the bare write's.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from bench.api import _die_with_parent
from bench.common import free_port, own_london, write_results
from nhgraph import edits
from nhgraph.access import Principal
from nhgraph.config import PROJECT_ROOT, Settings
from nhgraph.store import db

ROUNDS = 6
PER_ROUND = 20
WARM_UP = 10
TARGET_MEDIAN_MS = 50.0
KEY = "bench-integrator-key-000000000001"

MOVE = """
mutation Move($lsoas: [String!]!, $from: ID!, $to: ID!) {
  moveLsoas(lsoas: $lsoas, fromNeighbourhood: $from, toNeighbourhood: $to) {
    __typename
    ... on EditRefused { code message }
  }
}
"""

BARE = """
MATCH (:Neighbourhood {id: $from})-[old:COVERS]->(l:Lsoa {id: $lsoa})
MATCH (target:Neighbourhood {id: $to})
DELETE old
CREATE (target)-[:COVERS]->(l)
"""


def _pair(database: db.Database) -> tuple[str, str, str, str]:
    """Two neighbourhoods of one place, the LSOA moved, and the place."""
    [row] = database.read(
        "MATCH (a:Neighbourhood)-[:IN_PLACE]->(p:Place)<-[:IN_PLACE]-(b:Neighbourhood) "
        "WHERE a.id < b.id AND COUNT { (a)-[:COVERS]->() } > 2 "
        "MATCH (a)-[:COVERS]->(l:Lsoa) "
        "RETURN a.id AS a, b.id AS b, min(l.id) AS lsoa, p.id AS place ORDER BY a, b LIMIT 1"
    )
    return row["a"], row["b"], row["lsoa"], row["place"]


def serve(port: int, bolt_port: int) -> None:
    """Serve the real app on 127.0.0.1:port as ``nhgraph serve`` does, with one integrator key."""
    import uvicorn

    from nhgraph.graphql.app import create_app

    settings = Settings().model_copy(
        update={"neo4j_uri": None, "neo4j_bolt_port": bolt_port, "api_error_detail": False}
    )
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="info")


@contextlib.contextmanager
def served(bolt_port: int, place: str) -> Iterator[str]:
    """The app in a process of its own, with an integrator key for the place; yields its URL."""
    port = free_port()
    keys = {KEY: {"name": "bench-integrator", "role": "integrator", "places": [place]}}
    environment = {**os.environ, "NHGRAPH_API_KEYS": json.dumps(keys)}
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.edits", "serve", str(port), str(bolt_port)],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError("the app exited before it answered")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the app did not answer in 60 s")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "count": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def measure(database: db.Database, bolt_port: int) -> dict[str, Any]:
    """Every figure, against a loaded graph."""
    first, second, lsoa, place = _pair(database)
    principal = Principal("bench-integrator", "integrator", frozenset({place}))
    edits.warm_up()
    with served(bolt_port, place) as url, httpx.Client(timeout=60) as client:

        def graphql(source: str, target: str) -> None:
            answer = client.post(
                f"{url}/graphql",
                json={"query": MOVE, "variables": {"lsoas": [lsoa], "from": source, "to": target}},
                headers={"Authorization": f"Bearer {KEY}"},
            ).json()
            done = answer["data"]["moveLsoas"]
            assert done["__typename"] == "EditDone", done

        def edit(source: str, target: str) -> None:
            edits.move_lsoas(
                database,
                principal,
                lsoas=[lsoa],
                from_neighbourhood=source,
                to_neighbourhood=target,
            )

        def bare(source: str, target: str) -> None:
            database.write(BARE, {"from": source, "to": target, "lsoa": lsoa})

        sides: dict[str, Callable[[str, str], None]] = {
            "graphql": graphql,
            "edit": edit,
            "bare": bare,
        }
        started = time.perf_counter()
        graphql(first, second)
        first_ms = (time.perf_counter() - started) * 1000
        graphql(second, first)
        for call in sides.values():
            for index in range(WARM_UP):
                call(*((first, second) if index % 2 == 0 else (second, first)))
        times: dict[str, list[float]] = {name: [] for name in sides}
        load_before = os.getloadavg()[0]
        names = list(sides)
        for round_ in range(ROUNDS):
            for name in names[round_ % 3 :] + names[: round_ % 3]:
                for index in range(PER_ROUND):
                    source, target = (first, second) if index % 2 == 0 else (second, first)
                    started = time.perf_counter()
                    sides[name](source, target)
                    times[name].append(time.perf_counter() - started)
    figures: dict[str, Any] = {
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "change": f"moveLsoas {lsoa} between {first} and {second}",
        "rounds": ROUNDS,
        "per_round": PER_ROUND,
        "first_graphql_edit_ms": round(first_ms, 1),
        **{name: _summary(values) for name, values in times.items()},
    }
    figures["ratio_graphql_to_bare"] = round(
        figures["graphql"]["median_ms"] / figures["bare"]["median_ms"], 2
    )
    figures["ratio_edit_to_bare"] = round(
        figures["edit"]["median_ms"] / figures["bare"]["median_ms"], 2
    )
    figures["targets"] = {
        "given": {"graphql_median_ms": TARGET_MEDIAN_MS},
        "graphql_median_50ms": figures["graphql"]["median_ms"] <= TARGET_MEDIAN_MS,
    }
    return figures


def run() -> dict[str, Any]:
    """The edit benchmark on its own Neo4j loaded with London and the demo dataset; its figures
    are written to bench/results/edits.json."""
    with own_london("nhgraph-bench-edits-") as (database, settings):
        figures = measure(database, settings.neo4j_bolt_port)
    write_results("edits", figures)
    return figures


if __name__ == "__main__":
    from bench import edits as bench_edits

    if sys.argv[1:2] == ["serve"]:
        bench_edits.serve(int(sys.argv[2]), int(sys.argv[3]))
    else:
        print(json.dumps(bench_edits.run(), indent=2))
