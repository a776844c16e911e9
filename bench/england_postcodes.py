"""England's postcodes: what the postcode stream (`nhgraph load postcodes:FILE --region all`),
still one transaction, needs of the server's heap, and whether England's fit a 2 GB heap.

England's real LSOAs (``../shared/data/england/``) are loaded on a Neo4j of the bench's own
(NHGRAPH_NEO4J_HEAP, default 14g here: room to measure England's, which an 8g heap refuses);
then a directory in the NSPL's layout
(``bench.nspl.write_nspl_over``: made-up postcodes over every real English LSOA, one row in ten
terminated) is loaded from no postcodes at several sizes, the largest about England's
(``FULL_PER_LSOA`` rows an LSOA), polling the largest transaction's estimated heap
(``SHOW TRANSACTIONS``). Last, the largest file on a server with a 2 GB heap, the England
target's: loaded, or refused with TooLarge and nothing written, the refusal's estimate of
what the whole needs set beside what it took on the large heap. Figures go to
``bench/results/england_postcodes.json``.
"""

from __future__ import annotations

import csv
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import LargestTransaction, own_neo4j, write_results
from bench.england import ENGLAND_DIR, _say
from bench.nspl import write_nspl_over

#: Rows an LSOA in the largest file: England's ~33,755 LSOAs times 45, one in ten terminated,
#: keeps about 1.37 million live postcodes (an English LSOA holds roughly 40 live postcodes).
FULL_PER_LSOA = 45
SIZES = (5, 15, FULL_PER_LSOA)


def _england_lsoas() -> list[tuple[str, str]]:
    with (ENGLAND_DIR / "england_lsoa21.csv").open(encoding="utf-8") as handle:
        return [(row["LSOA21CD"], row["RGNCD"]) for row in csv.DictReader(handle)]


def _geography(database: Any, settings: Any) -> None:
    """England's ONS geography alone, on an emptied database: the LSOAs postcodes land in."""
    from nhgraph.load import load, read_sources
    from nhgraph.loaders.reference import ALL

    database.reset()
    england = settings.model_copy(update={"reference_dir": ENGLAND_DIR, "reference_regions": ALL})
    load(database, read_sources(["ons-geography"], england), workers=2)


def _postcodes(database: Any, path: Path) -> dict[str, Any]:
    """One postcode file loaded from no postcodes: its time, postcodes and largest transaction,
    or, refused as too large for the server, what it said and how many postcodes it left."""
    from nhgraph.load import load_postcode_file
    from nhgraph.loaders.postcodes import ENGLAND
    from nhgraph.store.db import TooLarge

    started = time.perf_counter()
    with LargestTransaction(database) as memory:
        try:
            result = load_postcode_file(database, path, region=ENGLAND)
        except TooLarge as error:
            [row] = database.read("MATCH (p:Postcode) RETURN count(p) AS n")
            return {
                "loaded": False,
                "refused_after_seconds": round(time.perf_counter() - started, 2),
                "largest_transaction_mb": memory.mb,
                "postcodes_left_written": row["n"],
                # What the refusal says the whole needs (its estimate, checked in run()).
                "estimated_need_mb": round(error.need / 2**20, 1) if error.need else None,
                "message": str(error)[:900],
            }
    created = result.written.created["Postcode"]
    return {
        "loaded": True,
        "postcodes": created,
        "seconds": round(time.perf_counter() - started, 2),
        "largest_transaction_mb": memory.mb,
        "kb_per_postcode": round(memory.peak / created / 1024, 2),
    }


#: Postcodes staged to measure what switching each in costs.
SWITCH_SAMPLE = 100_000


def _switch_cost(database: Any) -> dict[str, float]:
    """What a staged load's switch would cost a postcode (nhgraph.store.stage): postcodes of the
    stream's shape staged in small transactions, then switched in by the stage's own ADOPT (its
    label, the stage's marks dropped, its edge to an LSOA made) in one transaction; and by the
    least any switch of node by node does, its label changed alone. Each per postcode, with
    what England's would need."""
    from datetime import UTC, datetime

    from nhgraph.store import stage

    database.run_autocommit("MATCH (p:Postcode) CALL (p) { DETACH DELETE p } IN TRANSACTIONS")
    lsoas = [row["e"] for row in database.read("MATCH (l:Lsoa) RETURN elementId(l) AS e")]
    now = datetime.now(UTC)
    props = [
        {
            "id": f"ZZ{i} 1AA",
            "latitude": 52.0,
            "longitude": -1.0,
            "source": "ons-postcodes",
            "source_version": "NSPL bench",
            "content_hash": f"{i:016x}",
        }
        for i in range(SWITCH_SAMPLE)
    ]
    elements: list[str] = []
    for start in range(0, SWITCH_SAMPLE, 10_000):
        rows = [{"props": p} for p in props[start : start + 10_000]]
        parameters = {"rows": rows, "loaded_at": now, "stage": "bench", "staged_at": now}
        elements += [r["e"] for r in database.write(stage.STAGE, parameters)]
    adopt = [
        {"e": e, "label": "Postcode", "links": [[lsoas[i % len(lsoas)], "IN_LSOA"]]}
        for i, e in enumerate(elements)
    ]
    figures: dict[str, float] = {}
    with LargestTransaction(database) as memory:
        database.write(stage.ADOPT, {"rows": adopt, "stage": "bench"})
    figures["adopt_kb_per_postcode"] = round(memory.peak / SWITCH_SAMPLE / 1024, 2)
    with LargestTransaction(database) as memory:
        database.write("MATCH (p:Postcode) SET p:NhgStaged REMOVE p:Postcode")
    figures["label_only_kb_per_postcode"] = round(memory.peak / SWITCH_SAMPLE / 1024, 2)
    database.run_autocommit("MATCH (p:NhgStaged) CALL (p) { DETACH DELETE p } IN TRANSACTIONS")
    return figures


def run() -> dict[str, Any]:
    """The postcode stream's memory at several sizes, then England's on a 2 GB heap."""
    if not (ENGLAND_DIR / "england_lsoa21.csv").exists():
        sys.exit(f"England's files are not at {ENGLAND_DIR} (see README, England)")
    heap = os.environ.get("NHGRAPH_NEO4J_HEAP", "14g")
    lsoas = _england_lsoas()
    work = Path(tempfile.mkdtemp(prefix="nhgraph-bench-england-postcodes-"))
    sizes: dict[str, Any] = {}
    try:
        files = {n: write_nspl_over(work / f"nspl-{n}.csv", lsoas, n) for n in SIZES}
        with own_neo4j("nhgraph-bench-england-postcodes-", heap=heap) as (database, settings, _):
            for per_lsoa, path in files.items():
                _say(f"postcodes: {per_lsoa} rows an LSOA on a {heap} heap")
                _geography(database, settings)
                sizes[str(per_lsoa)] = _postcodes(database, path)
                _say(f"postcodes: {sizes[str(per_lsoa)]}")
            switch = _switch_cost(database)
            _say(f"postcodes: a staged switch {switch}")
        with own_neo4j("nhgraph-bench-england-postcodes-2g-", heap="2g") as (database, settings, _):
            _say("postcodes: England's on a 2g heap")
            _geography(database, settings)
            on_2g = _postcodes(database, files[SIZES[-1]])
            _say(f"postcodes: on 2g {on_2g}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    loaded = [figures for figures in sizes.values() if figures["loaded"]]
    first, full = loaded[0], loaded[-1]
    figures = {
        "lsoas": len(lsoas),
        "neo4j_heap": heap,
        "sizes": sizes,
        "largest_loaded_postcodes": full["postcodes"],
        "largest_loaded_transaction_mb": full["largest_transaction_mb"],
        # Above 1, memory grows faster than the postcodes.
        "memory_growth_over_size_growth": round(
            (full["largest_transaction_mb"] / first["largest_transaction_mb"])
            / (full["postcodes"] / first["postcodes"]),
            2,
        ),
        "on_a_2g_heap": on_2g,
        # A staged load's switch, node by node, per postcode and for England's: why staging
        # (which London's and England's reference loads use) does not bring these within 2g.
        "switch": {
            **switch,
            "adopt_mb_for_largest": round(
                switch["adopt_kb_per_postcode"] * full["postcodes"] / 1024, 1
            ),
            "label_only_mb_for_largest": round(
                switch["label_only_kb_per_postcode"] * full["postcodes"] / 1024, 1
            ),
        },
    }
    if on_2g.get("estimated_need_mb"):
        # The refusal's estimate of what England's postcodes need, over what they took on
        # the large heap: near 1 keeps its advice (the heap to set) true.
        figures["refusal_estimate_over_measured"] = round(
            on_2g["estimated_need_mb"] / full["largest_transaction_mb"], 2
        )
    write_results("england_postcodes", figures)
    return figures


if __name__ == "__main__":
    run()
