"""bench/fhir.py's measure in quick mode, on the small world over real HTTP: it runs, both
sides answer, and the figures have the shape the results file records (never a time)."""

from __future__ import annotations

from typing import Any

from bench import fhir as bench_fhir


def test_the_fhir_bench_measures_both_sides(client: Any) -> None:
    figures = bench_fhir.measure(
        client.server.url, client.database, samples=5, rounds=1, export=True
    )
    for measure in ("read_ms", "search_page_ms", "export_seconds"):
        assert set(figures[measure]) == {"fhir", "graphql"}
        assert all(side["n"] >= 1 for side in figures[measure].values())
    assert figures["read_ms"]["fhir"]["n"] == figures["read_ms"]["graphql"]["n"] >= 5
    assert figures["export_resources"] > 10
    assert set(figures["met"]) == {"read", "search", "export"}
