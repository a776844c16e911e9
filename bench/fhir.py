"""The FHIR API and export beside GraphQL, in one run on London (reference data and the demo
dataset): the same lookup, the same list, the whole graph.

Three measures, each with its GraphQL equivalent measured in the same run, interleaved, so a
noisy neighbour slows both alike:

* ``read``: one Organization by id (``GET /fhir/Organization/{id}``) for a fixed random
  sample of London's organisations, beside ``organisation(id)`` selecting the fields the FHIR
  resource carries (id, name, kind, dates, postcode, places). Target: median 10 ms or less.
* ``search``: a searchset of 50 (``GET /fhir/HealthcareService?_count=50``, following the next
  links over every service), beside ``services(first: 50, after)`` selecting the service's
  fields. Target: median 50 ms or less a page.
* ``export``: ``nhgraph export fhir`` of the whole of London (every type as ndjson and the
  collection Bundle, agreements included), beside reading London's organisations and services
  (the lists GraphQL has) a page of 100 at a time. Target: 30 s or less.

The API is served by uvicorn in a thread of this process (the client shares its GIL, which
both sides pay alike). ``--quick`` measures a few of each (the test runs it on the small world).
"""

from __future__ import annotations

import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import own_london, write_results
from nhgraph.export.fhir import organization_id
from nhgraph.export.fhir_files import write_fhir
from nhgraph.store import db

TARGETS = {"read_median_ms": 10.0, "search_page_median_ms": 50.0, "export_seconds": 30.0}

ORGANISATION = """query($id: ID!) { organisation(id: $id) {
  id name kind openDate closeDate postcode places { id } } }"""
SERVICES = """query($after: String) { services(first: 50, after: $after) {
  pageInfo { hasNextPage endCursor }
  nodes { id name status channels hours phone url minAge maxAge function cohorts lsoas
          provider { id } } } }"""
ORGANISATIONS = """query($after: String) { organisations(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { id name kind openDate closeDate postcode } } }"""
SERVICE_PAGE = """query($after: String) { services(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { id name status } } }"""


def _graphql(client: httpx.Client, query: str, **variables: Any) -> Any:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


def _fhir(client: httpx.Client, url: str) -> Any:
    response = client.get(url)
    response.raise_for_status()
    return response.json()


def _all_pages(client: httpx.Client, query: str, field: str) -> int:
    after: str | None = None
    seen = 0
    while True:
        page = _graphql(client, query, after=after)[field]
        seen += len(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


def measure(
    url: str, database: db.Database, *, samples: int = 200, rounds: int = 3, export: bool = True
) -> dict[str, Any]:
    """The figures, against the API at ``url`` on the graph ``database`` holds."""
    ids = [
        row["id"] for row in database.read("MATCH (o:Organisation) RETURN o.id AS id ORDER BY id")
    ]
    sample = random.Random(20).sample(ids, min(samples, len(ids)))
    reads: dict[str, list[float]] = {"fhir": [], "graphql": []}
    pages: dict[str, list[float]] = {"fhir": [], "graphql": []}
    exports: dict[str, list[float]] = {"fhir": [], "graphql": []}
    written = 0
    with httpx.Client(base_url=url, timeout=120) as client:
        for warm in sample[:5]:  # compile the statements once on both sides
            _fhir(client, f"/fhir/Organization/{organization_id(warm)}")
            _graphql(client, ORGANISATION, id=warm)
        for organisation in sample:
            fid = organization_id(organisation)
            start = time.perf_counter()
            _fhir(client, f"/fhir/Organization/{fid}")
            middle = time.perf_counter()
            _graphql(client, ORGANISATION, id=organisation)
            reads["fhir"].append((middle - start) * 1000)
            reads["graphql"].append((time.perf_counter() - middle) * 1000)
        for _ in range(rounds):
            link: str | None = "/fhir/HealthcareService?_count=50"
            while link:
                start = time.perf_counter()
                bundle = _fhir(client, link)
                pages["fhir"].append((time.perf_counter() - start) * 1000)
                link = next((x["url"] for x in bundle["link"] if x["relation"] == "next"), None)
            after: str | None = None
            while True:
                start = time.perf_counter()
                page = _graphql(client, SERVICES, after=after)["services"]
                pages["graphql"].append((time.perf_counter() - start) * 1000)
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
        for _ in range(rounds if export else 0):
            folder = Path(tempfile.mkdtemp(prefix="nhgraph-bench-fhir-"))
            try:
                start = time.perf_counter()
                done = write_fhir(database, folder / "out", agreements=True)
                exports["fhir"].append(time.perf_counter() - start)
                written = done.total
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            start = time.perf_counter()
            _all_pages(client, ORGANISATIONS, "organisations")
            _all_pages(client, SERVICE_PAGE, "services")
            exports["graphql"].append(time.perf_counter() - start)

    def summary(values: list[float]) -> dict[str, float]:
        return {
            "median": round(statistics.median(values), 3),
            "p90": round(sorted(values)[int(len(values) * 0.9)], 3),
            "n": len(values),
        }

    figures: dict[str, Any] = {
        "read_ms": {side: summary(v) for side, v in reads.items()},
        "search_page_ms": {side: summary(v) for side, v in pages.items()},
        "read_vs_graphql": round(
            statistics.median(reads["fhir"]) / statistics.median(reads["graphql"]), 2
        ),
        "search_vs_graphql": round(
            statistics.median(pages["fhir"]) / statistics.median(pages["graphql"]), 2
        ),
        "targets": TARGETS,
    }
    if exports["fhir"]:
        figures["export_seconds"] = {side: summary(v) for side, v in exports.items()}
        figures["export_resources"] = written
        figures["export_vs_graphql_lists"] = round(
            statistics.median(exports["fhir"]) / statistics.median(exports["graphql"]), 2
        )
    figures["met"] = {
        "read": figures["read_ms"]["fhir"]["median"] <= TARGETS["read_median_ms"],
        "search": figures["search_page_ms"]["fhir"]["median"] <= TARGETS["search_page_median_ms"],
        **(
            {"export": figures["export_seconds"]["fhir"]["median"] <= TARGETS["export_seconds"]}
            if exports["fhir"]
            else {}
        ),
    }
    return figures


def run() -> dict[str, Any]:
    """The benchmark on its own Neo4j loaded with London; figures to bench/results/fhir.json."""
    import threading

    import uvicorn

    from bench.common import free_port
    from nhgraph.graphql.app import create_app

    quick = "--quick" in sys.argv
    with own_london("nhgraph-bench-fhir-") as (database, settings):
        port = free_port()
        # A generous request budget: the bench measures time, and a 503 at the deadline on a
        # busy shared machine would end the run rather than record a slow answer.
        app = create_app(settings.model_copy(update={"api_request_seconds": 120.0}))
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            figures = measure(
                f"http://127.0.0.1:{port}",
                database,
                samples=20 if quick else 100,
                rounds=1 if quick else 2,
            )
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    if not quick:
        write_results("fhir", figures)
    return figures


if __name__ == "__main__":
    run()
