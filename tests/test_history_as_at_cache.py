"""The undo an asAt plans is kept for its moment and applied, when asked again, by the statement
that checks it still holds: a change set recorded since, or history pruned since, makes it
stale, and the moment is then undone afresh (or refused), never answered from the old plan."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from nhgraph import edits, questions
from nhgraph.access import Principal
from nhgraph.store import db, write_models
from nhgraph.store.history import _UNDOS, HistoryRefused, prune

from .world import CAMDEN, world

LSOA = "E01000802"
EDITOR = Principal("camden-integrator", "integrator", frozenset({CAMDEN}))


def _moment() -> datetime:
    time.sleep(0.05)
    moment = datetime.now(UTC)
    time.sleep(0.05)
    return moment


def _serving(database: db.Database, at: datetime | None = None) -> list[str]:
    row: dict[str, Any] = questions.who_serves(database, lsoa=LSOA, as_at=at)
    return sorted(n["id"] for n in row["neighbourhoods"])


def _move(database: db.Database, source: str, target: str) -> None:
    edits.move_lsoas(
        database, EDITOR, lsoas=[LSOA], from_neighbourhood=source, to_neighbourhood=target
    )


def test_a_kept_undo_goes_stale_when_history_grows_or_is_pruned(graph: db.Database) -> None:
    write_models(graph, world())
    first = _moment()
    assert _serving(graph, first) == ["camden-north"]  # nothing to undo: planned, and kept
    assert any(key[2] == first for key in _UNDOS)
    _move(graph, "camden-north", "camden-south")
    assert _serving(graph) == ["camden-south"]
    # Stale (an edit since): undone afresh, and the new plan kept.
    assert _serving(graph, first) == ["camden-north"]
    assert _serving(graph, first) == ["camden-north"]  # the kept plan, checked and applied
    second = _moment()
    assert _serving(graph, second) == ["camden-south"]
    _move(graph, "camden-south", "camden-north")
    assert _serving(graph, second) == ["camden-south"]  # stale again: two edits undone now
    assert _serving(graph, first) == ["camden-north"]
    assert _serving(graph) == ["camden-north"]
    # Pruned past the moment: refused, though a plan for it was kept.
    prune(graph, datetime.now(UTC) + timedelta(seconds=0))
    with pytest.raises(HistoryRefused) as refused:
        _serving(graph, first)
    assert refused.value.code == "as_at_before_history"
