"""Edits released together, as two integrators' would be: each race ends with one edit done and
one refused on what the other did, or both done one after the other, the second judged on the
first's result. Never both done on a view the other was changing (issue 23, defect 4).

Each round restores the world, then two threads meet at a barrier and make their edits at
once against the real Neo4j. Before edits were serialised, every race below went wrong in
20 rounds of 20.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from nhgraph import edits
from nhgraph.access import Principal
from nhgraph.schema.models import Lsoa, Neighbourhood, Node
from nhgraph.store import db, write_models

from .world import CAMDEN, world

ROUNDS = 100
CAMDEN_INTEGRATOR = Principal("camden-integrator", "integrator", frozenset({CAMDEN}))
OTHER_INTEGRATOR = Principal("camden-integrator-2", "integrator", frozenset({CAMDEN}))
#: An LSOA of Camden in no neighbourhood, and a third neighbourhood of Camden.
LONE = "E01000806"


def racing_world() -> list[Node]:
    """The test world, with an LSOA in no neighbourhood and a third neighbourhood."""
    return [
        *world(),
        Lsoa(id=LONE, name="Camden lone", place=CAMDEN, population=1500, imd_decile=3),
        *(
            Lsoa(id=code, name=f"Camden west {code}", place=CAMDEN, population=1500, imd_decile=3)
            for code in ("E01000807", "E01000808")
        ),
        Neighbourhood(
            id="camden-west", name="Camden West", place=CAMDEN, lsoas=["E01000807", "E01000808"]
        ),
    ]


@pytest.fixture(scope="module")
def racing(database: db.Database) -> Iterator[db.Database]:
    database.reset()
    write_models(database, racing_world())
    yield database
    database.reset()


def _restore(database: db.Database) -> None:
    """Put the neighbourhoods back as the world has them, and drop what earlier rounds made."""
    database.write("MATCH (n:Service) WHERE n.source = 'api-edit' DETACH DELETE n")
    database.write("MATCH (e:Edit) DELETE e")
    write_models(database, racing_world())


Outcome = edits.EditReceipt | edits.EditRefused


def _race(first: Callable[[], Any], second: Callable[[], Any]) -> list[Outcome]:
    """Run both edits at once (released together at a barrier); their receipts or refusals."""
    barrier = threading.Barrier(2)
    outcomes: list[Outcome | BaseException] = [RuntimeError("not run"), RuntimeError("not run")]

    def run(index: int, edit: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            outcomes[index] = edit()
        except edits.EditRefused as refused:
            outcomes[index] = refused
        except BaseException as error:  # an unexpected failure fails the round, not the thread
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i, e)) for i, e in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    unexpected = [o for o in outcomes if not isinstance(o, edits.EditReceipt | edits.EditRefused)]
    assert not unexpected, f"an edit failed unexpectedly: {unexpected!r}"
    return outcomes  # type: ignore[return-value]


def _neighbourhoods_of(database: db.Database, lsoa: str) -> list[str]:
    rows = database.read(
        "MATCH (n:Neighbourhood)-[:COVERS]->(:Lsoa {id: $lsoa}) RETURN n.id AS id ORDER BY id",
        {"lsoa": lsoa},
    )
    return [row["id"] for row in rows]


def _lsoas_of(database: db.Database, neighbourhood: str) -> list[str]:
    rows = database.read(
        "MATCH (:Neighbourhood {id: $n})-[:COVERS]->(l:Lsoa) RETURN l.id AS id ORDER BY id",
        {"n": neighbourhood},
    )
    return [row["id"] for row in rows]


def _done(outcomes: list[Outcome]) -> list[edits.EditReceipt]:
    return [o for o in outcomes if isinstance(o, edits.EditReceipt)]


def _move(
    database: db.Database, lsoa: str, source: str, target: str, who: Principal
) -> Callable[[], Any]:
    return lambda: edits.move_lsoas(
        database, who, lsoas=[lsoa], from_neighbourhood=source, to_neighbourhood=target
    )


def test_two_moves_out_of_one_neighbourhood_end_with_one_done(racing: db.Database) -> None:
    tally: dict[str, int] = {"done": 0, "refused": 0}
    for _ in range(ROUNDS):
        _restore(racing)
        outcomes = _race(
            _move(racing, "E01000800", "camden-north", "camden-south", CAMDEN_INTEGRATOR),
            _move(racing, "E01000800", "camden-north", "camden-west", OTHER_INTEGRATOR),
        )
        [refused] = [o for o in outcomes if isinstance(o, edits.EditRefused)]
        assert refused.code == "invalid"
        assert "E01000800 not in neighbourhood camden-north" in refused.message
        assert len(_neighbourhoods_of(racing, "E01000800")) == 1
        tally["done"] += len(_done(outcomes))
        tally["refused"] += 1
    assert tally == {"done": ROUNDS, "refused": ROUNDS}


def test_two_adds_of_one_lsoa_are_both_done_and_the_second_warns(racing: db.Database) -> None:
    for _ in range(ROUNDS):
        _restore(racing)
        outcomes = _race(
            lambda: edits.add_lsoas_to_neighbourhood(
                racing, CAMDEN_INTEGRATOR, neighbourhood="camden-north", lsoas=[LONE]
            ),
            lambda: edits.add_lsoas_to_neighbourhood(
                racing, OTHER_INTEGRATOR, neighbourhood="camden-south", lsoas=[LONE]
            ),
        )
        done = _done(outcomes)
        assert len(done) == 2, outcomes
        warned = [
            receipt
            for receipt in done
            if any(LONE in f"{w.focus_id} {w.message}" for w in receipt.warnings)
        ]
        # The one made second saw the first's result: the LSOA is now in two neighbourhoods.
        assert len(warned) == 1, [r.warnings for r in done]
        assert _neighbourhoods_of(racing, LONE) == ["camden-north", "camden-south"]


def test_two_moves_into_one_neighbourhood_keep_both_lsoas(racing: db.Database) -> None:
    for _ in range(ROUNDS):
        _restore(racing)
        outcomes = _race(
            _move(racing, "E01000800", "camden-north", "camden-south", CAMDEN_INTEGRATOR),
            _move(racing, "E01000807", "camden-west", "camden-south", OTHER_INTEGRATOR),
        )
        assert len(_done(outcomes)) == 2, outcomes
        assert _lsoas_of(racing, "camden-south") == [
            "E01000800",
            "E01000803",
            "E01000804",
            "E01000805",
            "E01000807",
        ]
        assert _lsoas_of(racing, "camden-north") == ["E01000801", "E01000802"]


def test_two_services_of_one_id_end_with_one_made(racing: db.Database) -> None:
    def add(name: str, who: Principal) -> Callable[[], Any]:
        service = {
            "id": "camden-racing-service",
            "name": name,
            "provider": "ods:RKE",
            "function": "frailty",
            "neighbourhoods": ["camden-south"],
        }
        return lambda: edits.add_service(racing, who, service)

    for _ in range(ROUNDS // 4):
        _restore(racing)
        outcomes = _race(add("First", CAMDEN_INTEGRATOR), add("Second", OTHER_INTEGRATOR))
        [receipt] = _done(outcomes)
        [refused] = [o for o in outcomes if isinstance(o, edits.EditRefused)]
        assert refused.code == "invalid"
        assert "camden-racing-service" in refused.message
        [stored] = racing.read("MATCH (s:Service {id: 'camden-racing-service'}) RETURN s.name AS n")
        assert stored["n"] == ("First" if receipt.by == "camden-integrator" else "Second")


def test_the_races_hold_enough_rounds() -> None:
    assert ROUNDS >= 100


def test_an_edit_keeps_a_stored_nodes_owner_and_owns_what_it_makes(racing: db.Database) -> None:
    _restore(racing)
    racing.write("MATCH (n:Neighbourhood {id: 'camden-north'}) SET n.source = 'teams-file'")
    edits.move_lsoas(
        racing,
        CAMDEN_INTEGRATOR,
        lsoas=["E01000800"],
        from_neighbourhood="camden-north",
        to_neighbourhood="camden-south",
    )
    edits.add_service(
        racing,
        CAMDEN_INTEGRATOR,
        {
            "id": "camden-owned-service",
            "name": "Owned",
            "provider": "ods:RKE",
            "function": "frailty",
            "neighbourhoods": ["camden-south"],
        },
    )
    rows = racing.read(
        "MATCH (n) WHERE n.id IN ['camden-north', 'camden-owned-service'] "
        "RETURN n.id AS id, n.source AS source, n.source_version AS by ORDER BY id"
    )
    assert rows == [
        {"id": "camden-north", "source": "teams-file", "by": None},
        {"id": "camden-owned-service", "source": "api-edit", "by": "camden-integrator"},
    ]
