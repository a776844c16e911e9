"""An integrator touches only agreements whose every party the data shows in its places, and its
refusals tell it no more than it may read (issue 23, defects 2 and 3).

Where an organisation operates comes from the data: its recorded places, its postcode's LSOA,
its sites' postcodes, a practice's PCNs. An organisation the data puts nowhere is not the
integrator's: before, such parties passed the check vacuously, and a Camden key changed
Hackney's coverage.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from nhgraph import edits
from nhgraph.access import Principal
from nhgraph.schema.models import (
    DataSharingAgreement,
    Node,
    Organisation,
    PcnMembership,
    PostcodeUnit,
    Site,
)
from nhgraph.store import db, write_models

from .world import CAMDEN, HACKNEY, world

CAMDEN_INTEGRATOR = Principal("camden-integrator", "integrator", frozenset({CAMDEN}))
ADMIN = Principal("admin", "admin")


def placed_world() -> list[Node]:
    """The world, with organisations placed (or not) in each way the data can place them."""
    return [
        *world(),
        PostcodeUnit(id="E8 1AA", lsoa="E01001700", latitude=51.54, longitude=-0.06),
        # Pharmacies: one with a Camden postcode, one with a Hackney postcode, one whose
        # postcode the data does not hold, and one with none at all.
        Organisation(
            id="ods:FA001", name="Camden pharmacy", kind="community_pharmacy", postcode="NW1 2AA"
        ),
        Organisation(
            id="ods:FH001", name="Hackney pharmacy", kind="community_pharmacy", postcode="E8 1AA"
        ),
        Organisation(
            id="ods:FH002", name="Hackney pharmacy 2", kind="community_pharmacy", postcode="E8 1AA"
        ),
        Organisation(
            id="ods:FX001", name="Unplaced pharmacy", kind="community_pharmacy", postcode="ZZ9 9ZZ"
        ),
        Organisation(id="ods:FX002", name="Placeless pharmacy", kind="community_pharmacy"),
        # A practice with no postcode, placed only through its PCN (recorded in Camden).
        Organisation(id="ods:F83002", name="PCN-placed practice", kind="gp_practice"),
        PcnMembership(
            id="f83002-u11111", practice="ods:F83002", pcn="ods:U11111", start=date(2020, 1, 1)
        ),
        # A trust placed only through a site with a Camden postcode.
        Organisation(id="ods:RAL", name="A sited trust", kind="nhs_trust"),
        Site(id="ral-camden", name="A Camden site", postcode="NW1 2AA", organisation="ods:RAL"),
        DataSharingAgreement(
            id="hackney-framework",
            name="Hackney framework",
            controllers=["ons:E09000012", "ods:FH001"],
            purposes=["direct_care"],
            lawful_basis="a6_1_e",
            status="active",
            valid_from=date(2024, 1, 1),
        ),
    ]


@pytest.fixture
def placed(graph: db.Database) -> db.Database:
    write_models(graph, placed_world())
    return graph


def _agreement(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": "camden-new",
        "name": "A new agreement",
        "controllers": ["ons:E09000007", "ods:FA001"],
        "purposes": ["direct_care"],
        "lawful_basis": "a6_1_e",
        "valid_from": date(2026, 1, 1),
    }
    return {**values, **changes}


def _coverage_edges(database: db.Database) -> int:
    [row] = database.read("MATCH (:DataSharingAgreement)-[r]->(:Organisation) RETURN count(r) AS n")
    return int(row["n"])


@pytest.mark.parametrize(
    "parties",
    [
        ["ods:FH001", "ods:FH002"],  # both placed in Hackney by postcode (the case)
        ["ons:E09000007", "ods:FH001"],  # one Camden, one Hackney
        ["ons:E09000007", "ods:FX001"],  # a postcode the data does not place
        ["ons:E09000007", "ods:FX002"],  # no postcode and no recorded place
        ["ods:FX001", "ods:FX002"],  # no party placed at all: nothing vacuously true
    ],
    ids=["hackney-by-postcode", "one-hackney", "unplaced-postcode", "placeless", "none-placed"],
)
def test_an_integrator_may_not_register_an_agreement_with_a_party_outside_its_places(
    placed: db.Database, parties: list[str]
) -> None:
    before = _coverage_edges(placed)
    with pytest.raises(edits.EditRefused) as refused:
        edits.register_data_sharing_agreement(
            placed, CAMDEN_INTEGRATOR, _agreement(controllers=parties)
        )
    assert refused.value.code == "outside_your_places"
    assert _coverage_edges(placed) == before


@pytest.mark.parametrize(
    "parties",
    [
        ["ons:E09000007", "ods:FA001"],  # recorded place, and a Camden postcode
        ["ons:E09000007", "ods:F83002"],  # a practice placed through its PCN
        ["ons:E09000007", "ods:RAL"],  # a trust placed through its site's postcode
    ],
    ids=["postcode", "pcn", "site"],
)
def test_parties_the_data_places_in_camden_are_the_camden_integrators(
    placed: db.Database, parties: list[str]
) -> None:
    receipt = edits.register_data_sharing_agreement(
        placed, CAMDEN_INTEGRATOR, _agreement(controllers=parties)
    )
    assert receipt.nodes == [("DataSharingAgreement", "camden-new")]


def test_an_integrator_may_not_accede_its_own_parties_to_another_places_framework(
    placed: db.Database,
) -> None:
    with pytest.raises(edits.EditRefused) as refused:
        edits.register_data_sharing_agreement(
            placed, CAMDEN_INTEGRATOR, _agreement(framework="hackney-framework")
        )
    assert refused.value.code == "outside_your_places"
    # An admin may: the rule is the integrator's places, not the accession.
    receipt = edits.register_data_sharing_agreement(
        placed, ADMIN, _agreement(framework="hackney-framework")
    )
    assert receipt.by == "admin"
    # And once acceded, Camden may not end the accession: it is bound up with Hackney's.
    with pytest.raises(edits.EditRefused) as ending:
        edits.end_data_sharing_agreement(placed, CAMDEN_INTEGRATOR, agreement="camden-new")
    assert ending.value.code == "outside_your_places"


def test_ending_a_framework_is_refused_when_an_accession_has_a_party_outside(
    placed: db.Database,
) -> None:
    edits.register_data_sharing_agreement(
        placed,
        ADMIN,
        _agreement(
            id="hackney-accession",
            controllers=["ons:E09000012", "ods:FH002"],
            framework="camden-direct-care",
        ),
    )
    with pytest.raises(edits.EditRefused) as refused:
        edits.end_data_sharing_agreement(placed, CAMDEN_INTEGRATOR, agreement="camden-direct-care")
    assert refused.value.code == "outside_your_places"


def test_a_refusal_tells_an_integrator_nothing_it_may_not_read(placed: db.Database) -> None:
    """Missing, or not the integrator's: one code, one message but for the id it gave, and no
    party's id or place."""
    messages = {}
    for agreement in ("hackney-framework", "no-such-agreement"):
        with pytest.raises(edits.EditRefused) as refused:
            edits.end_data_sharing_agreement(placed, CAMDEN_INTEGRATOR, agreement=agreement)
        assert refused.value.code == "outside_your_places"
        messages[agreement] = refused.value.message.replace(agreement, "ID")
        for secret in ("ods:FH001", "ons:E09000012", HACKNEY, "Hackney"):
            assert secret not in refused.value.message
    assert messages["hackney-framework"] == messages["no-such-agreement"]
    # Whoever may read agreements is told plainly that one is missing.
    with pytest.raises(edits.EditNotFound):
        edits.end_data_sharing_agreement(placed, ADMIN, agreement="no-such-agreement")


def test_a_camden_integrator_may_still_end_its_own_agreement(placed: db.Database) -> None:
    receipt = edits.end_data_sharing_agreement(
        placed, CAMDEN_INTEGRATOR, agreement="camden-direct-care"
    )
    assert receipt.action == "end_data_sharing_agreement"
