"""Edits over real HTTP: each checked by the shapes on what it touches, refused with the rules
broken and nothing written, or made with a record of who and when; integrators only within
their own places."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from nhgraph.config import Settings
from nhgraph.store import db, write_models

from .clients import ADMIN, GOVERNANCE, INTEGRATOR, KEYS, ROLE_KEYS, Client, operation_header
from .conftest import LiveServer, make_test_settings
from .world import CAMDEN, world

RESULT = """
  __typename
  ... on EditDone { edit action by at nodes warnings { rule severity node message } }
  ... on EditRefused { code message rules { rule severity node message } }
"""


class EditClient(Client):
    """A client whose operations write ``{RESULT}`` for the edit result's fields."""

    def post(
        self, query: str, variables: dict[str, Any] | None = None, key: str | None = None
    ) -> Any:
        return super().post(query.replace("{RESULT}", RESULT), variables, key)


ADD_LSOAS = (
    "mutation ($n: ID!, $lsoas: [String!]!) "
    "{ addLsoasToNeighbourhood(neighbourhood: $n, lsoas: $lsoas) { {RESULT} } }"
)
MOVE = (
    "mutation ($lsoas: [String!]!, $a: ID!, $b: ID!) "
    "{ moveLsoas(lsoas: $lsoas, fromNeighbourhood: $a, toNeighbourhood: $b) { {RESULT} } }"
)


@pytest.fixture
def edit_api(
    database: db.Database, neo4j_settings: Settings
) -> Iterator[tuple[Client, db.Database]]:
    """A fresh small world for each test (edits change it), served with the test keys."""
    database.reset()
    write_models(database, world())
    settings = make_test_settings(api_keys=KEYS, neo4j_uri=neo4j_settings.neo4j_uri)
    with LiveServer(settings) as server:
        yield EditClient(server), database


def _lsoas(database: db.Database, neighbourhood: str) -> list[str]:
    rows = database.read(
        "MATCH (:Neighbourhood {id: $id})-[:COVERS]->(l:Lsoa) RETURN l.id AS id ORDER BY id",
        {"id": neighbourhood},
    )
    return [r["id"] for r in rows]


def _edits(database: db.Database) -> list[dict[str, Any]]:
    return [r["e"] for r in database.read("MATCH (e:Edit) RETURN e {.*} AS e ORDER BY e.at")]


def test_the_public_cannot_edit(edit_api: tuple[Client, db.Database]) -> None:
    client, database = edit_api
    [error] = client.errors(ADD_LSOAS, {"n": "camden-north", "lsoas": ["E01000803"]})
    assert error["extensions"]["code"] == "FORBIDDEN"
    [error] = client.errors(
        ADD_LSOAS, {"n": "camden-north", "lsoas": ["E01000803"]}, key=GOVERNANCE
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert _lsoas(database, "camden-north") == ["E01000800", "E01000801", "E01000802"]


def test_an_edit_is_made_with_warnings_and_a_record(edit_api: tuple[Client, db.Database]) -> None:
    client, database = edit_api
    done = client.data(ADD_LSOAS, {"n": "camden-north", "lsoas": ["E01000803"]}, key=INTEGRATOR)[
        "addLsoasToNeighbourhood"
    ]
    assert done["__typename"] == "EditDone", done
    assert done["by"] == "camden-integrator"
    assert done["nodes"] == ["Neighbourhood/camden-north"]
    # E01000803 is now in camden-north and camden-south: a Warning, not a refusal.
    assert [w["severity"] for w in done["warnings"]] == ["Warning"]
    assert "E01000803" in done["warnings"][0]["node"] + done["warnings"][0]["message"]
    assert _lsoas(database, "camden-north") == [
        "E01000800",
        "E01000801",
        "E01000802",
        "E01000803",
    ]
    [record] = _edits(database)
    assert record["id"] == done["edit"]
    assert (record["by"], record["action"]) == ("camden-integrator", "add_lsoas_to_neighbourhood")
    assert record["nodes"] == ["Neighbourhood/camden-north"]
    [node] = database.read("MATCH (n:Neighbourhood {id: 'camden-north'}) RETURN n.source AS source")
    # The edit keeps the node's owner (this world's nodes were written with none); the
    # record names the editor. tests/test_edits.py holds the owners of edited and made nodes.
    assert node["source"] is None


def test_an_edit_breaking_a_rule_is_refused_and_changes_nothing(
    edit_api: tuple[Client, db.Database],
) -> None:
    client, database = edit_api
    refused = client.data(ADD_LSOAS, {"n": "camden-north", "lsoas": ["E01001700"]}, key=INTEGRATOR)[
        "addLsoasToNeighbourhood"
    ]
    assert refused["__typename"] == "EditRefused"
    assert refused["code"] == "rule_broken"
    assert [r["severity"] for r in refused["rules"]] == ["Violation"]
    assert "outside the neighbourhood's place" in refused["rules"][0]["message"]
    assert refused["rules"][0]["node"] == "camden-north"
    assert _lsoas(database, "camden-north") == ["E01000800", "E01000801", "E01000802"]
    assert _edits(database) == []


def test_an_integrator_cannot_edit_another_place(edit_api: tuple[Client, db.Database]) -> None:
    client, database = edit_api
    refused = client.data(ADD_LSOAS, {"n": "hackney-east", "lsoas": ["E01001700"]}, key=INTEGRATOR)[
        "addLsoasToNeighbourhood"
    ]
    assert refused["code"] == "outside_your_places"
    assert "E09000012" in refused["message"]
    moved = client.data(
        MOVE, {"lsoas": ["E01000800"], "a": "camden-north", "b": "hackney-east"}, key=INTEGRATOR
    )["moveLsoas"]
    assert moved["code"] == "outside_your_places"
    assert _lsoas(database, "hackney-east") == ["E01001700", "E01001701", "E01001702"]
    assert _edits(database) == []
    # An admin may edit anywhere (and the shapes still judge it: this one is fine).
    done = client.data(
        MOVE, {"lsoas": ["E01001702"], "a": "hackney-east", "b": "hackney-east"}, key=ADMIN
    )["moveLsoas"]
    assert done["__typename"] == "EditDone", done


def test_moving_lsoas_changes_both_footprints_at_once(
    edit_api: tuple[Client, db.Database],
) -> None:
    client, database = edit_api
    done = client.data(
        MOVE, {"lsoas": ["E01000802"], "a": "camden-north", "b": "camden-south"}, key=INTEGRATOR
    )["moveLsoas"]
    assert done["__typename"] == "EditDone", done
    assert done["warnings"] == []
    assert _lsoas(database, "camden-north") == ["E01000800", "E01000801"]
    assert _lsoas(database, "camden-south") == [
        "E01000802",
        "E01000803",
        "E01000804",
        "E01000805",
    ]
    # Emptying a footprint is refused by the model, naming the field.
    refused = client.data(
        MOVE,
        {"lsoas": ["E01000800", "E01000801"], "a": "camden-north", "b": "camden-south"},
        key=INTEGRATOR,
    )["moveLsoas"]
    assert refused["code"] == "invalid"
    assert "lsoas" in refused["message"]
    missing = client.data(
        MOVE, {"lsoas": ["E01000800"], "a": "no-such-hood", "b": "camden-south"}, key=INTEGRATOR
    )["moveLsoas"]
    assert missing["code"] == "not_found"
    assert "no-such-hood" in missing["message"]
    assert _lsoas(database, "camden-north") == ["E01000800", "E01000801"]


def test_adding_a_team_and_aligning_a_specialist(edit_api: tuple[Client, db.Database]) -> None:
    client, _ = edit_api
    added = client.data(
        'mutation { addTeamToInt(int: "camden-int-1", team: "hackney-int-1-district-nursing", '
        "tier: TAILORED) { {RESULT} } }",
        key=INTEGRATOR,
    )["addTeamToInt"]
    assert added["__typename"] == "EditDone", added
    aligned = client.data(
        'mutation { alignSpecialist(int: "camden-int-1", specialty: "consultant_psychiatrist", '
        'provider: "ods:RKE", sessionsPerWeek: 1.5) { {RESULT} } }',
        key=INTEGRATOR,
    )["alignSpecialist"]
    assert aligned["__typename"] == "EditDone", aligned
    int_ = client.data(
        '{ int(id: "camden-int-1") { memberships(tier: TAILORED) { team { id } } '
        "specialists { specialty sessionsPerWeek } } }"
    )["int"]
    assert int_["memberships"] == [{"team": {"id": "hackney-int-1-district-nursing"}}]
    assert {"specialty": "consultant_psychiatrist", "sessionsPerWeek": 1.5} in int_["specialists"]
    refused = client.data(
        'mutation { alignSpecialist(int: "camden-int-1", specialty: "consultant_geriatrician", '
        'provider: "ods:RKE", sessionsPerWeek: 0) { {RESULT} } }',
        key=INTEGRATOR,
    )["alignSpecialist"]
    assert refused["code"] == "invalid"
    assert "sessions_per_week" in refused["message"]


AGREEMENT = """
mutation ($a: AgreementInput!) { registerDataSharingAgreement(agreement: $a) { {RESULT} } }
"""


def _agreement(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": "camden-care-records",
        "name": "Camden shared care records",
        "controllers": ["ods:RKE", "ods:F83001"],
        "purposes": ["DIRECT_CARE"],
        "validFrom": "2026-01-01",
        "lawfulBasis": "PUBLIC_TASK",
        "article9Condition": "HEALTH_OR_SOCIAL_CARE",
        "dataCategories": ["health"],
    }
    values.update(changes)
    return values


def test_registering_and_ending_an_agreement(edit_api: tuple[Client, db.Database]) -> None:
    client, database = edit_api
    refused = client.data(AGREEMENT, {"a": _agreement(lawfulBasis=None)}, key=INTEGRATOR)[
        "registerDataSharingAgreement"
    ]
    assert refused["code"] == "invalid"  # the model refuses it before the shapes are asked
    assert "Article 6" in refused["message"]
    unknown = client.data(
        AGREEMENT, {"a": _agreement(framework="no-such-framework")}, key=INTEGRATOR
    )["registerDataSharingAgreement"]
    # An integrator may not read agreements: a framework that is not there is refused as one
    # outside its places is, so the refusal does not tell which it is.
    assert unknown["code"] == "outside_your_places"
    assert "no-such-framework" not in unknown["message"]
    unknown = client.data(AGREEMENT, {"a": _agreement(framework="no-such-framework")}, key=ADMIN)[
        "registerDataSharingAgreement"
    ]
    assert unknown["code"] == "rule_broken"  # only the shapes know what the graph holds
    assert [r["message"] for r in unknown["rules"]] == [
        "An agreement accedes to at most one known framework"
    ]
    assert database.read("MATCH (d:DataSharingAgreement) RETURN count(d) AS n") == [{"n": 1}]
    done = client.data(AGREEMENT, {"a": _agreement()}, key=INTEGRATOR)[
        "registerDataSharingAgreement"
    ]
    assert done["__typename"] == "EditDone", done
    again = client.data(AGREEMENT, {"a": _agreement()}, key=INTEGRATOR)[
        "registerDataSharingAgreement"
    ]
    assert again["code"] == "invalid"
    assert "is taken" in again["message"]
    hackney = client.data(
        AGREEMENT,
        {"a": _agreement(id="hackney-x", controllers=["ods:RKE", "ons:E09000012"])},
        key=INTEGRATOR,
    )["registerDataSharingAgreement"]
    assert hackney["code"] == "outside_your_places"
    ended = client.data(
        'mutation { endDataSharingAgreement(id: "camden-care-records", on: "2026-11-30") '
        "{ {RESULT} } }",
        key=INTEGRATOR,
    )["endDataSharingAgreement"]
    assert ended["__typename"] == "EditDone", ended
    seen = client.data(
        '{ dataSharingAgreement(id: "camden-care-records") { status validTo } }', key=GOVERNANCE
    )
    assert seen["dataSharingAgreement"] == {"status": "ENDED", "validTo": "2026-11-30"}


def test_adding_and_ending_a_service(edit_api: tuple[Client, db.Database]) -> None:
    client, _ = edit_api
    service = {
        "id": "camden-falls",
        "name": "Falls prevention",
        "provider": "ods:RKE",
        "function": "frailty",
        "neighbourhoods": ["camden-south"],
        "minAge": 60,
        "channels": ["PHONE"],
    }
    add = "mutation ($s: ServiceInput!) { addService(service: $s) { {RESULT} } }"
    done = client.data(add, {"s": service}, key=INTEGRATOR)["addService"]
    assert done["__typename"] == "EditDone", done
    resident = '{ resident(lsoa: "E01000804", age: 70) { ... on Resident { services { id } } } }'
    assert {"id": "camden-falls"} in client.data(resident)["resident"]["services"]
    outside = client.data(
        add,
        {"s": {**service, "id": "hackney-falls", "neighbourhoods": ["hackney-east"]}},
        key=INTEGRATOR,
    )["addService"]
    assert outside["code"] == "outside_your_places"
    ended = client.data(
        'mutation { endService(id: "camden-falls") { {RESULT} } }',
        key=INTEGRATOR,
    )["endService"]
    assert ended["__typename"] == "EditDone", ended
    assert {"id": "camden-falls"} not in client.data(resident)["resident"]["services"]
    assert client.data('{ service(id: "camden-falls") { status } }') == {
        "service": {"status": "ENDED"}
    }


def test_edits_are_confined_to_the_keys_places() -> None:
    assert KEYS[INTEGRATOR].places == [CAMDEN]


def test_the_documented_mutation_runs(edit_api: tuple[Client, db.Database]) -> None:
    import json

    from nhgraph.graphql.schema import SDL_PATH

    client, database = edit_api
    path = SDL_PATH.parent / "operations" / "move_lsoas.graphql"
    header = operation_header(path)
    done = client.data(
        path.read_text(encoding="utf-8"),
        json.loads(header["variables"]),
        key=ROLE_KEYS[header["role"]],
    )["moveLsoas"]
    assert done["__typename"] == "EditDone", done
    assert "E01000802" in _lsoas(database, "camden-south")
