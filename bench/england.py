"""England at scale: all 42 systems on real data, beside London on the same server in one run.

For each scale (London from the shipped extracts; England from ``../shared/data/england/``,
every region, or one region with ``--quick``) on one Neo4j of the bench's own with a 2 GB heap
(NHGRAPH_NEO4J_HEAP, default 2g here): the reference data and an illustrative team-of-teams
layer for every place (nhgraph.loaders.demo) loaded from an emptied database, reloaded
unchanged, validated in full with SHACL; who_serves median; each whole-area gap and overlap
question's time; a page of each list at the start and at a deep offset. The cost growth is each
figure's England/London ratio over the ratio of their sizes (LSOAs).

Targets (issue 22): from empty 180 s or less with the heap at 2 GB or less; reload unchanged 60 s
or less; full validation 60 s or less; who_serves 5 ms or less median; each whole-England
question 2 s or less; a page of any list 20 ms or less whatever its offset.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import LargestTransaction, own_neo4j, write_results
from bench.questions import WHOLE_LONDON
from nhgraph.config import PROJECT_ROOT, Settings

ON = date(2026, 11, 23)
ENGLAND_DIR = PROJECT_ROOT.parent / "shared" / "data" / "england"
QUICK_REGION = "E12000001"  # North East: 1,682 LSOAs, the smallest region
LISTS = {
    "api_list_places": {"system": None, "search": None},
    "api_list_neighbourhoods": {"place": None, "search": None},
    "api_list_ints": {"place": None, "search": None},
    "api_list_organisations": {"place": None, "kind": None, "search": None},
    "api_list_services": {},
}
PAGE = 20


def _say(what: str) -> None:
    print(f"[england {time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def _server(heap: str) -> Any:
    """The bench's own Neo4j (fresh home, free port) with the heap asked for."""
    return own_neo4j("nhgraph-bench-england-", heap=heap)


def _list_params(name: str) -> dict[str, Any]:
    """Parameters of a list query from its header: nulls for the filters, the sort, the page."""
    from nhgraph import queries

    query = queries.load(name)
    given: dict[str, Any] = dict.fromkeys(query.parameters)
    given.update(sort="id", limit=PAGE, after_key=None, after_id=None, on=ON)
    return {k: v for k, v in given.items() if k in query.parameters}


def _pages(database: Any) -> dict[str, Any]:
    """Each list's first page and a page deep in it (after 90% of its ids), by keyset."""
    from nhgraph import queries

    figures: dict[str, Any] = {}
    label = {
        "api_list_places": "Place",
        "api_list_neighbourhoods": "Neighbourhood",
        "api_list_ints": "Int",
        "api_list_organisations": "Organisation",
        "api_list_services": "Service",
    }
    for name, node in label.items():
        query = queries.load(name)
        ids = [r["id"] for r in database.read(f"MATCH (n:{node}) RETURN n.id AS id ORDER BY id")]
        if not ids:
            continue
        deep = ids[int(len(ids) * 0.9)]
        for where, after in (("first", None), ("deep", deep)):
            params = _list_params(name)
            if "after_id" in params:
                params["after_id"] = after
                params["after_key"] = after
            times = []
            for _ in range(25):
                seconds, _ = _timed(lambda q=query, p=params: database.read(q, p))
                times.append(seconds * 1000)
            figures[f"{name}_{where}_ms"] = round(statistics.median(times[5:]), 2)
        figures[f"{name}_rows"] = len(ids)
    figures["filtered"] = _filtered_pages(database)
    return figures


def _filtered_pages(database: Any) -> dict[str, float]:
    """The first page, in each sort, of each filtered list path: the place with the most
    services, the commonest kind of organisation and function of service, a status, a search.
    Each path of api_list_organisations and api_list_services is one of these."""
    from nhgraph import queries

    def first(cypher: str) -> Any:
        rows = database.read(cypher)
        return rows[0]["id"] if rows else None

    place = first(
        "MATCH (p:Place)<-[:IN_PLACE*0..1]-()<-[:FOR_AREA]-(s:Service) "
        "RETURN p.id AS id, count(DISTINCT s) AS n ORDER BY n DESC, id LIMIT 1"
    )
    kind = first(
        "MATCH (o:Organisation) RETURN o.kind AS id, count(*) AS n ORDER BY n DESC LIMIT 1"
    )
    function = first(
        "MATCH (:Service)-[:OF_FUNCTION]->(f) RETURN f.id AS id, count(*) AS n "
        "ORDER BY n DESC LIMIT 1"
    )
    cases = {
        "organisations_kind": ("api_list_organisations", {"kind": kind}),
        "organisations_place": ("api_list_organisations", {"place": place}),
        "organisations_search": ("api_list_organisations", {"search": "health"}),
        "services_place": ("api_list_services", {"place": place}),
        "services_function": ("api_list_services", {"function": function}),
        "services_status": ("api_list_services", {"status": "active"}),
        "services_search": ("api_list_services", {"search": "care"}),
    }
    figures: dict[str, float] = {}
    for case, (name, given) in cases.items():
        query = queries.load(name)
        for sort in ("id", "name"):
            params = {**_list_params(name), **given, "sort": sort}
            times = []
            for _ in range(25):
                seconds, _ = _timed(lambda q=query, p=params: database.read(q, p))
                times.append(seconds * 1000)
            figures[f"{case}_{sort}_ms"] = round(statistics.median(times[5:]), 2)
    return figures


def _scale(
    database: Any, settings: Settings, folder: Path, regions: str, layer: Path
) -> dict[str, Any]:
    """One scale's figures on an emptied database."""
    from nhgraph import questions
    from nhgraph.load import load, read_sources
    from nhgraph.loaders.demo import write as write_layer
    from nhgraph.loaders.reference import Reference, parse_regions
    from nhgraph.validate import validate_stored

    settings = settings.model_copy(update={"reference_dir": folder, "reference_regions": regions})
    reference = Reference(folder, parse_regions(regions))
    _say(f"{regions}: generating the illustrative layer")
    layer_s, _ = _timed(lambda: write_layer(layer, reference))
    specs = ["reference", str(layer)]
    database.reset()
    _say(f"{regions}: loading from empty")
    read_s, sources = _timed(lambda: read_sources(specs, settings))
    with LargestTransaction(database) as staged_memory:
        load_s, result = _timed(lambda: load(database, sources, workers=2))
    _say(f"{regions}: from empty in {read_s + load_s:.1f} s; reloading unchanged")
    reload_read_s, again_sources = _timed(lambda: read_sources(specs, settings))
    reload_s, again = _timed(lambda: load(database, again_sources, workers=2))
    assert not again.written.changed, "an unchanged reload changed the graph"
    _say(f"{regions}: reloaded in {reload_read_s + reload_s:.1f} s; validating")
    validation_s, report = _timed(lambda: validate_stored(database, on=ON, workers=2))
    counts = {
        r["label"]: r["n"]
        for r in database.read("MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n")
    }
    lsoas = [r["id"] for r in database.read("MATCH (l:Lsoa) RETURN l.id AS id")]
    rng = random.Random(2026)

    def who() -> None:
        questions.who_serves(database, lsoa=rng.choice(lsoas), age=82, on=ON)

    _say(f"{regions}: validated in {validation_s:.1f} s; who_serves")
    warm_until = time.perf_counter() + 5
    while time.perf_counter() < warm_until:
        who()
    serve = [(_timed(who)[0]) * 1000 for _ in range(300)]
    # The floor under every figure in ms: one round trip of the smallest statement, measured
    # beside who_serves on the same server (on a 2-core machine it is several ms).
    trip = [(_timed(lambda: database.read("RETURN 1"))[0]) * 1000 for _ in range(300)]
    asked: dict[str, float] = {}
    _say(f"{regions}: the questions")
    for name, given in WHOLE_LONDON.items():
        questions.ask(database, name, given)  # plan compiled, pages cached
        asked[name] = round(
            min(_timed(lambda n=name, g=given: questions.ask(database, n, g))[0] for _ in range(2))
            * 1000,
            1,
        )
    _say(f"{regions}: the lists' pages")
    pages = _pages(database)
    # The peer: the same load from empty in one transaction (staging off), for its memory.
    _say(f"{regions}: loading from empty in one transaction")
    from nhgraph.store.db import Database

    database.reset()
    one = Database(settings.model_copy(update={"stage_min_nodes": 10**9}))
    try:
        one_sources = read_sources(specs, settings)
        with LargestTransaction(database) as one_memory:
            one_s, _ = _timed(lambda: load(one, one_sources, workers=2))
    finally:
        one.close()
    return {
        "lsoas": len(lsoas),
        "places": counts.get("Place", 0),
        "systems": counts.get("System", 0),
        "records": sum(len(s.models) for s in sources),
        "layer_generate_seconds": round(layer_s, 2),
        "from_empty_seconds": round(read_s + load_s, 2),
        "from_empty_read_seconds": round(read_s, 2),
        "reload_unchanged_seconds": round(reload_read_s + reload_s, 2),
        "validation_seconds": round(validation_s, 2),
        "validation_violations": len(report.violations),
        "who_serves_median_ms": round(statistics.median(serve), 2),
        "who_serves_p99_ms": round(sorted(serve)[int(len(serve) * 0.99)], 2),
        "round_trip_ms": round(statistics.median(trip), 2),
        "who_serves_over_round_trip": round(statistics.median(serve) / statistics.median(trip), 2),
        "questions_ms": asked,
        "questions_slowest_ms": max(asked.values()),
        "pages": pages,
        "created": sum(result.written.created.values()),
        "load_largest_transaction_mb": staged_memory.mb,
        "one_transaction_load_seconds": round(one_s, 2),
        "one_transaction_largest_mb": one_memory.mb,
        "staged_over_one_transaction_memory": round(staged_memory.peak / one_memory.peak, 3),
    }


def _growth(london: dict[str, Any], england: dict[str, Any]) -> dict[str, Any]:
    """Each figure's England/London ratio, and that ratio over the ratio of sizes (LSOAs):
    above 1, the cost grows faster than the data."""
    size = england["lsoas"] / london["lsoas"]
    out: dict[str, Any] = {"size_ratio_lsoas": round(size, 2)}
    flat = {
        k: v
        for k, v in {
            **london,
            **london["pages"],
            **london["pages"].get("filtered", {}),
            **london["questions_ms"],
        }.items()
        if isinstance(v, (int, float)) and k not in ("lsoas", "places", "systems")
    }
    eng = {
        **england,
        **england["pages"],
        **england["pages"].get("filtered", {}),
        **england["questions_ms"],
    }
    for key, value in flat.items():
        other = eng.get(key)
        if isinstance(other, (int, float)) and value:
            ratio = other / value
            out[key] = {
                "london": value,
                "england": other,
                "ratio": round(ratio, 2),
                "ratio_over_size_ratio": round(ratio / size, 2),
            }
    return out


def run() -> dict[str, Any]:
    """London and England (or one region, ``--quick``) on one Neo4j with a 2 GB heap.

    A bench stopped by SIGTERM (a timeout) still stops its Neo4j and removes its home; the
    handler is the process's only while the bench runs (a test calls this in pytest's own
    process, whose forked validation workers would otherwise inherit it and hang at their pool's
    terminate)."""
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped (SIGTERM)"))
    try:
        return _run()
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run() -> dict[str, Any]:
    from nhgraph.loaders.reference import ALL

    quick = "--quick" in sys.argv
    if not (ENGLAND_DIR / "england_lsoa21.csv").exists():
        sys.exit(f"England's files are not at {ENGLAND_DIR} (see README, England)")
    heap = os.environ.get("NHGRAPH_NEO4J_HEAP", "2g")
    regions = QUICK_REGION if quick else ALL
    work = Path(tempfile.mkdtemp(prefix="nhgraph-bench-england-layer-"))
    try:
        with _server(heap) as (database, settings, _home):
            london = _scale(
                database,
                settings,
                PROJECT_ROOT / "data" / "reference",
                "E12000007",
                work / "london",
            )
            england = _scale(database, settings, ENGLAND_DIR, regions, work / "england")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    figures: dict[str, Any] = {
        "mode": "quick (one region: North East)" if quick else "full (all of England)",
        "neo4j_heap": heap,
        "from_empty_seconds": england["from_empty_seconds"],
        "reload_unchanged_seconds": england["reload_unchanged_seconds"],
        "validation_seconds": england["validation_seconds"],
        "load_largest_transaction_mb": {
            "staged": england["load_largest_transaction_mb"],
            "one_transaction": england["one_transaction_largest_mb"],
        },
        "who_serves_median_ms": {
            "england": england["who_serves_median_ms"],
            "london": london["who_serves_median_ms"],
        },
        "london": london,
        "england": england,
        "growth": _growth(london, england),
        "targets": {
            "from_empty_seconds": 180,
            "reload_unchanged_seconds": 60,
            "validation_seconds": 60,
            "neo4j_heap": "2g",
            "who_serves_median_ms": 5,
            "question_ms": 2000,
            "page_ms": 20,
        },
    }
    if not quick:
        write_results("england", figures)
    else:
        print(figures)
    return figures


if __name__ == "__main__":
    run()
