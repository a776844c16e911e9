"""The GraphQL API over real HTTP, on the small world: answers, lists, roles and limits."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from nhgraph.config import Settings
from nhgraph.graphql.schema import SDL_PATH, sdl

from .clients import GOVERNANCE, INTEGRATOR, Client
from .conftest import LiveServer
from .world import CAMDEN, HACKNEY

RESIDENT = """
query ($postcode: String, $lsoa: String, $age: Int) {
  resident(postcode: $postcode, lsoa: $lsoa, age: $age) {
    __typename
    ... on Resident {
      lsoa postcode resolvedBy placeId
      neighbourhoods { id reason }
      ints { id reason }
      teams { tier team provider reason }
      services { id reason }
      gateways { id }
      integrator { organisation }
      place { name integrator { name } }
    }
    ... on ResidentNotFound { code message }
  }
}
"""


def test_resident_by_postcode_gives_the_tiered_view_with_reasons(client: Client) -> None:
    found = client.data(RESIDENT, {"postcode": "NW1 2AA", "age": 80})["resident"]
    assert found["__typename"] == "Resident"
    assert (found["lsoa"], found["postcode"], found["resolvedBy"]) == (
        "E01000800",
        "NW1 2AA",
        "postcode",
    )
    assert [n["id"] for n in found["neighbourhoods"]] == ["camden-north"]
    assert [i["id"] for i in found["ints"]] == ["camden-int-1"]
    tiers = [t["tier"] for t in found["teams"]]
    assert tiers[0] == "HYPER_LOCAL"
    assert set(tiers[1:]) == {"CONSISTENT"}
    assert all("camden-int-1" in t["reason"] for t in found["teams"])
    assert {s["id"] for s in found["services"]} == {"camden-frailty", "camden-gateway"}
    assert [g["id"] for g in found["gateways"]] == ["camden-gateway"]
    assert found["integrator"] == {"organisation": "ods:RKE"}
    assert found["place"] == {"name": "Camden", "integrator": {"name": "A community trust"}}


def test_resident_age_filters_services(client: Client) -> None:
    found = client.data(RESIDENT, {"lsoa": "E01000800", "age": 30})["resident"]
    assert {s["id"] for s in found["services"]} == {"camden-gateway"}


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"postcode": "not a postcode"}, "invalid_postcode"),
        ({"postcode": "SW1A 1AA"}, "postcode_not_found"),
        ({"lsoa": "E02000001"}, "invalid_lsoa"),
        ({"lsoa": "E01999999"}, "lsoa_not_found"),
        ({}, "no_resident"),
        ({"postcode": "NW1 2AA", "lsoa": "E01000800"}, "ambiguous_resident"),
    ],
)
def test_resident_not_found_is_a_typed_answer(
    client: Client, variables: dict[str, Any], code: str
) -> None:
    found = client.data(RESIDENT, variables)["resident"]
    assert found["__typename"] == "ResidentNotFound"
    assert found["code"] == code
    assert found["message"]


def test_nodes_by_id_and_their_relations(client: Client) -> None:
    data = client.data(
        """{
          int(id: "camden-int-1") {
            name place { id } neighbourhoods { id population }
            memberships(tier: HYPER_LOCAL) { tier team { id functions provider { id kind } } }
            specialists { specialty sessionsPerWeek provider { name } }
          }
          neighbourhood(id: "camden-north") { lsoas priorities ints { id } place { name } }
          organisation(id: "ods:RKE") { name kind places { id } }
          service(id: "camden-frailty") {
            function minAge channels open24x7 provider { id } neighbourhoods { id }
          }
          place(id: "HACKNEY") { name system lsoaCount ints { id } }
          missing: int(id: "no-such-int") { id }
        }""".replace("HACKNEY", HACKNEY)
    )
    int_ = data["int"]
    assert int_["place"] == {"id": CAMDEN}
    assert [n["id"] for n in int_["neighbourhoods"]] == ["camden-north", "camden-south"]
    assert int_["neighbourhoods"][0]["population"] == 1500 + 1501 + 1502
    assert int_["memberships"] == [
        {
            "tier": "HYPER_LOCAL",
            "team": {
                "id": "camden-pharmacy",
                "functions": ["community_pharmacy"],
                "provider": {"id": "ods:F83001", "kind": "GP_PRACTICE"},
            },
        }
    ]
    assert int_["specialists"] == [
        {
            "specialty": "consultant_geriatrician",
            "sessionsPerWeek": 2.0,
            "provider": {"name": "A community trust"},
        }
    ]
    assert data["neighbourhood"]["lsoas"] == ["E01000800", "E01000801", "E01000802"]
    assert data["neighbourhood"]["priorities"] == ["older_people"]
    assert data["organisation"] == {
        "name": "A community trust",
        "kind": "NHS_TRUST",
        "places": [{"id": CAMDEN}],
    }
    assert data["service"]["channels"] == ["PHONE", "HOME_VISIT"]
    assert data["service"]["neighbourhoods"] == [{"id": "camden-north"}]
    assert data["place"] == {
        "name": "Hackney",
        "system": "QMF",
        "lsoaCount": 3,
        "ints": [{"id": "hackney-int-1"}],
    }
    assert data["missing"] is None


LIST = """
query ($after: String, $first: Int, $sort: SortBy!, $kind: OrganisationKind, $place: String) {
  organisations(after: $after, first: $first, sort: $sort, kind: $kind, place: $place) {
    totalCount
    edges { cursor node { id name } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""


@pytest.mark.parametrize("sort", ["ID", "NAME"])
def test_pages_walk_every_item_once_in_order(client: Client, sort: str) -> None:
    seen: list[dict[str, str]] = []
    after = None
    pages = 0
    while True:
        page = client.data(LIST, {"after": after, "first": 3, "sort": sort})["organisations"]
        assert page["totalCount"] == 7
        seen += [edge["node"] for edge in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 3
    key = "id" if sort == "ID" else "name"
    assert [n[key] for n in seen] == sorted(n[key] for n in seen)
    assert len({n["id"] for n in seen}) == 7


#: Each filter takes its own path through the list's statement (the count store and the id or
#: name index read in order unfiltered; a place's or a kind's matches top-N sorted; a search
#: read in index order and filtered): every path, both sorts, walked a page of 2 at a time.
PATHS = [{}, {"place": HACKNEY}, {"place": CAMDEN}, {"kind": "PCN"}, {"kind": "NHS_TRUST"}]


@pytest.fixture(scope="module")
def resolver_client(client: Client, api_settings: Settings) -> Any:  # noqa: ARG001 (its world)
    """The API on the same graph with every request answered by the resolvers, whose lists
    are the named queries (``api_list_*``), not the compiled statement."""
    with LiveServer(api_settings.model_copy(update={"api_compiled": False})) as server:
        yield Client(server)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "resolvers"])
@pytest.mark.parametrize("sort", ["ID", "NAME"])
@pytest.mark.parametrize("filters", PATHS, ids=lambda f: ",".join(f.values()) or "none")
def test_every_path_of_a_list_walks_its_matches_once_in_order(
    request: pytest.FixtureRequest, compiled: bool, sort: str, filters: dict[str, str]
) -> None:
    client: Client = request.getfixturevalue("client" if compiled else "resolver_client")
    whole = client.data(LIST, {"first": 100, "sort": sort, **filters})["organisations"]
    every = [edge["node"] for edge in whole["edges"]]
    key = "id" if sort == "ID" else "name"
    assert every == sorted(every, key=lambda n: (n[key], n["id"]))
    assert whole["totalCount"] == len(every) > 0
    assert client.walk(LIST, "organisations", {"sort": sort, **filters}, len(every)) == every


def test_the_list_paths_are_all_walked() -> None:
    assert len(PATHS) * 2 * 2 >= 20


def test_list_filters_count_only_what_matches(client: Client) -> None:
    page = client.data(LIST, {"sort": "ID", "kind": "PCN"})["organisations"]
    assert page["totalCount"] == 2
    assert [e["node"]["id"] for e in page["edges"]] == ["ods:U11111", "ods:U22222"]
    page = client.data(LIST, {"sort": "ID", "place": HACKNEY})["organisations"]
    assert [e["node"]["id"] for e in page["edges"]] == ["ons:E09000012"]


def test_page_size_and_cursor_are_checked(client: Client) -> None:
    [error] = client.errors(LIST, {"sort": "ID", "first": 101})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "first must be between 0 and 100" in error["message"]
    [error] = client.errors(LIST, {"sort": "ID", "after": "bm90IG91cnM="})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "not a cursor" in error["message"]


# -- roles ---------------------------------------------------------------------------------------

AGREEMENTS = "{ dataSharingAgreements { totalCount nodes { id processors { id } } } }"


def test_the_public_sees_no_agreements_not_even_a_count(client: Client) -> None:
    response = client.post(AGREEMENTS)
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "totalCount" not in response.text
    for query in (
        '{ dataSharingAgreement(id: "camden-direct-care") { id } }',
        '{ dataSharingCoverage(int: "camden-int-1") { covered } }',
        "{ partnersOutsideAgreements { subject } }",
        "{ gaps { lsoasInNoNeighbourhood { subject } } }",
    ):
        [error] = client.errors(query)
        assert error["extensions"]["code"] == "FORBIDDEN", query


def test_governance_reads_agreements_and_coverage(client: Client) -> None:
    data = client.data(AGREEMENTS, key=GOVERNANCE)
    assert data["dataSharingAgreements"]["totalCount"] == 1
    assert data["dataSharingAgreements"]["nodes"][0]["processors"] == [{"id": "local:camden-vcs"}]
    coverage = client.data(
        '{ dataSharingCoverage(int: "camden-int-1", purposes: [DIRECT_CARE]) '
        "{ partnerA partnerB covered agreement } }",
        key=GOVERNANCE,
    )["dataSharingCoverage"]
    # The INT's partners are its teams' providers: the trust and the practice, whom the
    # agreement (trust, council, VCFSE) does not cover together.
    assert coverage == [
        {"partnerA": "ods:F83001", "partnerB": "ods:RKE", "covered": False, "agreement": None}
    ]


def test_integrators_cannot_read_agreements_but_can_read_gaps(client: Client) -> None:
    [error] = client.errors(AGREEMENTS, key=INTEGRATOR)
    assert error["extensions"]["code"] == "FORBIDDEN"
    gaps = client.data(
        "{ gaps { intsWithoutSpecialty { subject place } placesWithoutIntegrator { subject } } }",
        key=INTEGRATOR,
    )["gaps"]
    assert gaps["intsWithoutSpecialty"] == [{"subject": "hackney-int-1", "place": HACKNEY}]
    assert gaps["placesWithoutIntegrator"] == [{"subject": HACKNEY}]
    in_camden = client.data(
        f'{{ gaps(place: "{CAMDEN}") {{ intsWithoutSpecialty {{ subject }} '
        "placesWithoutIntegrator { subject } } }",
        key=INTEGRATOR,
    )["gaps"]
    assert in_camden == {"intsWithoutSpecialty": [], "placesWithoutIntegrator": []}


def test_an_unknown_key_is_refused_not_treated_as_public(client: Client) -> None:
    response = client.post("{ about { name } }", key="not-a-key-anyone-holds")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    response = httpx.post(
        client.url, json={"query": "{ about { name } }"}, headers={"Authorization": "Basic x"}
    )
    assert response.status_code == 401


# -- limits --------------------------------------------------------------------------------------


def test_too_deep_a_query_is_refused(client: Client) -> None:
    deep = (
        '{ resident(lsoa: "E01000800") { ... on Resident { place { integrator { places '
        "{ integrator { places { integrator { places { integrator { id } } } } } } } } } } }"
    )
    [error] = client.errors(deep)
    assert "exceeds maximum operation depth" in error["message"]


def test_too_many_aliases_are_refused(client: Client) -> None:
    query = "{ " + " ".join(f"a{i}: about {{ name }}" for i in range(25)) + " }"
    errors = client.errors(query)
    assert any("aliases" in e["message"] for e in errors)


def test_too_many_tokens_are_refused(client: Client) -> None:
    query = "{ " + "about { name } " * 600 + "}"
    [error] = client.errors(query)
    assert "2000 tokens" in error["message"]


def test_too_costly_a_query_is_refused_before_it_runs(client: Client) -> None:
    before = client.database.round_trips
    query = (
        "{ places(first: 100) { nodes { ints { memberships { team { provider { places "
        "{ neighbourhoods { id } } } } } } } } }"
    )
    [error] = client.errors(query)
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] > error["extensions"]["limit"]
    assert client.database.round_trips == before, "a refused query must not reach Neo4j"


def test_cost_is_judged_on_every_request_with_its_variables(client: Client) -> None:
    """Validation is cached by the query's text; the cost, which depends on the variables,
    must not be."""
    query = (
        "query ($first: Int) { places(first: $first) "
        "{ nodes { ints { memberships { team { name } } } } } }"
    )
    for _ in range(2):
        assert client.data(query, {"first": 1})["places"]["nodes"]
        [error] = client.errors(query, {"first": 100})
        assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"


def test_fragments_count_towards_cost(client: Client) -> None:
    query = (
        "query { places(first: 100) { nodes { ...P } } } "
        "fragment P on Place { ints { memberships { team { provider { places "
        "{ ints { id name } } } } } } }"
    )
    [error] = client.errors(query)
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"


@pytest.mark.usefixtures("client")
def test_production_hides_introspection_and_internal_errors(api_settings: Settings) -> None:
    settings = api_settings.model_copy(update={"env": "production"})
    with LiveServer(settings) as server:
        production = Client(server)
        errors = production.errors("{ __schema { types { name } } }")
        assert all("introspection" in e["message"].lower() for e in errors), errors
        assert production.data("{ about { name } }") == {"about": {"name": "nhgraph"}}
        response = httpx.get(f"{server.url}/graphql")
        assert "graphiql" not in response.text.lower()


def test_internal_errors_are_masked_in_production_and_shown_elsewhere(
    api_settings: Settings, client: Client
) -> None:
    # A stored organisation whose kind is not in the vocabulary: the graph has drifted, which
    # is nhgraph's fault, not the caller's.
    client.database.write(
        "CREATE (:Organisation {id: 'ods:ZZZ', name: 'Drifted', kind: 'spaceship'})"
    )
    query = '{ organisation(id: "ods:ZZZ") { name kind } }'
    try:
        [shown] = client.errors(query)
        assert "spaceship" in shown["message"]
        settings = api_settings.model_copy(update={"env": "production"})
        with LiveServer(settings) as server:
            [masked] = Client(server).errors(query)
            assert masked["message"] == "Unexpected error."
            assert "spaceship" not in json.dumps(masked)
            # A caller's own mistake is still explained in production.
            [own] = Client(server).errors("{ ints(first: 1000) { totalCount } }")
            assert "first must be between 0 and 100" in own["message"]
    finally:
        client.database.write("MATCH (o:Organisation {id: 'ods:ZZZ'}) DELETE o")


def test_batched_requests_are_refused(client: Client) -> None:
    response = httpx.post(
        client.url,
        json=[{"query": "{ about { name } }"}, {"query": "{ about { version } }"}],
        timeout=30,
    )
    assert response.status_code == 400


# -- DataLoaders: round trips do not grow with the number of items -------------------------------

NESTED = """
query ($first: Int) {
  places(first: $first) {
    nodes {
      name integrator { name }
      neighbourhoods { name ints { name } }
      ints { memberships { tier team { name provider { name places { name } } } } }
    }
  }
}
"""


def test_round_trips_do_not_grow_with_items(client: Client) -> None:
    database = client.database
    counts = {}
    for first in (1, 2):
        before = database.round_trips
        data = client.data(NESTED, {"first": first})
        assert len(data["places"]["nodes"]) == first
        counts[first] = database.round_trips - before
    assert counts[1] == counts[2], counts
    assert counts[2] <= 8


# -- the schema file -----------------------------------------------------------------------------


def test_the_committed_sdl_is_current() -> None:
    assert SDL_PATH.read_text(encoding="utf-8") == sdl(), (
        "nhgraph/graphql/schema.graphql is stale: run `make sdl`"
    )


def test_a_key_may_come_as_x_api_key(client: Client) -> None:
    response = httpx.post(
        client.url,
        json={"query": "{ dataSharingAgreements { totalCount } }"},
        headers={"X-API-Key": GOVERNANCE},
        timeout=30,
    )
    assert response.json() == {"data": {"dataSharingAgreements": {"totalCount": 1}}}
