"""bench/history.py kept from rotting: its quick measurement runs on the test server (two
release steps after the first, a few LSOAs), and its figures say what the issue's targets ask."""

from __future__ import annotations

from bench import history
from nhgraph.config import Settings
from nhgraph.store import db

from .standards import require


def test_the_quick_measurement_runs_and_reports_every_figure(
    database: db.Database, neo4j_settings: Settings
) -> None:
    require(history.RELEASES)
    try:
        figures = history.measure(
            database, neo4j_settings, months=history.QUICK_MONTHS, sample=3, rounds=1
        )
    finally:
        database.reset()
    assert figures["release_months"] == list(history.QUICK_MONTHS)
    for side in ("present_before_ms", "present_after_ms"):
        assert set(figures[side]) == {"who_serves", "graphql_resident", "control"}
        assert all(value > 0 for value in figures[side].values())
    assert figures["as_at"]["changes_undone"] > 0
    assert figures["as_at"]["who_serves_ratio_to_present"] > 0
    assert figures["history"]["change_sets"] == 1 + len(history.QUICK_MONTHS)
    storage = figures["storage"]
    assert storage["history_bytes"] > 0
    assert storage["present_bytes_without_boundaries"] > 0
    assert storage["present_bytes_without_boundaries"] < storage["present_bytes"]
