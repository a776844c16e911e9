"""The named questions on London (reference data and the demo dataset): who_serves_lsoa's
median and p99 latency through the driver, and each whole-London question's time.

Baseline in the same run: a trivial query (`RETURN 1`) through the same driver, the floor of
any round trip. Targets (issue 5): who_serves 5 ms or less median; each whole-London gap,
overlap and coverage question 500 ms or less.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date
from typing import Any

from bench.common import own_neo4j, write_results
from nhgraph import queries
from nhgraph.config import PROJECT_ROOT
from nhgraph.loaders.pipeline import load, read_sources

ON = date(2026, 11, 23)
WHOLE_LONDON = {
    "lsoas_in_no_neighbourhood": {},
    "lsoas_in_several_neighbourhoods": {},
    "neighbourhoods_without_int": {},
    "places_without_integrator": {"on": ON},
    "ints_without_specialty": {"specialty": "consultant_geriatrician", "on": ON},
}


def _times(work: Any, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        out.append((time.perf_counter() - started) * 1000)
    return out


def run() -> dict[str, Any]:
    with own_neo4j("nhgraph-bench-questions-") as (database, settings, _home):
        load(
            database,
            read_sources(["reference", str(PROJECT_ROOT / "data" / "demo")], settings),
            workers=2,
        )
        lsoas = [r["id"] for r in database.read("MATCH (l:Lsoa) RETURN l.id AS id")]
        rng = random.Random(2026)
        who = queries.load("who_serves_lsoa")

        def one() -> None:
            database.read(who, {"lsoa": rng.choice(lsoas), "age": 82, "cohort": None, "on": ON})

        _times(one, 50)  # warm-up: plans compiled, caches filled
        who_ms = _times(one, 500)
        floor_ms = _times(lambda: database.read("RETURN 1 AS one"), 500)
        figures: dict[str, Any] = {
            "who_serves_median_ms": round(statistics.median(who_ms), 2),
            "who_serves_p99_ms": round(sorted(who_ms)[int(len(who_ms) * 0.99)], 2),
            "baseline_return_1_median_ms": round(statistics.median(floor_ms), 2),
            "ratio_who_serves_to_floor": round(
                statistics.median(who_ms) / statistics.median(floor_ms), 1
            ),
        }
        for name, params in WHOLE_LONDON.items():
            query = queries.load(name)
            values = dict.fromkeys(query.parameters) | params
            database.read(query, values)
            figures[f"{name}_median_ms"] = round(
                statistics.median(_times(lambda q=query, v=values: database.read(q, v), 20)), 1
            )
        figures["targets"] = {
            "who_serves_5ms": figures["who_serves_median_ms"] <= 5,
            "whole_london_500ms": all(figures[f"{n}_median_ms"] <= 500 for n in WHOLE_LONDON),
        }
    write_results("questions", figures)
    return figures


if __name__ == "__main__":
    run()
