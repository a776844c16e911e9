"""bench/oruk.py kept from rotting: its quick measurement runs against the real app on the
small world (real HTTP, real Neo4j), both sides answer, the figures have their shape, and the
targets are read from them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench import oruk
from nhgraph.config import Settings
from nhgraph.store import db, write_models

from .conftest import LiveServer
from .world import world


@pytest.fixture(scope="module")
def served(database: db.Database, neo4j_settings: Settings) -> Iterator[str]:
    database.reset()
    write_models(database, world())
    with LiveServer(neo4j_settings) as server:
        yield server.url
    database.reset()


def test_the_quick_measurement_runs_both_sides(served: str) -> None:
    figures = oruk.measure(served, rounds=2, pages_per_round=2, streams=1)
    assert figures["services"] > 0
    for workload in ("page_of_50", "every_service"):
        assert set(figures[workload]) >= {"oruk", "graphql"}
    assert figures["page_of_50"]["oruk"]["requests"] == 4
    assert figures["every_service"]["graphql"]["runs"] == 2
    assert figures["page_of_50"]["median_ratio_to_graphql"] > 0
    assert set(oruk.targets(figures)) == {
        "page_of_50_median_at_most_50_ms",
        "ndjson_at_least_5000_services_per_second",
    }


def test_a_target_missed_is_said() -> None:
    slow = {
        "page_of_50": {"oruk": {"median_ms": 51.0}},
        "every_service": {"oruk": {"median_services_per_second": 4999}},
    }
    assert oruk.targets(slow) == {
        "page_of_50_median_at_most_50_ms": False,
        "ndjson_at_least_5000_services_per_second": False,
    }
