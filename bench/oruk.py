"""The ORUK 3.0 API (/oruk) beside the GraphQL ``services`` list, on the same data in the same
run: a page of 50 services, and every service streamed.

The app is served as ``nhgraph serve`` runs it (uvicorn, one worker, production's guards; see
bench/api.py ``served``) on a Neo4j of the bench's own loaded with London (the reference data
and the demo dataset). Both sides are asked over loopback HTTP, one request at a time, with
httpx, in interleaved rounds whose order alternates, so that a noisy neighbour slows both:

* ``page``: ``GET /oruk/services?per_page=50&page=N`` cycling through the pages, beside the
  GraphQL ``services(first: 50, after: ...)`` page with roughly the same fields (id, name,
  status, ages, url, provider id/name/kind); the median and p90 in ms of each, and their
  ratio.
* ``stream``: every service as ``GET /oruk/services?format=ndjson`` (one streamed answer),
  beside paging GraphQL's ``services`` 100 at a time (its largest page) to the end; services
  per second for each.

London's demo has 449 services, too few for a services/s figure that is not mostly the
request's fixed cost, so both workloads are measured again on London with 10,000 more services
at sites (bench/oruk_data.py) — the ``london`` and ``london_plus_10000`` figures.

Targets (issue 19): the page of 50 in 50 ms or less median on loopback with London loaded;
ndjson of every London service at 5,000 services/s or more.

Figures: bench/results/oruk.json. ``python -m bench oruk --quick`` runs a short version (fewer
rounds, 500 more services instead of 10,000); its figures are printed, not written.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import own_london, write_results
from bench.oruk_data import sited_services

GRAPHQL_PAGE = """
query Services($first: Int!, $after: String) {
  services(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id name status minAge maxAge url provider { id name kind } }
  }
}
"""
PER_PAGE = 50
GRAPHQL_STREAM_PAGE = 100
MORE = 10_000


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def oruk_page(client: httpx.Client, page: int) -> int:
    """One ORUK page of 50; the number of services it holds."""
    response = client.get("/oruk/services", params={"per_page": PER_PAGE, "page": page})
    response.raise_for_status()
    return len(response.json()["contents"])


def oruk_sal_page(client: httpx.Client, page: int) -> int:
    """One ORUK /service_at_locations page of 50; the number of items it holds."""
    response = client.get("/oruk/service_at_locations", params={"per_page": PER_PAGE, "page": page})
    response.raise_for_status()
    return len(response.json()["contents"])


def graphql_page(client: httpx.Client, after: str | None, first: int = PER_PAGE) -> dict[str, Any]:
    """One GraphQL page of the services list."""
    response = client.post(
        "/graphql",
        json={"query": GRAPHQL_PAGE, "variables": {"first": first, "after": after}},
    )
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(f"GraphQL answered errors: {body['errors'][:1]}")
    return dict(body["data"]["services"])


def oruk_stream(client: httpx.Client) -> int:
    """Every service as ndjson; the number of lines."""
    count = 0
    with client.stream("GET", "/oruk/services", params={"format": "ndjson"}) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line:
                count += 1
    return count


def graphql_stream(client: httpx.Client) -> int:
    """Every service through GraphQL's pages of 100; the number of services."""
    count, after = 0, None
    while True:
        page = graphql_page(client, after, GRAPHQL_STREAM_PAGE)
        count += len(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return count
        after = page["pageInfo"]["endCursor"]


def _first_page(client: httpx.Client) -> dict[str, Any]:
    """The first page, once the app answers it: a server just started plans its statements
    (seconds each on a busy machine), and until then a page may be past its time budget."""
    deadline = time.monotonic() + 180
    while True:
        response = client.get("/oruk/services", params={"per_page": PER_PAGE})
        if response.status_code == 200:
            return dict(response.json())
        if response.status_code != 503 or time.monotonic() > deadline:
            raise RuntimeError(f"/oruk/services answered {response.status_code}: {response.text}")
        time.sleep(1)


def measure(base_url: str, *, rounds: int, pages_per_round: int, streams: int) -> dict[str, Any]:
    """Both workloads against the app at ``base_url``, side by side; the figures. The answers
    are checked first: each side must count the same services."""
    with httpx.Client(base_url=base_url, timeout=120) as client:
        first = _first_page(client)
        total, pages = first["total_items"], first["total_pages"]
        if graphql_page(client, None)["totalCount"] != total:
            raise RuntimeError("the ORUK API and GraphQL count different services")
        streamed = {"oruk": oruk_stream(client), "graphql": graphql_stream(client)}
        if set(streamed.values()) != {total}:
            raise RuntimeError(f"a stream did not give every one of {total} services: {streamed}")
        # warm-up: both sides' statements compiled and JIT-ed
        for page in range(1, min(pages, 5) + 1):
            oruk_page(client, page)
            graphql_page(client, None)
        cursors: list[str | None] = [None]
        while len(cursors) < pages:
            cursors.append(graphql_page(client, cursors[-1])["pageInfo"]["endCursor"])
        times: dict[str, list[float]] = {"oruk": [], "graphql": []}
        rates: dict[str, list[float]] = {"oruk": [], "graphql": []}
        sited = client.get("/oruk/service_at_locations", params={"per_page": PER_PAGE}).json()
        sal_pages = sited["total_pages"] if sited["total_items"] else 0
        at_sites: list[float] = []
        for round_ in range(rounds):
            sides = ["oruk", "graphql"] if round_ % 2 == 0 else ["graphql", "oruk"]
            for side in sides:
                for i in range(pages_per_round):
                    page = (round_ * pages_per_round + i) % pages + 1
                    started = time.perf_counter()
                    if side == "oruk":
                        oruk_page(client, page)
                    else:
                        graphql_page(client, cursors[page - 1])
                    times[side].append((time.perf_counter() - started) * 1000)
            for i in range(pages_per_round if sal_pages else 0):
                started = time.perf_counter()
                oruk_sal_page(client, (round_ * pages_per_round + i) % sal_pages + 1)
                at_sites.append((time.perf_counter() - started) * 1000)
            for side in sides:
                for _ in range(streams):
                    started = time.perf_counter()
                    count = oruk_stream(client) if side == "oruk" else graphql_stream(client)
                    rates[side].append(count / (time.perf_counter() - started))
    page_figures = {
        side: {
            "median_ms": round(statistics.median(values), 2),
            "p90_ms": round(_quantile(values, 0.9), 2),
            "requests": len(values),
        }
        for side, values in times.items()
    }
    stream_figures = {
        side: {"median_services_per_second": round(statistics.median(values)), "runs": len(values)}
        for side, values in rates.items()
    }
    sal_figures = (
        {
            "items": sited["total_items"],
            "median_ms": round(statistics.median(at_sites), 2),
            "p90_ms": round(_quantile(at_sites, 0.9), 2),
            "median_ratio_to_services_page": round(
                statistics.median(at_sites) / page_figures["oruk"]["median_ms"], 2
            ),
        }
        if at_sites
        else None
    )
    return {
        "services": total,
        "service_at_locations_page_of_50": sal_figures,
        "page_of_50": {
            **page_figures,
            "median_ratio_to_graphql": round(
                page_figures["oruk"]["median_ms"] / page_figures["graphql"]["median_ms"], 2
            ),
        },
        "every_service": {
            **stream_figures,
            "throughput_ratio_to_graphql": round(
                stream_figures["oruk"]["median_services_per_second"]
                / stream_figures["graphql"]["median_services_per_second"],
                2,
            ),
        },
    }


def targets(figures: dict[str, Any]) -> dict[str, bool]:
    """Whether London's figures meet the issue's targets."""
    return {
        "page_of_50_median_at_most_50_ms": figures["page_of_50"]["oruk"]["median_ms"] <= 50,
        "ndjson_at_least_5000_services_per_second": (
            figures["every_service"]["oruk"]["median_services_per_second"] >= 5000
        ),
    }


def run(quick: bool | None = None) -> dict[str, Any]:
    """Serve London, measure, add services, measure again; write the figures (not in quick)."""
    from bench.api import served

    quick = "--quick" in sys.argv if quick is None else quick
    shape = (
        {"rounds": 2, "pages_per_round": 5, "streams": 1}
        if quick
        else {"rounds": 8, "pages_per_round": 20, "streams": 3}
    )
    more = 500 if quick else MORE
    with (
        own_london("nhgraph-bench-oruk-") as (database, settings),
        tempfile.TemporaryDirectory(prefix="nhgraph-bench-oruk-logs-") as logs,
        served("graphql", settings.neo4j_bolt_port, Path(logs)) as (url, _pid),
    ):
        try:
            london = measure(url, **shape)
            sited_services(database, more)
            larger = measure(url, **shape)
        except httpx.HTTPError:
            # The server's own log says why an answer broke off (it is gone with the folder).
            log = Path(logs) / "graphql.log"
            if log.exists():
                print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise
    figures = {
        "london": london,
        f"london_plus_{more}": larger,
        "targets": targets(london),
        "quick": quick,
    }
    print(figures)
    if not quick:
        write_results("oruk", figures)
    return figures


if __name__ == "__main__":
    run()
