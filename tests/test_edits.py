"""The edits as plain functions, called as Python callers call them (the API and the command
line are tested over HTTP and as a process): the same rules hold without either."""

from __future__ import annotations

import pytest

from nhgraph import edits
from nhgraph.access import PUBLIC, Principal
from nhgraph.store import db, write_models

from .world import CAMDEN, world

CAMDEN_INTEGRATOR = Principal("camden-integrator", "integrator", frozenset({CAMDEN}))


@pytest.fixture
def small_world(graph: db.Database) -> db.Database:
    write_models(graph, world())
    return graph


def _edit_count(database: db.Database) -> int:
    [row] = database.read("MATCH (e:Edit) RETURN count(e) AS n")
    return int(row["n"])


def test_a_move_returns_its_receipt(small_world: db.Database) -> None:
    receipt = edits.move_lsoas(
        small_world,
        CAMDEN_INTEGRATOR,
        lsoas=["E01000802"],
        from_neighbourhood="camden-north",
        to_neighbourhood="camden-south",
    )
    assert (receipt.action, receipt.by) == ("move_lsoas", "camden-integrator")
    assert receipt.nodes == [
        ("Neighbourhood", "camden-north"),
        ("Neighbourhood", "camden-south"),
    ]
    assert _edit_count(small_world) == 1


@pytest.mark.parametrize(
    "principal", [PUBLIC, Principal("ico-lead", "governance")], ids=["public", "governance"]
)
def test_a_role_that_does_not_edit_is_refused_even_without_the_api(
    small_world: db.Database, principal: Principal
) -> None:
    with pytest.raises(edits.EditRefused) as refused:
        edits.end_data_sharing_agreement(small_world, principal, agreement="camden-direct-care")
    assert refused.value.code == "outside_your_places"
    # Refused for the role, before any party's places are looked at.
    assert f"({principal.role}) may not edit" in refused.value.message
    assert _edit_count(small_world) == 0


def test_not_found_is_its_own_refusal_with_exit_code_2(small_world: db.Database) -> None:
    with pytest.raises(edits.EditNotFound) as refused:
        edits.end_service(small_world, CAMDEN_INTEGRATOR, service="no-such-service")
    assert (refused.value.code, refused.value.exit_code) == ("not_found", 2)
    assert isinstance(refused.value, edits.EditRefused)
