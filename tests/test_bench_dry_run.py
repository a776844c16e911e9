"""bench/dry_run.py kept from rotting: its quick measurement runs on the real releases (the
small 2022 ePCN step) against the test Neo4j, and its figures have their shape."""

from __future__ import annotations

from bench import dry_run
from nhgraph.config import Settings
from nhgraph.store import db

from .standards import require


def test_the_quick_measurement_runs_the_dry_run_and_the_load(
    database: db.Database, neo4j_settings: Settings
) -> None:
    figures = dry_run.measure(
        database,
        neo4j_settings,
        releases=require(dry_run.RELEASES),
        steps=dry_run.QUICK,
        rounds=1,
        loads=1,
    )
    database.reset()
    assert figures["changes"] == 32  # the April 2022 ePCN step (see tests/test_dry_run.py)
    assert figures["events"] > 0
    assert len(figures["dry_run_runs"]) == 1
    assert len(figures["load_runs"]) == 1
    assert figures["ratio_dry_run_to_load"] > 0
    assert set(dry_run.targets(figures)) == {"dry_run_at_most_5_s"}
