"""A load and an edit of the same nodes, released together, serialise as two edits do (issue 23,
defect 4): a reload that removes a neighbourhood, racing an edit that adds a service for it,
ends with one of them refused, never with both done (a service whose area the load has just
removed, its link cut without a word).

The load locks what it removes and refuses if it changed since its plan (or if another
source now links to it); the edit locks what it names before reading it, so it finds the
neighbourhood gone, or holds it while the load waits and then refuses.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nhgraph import edits
from nhgraph.access import Principal
from nhgraph.config import Settings
from nhgraph.errors import NhgraphError
from nhgraph.load import load, read_sources
from nhgraph.schema.models import Lsoa, Neighbourhood, Node
from nhgraph.store import db

from .world import CAMDEN, ON, world, write_bundle

ROUNDS = 100
INTEGRATOR = Principal("camden-integrator", "integrator", frozenset({CAMDEN}))
SERVICE = {
    "id": "camden-west-clinic",
    "name": "West clinic",
    "provider": "ods:RKE",
    "function": "frailty",
    "neighbourhoods": ["camden-west"],
}


def _with_west() -> list[Node]:
    return [
        *world(),
        *(
            Lsoa(id=code, name=f"Camden west {code}", place=CAMDEN, population=1500, imd_decile=3)
            for code in ("E01000807", "E01000808")
        ),
        Neighbourhood(
            id="camden-west", name="Camden West", place=CAMDEN, lsoas=["E01000807", "E01000808"]
        ),
    ]


def _bundle(folder: Path, models: list[Node]) -> Path:
    """One team-of-teams folder; both versions are named alike, so they are one source."""
    folder.mkdir(parents=True)
    write_bundle(folder / "team-of-teams.yaml", models)
    return folder


def _race(first: Callable[[], Any], second: Callable[[], Any], lag: float) -> list[Any]:
    """Both at once, the second ``lag`` seconds after the first: a load takes longer than an
    edit to reach its write, so lags spread the edit across the load's whole life."""
    barrier = threading.Barrier(2)
    outcomes: list[Any] = [None, None]

    def run(index: int, work: Callable[[], Any]) -> None:
        barrier.wait()
        if index == 1:
            time.sleep(lag)
        try:
            outcomes[index] = work()
        except NhgraphError as refused:
            outcomes[index] = refused
        except BaseException as error:  # an unexpected failure fails the round
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_a_reload_removing_a_neighbourhood_and_an_edit_naming_it_never_both_succeed(
    graph: db.Database, neo4j_settings: Settings, tmp_path: Path
) -> None:
    before = _bundle(tmp_path / "v1" / "camden", _with_west())
    after = _bundle(
        tmp_path / "v2" / "camden",
        [m for m in _with_west() if getattr(m, "id", None) != "camden-west"],
    )
    full = read_sources([str(before)], neo4j_settings)
    reduced = read_sources([str(after)], neo4j_settings)
    tally: dict[str, int] = {}
    for round_ in range(ROUNDS):
        graph.write("MATCH (s:Service {id: $id}) DETACH DELETE s", {"id": SERVICE["id"]})
        load(graph, full, on=ON)
        loaded, edited = _race(
            lambda: load(graph, reduced, on=ON),
            lambda: edits.add_service(graph, INTEGRATOR, SERVICE, on=ON),
            lag=(round_ % 10) * 0.1,
        )
        for outcome in (loaded, edited):
            assert isinstance(outcome, NhgraphError) or not isinstance(outcome, BaseException), (
                outcome
            )
        load_done = not isinstance(loaded, NhgraphError)
        edit_done = isinstance(edited, edits.EditReceipt)
        assert not (load_done and edit_done), "both the removal and the edit naming it were done"
        [row] = graph.read(
            "OPTIONAL MATCH (n:Neighbourhood {id: 'camden-west'}) "
            "OPTIONAL MATCH (s:Service {id: $id}) "
            "RETURN n IS NOT NULL AS west, s IS NOT NULL AS service, "
            "EXISTS { (s)-[:FOR_AREA]->(n) } AS linked",
            {"id": SERVICE["id"]},
        )
        if load_done:
            assert row == {"west": False, "service": False, "linked": False}
        if edit_done:
            assert row == {"west": True, "service": True, "linked": True}
        load_said = "done" if load_done else loaded.code
        edit_said = "done" if edit_done else edited.code
        key = f"load {load_said}, edit {edit_said}"
        tally[key] = tally.get(key, 0) + 1
    assert sum(tally.values()) == ROUNDS
    # Both orders happen: the race is a race (a fixed order would test nothing).
    assert any(key.startswith("load done") for key in tally), tally
    assert any(key.endswith("edit done") for key in tally), tally


@pytest.mark.parametrize("rounds", [ROUNDS])
def test_the_race_holds_enough_rounds(rounds: int) -> None:
    assert rounds >= 100
